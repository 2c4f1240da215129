; INT 10h AH=06h/07h in a graphics mode (mode substituted by the test): a
; pattern of BIOS pixels over the top 200 lines, then a window scrolled up
; two rows (blank rows in colour 4), another scrolled down three rows
; (colour 2), and one cleared (AL=0, colour 1).
    mov ax, 0012h
    int 10h
    xor dx, dx
.row:
    xor cx, cx
.dot:
    mov ax, dx               ; colour = 3 * (y / 8) + y + x / 4: no period a scroll hides
    shr ax, 1
    shr ax, 1
    shr ax, 1
    mov bx, ax
    shl ax, 1
    add ax, bx
    add ax, dx
    mov bx, cx
    shr bx, 1
    shr bx, 1
    add ax, bx
    and al, 0Fh
    mov ah, 0Ch
    int 10h
    add cx, 3
    cmp cx, 320
    jb .dot
    inc dx
    cmp dx, 200
    jb .row
    mov ax, 0602h            ; up 2 in rows 2-12, columns 3-20
    mov bh, 04h
    mov cx, 0203h
    mov dx, 0C14h
    int 10h
    mov ax, 0703h            ; down 3 in rows 10-20, columns 22-38
    mov bh, 02h
    mov cx, 0A16h
    mov dx, 1426h
    int 10h
    mov ax, 0600h            ; clear rows 14-16, columns 1-5
    mov bh, 01h
    mov cx, 0E01h
    mov dx, 1005h
    int 10h
    jmp done
