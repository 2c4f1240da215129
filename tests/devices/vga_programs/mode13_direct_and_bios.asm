; Mode 13h: every DAC colour by direct writes to A0000h (chain-4), one
; pixel through INT 10h AH=0Ch.
    mov ax, 0013h
    int 10h
    mov ax, 0A000h
    mov es, ax
    xor di, di
    xor dx, dx
.row:
    mov cx, 320
    xor bx, bx
.col:
    mov al, bl
    add al, dl
    stosb
    inc bx
    loop .col
    inc dx
    cmp dx, 200
    jb .row
    mov ah, 0Ch
    mov al, 15
    mov cx, 10
    mov dx, 10
    int 10h
    jmp done
