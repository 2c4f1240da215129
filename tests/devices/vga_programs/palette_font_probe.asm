; INT 10h palette and font services, printed in hex on COM1: AX=1009h (all
; palette registers and the overscan) after AX=1000h/1001h/1002h changes,
; AX=1019h after AX=1018h, AX=1017h (a DAC block) after AX=1012h, AX=1015h,
; AX=1007h, AX=1008h; AX=1130h BH=3 (the 8x8 font's address, F000:FA6Eh on
; every PC BIOS); AH=0Fh.
org 7C00h
bits 16
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 7C00h
    mov ax, 0012h
    int 10h
    mov ax, 1000h            ; palette register 3 <- 2Ah
    mov bx, 2A03h
    int 10h
    mov ax, 1001h            ; overscan <- 05h
    mov bh, 05h
    int 10h
    mov ax, 1009h
    mov dx, buf
    int 10h
    mov si, buf
    mov cx, 17
    call hexbuf
    mov ax, 1002h            ; all 16 + overscan from a table
    mov dx, table
    int 10h
    mov ax, 1009h
    mov dx, buf
    int 10h
    mov si, buf
    mov cx, 17
    call hexbuf
    mov ax, 1007h            ; register 5
    mov bl, 5
    int 10h
    mov al, bh
    call hexal
    mov ax, 1008h            ; overscan
    int 10h
    mov al, bh
    call hexal
    mov ax, 1018h            ; PEL mask 7Fh
    mov bl, 7Fh
    int 10h
    mov ax, 1019h
    int 10h
    mov al, bl
    call hexal
    mov ax, 1012h            ; DAC 40h-41h from the table
    mov bx, 40h
    mov cx, 2
    mov dx, table
    int 10h
    mov ax, 1017h
    mov bx, 3Fh
    mov cx, 3
    mov dx, buf
    int 10h
    mov si, buf
    mov cx, 9
    call hexbuf
    mov ax, 1015h            ; DAC 41h
    mov bl, 41h
    int 10h
    mov al, dh
    call hexal
    mov al, ch
    call hexal
    mov al, cl
    call hexal
    mov ax, 1130h
    mov bh, 3
    push bp
    int 10h
    mov ax, es
    mov si, bp
    pop bp
    push ax
    mov al, ah
    call hexal
    pop ax
    call hexal
    mov ax, si
    push ax
    mov al, ah
    call hexal
    pop ax
    call hexal
    mov ah, 0Fh
    int 10h
    call hexal
    mov al, ah
    call hexal
    jmp done
hexbuf:
    lodsb
    call hexal
    loop hexbuf
    ret
table: db 3Fh, 3Eh, 3Dh, 3Ch, 3Bh, 3Ah, 39h, 38h, 07h, 06h, 05h, 04h, 03h, 02h, 01h, 00h, 11h
buf: times 17 db 0
