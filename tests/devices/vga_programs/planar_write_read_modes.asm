; A 16-colour planar mode (the test substitutes the mode number): BIOS
; pixels (AH=0Ch, XOR, AH=0Dh), then write modes 0 (set/reset, bit mask,
; rotate, XOR), 1 (latch copy), 2 and 3, read modes 1 (colour compare) and
; 0 (read map) made visible, map mask, palette (AX=1000h) and DAC (AX=1010h).
    mov ax, 0012h
    int 10h
    ; BIOS pixels: a diagonal in all 16 colours, and an XOR pixel over it
    xor cx, cx
.diag:
    mov dx, cx
    mov al, cl
    and al, 0Fh
    mov ah, 0Ch
    int 10h
    inc cx
    cmp cx, 300
    jb .diag
    mov ax, 0C8Fh            ; XOR white at (20,20)
    mov cx, 20
    mov dx, 20
    int 10h
    mov ax, 0A000h
    mov es, ax
    mov dx, 3CEh
    ; write mode 0 with set/reset on planes 0 and 2, bit mask F0h: rows 100-109
    mov ax, 0500h            ; set/reset = 5
    out dx, ax
    mov ax, 0501h            ; enable set/reset planes 0, 2
    out dx, ax
    mov ax, 0F008h           ; bit mask
    out dx, ax
    mov di, 100*80
    mov cx, 10*80
.wm0:
    mov al, [es:di]          ; latches
    mov al, 0CCh             ; planes 1, 3 get CCh
    stosb
    loop .wm0
    mov ax, 0001h
    out dx, ax
    mov ax, 0FF08h
    out dx, ax
    ; rotate 3 + XOR function, rows 110-119
    mov ax, 1B03h            ; XOR, rotate right 3
    out dx, ax
    mov di, 110*80
    mov cx, 10*80
.wm0x:
    mov al, [es:di]
    mov al, 0F1h
    stosb
    loop .wm0x
    mov ax, 0003h
    out dx, ax
    ; write mode 2, colour from CPU, bit mask AAh: rows 120-129
    mov ax, 0205h
    out dx, ax
    mov ax, 0AA08h
    out dx, ax
    mov di, 120*80
    mov cx, 10*80
    mov bl, 0
.wm2:
    mov al, [es:di]
    mov al, bl
    stosb
    inc bl
    loop .wm2
    ; write mode 3: set/reset colour 0Eh, CPU byte (rotated 1) ANDed with bit mask FFh: rows 130-139
    mov ax, 0FF08h
    out dx, ax
    mov ax, 0305h
    out dx, ax
    mov ax, 0E00h
    out dx, ax
    mov ax, 0103h            ; rotate 1
    out dx, ax
    mov di, 130*80
    mov cx, 10*80
.wm3:
    mov al, [es:di]
    mov al, 0C3h
    stosb
    loop .wm3
    mov ax, 0003h
    out dx, ax
    ; write mode 1: copy rows 100-139 to rows 200-239 through the latches
    mov ax, 0105h
    out dx, ax
    push ds
    push es
    pop ds
    mov si, 100*80
    mov di, 200*80
    mov cx, 40*80
    rep movsb
    pop ds
    ; read mode 1: colour compare 5 (care planes 0-2) over rows 100-139 -> written as white bytes at rows 300-339
    mov ax, 0805h            ; read mode 1, write mode 0
    out dx, ax
    mov ax, 0502h            ; colour compare 5
    out dx, ax
    mov ax, 0707h            ; don't care: compare planes 0-2
    out dx, ax
    mov si, 100*80
    mov di, 300*80
    mov cx, 40*80
.rm1:
    mov al, [es:si]
    inc si
    mov bl, al
    mov ax, 0005h            ; back to read mode 0 to write
    out dx, ax
    mov al, bl
    stosb
    mov ax, 0805h
    out dx, ax
    loop .rm1
    mov ax, 0005h
    out dx, ax
    ; read mode 0, read map 2, copied as bytes on map mask plane 1 only at rows 340-379
    mov ax, 0204h
    out dx, ax
    mov dx, 3C4h
    mov ax, 0202h            ; map mask: plane 1
    out dx, ax
    mov si, 100*80
    mov di, 340*80
    mov cx, 40*80
.rm0:
    mov al, [es:si]
    inc si
    stosb
    loop .rm0
    mov ax, 0F02h
    out dx, ax
    ; palette: colour 1 -> DAC 3Fh... via INT 10h AX=1000h; DAC 14h -> (10h, 20h, 30h) via AX=1010h
    mov ax, 1000h
    mov bx, 3F01h
    int 10h
    mov ax, 1010h
    mov bx, 0014h
    mov dh, 10h
    mov cx, 2030h
    int 10h
    ; read pixel back: (5,5) through AH=0Dh, drawn at (400, 5)
    mov ah, 0Dh
    mov cx, 5
    mov dx, 5
    int 10h
    mov ah, 0Ch
    mov cx, 400
    int 10h
    jmp done
