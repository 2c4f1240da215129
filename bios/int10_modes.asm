; int10_modes.asm - the video modes INT 10h AH=00h sets, and how it programs
; the VGA for each: one table row per mode with every register a VGA BIOS
; loads (sequencer 01h-04h, miscellaneous output, CRTC 00h-18h, attribute
; 00h-13h, graphics controller 00h-08h), the DAC colours, and what the BDA
; says about the mode. The register values are the IBM VGA BIOS's (the
; tests compare them with QEMU's VGA BIOS after the same mode set).

; mode classes (PV_VID_CLASS): how the BIOS draws in the mode
VC_TEXT         equ 0       ; colour text at B8000h
VC_MONO         equ 1       ; monochrome text at B0000h
VC_CGA2         equ 2       ; CGA 320x200, 2 bits a pixel, interleaved at B8000h
VC_CGA1         equ 3       ; CGA 640x200, 1 bit a pixel, interleaved at B8000h
VC_PLANAR       equ 4       ; EGA/VGA 16 colours, four planes at A0000h
VC_256          equ 5       ; VGA 256 colours, chain-4 at A0000h

; DAC colour sets
DAC_EGA         equ 0       ; 64 entries: rgbRGB bits (2Ah + 15h levels)
DAC_CGA         equ 1       ; 64 entries: bits 0-2 RGB, bit 4 intensity
DAC_VGA256      equ 2       ; the VGA's 256-colour default
DAC_MONO        equ 3       ; 64 entries: bit 3 normal, bit 4 bright grey

; offsets in a mode table row
MODE_NUM        equ 0
MODE_CLASS      equ 1
MODE_COLS       equ 2
MODE_ROWS       equ 3       ; text rows - 1
MODE_CHARH      equ 4       ; character height in scan lines
MODE_DAC        equ 5
MODE_PAGESZ     equ 6       ; word
MODE_MSR        equ 8       ; CGA mode select register image (BDA 40:65)
MODE_MISC       equ 9
MODE_SEQ        equ 10      ; sequencer 01h-04h
MODE_CRTC       equ 14      ; CRTC 00h-18h
MODE_ATTR       equ 39      ; attribute controller 00h-13h
MODE_GC         equ 59      ; graphics controller 00h-08h
MODE_ROW_SIZE   equ 68

%macro VMODE 9  ; number, class, columns, rows, char height, DAC set, page size, MSR, misc
        db %1, %2, %3, %4 - 1, %5, %6
        dw %7
        db %8, %9
%endmacro

vid_modes:
        VMODE 00h, VC_TEXT, 40, 25, 16, DAC_EGA, 0800h, 2Ch, 67h
        db 08h, 03h, 00h, 02h
        db 2Dh, 27h, 28h, 90h, 2Bh, 0A0h, 0BFh, 1Fh, 00h, 4Fh, 0Dh, 0Eh, 00h, 00h, 00h, 00h
        db 9Ch, 8Eh, 8Fh, 14h, 1Fh, 96h, 0B9h, 0A3h, 0FFh
        db 00h, 01h, 02h, 03h, 04h, 05h, 14h, 07h, 38h, 39h, 3Ah, 3Bh, 3Ch, 3Dh, 3Eh, 3Fh
        db 0Ch, 00h, 0Fh, 08h
        db 00h, 00h, 00h, 00h, 00h, 10h, 0Eh, 0Fh, 0FFh

        VMODE 01h, VC_TEXT, 40, 25, 16, DAC_EGA, 0800h, 28h, 67h
        db 08h, 03h, 00h, 02h
        db 2Dh, 27h, 28h, 90h, 2Bh, 0A0h, 0BFh, 1Fh, 00h, 4Fh, 0Dh, 0Eh, 00h, 00h, 00h, 00h
        db 9Ch, 8Eh, 8Fh, 14h, 1Fh, 96h, 0B9h, 0A3h, 0FFh
        db 00h, 01h, 02h, 03h, 04h, 05h, 14h, 07h, 38h, 39h, 3Ah, 3Bh, 3Ch, 3Dh, 3Eh, 3Fh
        db 0Ch, 00h, 0Fh, 08h
        db 00h, 00h, 00h, 00h, 00h, 10h, 0Eh, 0Fh, 0FFh

        VMODE 02h, VC_TEXT, 80, 25, 16, DAC_EGA, 1000h, 2Dh, 67h
        db 00h, 03h, 00h, 02h
        db 5Fh, 4Fh, 50h, 82h, 55h, 81h, 0BFh, 1Fh, 00h, 4Fh, 0Dh, 0Eh, 00h, 00h, 00h, 00h
        db 9Ch, 8Eh, 8Fh, 28h, 1Fh, 96h, 0B9h, 0A3h, 0FFh
        db 00h, 01h, 02h, 03h, 04h, 05h, 14h, 07h, 38h, 39h, 3Ah, 3Bh, 3Ch, 3Dh, 3Eh, 3Fh
        db 0Ch, 00h, 0Fh, 08h
        db 00h, 00h, 00h, 00h, 00h, 10h, 0Eh, 0Fh, 0FFh

        VMODE 03h, VC_TEXT, 80, 25, 16, DAC_EGA, 1000h, 29h, 67h
        db 00h, 03h, 00h, 02h
        db 5Fh, 4Fh, 50h, 82h, 55h, 81h, 0BFh, 1Fh, 00h, 4Fh, 0Dh, 0Eh, 00h, 00h, 00h, 00h
        db 9Ch, 8Eh, 8Fh, 28h, 1Fh, 96h, 0B9h, 0A3h, 0FFh
        db 00h, 01h, 02h, 03h, 04h, 05h, 14h, 07h, 38h, 39h, 3Ah, 3Bh, 3Ch, 3Dh, 3Eh, 3Fh
        db 0Ch, 00h, 0Fh, 08h
        db 00h, 00h, 00h, 00h, 00h, 10h, 0Eh, 0Fh, 0FFh

        VMODE 04h, VC_CGA2, 40, 25, 8, DAC_CGA, 4000h, 2Ah, 63h
        db 09h, 03h, 00h, 02h
        db 2Dh, 27h, 28h, 90h, 2Bh, 80h, 0BFh, 1Fh, 00h, 0C1h, 00h, 00h, 00h, 00h, 00h, 00h
        db 9Ch, 8Eh, 8Fh, 14h, 00h, 96h, 0B9h, 0A2h, 0FFh
        db 00h, 13h, 15h, 17h, 02h, 04h, 06h, 07h, 10h, 11h, 12h, 13h, 14h, 15h, 16h, 17h
        db 01h, 00h, 03h, 00h
        db 00h, 00h, 00h, 00h, 00h, 30h, 0Fh, 0Fh, 0FFh

        VMODE 05h, VC_CGA2, 40, 25, 8, DAC_CGA, 4000h, 2Eh, 63h
        db 09h, 03h, 00h, 02h
        db 2Dh, 27h, 28h, 90h, 2Bh, 80h, 0BFh, 1Fh, 00h, 0C1h, 00h, 00h, 00h, 00h, 00h, 00h
        db 9Ch, 8Eh, 8Fh, 14h, 00h, 96h, 0B9h, 0A2h, 0FFh
        db 00h, 13h, 15h, 17h, 02h, 04h, 06h, 07h, 10h, 11h, 12h, 13h, 14h, 15h, 16h, 17h
        db 01h, 00h, 03h, 00h
        db 00h, 00h, 00h, 00h, 00h, 30h, 0Fh, 0Fh, 0FFh

        VMODE 06h, VC_CGA1, 80, 25, 8, DAC_CGA, 4000h, 1Eh, 63h
        db 01h, 01h, 00h, 06h
        db 5Fh, 4Fh, 50h, 82h, 54h, 80h, 0BFh, 1Fh, 00h, 0C1h, 00h, 00h, 00h, 00h, 00h, 00h
        db 9Ch, 8Eh, 8Fh, 28h, 00h, 96h, 0B9h, 0C2h, 0FFh
        db 00h, 17h, 17h, 17h, 17h, 17h, 17h, 17h, 17h, 17h, 17h, 17h, 17h, 17h, 17h, 17h
        db 01h, 00h, 01h, 00h
        db 00h, 00h, 00h, 00h, 00h, 00h, 0Dh, 0Fh, 0FFh

        VMODE 07h, VC_MONO, 80, 25, 16, DAC_MONO, 1000h, 29h, 66h
        db 00h, 03h, 00h, 02h
        db 5Fh, 4Fh, 50h, 82h, 55h, 81h, 0BFh, 1Fh, 00h, 4Fh, 0Dh, 0Eh, 00h, 00h, 00h, 00h
        db 9Ch, 8Eh, 8Fh, 28h, 0Fh, 96h, 0B9h, 0A3h, 0FFh
        db 00h, 08h, 08h, 08h, 08h, 08h, 08h, 08h, 10h, 18h, 18h, 18h, 18h, 18h, 18h, 18h
        db 0Eh, 00h, 0Fh, 08h
        db 00h, 00h, 00h, 00h, 00h, 10h, 0Ah, 0Fh, 0FFh

        VMODE 0Dh, VC_PLANAR, 40, 25, 8, DAC_CGA, 2000h, 29h, 63h
        db 09h, 0Fh, 00h, 06h
        db 2Dh, 27h, 28h, 90h, 2Bh, 80h, 0BFh, 1Fh, 00h, 0C0h, 00h, 00h, 00h, 00h, 00h, 00h
        db 9Ch, 8Eh, 8Fh, 14h, 00h, 96h, 0B9h, 0E3h, 0FFh
        db 00h, 01h, 02h, 03h, 04h, 05h, 06h, 07h, 10h, 11h, 12h, 13h, 14h, 15h, 16h, 17h
        db 01h, 00h, 0Fh, 00h
        db 00h, 00h, 00h, 00h, 00h, 00h, 05h, 0Fh, 0FFh

        VMODE 0Eh, VC_PLANAR, 80, 25, 8, DAC_CGA, 4000h, 29h, 63h
        db 01h, 0Fh, 00h, 06h
        db 5Fh, 4Fh, 50h, 82h, 54h, 80h, 0BFh, 1Fh, 00h, 0C0h, 00h, 00h, 00h, 00h, 00h, 00h
        db 9Ch, 8Eh, 8Fh, 28h, 00h, 96h, 0B9h, 0E3h, 0FFh
        db 00h, 01h, 02h, 03h, 04h, 05h, 06h, 07h, 10h, 11h, 12h, 13h, 14h, 15h, 16h, 17h
        db 01h, 00h, 0Fh, 00h
        db 00h, 00h, 00h, 00h, 00h, 00h, 05h, 0Fh, 0FFh

        VMODE 10h, VC_PLANAR, 80, 25, 14, DAC_EGA, 8000h, 29h, 0A3h
        db 01h, 0Fh, 00h, 06h
        db 5Fh, 4Fh, 50h, 82h, 54h, 80h, 0BFh, 1Fh, 00h, 40h, 00h, 00h, 00h, 00h, 00h, 00h
        db 83h, 85h, 5Dh, 28h, 0Fh, 63h, 0BAh, 0E3h, 0FFh
        db 00h, 01h, 02h, 03h, 04h, 05h, 14h, 07h, 38h, 39h, 3Ah, 3Bh, 3Ch, 3Dh, 3Eh, 3Fh
        db 01h, 00h, 0Fh, 00h
        db 00h, 00h, 00h, 00h, 00h, 00h, 05h, 0Fh, 0FFh

        VMODE 12h, VC_PLANAR, 80, 30, 16, DAC_EGA, 0A000h, 29h, 0E3h
        db 01h, 0Fh, 00h, 06h
        db 5Fh, 4Fh, 50h, 82h, 54h, 80h, 0Bh, 3Eh, 00h, 40h, 00h, 00h, 00h, 00h, 00h, 00h
        db 0EAh, 8Ch, 0DFh, 28h, 00h, 0E7h, 04h, 0E3h, 0FFh
        db 00h, 01h, 02h, 03h, 04h, 05h, 14h, 07h, 38h, 39h, 3Ah, 3Bh, 3Ch, 3Dh, 3Eh, 3Fh
        db 01h, 00h, 0Fh, 00h
        db 00h, 00h, 00h, 00h, 00h, 00h, 05h, 0Fh, 0FFh

        VMODE 13h, VC_256, 40, 25, 8, DAC_VGA256, 0FA00h, 29h, 63h
        db 01h, 0Fh, 00h, 0Eh
        db 5Fh, 4Fh, 50h, 82h, 54h, 80h, 0BFh, 1Fh, 00h, 41h, 00h, 00h, 00h, 00h, 00h, 00h
        db 9Ch, 8Eh, 8Fh, 28h, 40h, 96h, 0B9h, 0A3h, 0FFh
        db 00h, 01h, 02h, 03h, 04h, 05h, 06h, 07h, 08h, 09h, 0Ah, 0Bh, 0Ch, 0Dh, 0Eh, 0Fh
        db 41h, 00h, 0Fh, 00h
        db 00h, 00h, 00h, 00h, 00h, 40h, 05h, 0Fh, 0FFh

        db 0FFh

; AL = mode -> CS:SI = its table row; CF set if there is none.
vid_find_mode:
        mov si, vid_modes
.next:  cmp byte [cs:si], 0FFh
        je .none
        cmp al, [cs:si+MODE_NUM]
        je .found
        add si, MODE_ROW_SIZE
        jmp .next
.none:  stc
        ret
.found: clc
        ret

; Load the VGA's registers from the table row at CS:SI (DS = 40h, the
; BDA's CRTC port already set). The sequencer is held in reset while the
; clocking changes, as the VGA requires.
vid_program_regs:
        SAVE_REGS ax, bx, cx, dx
        mov dx, 3C4h
        mov ax, 0100h               ; synchronous reset
        out dx, ax
        mov bx, MODE_SEQ
        mov al, 1
        mov cx, 4
        call vid_indexed_block
        mov dx, 3C2h
        mov al, [cs:si+MODE_MISC]
        out dx, al
        mov dx, 3C4h
        mov ax, 0300h               ; sequencer running again
        out dx, ax
        mov dx, [BDA_VID_CRTC]
        mov ax, 0011h               ; unlock CRTC 00h-07h
        out dx, ax
        mov bx, MODE_CRTC
        xor al, al
        mov cx, 19h
        call vid_indexed_block
        add dx, 6
        in al, dx                   ; attribute flip-flop to "index"
        mov dx, 3C0h
        mov bx, MODE_ATTR
        xor al, al
.attr:  out dx, al
        mov ah, al
        mov al, [cs:si+bx]
        out dx, al
        mov al, ah
        inc bx
        inc al
        cmp al, 14h
        jb .attr
        out dx, al                  ; 14h colour select: 0
        xor al, al
        out dx, al
        mov al, 20h                 ; palette address source: display on
        out dx, al
        mov dx, 3CEh
        mov bx, MODE_GC
        xor al, al
        mov cx, 9
        call vid_indexed_block
        RESTORE_REGS ax, bx, cx, dx
        ret

; CX registers from index AL at port DX (index) / DX+1 (data), values from
; CS:SI+BX onward.
vid_indexed_block:
        mov ah, [cs:si+bx]
        out dx, ax
        inc al
        inc bx
        loop vid_indexed_block
        ret

; Load the DAC with colour set AL (DAC_*): 256 entries, the unused ones black.
; The 64-entry sets are tables built by the assembler (below); DS = 40h.
vid_load_dac:
        SAVE_REGS ax, bx, cx, dx, si
        mov dx, 3C6h
        mov ah, al
        mov al, 0FFh                ; PEL mask
        out dx, al
        mov dx, 3C8h
        xor al, al
        out dx, al
        inc dx
        cmp ah, DAC_VGA256
        je .vga
        mov bl, ah
        xor bh, bh
        shl bx, 1
        mov si, [cs:dac_sets + bx]
        mov cx, 64 * 3
        call vid_out_block
        mov cx, (256 - 64) * 3
        jmp .black
.vga:   xor bx, bx                  ; BL = entry
.cga16: mov al, bl                  ; 00h-0Fh: the 16 CGA colours
        call vid_dac_cga
        inc bl
        cmp bl, 16
        jb .cga16
        mov si, vga_greys           ; 10h-1Fh: a grey ramp
        mov cx, 16
.grey:  cs lodsb
        out dx, al
        out dx, al
        out dx, al
        loop .grey
        ; 20h-F7h: nine ramps (3 intensities x 3 saturations) around 24 hues
        mov bx, vga_ramps
.ramp:  mov si, vga_hues
        mov cx, 24
.hue:   push cx
        mov cx, 3
.comp:  cs lodsb
        cs xlatb                    ; AL = level AL of this ramp
        out dx, al
        loop .comp
        pop cx
        loop .hue
        add bx, 5
        cmp bx, vga_ramps + 9 * 5
        jb .ramp
        mov cx, 8 * 3
.black: mov si, dac_black
        call vid_out_block
        RESTORE_REGS ax, bx, cx, dx, si
        ret

; CX bytes from CS:SI out to port DX (DS = 40h): one REP OUTSB on an 80186
; (PVF_STRING_IO), a byte per pass on an 8086. -> SI past them, CX = 0.
vid_out_block:
        test byte [PV_FLAGS], PVF_STRING_IO
        jz .by_byte
        push ds
        push cs
        pop ds
cpu 186
rep outsb
cpu 8086
        pop ds
        ret
.by_byte:
        cs lodsb
        out dx, al
        loop .by_byte
        ret

; The 64-entry colour sets, by DAC_* number.
dac_sets:
        dw dac_ega, dac_cga, 0, dac_mono

; One DAC component: 2Ah if entry %1 has a bit of %2, plus 15h if a bit of %3.
%macro DAC_LEVEL 3
        db ((%1) & (%2) ? 2Ah : 0) + ((%1) & (%3) ? 15h : 0)
%endmacro

; EGA: entry bits rgbRGB, each colour 2Ah from its capital bit, 15h from the other.
dac_ega:
%assign e 0
%rep 64
        DAC_LEVEL e, 04h, 20h
        DAC_LEVEL e, 02h, 10h
        DAC_LEVEL e, 01h, 08h
%assign e e + 1
%endrep

; CGA: bits 0-2 RGB, bit 4 the intensity (15h on every component); colour 6
; is brown (green 15h, not 2Ah).
dac_cga:
%assign e 0
%rep 64
%assign c (e & 07h) | ((e & 10h) >> 1)
        DAC_LEVEL c, 04h, 08h
%if c == 6
        db 15h
%else
        DAC_LEVEL c, 02h, 08h
%endif
        DAC_LEVEL c, 01h, 08h
%assign e e + 1
%endrep

; Monochrome: bit 3 normal (2Ah), bit 4 bright (15h more), the same grey on
; all three components.
dac_mono:
%assign e 0
%rep 64
        DAC_LEVEL e, 08h, 10h
        DAC_LEVEL e, 08h, 10h
        DAC_LEVEL e, 08h, 10h
%assign e e + 1
%endrep

; The entries a colour set leaves black.
dac_black:
        times (256 - 64) * 3 db 0

; Out one DAC component for entry BL: 2Ah if BL has a bit of CL, plus 15h
; if it has a bit of CH.
vid_dac_level:
        xor al, al
        test bl, cl
        jz .lo
        mov al, 2Ah
.lo:    test bl, ch
        jz .out
        add al, 15h
.out:   out dx, al
        ret

; Out the three components of CGA colour AL (IRGB); colour 6 is brown.
vid_dac_cga:
        push bx
        push cx
        mov bl, al
        mov cx, 0804h
        call vid_dac_level
        cmp bl, 6
        jne .green
        mov al, 15h
        out dx, al
        jmp .blue
.green: mov cl, 02h
        call vid_dac_level
.blue:  mov cl, 01h
        call vid_dac_level
        pop cx
        pop bx
        ret

vga_greys:
        db 00h, 05h, 08h, 0Bh, 0Eh, 11h, 14h, 18h, 1Ch, 20h, 24h, 28h, 2Dh, 32h, 38h, 3Fh
; each ramp: five levels of one component from "none" to "full"
vga_ramps:
        db 00h, 10h, 1Fh, 2Fh, 3Fh
        db 1Fh, 27h, 2Fh, 37h, 3Fh
        db 2Dh, 31h, 36h, 3Ah, 3Fh
        db 00h, 07h, 0Eh, 15h, 1Ch
        db 0Eh, 11h, 15h, 18h, 1Ch
        db 14h, 16h, 18h, 1Ah, 1Ch
        db 00h, 04h, 08h, 0Ch, 10h
        db 08h, 0Ah, 0Ch, 0Eh, 10h
        db 0Bh, 0Ch, 0Dh, 0Fh, 10h
; 24 hues from blue through magenta, red, yellow, green and cyan: the
; ramp level (0-4) of red, green and blue
vga_hues:
        db 0,0,4, 1,0,4, 2,0,4, 3,0,4, 4,0,4, 4,0,3, 4,0,2, 4,0,1
        db 4,0,0, 4,1,0, 4,2,0, 4,3,0, 4,4,0, 3,4,0, 2,4,0, 1,4,0
        db 0,4,0, 0,4,1, 0,4,2, 0,4,3, 0,4,4, 0,3,4, 0,2,4, 0,1,4
