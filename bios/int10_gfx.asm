; int10_gfx.asm - INT 10h in graphics modes: pixels (AH=0Ch/0Dh), characters
; drawn with the ROM fonts (teletype, AH=09h/0Ah), scrolling, and the CGA
; palette call (AH=0Bh). Every routine works for the four layouts the mode
; classes name (int10_modes.asm): CGA 2- and 1-bit interleaved at B8000h,
; planar 16 colours and chain-4 256 colours at A0000h. Planar pixels go
; through the graphics controller's write mode 2 and bit mask, as on a VGA;
; the BIOS leaves write mode 0 and a full bit mask behind.

; CX = x, DX = scan line -> ES:DI = the byte holding the pixel, and
;   CGA: CL = the pixel's shift, AH = its mask before the shift (3 or 1)
;   planar: AH = the pixel's bit
; DS = 40h. AL kept; BX, CX, DX changed.
gfx_address:
        push ax
        cmp byte [PV_VID_CLASS], VC_PLANAR
        jb .cga
        mov ax, 320
        ja .line
        mov ax, [BDA_VID_COLS]      ; planar: a byte is 8 pixels of a line
.line:  mul dx
        mov di, ax
        mov ax, 0A000h
        mov es, ax
        pop ax
        cmp byte [PV_VID_CLASS], VC_256
        je .byte
        mov bx, cx
        shr bx, 1
        shr bx, 1
        shr bx, 1
        add di, bx
        and cl, 7
        mov ah, 80h
        shr ah, cl
        ret
.byte:  add di, cx
        ret
.cga:   mov bx, dx                  ; even lines at B8000h, odd at BA000h
        mov ax, dx
        shr ax, 1
        mov dx, 80
        mul dx
        mov di, ax
        test bl, 1
        jz .even
        add di, 2000h
.even:  mov ax, 0B800h
        mov es, ax
        pop ax
        mov bx, cx
        shr bx, 1
        shr bx, 1
        cmp byte [PV_VID_CLASS], VC_CGA1
        je .one
        add di, bx
        and cl, 3
        xor cl, 3
        shl cl, 1
        mov ah, 3
        ret
.one:   shr bx, 1
        add di, bx
        and cl, 7
        xor cl, 7
        mov ah, 1
        ret

; Pixel at CX, DX <- colour AL (bit 7: XOR with the pixel, except in
; 256-colour modes). DS = 40h; all registers kept.
gfx_plot:
        SAVE_REGS ax, bx, cx, dx, di, es
        call gfx_address
        cmp byte [PV_VID_CLASS], VC_PLANAR
        je .planar
        ja .v256
        mov bl, al
        and al, ah
        shl al, cl
        shl ah, cl
        test bl, 80h
        jnz .xor
        not ah
        and [es:di], ah
        or [es:di], al
        jmp .out
.xor:   xor [es:di], al
        jmp .out
.v256:  mov [es:di], al
        jmp .out
.planar:
        mov bl, al
        mov dx, 3CEh
        mov al, 08h                 ; bit mask: this pixel only
        out dx, ax
        mov ax, 0205h               ; write mode 2: CPU bits 0-3 are the colour
        out dx, ax
        mov ax, 0003h               ; replace...
        test bl, 80h
        jz .func
        mov ah, 18h                 ; ...or XOR
.func:  out dx, ax
        mov al, [es:di]             ; load the latches: other pixels stay
        mov [es:di], bl
        mov ax, 0FF08h
        out dx, ax
        mov ax, 0005h
        out dx, ax
        mov ax, 0003h
        out dx, ax
.out:
        RESTORE_REGS ax, bx, cx, dx, di, es
        ret

; CX = x, DX = scan line -> AL = the pixel's colour. DS = 40h; others kept.
gfx_read_pixel:
        SAVE_REGS bx, cx, dx, di, es, ax
        call gfx_address
        cmp byte [PV_VID_CLASS], VC_PLANAR
        je .planar
        ja .v256
        mov al, [es:di]
        shr al, cl
        and al, ah
        jmp .out
.v256:  mov al, [es:di]
        jmp .out
.planar:
        mov bh, ah                  ; the pixel's bit
        xor bl, bl
        mov dx, 3CEh
        mov ax, 0304h               ; read map select, plane 3 first
.plane: out dx, ax
        shl bl, 1
        test [es:di], bh
        jz .zero
        or bl, 1
.zero:  dec ah
        jns .plane
        mov ax, 0004h
        out dx, ax
        mov al, bl
.out:   pop bx
        mov ah, bh                  ; caller's AH
        RESTORE_REGS bx, cx, dx, di, es
        ret

; AH=0Ch: write pixel AL at CX, DX (BH = page: one page in graphics)
vid_write_pixel:
        cmp byte [PV_VID_CLASS], VC_MONO
        jbe .out
        call gfx_plot
.out:   jmp int10_done

; AH=0Dh: read pixel at CX, DX -> AL
vid_read_pixel:
        xor al, al
        cmp byte [PV_VID_CLASS], VC_MONO
        jbe .out
        call gfx_read_pixel
.out:   mov [bp+F_AL], al
        jmp int10_done

; Draw character AL in colour BL (bit 7: XOR, except in 256-colour modes)
; at text row DH, column DL, from the mode's ROM font: the CGA modes take
; 00h-7Fh from F000:FA6Eh and 80h-FFh through INT 1Fh, the others all 256
; through INT 43h. Background dots are colour 0. DS = 40h; registers kept.
gfx_draw_char:
        SAVE_REGS ax, bx, cx, dx, si, di, bp, es
        mov cl, [BDA_VID_CHARH]
        xor si, si
        mov es, si
        cmp byte [PV_VID_CLASS], VC_CGA1
        ja .int43
        cmp al, 80h
        jae .int1f
        mov si, BIOS_SEG
        mov es, si
        mov si, font8x8_low
        jmp .glyph
.int1f: sub al, 80h
        les si, [es:1Fh*4]
        jmp .glyph
.int43: les si, [es:43h*4]
.glyph: mul cl                      ; AX = code * height
        add si, ax
        mov al, dh
        mul cl
        mov bp, ax                  ; BP = top scan line of the cell
        mov al, dl
        xor ah, ah
        shl ax, 1
        shl ax, 1
        shl ax, 1
        mov di, ax                  ; DI = left x
        mov ch, cl                  ; CH = glyph rows left
.row:   mov bh, [es:si]
        inc si
        push cx
        mov cx, di
        mov dx, bp
.dot:   mov al, bl
        shl bh, 1
        jc .set
        test bl, 80h
        jz .clear
        cmp byte [PV_VID_CLASS], VC_256
        jne .next                   ; XOR with a blank dot: unchanged
.clear: xor al, al
.set:   call gfx_plot
.next:  inc cx
        mov ax, di
        add ax, 8
        cmp cx, ax
        jb .dot
        pop cx
        inc bp
        dec ch
        jnz .row
        RESTORE_REGS ax, bx, cx, dx, si, di, bp, es
        ret

; Scroll a window in a graphics mode (vid_scroll has clamped it):
;   AL = text rows to scroll, AH = window height in rows, BH = fill colour,
;   CH/CL = top row/left column, DH/DL = bottom row/right column,
;   SI = 0 up, 1 down. DS = 40h; registers changed.
gfx_scroll_lines:
        push bp
        mov bp, sp
        sub sp, 14
        mov [bp-14], si             ; direction
        mov bl, [BDA_VID_CHARH]
        push ax
        mul bl
        mov [bp-2], ax              ; scan lines the window moves
        pop ax
        mov al, ah
        mul bl
        sub ax, [bp-2]
        mov [bp-4], ax              ; scan lines that are copied
        mov al, ch
        mul bl
        mov [bp-6], ax              ; the window's top scan line
        mov al, cl
        xor ah, ah
        shl ax, 1
        shl ax, 1
        shl ax, 1
        mov [bp-8], ax              ; its left x
        mov al, dl
        sub al, cl
        inc al
        xor ah, ah                  ; columns; bytes a column: 8, 2 or 1
        cmp byte [PV_VID_CLASS], VC_256
        jne .cga2w
        shl ax, 1
        shl ax, 1
        shl ax, 1
        jmp .width
.cga2w: cmp byte [PV_VID_CLASS], VC_CGA2
        jne .width
        shl ax, 1
.width: mov [bp-10], ax             ; bytes a scan line of the window
        mov al, bh                  ; the fill byte for the colour
        cmp byte [PV_VID_CLASS], VC_CGA2
        jne .cga1f
        and al, 3
        mov ah, 55h
        mul ah
        jmp .fill_set
.cga1f: cmp byte [PV_VID_CLASS], VC_CGA1
        jne .fill_set
        and al, 1
        neg al
.fill_set:
        mov [bp-12], al
        mov ax, 0105h               ; planar: copy through the latches
        call gfx_planar_gc
        mov cx, [bp-4]
        jcxz .fill
        mov dx, [bp-6]              ; first destination line
        cmp word [bp-14], 0
        je .move
        add dx, [bp-4]              ; downward: start from the bottom
        add dx, [bp-2]
        dec dx
.move:  push cx
        push dx
        mov ax, dx
        cmp word [bp-14], 0
        jne .down
        add ax, [bp-2]
        jmp .source
.down:  sub ax, [bp-2]
.source:
        push ax
        mov cx, [bp-8]
        call gfx_address            ; destination
        pop dx
        push di
        mov cx, [bp-8]
        call gfx_address            ; source
        mov si, di
        pop di
        mov cx, [bp-10]
        push ds
        push es
        pop ds
        rep movsb
        RESTORE_REGS cx, dx, ds
        cmp word [bp-14], 0
        jne .prev
        inc dx
        jmp .more
.prev:  dec dx
.more:  loop .move
.fill:  mov ax, 0205h               ; planar: write mode 2, the byte is the colour
        call gfx_planar_gc
        mov dx, [bp-6]
        cmp word [bp-14], 0
        jne .blank
        add dx, [bp-4]              ; upward: the lines at the bottom
.blank: mov cx, [bp-2]
        jcxz .done
.line:  push cx
        push dx
        mov cx, [bp-8]
        call gfx_address
        mov cx, [bp-10]
        mov al, [bp-12]
        rep stosb
        pop dx
        pop cx
        inc dx
        loop .line
.done:  mov ax, 0005h
        call gfx_planar_gc
        mov sp, bp
        pop bp
        ret

; Graphics controller register AL <- AH, in planar modes only (the CGA and
; 256-colour modes keep their own mode register).
gfx_planar_gc:
        cmp byte [PV_VID_CLASS], VC_PLANAR
        jne .out
        push dx
        mov dx, 3CEh
        out dx, ax
        pop dx
.out:   ret

; AH=0Bh: BH=0: background (graphics) and border colour BL, bit 4 the CGA
; intensity of colours 1-3; BH=1: CGA palette BL (0 green/red/brown, 1
; cyan/magenta/white). The attribute controller's palette does the work;
; in mode 6 the foreground follows the palette like colour 3 (as QEMU's
; VGA BIOS does).
vid_cga_palette:
        mov ah, bl
        test bh, bh
        jnz .palette
        and ah, 0Fh
        test ah, 08h
        jz .low
        add ah, 08h                 ; intensity moves to bit 4 (CGA DAC set)
.low:   mov al, 11h
        call vid_attr_write
        mov al, [BDA_VID_PAL]
        and al, 0E0h
        or al, bl
        and al, 3Fh
        mov [BDA_VID_PAL], al
        cmp byte [PV_VID_CLASS], VC_MONO
        jbe .out
        xor al, al
        call vid_attr_write         ; background
        call gfx_is_cga
        jne .out
        mov cl, bl
        and cl, 10h
        mov ch, 0EFh
        jmp .colours
.palette:
        call gfx_is_cga
        jne .out
        and byte [BDA_VID_PAL], 0DFh
        test bl, 1
        jz .pal0
        or byte [BDA_VID_PAL], 20h
.pal0:  mov cl, bl
        and cl, 1
        mov ch, 0FEh
; colours 1-3: keep the bits of CH, add CL
.colours:
        mov al, 1
.next:  call vid_attr_read
        and ah, ch
        or ah, cl
        call vid_attr_write
        inc al
        cmp al, 4
        jb .next
.out:   jmp int10_done

; ZF set in the CGA modes (4, 5, 6).
gfx_is_cga:
        cmp byte [PV_VID_CLASS], VC_CGA2
        je .out
        cmp byte [PV_VID_CLASS], VC_CGA1
.out:   ret
