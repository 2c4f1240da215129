; Characters in a graphics mode (mode substituted by the test): BIOS
; pixels, five teletype line feeds on the last row (the screen scrolls),
; teletype 'Ab', 82h in colour 0Fh, AH=09h 'XXX' in colour 0Dh on row 0
; (colours with bit 0 set, so they show in the 2- and 1-bit CGA modes too).
    mov ax, 0012h
    int 10h
    xor cx, cx
.diag:
    mov dx, cx
    mov al, cl
    and al, 0Fh
    or al, 1
    mov ah, 0Ch
    int 10h
    inc cx
    cmp cx, 190
    jb .diag
    mov ah, 02h              ; cursor to the last row
    xor bh, bh
    mov dh, [0484h]
    xor dl, dl
    int 10h
    mov cx, 5
.nl:
    mov ax, 0E0Dh
    int 10h
    mov ax, 0E0Ah
    int 10h
    loop .nl
    mov ax, 0E41h            ; 'A' in colour 0Fh on the last row
    mov bx, 000Fh
    int 10h
    mov ax, 0E62h
    int 10h
    mov ax, 0E82h            ; an upper-half code (the CGA modes find it through INT 1Fh)
    int 10h
    mov ah, 02h
    xor bh, bh
    mov dx, 000Ah            ; row 0, column 10
    int 10h
    mov ax, 0958h            ; 'X' x3 in colour 0Dh
    mov bx, 000Dh
    mov cx, 3
    int 10h
    jmp done
