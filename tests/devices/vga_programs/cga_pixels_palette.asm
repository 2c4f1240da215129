; A CGA mode (4, 5 or 6, substituted by the test): bytes straight into the
; interleaved banks at B8000h, BIOS pixels with XOR, then AH=0Bh background
; and palette.
    mov ax, 0004h
    int 10h
    ; direct writes: each of the 4 colours in bands, both banks
    mov ax, 0B800h
    mov es, ax
    xor di, di
    mov cx, 2000h
    xor bx, bx
.fill:
    mov al, bl
    stosb
    inc bx
    loop .fill
    ; BIOS pixels: a diagonal, colours 1-3, and XOR
    xor cx, cx
.diag:
    mov dx, cx
    mov al, cl
    and al, 3
    mov ah, 0Ch
    int 10h
    inc cx
    cmp cx, 200
    jb .diag
    mov ax, 0C83h
    mov cx, 5
    mov dx, 5
    int 10h
    ; palette 0 with a blue background, intensity off
    mov ah, 0Bh
    mov bx, 0001h
    int 10h
    mov ah, 0Bh
    mov bx, 0100h
    int 10h
    jmp done
