; int10.asm - video services. Modes (int10_modes.asm): text 0/1 (40x25),
; 2/3 (80x25 colour), 7 (80x25 mono); CGA graphics 4/5 (320x200, 4 colours)
; and 6 (640x200, 2 colours); EGA/VGA 0Dh (320x200), 0Eh (640x200), 10h
; (640x350), 12h (640x480) in 16 colours; VGA 13h (320x200, 256 colours).
; A mode set loads every VGA register and the DAC as a VGA BIOS does. In
; text modes the emulator draws text RAM with its own font; in graphics
; modes characters are drawn into video memory with the ROM fonts
; (int10_gfx.asm). Characters written through the teletype-style calls are
; mirrored to the serial console.

VID_ROWS    equ 25

int10_handler:
        sti
        cld
        cmp ah, 0Eh
        je vid_teletype_short
int10_framed:
        SAVE_FRAME
        mov si, BDA_SEG
        mov ds, si
        KB_NOT_IDLE
        mov si, ax
        mov al, ah
        xor ah, ah
        cmp al, INT10_FUNCS
        jae .high
        xchg si, ax                 ; AX = caller's AX again, SI = function
        shl si, 1
        jmp [cs:int10_table + si]
.high:  cmp al, 1Ah
        mov ax, si
        je vid_display_combination
        jmp int10_done

int10_done:
        RESTORE_FRAME_IRET

int10_table:
        dw vid_set_mode             ; 00
        dw vid_set_cursor_shape     ; 01
        dw vid_set_cursor_pos       ; 02
        dw vid_get_cursor           ; 03
        dw vid_light_pen            ; 04
        dw vid_select_page          ; 05
        dw vid_scroll_up_fn         ; 06
        dw vid_scroll_down_fn       ; 07
        dw vid_read_char            ; 08
        dw vid_write_char_attr      ; 09
        dw vid_write_char_only      ; 0A
        dw vid_cga_palette          ; 0B
        dw vid_write_pixel          ; 0C
        dw vid_read_pixel           ; 0D
        dw vid_teletype             ; 0E
        dw vid_get_mode             ; 0F
        dw vid_palette              ; 10
        dw vid_font                 ; 11
        dw vid_alt_select           ; 12
        dw vid_write_string         ; 13
INT10_FUNCS equ ($ - int10_table) / 2

; ---------------------------------------------------------------------
; helpers (DS = 40h)

; ES = text RAM segment of the current mode.
vid_text_seg:
        push ax
        mov ax, 0B800h
        cmp byte [BDA_VID_MODE], 7
        jne .set
        mov ax, 0B000h
.set:   mov es, ax
        pop ax
        ret

; BH = page, DH = row, DL = column -> DI = byte offset in text RAM
vid_cell_offset:
        push ax
        push dx
        mov al, bh
        and al, 7
        xor ah, ah
        mul word [BDA_VID_PAGESZ]
        mov di, ax
        pop dx
        push dx
        mov al, dh
        mul byte [BDA_VID_COLS]
        add al, dl
        adc ah, 0
        shl ax, 1
        add di, ax
        pop dx
        pop ax
        ret

; BH = page -> DX = its cursor position
vid_get_pos:
        push bx
        mov bl, bh
        and bx, 7
        shl bx, 1
        mov dx, [BDA_VID_CURPOS + bx]
        pop bx
        ret

; BH = page, DX = position: store it, and move the hardware cursor if the
; page is the one on screen.
vid_set_pos:
        SAVE_REGS ax, bx, dx
        mov bl, bh
        and bx, 7
        shl bx, 1
        mov [BDA_VID_CURPOS + bx], dx
        shr bx, 1
        cmp bl, [BDA_VID_PAGE]
        jne .done
        call vid_update_hw_cursor
.done:
        RESTORE_REGS ax, bx, dx
        ret

; Program CRTC 0Eh/0Fh from the active page's cursor.
vid_update_hw_cursor:
        SAVE_REGS ax, bx, dx
        mov bl, [BDA_VID_PAGE]
        and bx, 7
        shl bx, 1
        mov dx, [BDA_VID_CURPOS + bx]
        mov al, dh
        mul byte [BDA_VID_COLS]
        xor dh, dh
        add ax, dx
        mov bx, [BDA_VID_PAGEOFS]
        shr bx, 1
        add bx, ax                  ; character address
        call vid_crtc_cursor
        RESTORE_REGS ax, bx, dx
        ret

; BX = character address of the cursor -> CRTC 0Eh/0Fh. Changes AX, DX.
vid_crtc_cursor:
        mov dx, [BDA_VID_CRTC]
        mov al, 0Eh
        mov ah, bh
        out dx, ax
        mov al, 0Fh
        mov ah, bl
        out dx, ax
        ret

; CRTC register AL <- AH
vid_crtc_write:
        push dx
        mov dx, [BDA_VID_CRTC]
        out dx, ax
        pop dx
        ret

; Scroll a window of one page.
;   AL = rows to scroll (0 or more than the window = clear it)
;   BH = attribute for the blank rows, BL = page
;   CH/CL = top row/left column, DH/DL = bottom row/right column
;   SI = 0 up, 1 down
; DS = 40h on entry; all registers preserved.
vid_scroll:
        SAVE_REGS ax, bx, cx, dx, si, di, ds, es, bp
        mov bp, sp
        sub sp, 10
        ; clamp the window to the screen
        mov ah, [BDA_VID_COLS]
        dec ah
        cmp dl, ah
        jbe .col_ok
        mov dl, ah
.col_ok:
        mov ah, [BDA_VID_ROWS]
        cmp dh, ah
        jbe .row_ok
        mov dh, ah
.row_ok:
        cmp ch, dh
        ja .out
        cmp cl, dl
        ja .out
        mov ah, dh
        sub ah, ch
        inc ah                      ; window height
        test al, al
        jz .all
        cmp al, ah
        jbe .lines_ok
.all:   mov al, ah
.lines_ok:
        cmp byte [PV_VID_CLASS], VC_MONO
        jbe .text
        call gfx_scroll_lines
        jmp .out
.text:  mov [bp-8], ax              ; [bp-8] = lines, [bp-7] = height
        mov [bp-10], si             ; direction
        mov al, dl
        sub al, cl
        inc al
        xor ah, ah
        mov [bp-4], ax              ; width in cells
        mov al, ' '
        mov ah, bh
        mov [bp-6], ax              ; blank cell
        mov ax, [BDA_VID_COLS]
        shl ax, 1
        mov [bp-2], ax              ; bytes per row
        push dx
        mov dx, cx
        mov bh, bl
        call vid_cell_offset        ; DI = top-left cell
        pop dx
        mov bx, [bp-2]              ; BX = step from one row to the next
        cmp word [bp-10], 0
        je .from_top
        ; scrolling down works from the bottom row upward
        mov al, [bp-7]
        dec al
        xor ah, ah
        mul word [bp-2]
        add di, ax
        neg bx
.from_top:
        mov al, [bp-8]
        xor ah, ah
        mul word [bp-2]
        cmp word [bp-10], 0
        je .src
        neg ax
.src:   mov si, di
        add si, ax                  ; SI = row that moves into DI's place
        mov dl, [bp-7]
        sub dl, [bp-8]              ; rows to move
        call vid_text_seg
        push es
        pop ds
.move:  test dl, dl
        jz .fill
        push si
        push di
        mov cx, [bp-4]
        rep movsw
        pop di
        pop si
        add si, bx
        add di, bx
        dec dl
        jmp .move
.fill:  mov dl, [bp-8]
.blank: test dl, dl
        jz .out
        push di
        mov cx, [bp-4]
        mov ax, [bp-6]
        rep stosw
        pop di
        add di, bx
        dec dl
        jmp .blank
.out:   mov sp, bp
        RESTORE_REGS ax, bx, cx, dx, si, di, ds, es, bp
        ret

; Write one character the way the teletype does, advancing the cursor and
; scrolling at the bottom. AL = char, BH = page, BL = attribute,
; CL = 1 to store BL as the attribute too (AH=13h), 0 to keep the cell's.
; CR, LF, BS and BEL are control functions, not glyphs.
vid_tty_core:
        SAVE_REGS ax, bx, cx, dx, di, es
        call sercon_putc
        call vid_get_pos
        cmp al, 0Dh
        je .cr
        cmp al, 0Ah
        je .lf
        cmp al, 08h
        je .bs
        cmp al, 07h
        je .bel
        cmp byte [PV_VID_CLASS], VC_MONO
        jbe .text
        call gfx_draw_char          ; BL is the colour in graphics modes
        jmp .advance
.text:  call vid_text_seg
        call vid_cell_offset
        mov [es:di], al
        test cl, cl
        jz .advance
        mov [es:di+1], bl
.advance:
        inc dl
        cmp dl, [BDA_VID_COLS]
        jb .set
        xor dl, dl
.lf:    inc dh
        cmp dh, [BDA_VID_ROWS]
        jbe .set
        ; past the last row: scroll the page up, new row takes the
        ; attribute of the cell the cursor lands on
        mov dh, [BDA_VID_ROWS]
        xor ah, ah                  ; graphics: the new row is colour 0
        cmp byte [PV_VID_CLASS], VC_MONO
        ja .blank_row
        call vid_text_seg
        call vid_cell_offset
        mov ah, [es:di+1]
.blank_row:
        push si
        push dx
        mov bl, bh                  ; page
        mov bh, ah                  ; attribute
        mov al, 1
        xor cx, cx
        mov dl, [BDA_VID_COLS]
        dec dl
        xor si, si
        call vid_scroll
        pop dx
        pop si
        mov bh, bl
        jmp .set
.cr:    xor dl, dl
        jmp .set
.bs:    test dl, dl
        jz .set
        dec dl
        jmp .set
.bel:   call vid_beep
        jmp .done
.set:   call vid_set_pos
.done:
        RESTORE_REGS ax, bx, cx, dx, di, es
        ret

; A short tone on the speaker (PIT channel 2, already programmed ~1 kHz).
vid_beep:
        push ax
        push cx
        in al, SYS_CTRL
        or al, 03h
        out SYS_CTRL, al
        mov cx, 2000h
.wait:  loop .wait
        in al, SYS_CTRL
        and al, 0FCh
        out SYS_CTRL, al
        pop cx
        pop ax
        ret

; ---------------------------------------------------------------------
; AH=00h: set video mode AL (bit 7 = keep video RAM)
vid_set_mode:
        mov ah, al
        and al, 7Fh
        call vid_find_mode          ; CS:SI = the mode's table row
        jc int10_done               ; not a mode we have: nothing changes
        mov [BDA_VID_MODE], al
        mov cl, [cs:si+MODE_CLASS]
        mov [PV_VID_CLASS], cl
        mov cl, [cs:si+MODE_COLS]
        xor ch, ch
        mov [BDA_VID_COLS], cx
        mov dx, [cs:si+MODE_PAGESZ]
        mov [BDA_VID_PAGESZ], dx
        mov dl, [cs:si+MODE_MSR]
        mov [BDA_VID_MSR], dl
        mov word [BDA_VID_PAGEOFS], 0
        push ds
        pop es
        mov di, BDA_VID_CURPOS
        push ax
        push cx
        xor ax, ax
        mov cx, 8
        rep stosw
        pop cx
        pop ax
        mov byte [BDA_VID_PAGE], 0
        mov byte [BDA_VID_PAL], 30h
        mov dl, [cs:si+MODE_ROWS]
        mov [BDA_VID_ROWS], dl
        mov dl, [cs:si+MODE_CHARH]
        xor dh, dh
        mov [BDA_VID_CHARH], dx
        mov dl, ah
        and dl, 80h
        or dl, 60h
        mov [BDA_VID_EGAINFO], dl
        mov byte [BDA_VID_SWITCH], 09h
        mov byte [BDA_VID_VGAFLG], 51h
        mov byte [BDA_VID_DCC], 0Bh
        ; colour or mono addressing, also in the equipment word
        mov bx, 3D4h
        mov dh, 20h
        mov word [BDA_VID_CURSHP], 0607h
        cmp byte [cs:si+MODE_CLASS], VC_MONO
        jne .addr
        mov bx, 3B4h
        mov dh, 30h
        mov word [BDA_VID_CURSHP], 0B0Ch
.addr:  mov [BDA_VID_CRTC], bx
        and byte [BDA_EQUIPMENT], 0CFh
        or [BDA_EQUIPMENT], dh
        call vid_program_regs
        push ax
        mov al, [cs:si+MODE_DAC]
        call vid_load_dac
        call vid_set_font_vector
        cmp byte [PV_VID_CLASS], VC_MONO
        ja .graphics
        mov cx, [BDA_VID_CURSHP]
        call vid_program_cursor_shape
        call vid_update_hw_cursor
.graphics:
        pop ax
        test ah, 80h
        jnz .done
        call vid_clear_memory
.done:  jmp int10_done

; Clear the mode's video memory: blanks in text modes, colour 0 in graphics.
vid_clear_memory:
        SAVE_REGS ax, cx, di, es
        mov al, [PV_VID_CLASS]
        xor di, di
        mov cx, 4000h
        cmp al, VC_MONO
        ja .gfx
        call vid_text_seg
        mov ax, 0720h
        jmp .fill
.gfx:   cmp al, VC_CGA1
        ja .a000
        mov ax, 0B800h
        mov es, ax
        xor ax, ax
        jmp .fill
.a000:  mov ax, 0A000h
        mov es, ax
        xor ax, ax
        mov cx, 8000h
.fill:  rep stosw
        RESTORE_REGS ax, cx, di, es
        ret

; INT 43h: the font for graphics characters in the new mode (8x8, 8x14 or
; 8x16 by the character height).
vid_set_font_vector:
        push ax
        push es
        xor ax, ax
        mov es, ax
        mov ax, font8x8
        cmp byte [BDA_VID_CHARH], 8
        je .set
        mov ax, font8x14
        cmp byte [BDA_VID_CHARH], 14
        je .set
        mov ax, font8x16
.set:   mov [es:43h*4], ax
        mov word [es:43h*4+2], BIOS_SEG
        pop es
        pop ax
        ret

; CX = shape as the caller gives it (CGA-style 8-line values are scaled
; to the 16-line VGA cell, as VGA BIOSes' cursor emulation does).
vid_program_cursor_shape:
        push ax
        push cx
        test ch, 20h
        jnz .off
        and cx, 1F1Fh
        cmp ch, 7
        ja .raw
        cmp cl, 7
        ja .raw
        cmp byte [BDA_VID_CHARH], 8
        jbe .raw
        cmp ch, 6
        jb .scale
        add ch, 7                   ; underline style: 6/7 -> 13/14
        add cl, 7
        jmp .raw
.scale: shl ch, 1
        shl cl, 1
        inc cl
.raw:   mov ah, ch
        mov al, 0Ah
        call vid_crtc_write
        mov ah, cl
        mov al, 0Bh
        call vid_crtc_write
        jmp .out
.off:   mov ax, 200Ah
        call vid_crtc_write
.out:   pop cx
        pop ax
        ret

; AH=01h: cursor shape CX
vid_set_cursor_shape:
        mov [BDA_VID_CURSHP], cx
        call vid_program_cursor_shape
        jmp int10_done

; AH=02h: BH = page, DX = position
vid_set_cursor_pos:
        cmp bh, 8
        jae .out
        call vid_set_pos
.out:   jmp int10_done

; AH=03h: BH = page -> DX = position, CX = shape
vid_get_cursor:
        and bh, 7
        call vid_get_pos
        mov [bp+F_DX], dx
        mov ax, [BDA_VID_CURSHP]
        mov [bp+F_CX], ax
        jmp int10_done

; AH=04h: no light pen
vid_light_pen:
        mov byte [bp+F_AH], 0
        jmp int10_done

; AH=05h: AL = page to show
vid_select_page:
        cmp al, 8
        jae .out
        mov [BDA_VID_PAGE], al
        xor ah, ah
        mul word [BDA_VID_PAGESZ]
        mov [BDA_VID_PAGEOFS], ax
        shr ax, 1
        mov bl, al
        mov al, 0Ch
        call vid_crtc_write
        mov ah, bl
        mov al, 0Dh
        call vid_crtc_write
        call vid_update_hw_cursor
.out:   jmp int10_done

; AH=06h / 07h: scroll the active page's window
vid_scroll_up_fn:
        xor si, si
        jmp vid_scroll_fn
vid_scroll_down_fn:
        mov si, 1
vid_scroll_fn:
        mov bl, [BDA_VID_PAGE]
        call vid_scroll
        jmp int10_done

; AH=08h: BH = page -> AL = character, AH = attribute at its cursor
; (graphics modes: 0, no character recognition)
vid_read_char:
        xor ax, ax
        cmp byte [PV_VID_CLASS], VC_MONO
        ja .put
        call vid_get_pos
        call vid_text_seg
        call vid_cell_offset
        mov ax, [es:di]
.put:   mov [bp+F_AX], ax
        jmp int10_done

; AH=09h: AL = char, BL = attribute, BH = page, CX = count; cursor stays
vid_write_char_attr:
        mov si, 1
        jmp vid_write_chars
; AH=0Ah: as 09h but keeps the attributes
vid_write_char_only:
        xor si, si
vid_write_chars:
        jcxz .out
        call vid_get_pos
        cmp byte [PV_VID_CLASS], VC_MONO
        jbe .text
.glyph: call gfx_draw_char          ; graphics: BL is the colour, no wrap
        inc dl
        cmp dl, [BDA_VID_COLS]
        jae .out
        loop .glyph
        jmp .out
.text:        call vid_text_seg
        call vid_cell_offset
        ; never write past the end of video RAM
        mov dx, 8000h
        sub dx, di
        shr dx, 1
        cmp cx, dx
        jbe .mirror
        mov cx, dx
.mirror:
        ; the serial console sees the character once per cell, but a row's
        ; worth at most: long runs are screen clearing, not text
        push cx
        cmp cx, 80
        jbe .send
        mov cx, 80
.send:  call sercon_putc
        loop .send
        pop cx
        test si, si
        jz .chars
        mov ah, bl
        rep stosw
        jmp .out
.chars: stosb
        inc di
        loop .chars
.out:   jmp int10_done

; AH=0Eh before the register frame: DOS prints every character this way.
; A glyph (0Eh-FFh) on the page on screen in a text mode, with the cursor
; short of the last column, is stored and the cursor moved on here, in about
; 60 instructions instead of 150 (the POST banner and a DOS boot print a few
; hundred characters; cold guest code costs the emulator most per
; instruction). Everything else goes through the frame to vid_teletype.
vid_teletype_short:
        SAVE_REGS ds, es, ax, bx, dx, di
        mov di, BDA_SEG
        mov ds, di
        KB_NOT_IDLE
        cmp al, 0Dh
        jbe .framed                 ; CR, LF, BS, BEL are control functions
        cmp byte [PV_VID_CLASS], VC_MONO
        ja .framed                  ; graphics: glyphs drawn with the ROM fonts
        cmp bh, [BDA_VID_PAGE]
        jne .framed                 ; a page not on screen
        mov bl, bh
        xor bh, bh
        shl bx, 1
        mov dx, [BDA_VID_CURPOS + bx]
        inc dl
        cmp dl, [BDA_VID_COLS]
        jae .framed                 ; the last column: wrap, maybe scroll
        mov [BDA_VID_CURPOS + bx], dx
        test byte [PV_FLAGS], PVF_SERCON
        jz .cell
        call sercon_send
.cell:  mov bl, al
        mov ax, 0B800h
        cmp byte [BDA_VID_MODE], 7
        jne .seg
        mov ah, 0B0h
.seg:   mov es, ax
        mov al, [BDA_VID_COLS]
        mul dh
        add al, dl
        adc ah, 0                   ; AX = the new cursor's cell in the page
        mov di, ax
        shl di, 1
        add di, [BDA_VID_PAGEOFS]   ; its byte offset; the glyph goes one cell back
        mov [es:di-2], bl
        mov bx, [BDA_VID_PAGEOFS]
        shr bx, 1
        add bx, ax                  ; character address
        call vid_crtc_cursor
        RESTORE_REGS ds, es, ax, bx, dx, di
        iret
.framed:
        RESTORE_REGS ds, es, ax, bx, dx, di
        jmp int10_framed

; AH=0Eh: teletype AL, page BH
vid_teletype:
        xor cl, cl
        call vid_tty_core
        jmp int10_done

; AH=0Fh -> AL = mode, AH = columns, BH = active page
vid_get_mode:
        mov al, [BDA_VID_EGAINFO]
        and al, 80h
        or al, [BDA_VID_MODE]
        mov ah, [BDA_VID_COLS]
        mov [bp+F_AX], ax
        mov al, [BDA_VID_PAGE]
        mov [bp+F_BH], al
        jmp int10_done

; AH=10h: palette registers (00h-02h set, 07h-09h get), blink/intensity (03h),
; DAC entries and blocks (10h/12h set, 15h/17h get), PEL mask (18h/19h)
vid_palette:
        cmp al, 00h
        je .set_reg
        cmp al, 01h
        je .set_overscan
        cmp al, 02h
        je .set_all
        cmp al, 03h
        je .blink
        cmp al, 07h
        je .get_reg
        cmp al, 08h
        je .get_overscan
        cmp al, 10h
        je .set_dac
        cmp al, 12h
        je .set_dac_block
        cmp al, 15h
        je .get_dac
        cmp al, 17h
        je .get_dac_block
        cmp al, 1Ah
        je .get_page_state
        cmp al, 09h
        je .get_all
        cmp al, 18h
        je .set_pel_mask
        cmp al, 19h
        je .get_pel_mask
        jmp int10_done
.get_all:                           ; ES:DX <- 16 palette registers and the overscan
        mov di, dx
        xor al, al
.get_next:
        call vid_attr_read
        mov [es:di], ah
        inc di
        inc al
        cmp al, 10h
        jb .get_next
        mov al, 11h
        call vid_attr_read
        mov [es:di], ah
        jmp int10_done
.set_pel_mask:
        mov al, bl
        mov dx, 3C6h
        out dx, al
        jmp int10_done
.get_pel_mask:
        mov dx, 3C6h
        in al, dx
        mov [bp+F_BL], al
        jmp int10_done
.set_reg:
        mov al, bl
        mov ah, bh
        call vid_attr_write
        jmp int10_done
.set_overscan:
        mov al, 11h
        mov ah, bh
        call vid_attr_write
        jmp int10_done
.set_all:
        mov si, dx
        xor al, al
.next_reg:
        mov ah, [es:si]
        call vid_attr_write
        inc si
        inc al
        cmp al, 10h
        jb .next_reg
        mov ah, [es:si]
        mov al, 11h
        call vid_attr_write
        jmp int10_done
.blink: mov al, 10h
        call vid_attr_read
        and ah, ~08h & 0FFh
        and byte [BDA_VID_MSR], ~20h & 0FFh
        test bl, bl
        jz .blink_set
        or ah, 08h
        or byte [BDA_VID_MSR], 20h
.blink_set:
        call vid_attr_write
        jmp int10_done
.get_reg:
        mov al, bl
        call vid_attr_read
        mov [bp+F_BH], ah
        jmp int10_done
.get_overscan:
        mov al, 11h
        call vid_attr_read
        mov [bp+F_BH], ah
        jmp int10_done
.set_dac:
        mov al, bl
        mov dx, 3C8h
        out dx, al
        inc dx
        mov al, [bp+F_DH]
        out dx, al
        mov al, ch
        out dx, al
        mov al, cl
        out dx, al
        jmp int10_done
.set_dac_block:
        mov si, dx
        mov al, bl
        mov dx, 3C8h
        out dx, al
        inc dx
        jcxz .done
.dac_w: es lodsb
        out dx, al
        es lodsb
        out dx, al
        es lodsb
        out dx, al
        loop .dac_w
.done:  jmp int10_done
.get_dac:
        mov al, bl
        mov dx, 3C7h
        out dx, al
        mov dx, 3C9h
        in al, dx
        mov [bp+F_DH], al
        in al, dx
        mov [bp+F_CH], al
        in al, dx
        mov [bp+F_CL], al
        jmp int10_done
.get_dac_block:
        mov di, dx
        mov al, bl
        mov dx, 3C7h
        out dx, al
        mov dx, 3C9h
        jcxz .done
.dac_r: in al, dx
        stosb
        in al, dx
        stosb
        in al, dx
        stosb
        loop .dac_r
        jmp int10_done
.get_page_state:
        mov word [bp+F_BX], 0
        jmp int10_done

; attribute controller register AL <- AH, leaving the display on
vid_attr_write:
        SAVE_REGS ax, dx, ax
        mov dx, [BDA_VID_CRTC]
        add dx, 6
        in al, dx                   ; flip-flop to "index"
        pop ax
        mov dx, 3C0h
        or al, 20h
        out dx, al
        mov al, ah
        out dx, al
        pop dx
        pop ax
        ret

; attribute controller register AL -> AH
vid_attr_read:
        push dx
        push ax
        mov dx, [BDA_VID_CRTC]
        add dx, 6
        in al, dx
        pop ax
        push ax
        mov dx, 3C0h
        or al, 20h
        out dx, al
        inc dx
        in al, dx                   ; 3C1h
        pop dx                      ; old AX
        mov ah, al
        mov al, dl
        pop dx
        ret

; AH=11h: character generator. Loads are accepted (the emulator draws text
; modes with its own font); AL=30h reports the current height and rows and
; points ES:BP at font BH: 0 INT 1Fh, 1 INT 43h, 2 8x14, 3 8x8 (00h-7Fh),
; 4 8x8 (80h-FFh), 5 9x14 (the 8x14), 6 8x16, 7 9x16 (the 8x16).
vid_font:
        cmp al, 30h
        jne .out
        mov ax, [BDA_VID_CHARH]
        mov [bp+F_CX], ax
        mov al, [BDA_VID_ROWS]
        mov [bp+F_DL], al
        mov bl, bh
        cmp bl, 1
        ja .rom
        xor ax, ax
        mov es, ax
        mov si, 1Fh*4
        test bl, bl
        jz .vector
        mov si, 43h*4
.vector:
        mov ax, [es:si]
        mov [bp+F_BP], ax
        mov ax, [es:si+2]
        mov [bp+F_ES], ax
        jmp .out
.rom:   cmp bl, 7
        ja .out
        xor bh, bh
        shl bx, 1
        mov ax, [cs:vid_font_table + bx - 4]
        mov [bp+F_BP], ax
        mov word [bp+F_ES], BIOS_SEG
.out:   jmp int10_done

vid_font_table:
        dw font8x14, font8x8_low, font8x8 + 400h, font8x14, font8x16, font8x16

; AH=12h: alternate select
vid_alt_select:
        cmp bl, 10h
        jne .other
        xor bh, bh
        cmp byte [BDA_VID_MODE], 7
        jne .colour
        inc bh
.colour:
        mov [bp+F_BH], bh
        mov byte [bp+F_BL], 03h     ; 256K of video memory
        mov word [bp+F_CX], 0009h   ; no feature bits, switch setting 9
        jmp int10_done
.other: cmp bl, 30h
        jb .out
        cmp bl, 36h
        ja .out
        mov byte [bp+F_AL], 12h     ; "supported" (and nothing to change)
.out:   jmp int10_done

; AH=13h: write string ES:BP, CX chars, at DH/DL on page BH, attribute BL;
; AL bit 0 = leave the cursor after the string, bit 1 = string holds
; char/attribute pairs.
vid_write_string:
        jcxz .out
        mov si, [bp+F_BP]
        mov ah, al
        push dx
        call vid_get_pos
        mov di, dx                  ; cursor to restore
        pop dx
        call vid_set_pos
.next:  mov al, [es:si]
        inc si
        test ah, 02h
        jz .put
        mov bl, [es:si]
        inc si
.put:   push cx
        mov cl, 1
        call vid_tty_core
        pop cx
        loop .next
        test ah, 01h
        jnz .out
        mov dx, di
        call vid_set_pos
.out:   jmp int10_done

; AH=1Ah: display combination code
vid_display_combination:
        cmp al, 1
        ja .out
        jb .read
        mov byte [bp+F_AL], 1Ah     ; AL=01h "set": accepted, nothing to do
        jmp .out
.read:  mov byte [bp+F_AL], 1Ah
        mov bx, 0008h               ; VGA with colour display
        cmp byte [BDA_VID_MODE], 7
        jne .code
        mov bl, 07h                 ; VGA with mono display
.code:  mov [bp+F_BX], bx
.out:   jmp int10_done

