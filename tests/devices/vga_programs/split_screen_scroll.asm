; Mode 13h with the CRTC reprogrammed: a DAC entry through 3C8h/3C9h, the
; start address (scroll), the offset (a wider virtual screen) and the line
; compare (split screen: the lines below it show memory from address 0).
    mov ax, 0013h
    int 10h
    mov ax, 0A000h
    mov es, ax
    xor di, di
    xor cx, cx
.fill:
    mov ax, di
    xor al, ah
    stosb
    loop .fill
    ; DAC entry 7 -> (3Fh, 20h, 00h) through the ports
    mov dx, 3C8h
    mov al, 7
    out dx, al
    inc dx
    mov al, 3Fh
    out dx, al
    mov al, 20h
    out dx, al
    xor al, al
    out dx, al
    mov dx, 3D4h
    mov ax, 0011h            ; unprotect
    out dx, ax
    mov ax, 060Ch            ; start address 0640h: 20 rows down
    out dx, ax
    mov ax, 400Dh            ; start 0640h = 1600
    out dx, ax
    mov ax, 3013h            ; offset 30h: rows of 96 plane bytes
    out dx, ax
    mov ax, 0C818h           ; line compare C8h = 200
    out dx, ax
    mov ax, 0F07h            ; overflow: line compare bit 8 clear
    out dx, ax
    mov ax, 0109h            ; max scan line 1, line compare bit 9 clear
    out dx, ax
    jmp done
