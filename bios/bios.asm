; bios.asm - pcemu BIOS, the top of the 64 KiB ROM mapped at F000:0000.
;
; Build with bios/build.sh (nasm -f bin). Every service lives in its own
; file; this one only includes them and places the fixed tail of the ROM
; (reset vector, date, model byte) where PC software expects it.

        cpu 8086
        bits 16
        org 0

%include "bda.inc"

%define BIOS_VERSION_STR "0.1"

section .text start=0

rom_start:
        db 'pcemu BIOS ', BIOS_VERSION_STR, 0

%include "hw/debug.asm"
%include "hw/pic.asm"
%include "hw/pit.asm"
%include "hw/cmos.asm"
%include "hw/kbc.asm"
%include "hw/serial.asm"
%include "hw/ata.asm"
%include "post.asm"
%include "irq.asm"
%include "int08.asm"
%include "int09.asm"
%include "keymap.asm"
%include "int10.asm"
%include "int10_modes.asm"
%include "int10_gfx.asm"
%include "int11_12.asm"
%include "int13.asm"
%include "int13_floppy.asm"
%include "int13_disk.asm"
%include "int14.asm"
%include "int15.asm"
%include "int16.asm"
%include "int17.asm"
%include "int18_19.asm"
%include "int1a.asm"
%include "sercon.asm"
%include "tables.asm"

; Fonts for characters in graphics modes (see tools/make_bios_fonts.py).
font8x8:
        incbin "font8x8.bin"
font8x14:
        incbin "font8x14.bin"
font8x16:
        incbin "../pcemu/data/cp437-8x16.bin"

rom_code_end:

; The first half of the 8x8 font where the IBM PC keeps it, F000:FA6Eh.
        times 0FA6Eh - ($ - $$) db 0FFh
font8x8_low:
        incbin "font8x8.bin", 0, 400h

; ---- fixed tail of the ROM ----
        times 0FFF0h - ($ - $$) db 0FFh

; The CPU starts at FFFF:0000 = F000:FFF0.
reset_vector:
        jmp BIOS_SEG:post_start             ; FFF0h: 5 bytes
        db '11/23/25'                       ; FFF5h: BIOS date, mm/dd/yy
        db 0                                ; FFFDh
        db 0FCh                             ; FFFEh: model byte (PC/AT class)
        db 0                                ; FFFFh: (no ROM checksum is needed)
