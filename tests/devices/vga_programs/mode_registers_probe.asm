; For each mode: INT 10h AH=00h, then print (hex, on COM1) the miscellaneous
; output register, sequencer 00h-04h, CRTC 00h-18h, graphics 00h-08h,
; attribute 00h-14h and all 256 DAC entries; one line a mode.
org 7C00h
bits 16
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 7C00h
    mov si, modes
.mode:
    lodsb
    cmp al, 0FFh
    jne .set
    jmp done
.set:
    push si
    xor ah, ah
    int 10h
    mov dx, 3CCh
    in al, dx
    call hexal
    mov dx, 3C4h
    mov cx, 5
    xor bl, bl
    call idx
    mov dx, 3D4h
    mov cx, 19h
    xor bl, bl
    call idx
    mov dx, 3CEh
    mov cx, 9
    xor bl, bl
    call idx
    xor bx, bx
.attr:
    mov dx, 3DAh
    in al, dx
    mov dx, 3C0h
    mov al, bl
    out dx, al
    inc dx
    in al, dx
    call hexal
    inc bx
    cmp bx, 15h
    jb .attr
    mov dx, 3DAh
    in al, dx
    mov dx, 3C0h
    mov al, 20h
    out dx, al
    mov dx, 3C7h
    xor al, al
    out dx, al
    mov dx, 3C9h
    mov cx, 256*3
.dac:
    in al, dx
    call hexal
    loop .dac
    mov al, 0Ah
    call putc
    pop si
    jmp .mode
idx:
    mov al, bl
    out dx, al
    inc dx
    in al, dx
    dec dx
    call hexal
    inc bl
    loop idx
    ret
modes: db 00h, 01h, 02h, 03h, 04h, 05h, 06h, 0Dh, 0Eh, 10h, 12h, 13h, 0FFh
