; sercon.asm - serial console input: bytes from COM1 (IRQ4) become
; keystrokes in the keyboard buffer, with the scan codes a PC keyboard
; would have produced. VT100/xterm escape sequences for cursor and
; function keys become the matching extended keys.

SER_NORMAL  equ 0
SER_ESC     equ 1               ; ESC seen
SER_CSI     equ 2               ; ESC [ seen, collecting a number
SER_CSI_MOD equ 3               ; ESC [ n ; seen: modifier digits ignored
SER_SS3     equ 4               ; ESC O seen

SER_ESC_TIMEOUT equ 2           ; ticks a lone ESC waits for its sequence

sercon_irq4:
        SAVE_REGS ax, bx, cx, dx, si, ds
        mov ax, BDA_SEG
        mov ds, ax
.next:  mov dx, COM1_BASE + 5
        in al, dx
        test al, 01h
        jz .eoi
        mov dx, COM1_BASE
        in al, dx
        call sercon_byte
        jmp .next
.eoi:   mov dx, COM1_BASE + 2       ; reading IIR clears a THRE-type cause too
        in al, dx
        cli
        mov al, 20h
        out PIC1_CMD, al
        RESTORE_REGS ax, bx, cx, dx, si, ds
        iret

; Called from INT 08h (DS = 40h): an ESC with nothing after it for a
; couple of ticks was the Esc key itself.
sercon_tick:
        cmp byte [PV_SER_STATE], SER_ESC
        jne .out
        push ax
        mov al, [BDA_TICKS]
        sub al, [PV_SER_ESCTICK]            ; ticks since the ESC (mod 256)
        cmp al, SER_ESC_TIMEOUT
        jb .wait
        mov byte [PV_SER_STATE], SER_NORMAL
        mov ax, 011Bh
        call kbd_buffer_put
.wait:  pop ax
.out:   ret

; AL = received byte, DS = 40h.
sercon_byte:
        mov bl, [PV_SER_STATE]
        cmp bl, SER_ESC
        je .esc
        cmp bl, SER_CSI
        je .csi
        cmp bl, SER_CSI_MOD
        je .csi_mod
        cmp bl, SER_SS3
        je .ss3
        jmp sercon_plain

.esc:   cmp al, '['
        jne .esc_not_csi
        mov byte [PV_SER_STATE], SER_CSI
        mov byte [PV_SER_PARAM], 0
        ret
.esc_not_csi:
        cmp al, 'O'
        jne .esc_other
        mov byte [PV_SER_STATE], SER_SS3
        ret
.esc_other:
        ; the ESC was a key of its own; this byte starts afresh
        push ax
        mov byte [PV_SER_STATE], SER_NORMAL
        mov ax, 011Bh
        call kbd_buffer_put
        pop ax
        jmp sercon_plain

.csi:   cmp al, '0'
        jb .csi_final
        cmp al, '9'
        ja .csi_not_digit
        sub al, '0'
        mov bl, al
        mov al, [PV_SER_PARAM]
        cmp al, 25                  ; no key code is bigger; avoid overflow
        ja .csi_digit_done
        mov ah, 10
        mul ah
        add al, bl
        mov [PV_SER_PARAM], al
.csi_digit_done:
        ret
.csi_not_digit:
        cmp al, ';'
        jne .csi_final
        mov byte [PV_SER_STATE], SER_CSI_MOD
        ret
.csi_mod:
        cmp al, '0'
        jb .csi_final
        cmp al, '9'
        jbe .ignore
.csi_final:
        mov byte [PV_SER_STATE], SER_NORMAL
        cmp al, '~'
        je .tilde
        cmp al, 40h                 ; other parameter bytes: sequence goes on
        jb .csi_keep
        mov si, ser_letter_keys
        jmp sercon_lookup
.csi_keep:
        mov byte [PV_SER_STATE], SER_CSI_MOD
        ret
.tilde: mov al, [PV_SER_PARAM]
        mov si, ser_tilde_keys
        jmp sercon_lookup
.ss3:   mov byte [PV_SER_STATE], SER_NORMAL
        mov si, ser_letter_keys
        jmp sercon_lookup
.ignore:
        ret

; AL = code, CS:SI = table of (code byte, key word) ending in 0FFh.
; Pushes the key if the code is listed.
sercon_lookup:
.next:  mov bl, [cs:si]
        cmp bl, 0FFh
        je .none
        cmp bl, al
        je .found
        add si, 3
        jmp .next
.found: mov ax, [cs:si+1]
        jmp kbd_buffer_put
.none:  ret

; final letter of ESC [ x or ESC O x
ser_letter_keys:
        db 'A'
        dw 48E0h                    ; up
        db 'B'
        dw 50E0h                    ; down
        db 'C'
        dw 4DE0h                    ; right
        db 'D'
        dw 4BE0h                    ; left
        db 'H'
        dw 47E0h                    ; home
        db 'F'
        dw 4FE0h                    ; end
        db 'P'
        dw 3B00h                    ; F1
        db 'Q'
        dw 3C00h                    ; F2
        db 'R'
        dw 3D00h                    ; F3
        db 'S'
        dw 3E00h                    ; F4
        db 'Z'
        dw 0F00h                    ; shift+tab
        db 0FFh

; number of ESC [ n ~
ser_tilde_keys:
        db 1
        dw 47E0h                    ; home
        db 2
        dw 52E0h                    ; insert
        db 3
        dw 53E0h                    ; delete
        db 4
        dw 4FE0h                    ; end
        db 5
        dw 49E0h                    ; page up
        db 6
        dw 51E0h                    ; page down
        db 7
        dw 47E0h                    ; home (rxvt)
        db 8
        dw 4FE0h                    ; end (rxvt)
        db 11
        dw 3B00h                    ; F1
        db 12
        dw 3C00h
        db 13
        dw 3D00h
        db 14
        dw 3E00h
        db 15
        dw 3F00h                    ; F5
        db 17
        dw 4000h                    ; F6
        db 18
        dw 4100h
        db 19
        dw 4200h
        db 20
        dw 4300h
        db 21
        dw 4400h                    ; F10
        db 23
        dw 8500h                    ; F11
        db 24
        dw 8600h                    ; F12
        db 0FFh

; A byte outside any escape sequence.
sercon_plain:
        mov bl, [PV_SER_LASTCR]
        mov byte [PV_SER_LASTCR], 0
        cmp al, 1Bh
        je .esc
        cmp al, 0Dh
        je .cr
        cmp al, 0Ah
        je .lf
        cmp al, 08h
        je .backspace
        cmp al, 7Fh
        je .backspace
        cmp al, 09h
        je .tab
        cmp al, 20h
        jb .ctrl
        cmp al, 7Fh
        ja .high
        ; printable: find the key that types it on a US keyboard
        call sercon_scan_for
        jmp kbd_buffer_put
.esc:   mov byte [PV_SER_STATE], SER_ESC
        mov al, [BDA_TICKS]
        mov [PV_SER_ESCTICK], al
        ret
.cr:    mov byte [PV_SER_LASTCR], 1
.enter: mov ax, 1C0Dh
        jmp kbd_buffer_put
.lf:    test bl, bl                 ; CR LF is one Enter
        jz .enter
        ret
.backspace:
        mov ax, 0E08h
        jmp kbd_buffer_put
.tab:   mov ax, 0F09h
        jmp kbd_buffer_put
.high:  xor ah, ah                  ; like Alt+keypad entry: no scan code
        jmp kbd_buffer_put
.ctrl:  ; Ctrl+letter: the letter key's scan code with the control code
        mov bl, al
        xor bh, bh
        mov ah, [cs:ctrl_char_scan + bx]
        jmp kbd_buffer_put

; scan codes for control characters 00h-1Fh (Ctrl+@, Ctrl+A .. Ctrl+_)
ctrl_char_scan:
        db 03h, 1Eh, 30h, 2Eh, 20h, 12h, 21h, 22h       ; @ A B C D E F G
        db 23h, 17h, 24h, 25h, 26h, 32h, 31h, 18h       ; H I J K L M N O
        db 19h, 10h, 13h, 1Fh, 14h, 16h, 2Fh, 11h       ; P Q R S T U V W
        db 2Dh, 15h, 2Ch, 1Ah, 2Bh, 1Bh, 07h, 0Ch       ; X Y Z [ \ ] ^ _

; AL = printable ASCII -> AX = scan code : ASCII from the US keymap.
sercon_scan_for:
        push bx
        cmp al, ' '
        jne .search
        mov ah, 39h
        jmp .out
.search:
        mov bx, 1
.next:  cmp al, [cs:keymap_normal + bx]
        je .found
        cmp al, [cs:keymap_shift + bx]
        je .found
        inc bx
        cmp bx, 36h                 ; keys above are keypad / space
        jb .next
        mov ah, 0                   ; no key types it: ASCII only
        jmp .out
.found: mov ah, bl
.out:   pop bx
        ret
