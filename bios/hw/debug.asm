; hw/debug.asm - messages for humans: the E9h debug console and the
; screen (which the serial console mirrors).

; AL -> debug port. Preserves all registers.
dbg_putc:
        out DEBUG_PORT, al
        ret

; CS:SI = NUL-terminated string -> debug port only.
dbg_puts:
        push ax
        push si
.next:  cs lodsb
        test al, al
        jz .done
        out DEBUG_PORT, al
        jmp .next
.done:  pop si
        pop ax
        ret

; AL -> screen (INT 10h teletype, which also feeds the serial console)
; and the debug port. Preserves all registers.
con_putc:
        push ax
        push bx
        out DEBUG_PORT, al
        mov ah, 0Eh
        mov bx, 0007h
        int 10h
        pop bx
        pop ax
        ret

; CS:SI = NUL-terminated string -> screen, serial console and debug port,
; exactly as con_putc for each character would print it. In a text mode with
; page 0 on screen, a run of glyphs short of the last column is stored
; straight into text RAM and the hardware cursor moves once at its end: about
; 12 instructions a glyph instead of 65 through INT 10h (POST prints its
; banner and disk lines this way, and cold BIOS code costs the emulator most
; per instruction). Control characters and the last column (wrap, scroll) go
; through con_putc.
con_puts:
        SAVE_REGS ax, bx, cx, dx, si, di, ds, es
        mov ax, BDA_SEG
        mov ds, ax
.run:   cmp byte [PV_VID_CLASS], VC_MONO
        ja .by_char                     ; graphics: glyphs drawn with the ROM fonts
        cmp byte [BDA_VID_PAGE], 0
        jne .by_char                    ; con_putc prints on page 0
        mov byte [PV_KB_IDLE], 0        ; as INT 10h: real work, not an idle spin
        call vid_text_seg
        mov dx, [BDA_VID_CURPOS]        ; page 0's cursor
        mov al, [BDA_VID_COLS]
        mov ch, al
        dec ch                          ; the last column: wrapping is teletype's
        mul dh
        add al, dl
        adc ah, 0
        shl ax, 1
        mov di, ax                      ; page 0 starts at offset 0
        mov cl, [PV_FLAGS]
        and cl, PVF_SERCON
        mov bx, dx                      ; the cursor where the run began
.next:  cs lodsb
        cmp al, 0Dh
        jbe .end_run                    ; NUL ends; CR, LF, BS, BEL are control functions
        cmp dl, ch
        jae .end_run
        out DEBUG_PORT, al
        test cl, cl
        jz .cell
        call sercon_send
.cell:  stosb                           ; teletype keeps the cell's attribute
        inc di
        inc dl
        jmp .next
.end_run:
        cmp dx, bx
        je .control
        mov [BDA_VID_CURPOS], dx
        call vid_update_hw_cursor
.control:
        test al, al
        jz .done
        call con_putc
        jmp .run
.by_char:
        cs lodsb
        test al, al
        jz .done
        call con_putc
        jmp .by_char
.done:  RESTORE_REGS ax, bx, cx, dx, si, di, ds, es
        ret

; DX:AX = unsigned 32-bit number -> decimal on screen and debug port.
con_put_dec32:
        SAVE_REGS ax, bx, cx, dx, si
        mov cx, 0                   ; digit count
        mov si, 10
.divide:
        ; 32-by-16 division in two steps so the quotient never overflows
        mov bx, ax
        mov ax, dx
        xor dx, dx
        div si                      ; high half
        xchg ax, bx
        div si                      ; low half, remainder in DX
        push dx                     ; digit
        inc cx
        mov dx, bx                  ; quotient high
        or bx, ax                   ; whole quotient zero?
        jnz .divide
.print: pop ax
        add al, '0'
        call con_putc
        loop .print
        RESTORE_REGS ax, bx, cx, dx, si
        ret

; AX = unsigned 16-bit number -> decimal.
con_put_dec:
        push dx
        xor dx, dx
        call con_put_dec32
        pop dx
        ret

; AX -> four hex digits.
con_put_hex16:
        push ax
        mov al, ah
        call con_put_hex8
        pop ax
        push ax
        call con_put_hex8
        pop ax
        ret

; AL -> two hex digits.
con_put_hex8:
        push ax
        push cx
        mov ah, al
        mov cl, 4
        shr al, cl
        call .nibble
        mov al, ah
        and al, 0Fh
        call .nibble
        pop cx
        pop ax
        ret
.nibble:
        add al, '0'
        cmp al, '9'
        jbe .out
        add al, 'A' - '0' - 10
.out:   call con_putc
        ret
