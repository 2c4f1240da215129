; hw/kbc.asm - the 8042 keyboard controller and the keyboard behind it.

; Wait until the controller can take a byte (input buffer empty).
; CF=1 on timeout. Preserves AX.
kbc_wait_write:
        push ax
        push cx
        mov cx, 0FFFFh
.poll:  in al, KBC_STATUS
        test al, 02h
        jz .ok
        loop .poll
        stc
        jmp .out
.ok:    clc
.out:   pop cx
        pop ax
        ret

; Wait for a byte from the controller; AL = byte, CF=1 on timeout.
kbc_read:
        push cx
        mov cx, 0FFFFh
.poll:  in al, KBC_STATUS
        test al, 01h
        jnz .ready
        loop .poll
        pop cx
        stc
        ret
.ready: in al, KBC_DATA
        pop cx
        clc
        ret

; AL = controller command (port 64h).
kbc_command:
        call kbc_wait_write
        out KBC_STATUS, al
        ret

; AL = byte for the keyboard -> AL = its reply (FAh = ACK), CF on timeout.
kbd_send:
        call kbc_wait_write
        out KBC_DATA, al
        jmp kbc_read

; Discard anything waiting in the output buffer.
kbc_flush:
        push ax
        push cx
        mov cx, 32
.next:  in al, KBC_STATUS
        test al, 01h
        jz .done
        in al, KBC_DATA
        loop .next
.done:  pop cx
        pop ax
        ret

; POST, in two steps. kbc_start: controller self test, command byte, and
; the keyboard's reset, up to its ACK; its self test (BAT) then takes a
; while (1 ms here, up to a second on a real keyboard), so POST goes on with
; the video, the banner and the disks, and kbc_finish collects the BAT
; result then instead of polling for it. Failures are reported but never stop boot: a
; headless machine may run with a keyboard that only ever receives
; serial-console input. CF from kbc_start = the keyboard did not ACK.
kbc_start:
        call kbc_flush
        mov al, 0AAh                ; controller self test
        call kbc_command
        call kbc_read
        jc .selftest_bad
        cmp al, 55h
        je .selftest_ok
.selftest_bad:
        mov si, msg_kbc_bad
        call dbg_puts
.selftest_ok:
        mov al, 60h                 ; write command byte:
        call kbc_command
        mov al, 65h                 ; translate to set 1, aux off, sys flag, IRQ1 on
        call kbc_wait_write
        out KBC_DATA, al
        mov al, 0AEh                ; keyboard interface on
        call kbc_command
        call kbc_flush
        mov al, 0FFh                ; keyboard reset: ACK now, AAh (BAT passed) later
        call kbd_send
        jc .no_ack
        cmp al, 0FAh
        je .out                     ; CF = 0
.no_ack:
        stc
.out:   ret

; CF from kbc_start in: read the BAT result, turn scanning on, set the LEDs.
kbc_finish:
        jc .kbd_bad
        call kbc_sleep_until_byte
        call kbc_read
        jc .kbd_bad
        cmp al, 0AAh
        jne .kbd_bad
        mov al, 0F4h                ; make sure scanning is on
        call kbd_send
        mov byte [BDA_KB_LEDS], 07h ; differs from any state: forces an update
        call kbd_set_leds
        ret
.kbd_bad:
        mov si, msg_kbd_bad
        call dbg_puts
        call kbc_flush
        ret

; POST, interrupts off: if the 8042 has no byte yet, sleep on its IRQ1 (the
; timer's IRQ0 bounds the wait) instead of polling: a halted CPU costs the
; emulator nothing, and under the virtual clock it skips ahead to the byte. The
; byte stays in the output buffer for kbc_read. Preserves all registers.
kbc_sleep_until_byte:
        push ax
        in al, KBC_STATUS
        test al, 01h
        jnz .done
        push es
        xor ax, ax
        mov es, ax
        push word [es:08h*4]
        push word [es:08h*4+2]
        push word [es:09h*4]
        push word [es:09h*4+2]
        mov word [es:08h*4], kbc_wake_irq
        mov [es:08h*4+2], cs
        mov word [es:09h*4], kbc_wake_irq
        mov [es:09h*4+2], cs
        in al, PIC1_DATA
        push ax
        mov al, 0FCh                ; IRQ0 and IRQ1 only
        out PIC1_DATA, al
        push cx
        mov cx, 20                  ; wake-ups: timer ticks bound the wait to about a second
.sleep: sti                         ; no interrupt between STI and HLT
        hlt
        cli
        in al, KBC_STATUS           ; an edge latched earlier (the reset's ACK) wakes us too
        test al, 01h
        loopz .sleep
        pop cx
        pop ax
        out PIC1_DATA, al
        pop word [es:09h*4+2]
        pop word [es:09h*4]
        pop word [es:08h*4+2]
        pop word [es:08h*4]
        pop es
.done:  pop ax
        ret

; IRQ0/IRQ1 while kbc_sleep_until_byte sleeps: only wakes the CPU.
kbc_wake_irq:
        push ax
        mov al, 20h                 ; non-specific EOI
        out PIC1_CMD, al
        pop ax
        iret

; Tell the keyboard the lock LEDs from 40:17 (DS = 40h). Skips the
; exchange if the LEDs already match. Runs with interrupts off so the
; ACKs are read here, not by INT 09h.
kbd_set_leds:
        push ax
        push cx
        pushf
        cli
        mov al, [BDA_KB_FLAGS0]
        mov cl, 4
        shr al, cl
        and al, 07h                 ; scroll=0 num=1 caps=2, as the LED byte wants
        mov ah, [BDA_KB_LEDS]
        and ah, 07h
        cmp al, ah
        je .done
        mov ah, al
        mov al, 0EDh
        call kbd_send
        jc .done
        mov al, ah
        call kbd_send
        jc .done
        and byte [BDA_KB_LEDS], 0F8h
        or [BDA_KB_LEDS], ah
.done:  popf
        pop cx
        pop ax
        ret

msg_kbc_bad: db 'pcemu BIOS: 8042 self test failed', 13, 10, 0
msg_kbd_bad: db 'pcemu BIOS: keyboard did not answer reset', 13, 10, 0
