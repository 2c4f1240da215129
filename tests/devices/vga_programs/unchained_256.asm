; Mode X: mode 13h with chain-4 and doubleword addressing off, each plane
; written through the map mask, then read map 2 copied into plane 0.
    mov ax, 0013h
    int 10h
    mov dx, 3C4h
    mov ax, 0604h            ; chain-4 off
    out dx, ax
    mov dx, 3D4h
    mov ax, 0014h            ; doubleword off
    out dx, ax
    mov ax, 0E317h           ; byte mode
    out dx, ax
    mov ax, 0A000h
    mov es, ax
    ; plane p gets colour 16*p + offset
    mov bl, 1
.plane:
    mov dx, 3C4h
    mov al, 2
    mov ah, bl
    out dx, ax
    xor di, di
    mov cx, 16000
    mov al, bl
    shl al, 1
    shl al, 1
    shl al, 1
    shl al, 1
.px:
    stosb
    inc al
    loop .px
    shl bl, 1
    cmp bl, 16
    jb .plane
    ; read back through read map 2 into plane 0 at offset 8000h
    mov dx, 3CEh
    mov ax, 0204h
    out dx, ax
    mov dx, 3C4h
    mov ax, 0102h
    out dx, ax
    push ds
    push es
    pop ds
    xor si, si
    mov di, 8000h
    mov cx, 4000
    rep movsb
    pop ds
    jmp done
