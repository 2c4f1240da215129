; int14.asm - serial port services for COM1-COM4 (DX = port index).

int14_handler:
        sti
        cld
        SAVE_FRAME
        mov si, BDA_SEG
        mov ds, si
        cmp dx, 3
        ja .done
        mov si, dx
        shl si, 1
        mov dx, [BDA_COM_BASE + si]
        test dx, dx
        jz .no_port
        shr si, 1                   ; SI = port index again (for timeouts)
        cmp ah, 0
        je com_init
        cmp ah, 1
        je com_send
        cmp ah, 2
        je com_receive
        cmp ah, 3
        je com_status
.done:  RESTORE_FRAME_IRET
.no_port:
        mov byte [bp+F_AH], 80h     ; timeout: nothing there
        jmp int14_done

int14_done:
        RESTORE_FRAME_IRET

; baud divisors for AL bits 7-5: 110 150 300 600 1200 2400 4800 9600
com_divisors: dw 1047, 768, 384, 192, 96, 48, 24, 12

; AH=00h: AL = baud (bits 7-5), parity (4-3), stop bits (2), length (1-0)
com_init:
        mov bl, al
        mov cl, 5
        shr bl, cl
        xor bh, bh
        shl bx, 1
        mov bx, [cs:com_divisors + bx]
        push dx
        add dx, 3
        mov al, 80h
        out dx, al
        sub dx, 3
        mov al, bl
        out dx, al
        inc dx
        mov al, bh
        out dx, al
        add dx, 2
        mov al, [bp+F_AL]
        and al, 1Fh                 ; line control: same bit layout
        out dx, al
        pop dx
        jmp com_status

; AH=01h: send AL; AH bit 7 set on timeout
com_send:
        push dx
        add dx, 5
        call com_wait_bit_20h
        pop dx
        jc com_timeout
        mov al, [bp+F_AL]
        out dx, al
        jmp com_status

; AH=02h: receive -> AL; AH = line status errors
com_receive:
        push dx
        add dx, 5
        call com_wait_data
        pop dx
        jc com_timeout
        in al, dx
        mov [bp+F_AL], al
        add dx, 5
        in al, dx
        and al, 1Eh
        mov [bp+F_AH], al
        jmp int14_done

com_timeout:
        add dx, 5
        in al, dx
        or al, 80h
        mov [bp+F_AH], al
        jmp int14_done

; AH=03h (and the tail of 00h/01h): AH = line status, AL = modem status
com_status:
        add dx, 5
        in al, dx
        mov ah, al
        inc dx
        in al, dx
        mov [bp+F_AX], ax
        jmp int14_done

; DX = line status port. Wait for THR empty, bounded by the port's
; timeout byte (rounds of 64K polls). CF=1 on timeout.
com_wait_bit_20h:
        mov ah, 20h
        jmp com_wait
com_wait_data:
        mov ah, 01h
com_wait:
        mov bl, [BDA_COM_TIMEOUT + si]
        test bl, bl
        jnz .outer
        inc bl
.outer: mov cx, 0FFFFh
.poll:  in al, dx
        test al, ah
        jnz .ok
        loop .poll
        dec bl
        jnz .outer
        stc
        ret
.ok:    clc
        ret
