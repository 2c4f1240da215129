; INT 10h AH=0Eh (teletype) in 80x25 text, printed in hex on COM1: glyphs,
; the wrap at the last column, BS, CR, LF, the scroll at the bottom row, a
; glyph code below 0Dh; then the cursor (AH=03h), the CRTC cursor address
; (0Eh/0Fh) and the cells written. (BH names the page on ours, as on IBM's
; BIOS; QEMU's VGA BIOS writes to the page on screen whatever BH says, so
; only page 0 is compared.)
org 7C00h
bits 16
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 7C00h
    mov ax, 0003h
    int 10h
    mov si, part1            ; "Hi", CR LF, "ok"
    call tty0
    mov ah, 02h              ; cursor to row 2, column 77
    xor bh, bh
    mov dx, 024Dh
    int 10h
    mov si, part2            ; "ABCD" wraps; BS; "E"; 01h is a glyph
    call tty0
    mov ah, 02h              ; cursor to row 24, column 78
    mov dx, 184Eh
    int 10h
    mov si, part3            ; "YZ" wraps at the bottom row: the page scrolls; then "W"
    call tty0
    mov ah, 03h              ; the cursor
    int 10h
    mov al, dh
    call hexal
    mov al, dl
    call hexal
    mov dx, 3D4h             ; CRTC cursor address
    mov al, 0Eh
    out dx, al
    inc dx
    in al, dx
    call hexal
    dec dx
    mov al, 0Fh
    out dx, al
    inc dx
    in al, dx
    call hexal
    mov ax, 0B800h
    mov es, ax
    mov si, cells            ; (offset, length) pairs of text RAM to print
.range:
    cs lodsw
    test ax, ax
    jz done
    mov di, ax
    cs lodsw
    mov cx, ax
.byte:
    mov al, [es:di]
    inc di
    call hexal
    loop .byte
    jmp .range

tty0:                        ; CS:SI = NUL-terminated string -> AH=0Eh on page 0
    xor bh, bh
.next:
    cs lodsb
    test al, al
    jz .out
    mov ah, 0Eh
    int 10h
    jmp .next
.out:
    ret

part1: db 'Hi', 13, 10, 'ok', 0
part2: db 'ABCD', 8, 'E', 1, 0
part3: db 'YZ', 'W', 0
cells:                       ; after the scroll every row is one up
    dw 0 * 160 + 1, 8        ; row 0 ("ok", was row 1), from offset 1: attributes too
    dw 1 * 160 + 152, 8      ; row 1 (was row 2), columns 76-79
    dw 2 * 160, 8            ; row 2, columns 0-3
    dw 23 * 160 + 154, 6     ; row 23 (was 24), columns 77-79
    dw 24 * 160, 6           ; row 24, the new bottom row
    dw 0
