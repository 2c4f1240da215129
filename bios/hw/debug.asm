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

; CS:SI = NUL-terminated string -> screen, serial console and debug port.
con_puts:
        push ax
        push si
.next:  cs lodsb
        test al, al
        jz .done
        call con_putc
        jmp .next
.done:  pop si
        pop ax
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
