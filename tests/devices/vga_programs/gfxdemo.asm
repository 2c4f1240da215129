; GFXDEMO.COM: a DOS program that switches to mode 13h, draws a red square
; with direct writes and a white line through INT 10h AH=0Ch, waits for a
; key, then sets text mode 3 again and exits, as DOS demos and games do.
org 100h
cpu 8086
    mov ax, 0013h
    int 10h
    mov ax, 0A000h
    mov es, ax
    mov di, 50*320 + 100     ; a 60x60 square in colour 4 from (100, 50)
    mov dx, 60
.row:
    mov cx, 60
    mov al, 4
    rep stosb
    add di, 320 - 60
    dec dx
    jnz .row
    mov cx, 0                ; a white line along row 150
.line:
    mov ax, 0C0Fh
    mov dx, 150
    int 10h
    inc cx
    cmp cx, 320
    jb .line
    xor ah, ah               ; wait for a key
    int 16h
    mov ax, 0003h
    int 10h
    mov ah, 09h
    mov dx, msg
    int 21h
    mov ax, 4C00h
    int 21h
msg: db 'back in text mode', 13, 10, '$'
