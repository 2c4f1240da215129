; hw/serial.asm - 16550A UARTs: detection, the serial console's output side.

; DX = UART base -> CF=0 if a UART answers there. The scratch register is
; the cheapest test that tells a UART from an empty (floating) port.
uart_probe:
        push ax
        push dx
        add dx, 7
        mov al, 5Ah
        out dx, al
        in al, dx
        cmp al, 5Ah
        jne .absent
        mov al, 0A5h
        out dx, al
        in al, dx
        cmp al, 0A5h
        jne .absent
        clc
        jmp .out
.absent:
        stc
.out:   pop dx
        pop ax
        ret

; DS = 40h. Fill 40:00-40:07 with the UARTs that exist, in COM order.
; Returns CL = number found.
uart_detect:
        SAVE_REGS ax, dx, si, di
        xor cl, cl
        mov di, BDA_COM_BASE
        mov si, com_candidates
.next:  cs lodsw
        test ax, ax
        jz .done
        mov dx, ax
        call uart_probe
        jc .next
        mov [di], dx
        add di, 2
        inc cl
        jmp .next
.done:  mov word [BDA_COM_TIMEOUT], 0101h   ; INT 14h timeouts, in polling rounds
        mov word [BDA_COM_TIMEOUT+2], 0101h
        RESTORE_REGS ax, dx, si, di
        ret

com_candidates: dw 3F8h, 2F8h, 3E8h, 2E8h, 0

; COM1 as the console: 115200 8N1, FIFOs on, receive interrupt on, OUT2
; (which gates the UART's IRQ line onto the ISA bus on a PC).
sercon_uart_init:
        push ax
        push dx
        mov dx, COM1_BASE + 3
        mov al, 80h                 ; DLAB
        out dx, al
        mov dx, COM1_BASE
        mov al, 1                   ; divisor 1 = 115200 baud
        out dx, al
        inc dx
        xor al, al
        out dx, al
        mov dx, COM1_BASE + 3
        mov al, 03h                 ; 8 data bits, no parity, 1 stop, DLAB off
        out dx, al
        mov dx, COM1_BASE + 2
        mov al, 07h                 ; FIFO on and cleared, trigger at 1 byte
        out dx, al
        mov dx, COM1_BASE + 4
        mov al, 0Bh                 ; DTR, RTS, OUT2
        out dx, al
        mov dx, COM1_BASE + 1
        mov al, 01h                 ; interrupt on received data
        out dx, al
        ; clear stale conditions so the first IRQ edge is a real one
        mov dx, COM1_BASE + 5
        in al, dx
        mov dx, COM1_BASE
        in al, dx
        mov dx, COM1_BASE + 2
        in al, dx
        mov dx, COM1_BASE + 6
        in al, dx
        pop dx
        pop ax
        ret

; AL -> COM1 if the serial console is on. Preserves all registers.
; Waits a bounded time for the transmitter so a stuck UART cannot hang
; screen output.
sercon_putc:
        push ds
        push ax
        mov ax, BDA_SEG
        mov ds, ax
        test byte [PV_FLAGS], PVF_SERCON
        pop ax
        pop ds
        jz sercon_off
; AL -> COM1 (the caller knows the serial console is on). Preserves all registers.
sercon_send:
        SAVE_REGS cx, dx, ax
        mov dx, COM1_BASE + 5
        mov cx, 0FFFFh
.wait:  in al, dx
        test al, 20h                ; THR empty
        jnz .send
        loop .wait
.send:  pop ax
        mov dx, COM1_BASE
        out dx, al
        pop dx
        pop cx
sercon_off:
        ret
