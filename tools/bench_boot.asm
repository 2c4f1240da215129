; Boot sector of the whole-machine benchmark floppy (python -m pcemu.bench).
; Assemble: nasm -f bin -o pcemu/bench_boot.bin tools/bench_boot.asm
;
; The BIOS loads this sector to 0000:7C00 and jumps here. It reads the
; benchmark guest (tools/bench.asm) from the sectors after it to 1000:0000
; through INT 13h, writes GUEST_START to the POST-code port 80h (so the host
; can tell the instruction count at which the guest begins: the OUT, then
; the far JMP, then the guest's first instruction) and jumps to the guest.
; A disk error shows "E" and halts with interrupts off.

        cpu 8086
        bits 16
        org 0x7c00

GUEST_SEGMENT equ 0x1000
GUEST_SECTORS equ 4
GUEST_START   equ 0xBE

        cli
        xor ax, ax
        mov ss, ax
        mov sp, 0x7c00
        sti
        mov ax, GUEST_SEGMENT
        mov es, ax
        xor bx, bx
        mov ax, 0x0200 + GUEST_SECTORS  ; AH=02h read, AL = sectors
        mov cx, 0x0002                  ; cylinder 0, sector 2
        xor dh, dh                      ; head 0, DL = boot drive from the BIOS
        int 0x13
        jc .fail
        mov al, GUEST_START
        out 0x80, al
        jmp GUEST_SEGMENT:0x0000
.fail:  mov ax, 0x0e45                  ; teletype "E"
        xor bx, bx
        int 0x10
        cli
        hlt

        times 510-($-$$) db 0
        dw 0xAA55
