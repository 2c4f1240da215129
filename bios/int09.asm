; int09.asm - IRQ1: scan codes (set 1, translated by the 8042) to the
; keyboard buffer, with shift/lock state and the special key combinations.

; 40:17 bits
KF0_RSHIFT  equ 01h
KF0_LSHIFT  equ 02h
KF0_CTRL    equ 04h
KF0_ALT     equ 08h
KF0_SCROLL  equ 10h
KF0_NUM     equ 20h
KF0_CAPS    equ 40h
KF0_INSERT  equ 80h
; 40:18 bits
KF1_LCTRL   equ 01h
KF1_LALT    equ 02h
KF1_SYSREQ  equ 04h
KF1_PAUSE   equ 08h
KF1_SCROLL  equ 10h
KF1_NUM     equ 20h
KF1_CAPS    equ 40h
KF1_INSERT  equ 80h
; 40:96 bits
KF3_E1      equ 01h
KF3_E0      equ 02h
KF3_RCTRL   equ 04h
KF3_RALT    equ 08h

int09_handler:
        SAVE_REGS ax, bx, cx, dx, si, ds
        mov ax, BDA_SEG
        mov ds, ax
        in al, KBC_DATA
        ; let INT 15h AH=4Fh see (and possibly swallow or change) the code
        mov ah, 4Fh
        stc
        int 15h
        jnc .eoi
        call kbd_scancode
.eoi:   cli
        mov al, 20h
        out PIC1_CMD, al
        ; Pause holds the machine here (interrupts on) until a key clears it
.pause: test byte [BDA_KB_FLAGS1], KF1_PAUSE
        jz .out
        sti
        hlt
        cli
        jmp .pause
.out:
        RESTORE_REGS ax, bx, cx, dx, si, ds
        iret

; AL = scan code byte, DS = 40h.
kbd_scancode:
        cmp al, 0E0h
        jne .not_e0
        or byte [BDA_KB_FLAGS3], KF3_E0
        ret
.not_e0:
        cmp al, 0E1h
        jne .not_e1
        or byte [BDA_KB_FLAGS3], KF3_E1
        ret
.not_e1:
        test byte [BDA_KB_FLAGS3], KF3_E1
        jz .no_e1
        ; Pause sends E1 1D 45 E1 9D C5: only the 45 after E1 1D matters
        mov ah, al
        and ah, 7Fh
        cmp ah, 1Dh
        je .keep_e1
        and byte [BDA_KB_FLAGS3], ~KF3_E1 & 0FFh
        cmp al, 45h
        jne .ret
        or byte [BDA_KB_FLAGS1], KF1_PAUSE
.keep_e1:
        ret
.no_e1:
        ; BL bit 0 = this key had an E0 prefix; the prefix is used up now
        xor bl, bl
        test byte [BDA_KB_FLAGS3], KF3_E0
        jz .no_e0
        mov bl, 1
        and byte [BDA_KB_FLAGS3], ~KF3_E0 & 0FFh
.no_e0:
        mov ah, al
        and ah, 7Fh                 ; AH = key, AL bit 7 = release
        ; any key press ends Pause (and is otherwise ignored)
        test byte [BDA_KB_FLAGS1], KF1_PAUSE
        jz .not_paused
        test al, 80h
        jnz .not_paused
        call kbd_is_modifier
        jc .not_paused
        and byte [BDA_KB_FLAGS1], ~KF1_PAUSE & 0FFh
.ret:   ret
.not_paused:
        ; E0 2A / E0 36 are the fake shifts around grey keys: ignore
        test bl, bl
        jz .real_key
        cmp ah, 2Ah
        je .ret
        cmp ah, 36h
        je .ret
.real_key:
        cmp ah, 2Ah
        je .lshift
        cmp ah, 36h
        je .rshift
        cmp ah, 1Dh
        je .ctrl
        cmp ah, 38h
        je .alt
        cmp ah, 3Ah
        je .caps
        cmp ah, 45h
        je .num
        cmp ah, 46h
        je .scroll
        cmp ah, 52h
        jne .not_ins
        call kbd_insert_key
.not_ins:
        test al, 80h
        jnz .ret                    ; other releases do nothing
        jmp kbd_make_key

.lshift:
        mov cl, KF0_LSHIFT
        jmp .shift_bit
.rshift:
        mov cl, KF0_RSHIFT
.shift_bit:
        test al, 80h
        jnz .shift_up
        or [BDA_KB_FLAGS0], cl
        ret
.shift_up:
        not cl
        and [BDA_KB_FLAGS0], cl
        ret

.ctrl:  mov si, BDA_KB_FLAGS1
        mov cl, KF1_LCTRL
        test bl, bl
        jz .ctrl_side
        mov si, BDA_KB_FLAGS3
        mov cl, KF3_RCTRL
.ctrl_side:
        call kbd_side_bit
        ; Ctrl is down if either side is
        and byte [BDA_KB_FLAGS0], ~KF0_CTRL & 0FFh
        test byte [BDA_KB_FLAGS1], KF1_LCTRL
        jnz .ctrl_on
        test byte [BDA_KB_FLAGS3], KF3_RCTRL
        jz .ret
.ctrl_on:
        or byte [BDA_KB_FLAGS0], KF0_CTRL
        ret

.alt:   mov si, BDA_KB_FLAGS1
        mov cl, KF1_LALT
        test bl, bl
        jz .alt_side
        mov si, BDA_KB_FLAGS3
        mov cl, KF3_RALT
.alt_side:
        call kbd_side_bit
        and byte [BDA_KB_FLAGS0], ~KF0_ALT & 0FFh
        test byte [BDA_KB_FLAGS1], KF1_LALT
        jnz .alt_on
        test byte [BDA_KB_FLAGS3], KF3_RALT
        jnz .alt_on
        ; Alt released: a number typed on the keypad becomes that character
        mov al, [BDA_KB_ALTNUM]
        test al, al
        jz .ret
        mov byte [BDA_KB_ALTNUM], 0
        xor ah, ah
        jmp kbd_buffer_put
.alt_on:
        or byte [BDA_KB_FLAGS0], KF0_ALT
        ret

.caps:  mov cl, KF0_CAPS
        mov ch, KF1_CAPS
        jmp .toggle
.num:   mov cl, KF0_NUM
        mov ch, KF1_NUM
        jmp .toggle
.scroll:
        test al, 80h
        jnz .scroll_toggle
        ; Ctrl+Break (E0 46 from the Pause/Break key, or Ctrl+ScrLk)
        test bl, bl
        jnz kbd_ctrl_break
        test byte [BDA_KB_FLAGS0], KF0_CTRL
        jnz kbd_ctrl_break
.scroll_toggle:
        mov cl, KF0_SCROLL
        mov ch, KF1_SCROLL
; lock keys: toggle on the first make of a press (typematic repeats are
; ignored because the "held" bit in 40:18 is still set), clear on release
.toggle:
        test al, 80h
        jnz .toggle_up
        test [BDA_KB_FLAGS1], ch
        jnz .ret2
        or [BDA_KB_FLAGS1], ch
        xor [BDA_KB_FLAGS0], cl
        jmp kbd_set_leds
.toggle_up:
        not ch
        and [BDA_KB_FLAGS1], ch
.ret2:  ret

; SI = flag byte offset, CL = bit, AL bit 7 = release.
kbd_side_bit:
        test al, 80h
        jnz .up
        or [si], cl
        ret
.up:    not cl
        and [si], cl
        ret

; AH = key -> CF=1 if it is a shift/lock key.
kbd_is_modifier:
        push si
        push ax
        mov al, ah
        mov si, modifier_keys
.next:  cmp byte [cs:si], 0
        je .no
        cmp al, [cs:si]
        je .yes
        inc si
        jmp .next
.yes:   pop ax
        pop si
        stc
        ret
.no:    pop ax
        pop si
        clc
        ret
modifier_keys: db 2Ah, 36h, 1Dh, 38h, 3Ah, 45h, 46h, 0

; Insert is a toggle too, but still produces a key code: only toggle when
; it acts as Insert (grey key, or keypad without numeric mode).
; AH = 52h, AL bit 7 = release, BL = E0 flag. Preserves AX, BL.
kbd_insert_key:
        test al, 80h
        jnz .up
        test bl, bl
        jnz .toggle
        call kbd_keypad_numeric
        jc .done
.toggle:
        test byte [BDA_KB_FLAGS1], KF1_INSERT
        jnz .done
        or byte [BDA_KB_FLAGS1], KF1_INSERT
        xor byte [BDA_KB_FLAGS0], KF0_INSERT
        ret
.up:    and byte [BDA_KB_FLAGS1], ~KF1_INSERT & 0FFh
.done:  ret

; CF=1 if the keypad gives digits now (NumLock xor Shift).
kbd_keypad_numeric:
        push ax
        mov al, [BDA_KB_FLAGS0]
        mov ah, al
        and ah, KF0_NUM
        and al, KF0_LSHIFT | KF0_RSHIFT
        jz .noshift
        xor ah, KF0_NUM
.noshift:
        test ah, ah
        pop ax
        jz .no
        stc
        ret
.no:    clc
        ret

kbd_ctrl_break:
        cli
        mov ax, [BDA_KB_START]
        mov [BDA_KB_HEAD], ax
        mov [BDA_KB_TAIL], ax
        mov byte [BDA_BREAK], 80h
        sti
        int 1Bh
        xor ax, ax
        jmp kbd_buffer_put

kbd_reboot:
        mov word [BDA_RESET_FLAG], 1234h        ; warm boot: POST may be brief
        mov al, 0FEh                            ; 8042: pulse the CPU reset line
        call kbc_command
        ; if the controller did not reset us, the fast-reset port will
        in al, 92h
        or al, 01h
        out 92h, al
        cli
.wait:  hlt
        jmp .wait

; A key was pressed: AH = key (no release bit), BL = E0 flag.
kbd_make_key:
        mov dl, [BDA_KB_FLAGS0]
        ; Ctrl+Alt+Del
        cmp ah, 53h
        jne .not_del
        mov cl, dl
        and cl, KF0_CTRL | KF0_ALT
        cmp cl, KF0_CTRL | KF0_ALT
        je kbd_reboot
.not_del:
        test bl, bl
        jnz kbd_grey_key
        cmp ah, 3Bh
        jb kbd_main_key
        cmp ah, 44h
        jbe kbd_fkey
        cmp ah, 47h
        jb .none
        cmp ah, 53h
        jbe kbd_keypad_key
        cmp ah, 57h
        je kbd_fkey
        cmp ah, 58h
        je kbd_fkey
.none:  ret

; Letters, digits, punctuation, Esc, Backspace, Tab, Enter, space, keypad *.
kbd_main_key:
        mov al, ah
        cmp ah, KEYMAP_LAST
        ja .none
        mov bl, ah
        xor bh, bh
        test dl, KF0_ALT
        jnz .alt
        test dl, KF0_CTRL
        jnz .ctrl
        mov al, [cs:keymap_normal + bx]
        mov cl, dl
        and cl, KF0_LSHIFT | KF0_RSHIFT
        ; Caps Lock flips shift for letters only
        cmp al, 'a'
        jb .shift_state
        cmp al, 'z'
        ja .shift_state
        test dl, KF0_CAPS
        jz .shift_state
        xor cl, KF0_LSHIFT
.shift_state:
        test cl, cl
        jz .got
        mov al, [cs:keymap_shift + bx]
        cmp ah, 0Fh                 ; Shift+Tab = back-tab, 0F00h
        jne .got
        xor al, al
        jmp kbd_buffer_put
.got:   test al, al
        jz .none
        jmp kbd_buffer_put
.ctrl:  cmp ah, 03h
        je .ctrl_nul                ; Ctrl+2 = NUL
        cmp ah, 0Fh
        je .ctrl_tab
        cmp ah, 37h
        je .ctrl_star
        mov al, [cs:keymap_ctrl + bx]
        jmp .got
.ctrl_nul:
        xor al, al
        jmp kbd_buffer_put
.ctrl_tab:
        mov ax, 9400h
        jmp kbd_buffer_put
.ctrl_star:
        mov ax, 9600h
        jmp kbd_buffer_put
.alt:   xor al, al
        cmp ah, 02h
        jb .alt_esc
        cmp ah, 0Dh
        ja .alt_other
        add ah, 76h                 ; Alt+1 .. Alt+= are 78h-83h
        jmp kbd_buffer_put
.alt_esc:
        jmp kbd_buffer_put          ; 0100h
.alt_other:
        cmp ah, 0Fh
        jne .alt_space
        mov ah, 0A5h
        jmp kbd_buffer_put
.alt_space:
        cmp ah, 39h
        jne .alt_plain
        mov al, ' '
.alt_plain:
        jmp kbd_buffer_put          ; Alt+letter etc.: scan code, ASCII 0
.none:  ret

; F1-F10 (3Bh-44h), F11 (57h), F12 (58h)
kbd_fkey:
        xor al, al
        cmp ah, 57h
        jae .f11
        test dl, KF0_ALT
        jnz .alt
        test dl, KF0_CTRL
        jnz .ctrl
        test dl, KF0_LSHIFT | KF0_RSHIFT
        jz .put
        add ah, 54h - 3Bh
        jmp .put
.alt:   add ah, 68h - 3Bh
        jmp .put
.ctrl:  add ah, 5Eh - 3Bh
        jmp .put
.f11:   add ah, 85h - 57h           ; F11 85h, F12 86h
        test dl, KF0_ALT
        jnz .alt2
        test dl, KF0_CTRL
        jnz .ctrl2
        test dl, KF0_LSHIFT | KF0_RSHIFT
        jz .put
        add ah, 2
        jmp .put
.ctrl2: add ah, 4
        jmp .put
.alt2:  add ah, 6
.put:   jmp kbd_buffer_put

; Keypad 47h-53h (without E0)
kbd_keypad_key:
        mov bl, ah
        sub bl, 47h
        xor bh, bh
        test dl, KF0_ALT
        jnz .alt
        test dl, KF0_CTRL
        jnz .ctrl
        cmp ah, 4Ah                 ; grey - and + always give characters
        je .char
        cmp ah, 4Eh
        je .char
        call kbd_keypad_numeric
        jc .char
        xor al, al                  ; cursor function: scan code, ASCII 0
        cmp ah, 4Ch
        je .none                    ; keypad 5 without NumLock does nothing
        jmp kbd_buffer_put
.char:  mov al, [cs:keypad_digits + bx]
        jmp kbd_buffer_put
.ctrl:  mov ah, [cs:keypad_ctrl + bx]
        xor al, al
        jmp kbd_buffer_put
.alt:   ; Alt + keypad digits build a character code in 40:19
        mov al, [cs:keypad_digits + bx]
        cmp al, '0'
        jb .none
        cmp al, '9'
        ja .none
        sub al, '0'
        mov cl, al
        mov al, [BDA_KB_ALTNUM]
        mov ch, 10
        mul ch
        add al, cl
        mov [BDA_KB_ALTNUM], al
.none:  ret

; E0-prefixed keys: grey cursor block, keypad Enter and /.
kbd_grey_key:
        cmp ah, 1Ch
        je .enter
        cmp ah, 35h
        je .slash
        cmp ah, 47h
        jb .none
        cmp ah, 53h
        ja .none
        cmp ah, 4Ah
        je .none
        cmp ah, 4Ch
        je .none
        cmp ah, 4Eh
        je .none
        test dl, KF0_ALT
        jnz .alt
        test dl, KF0_CTRL
        jnz .ctrl
        mov al, 0E0h                ; E0 marks the grey key for INT 16h AH=10h
        jmp kbd_buffer_put
.ctrl:  mov bl, ah
        sub bl, 47h
        xor bh, bh
        mov ah, [cs:keypad_ctrl + bx]
        mov al, 0E0h
        jmp kbd_buffer_put
.alt:   add ah, 50h                 ; Alt+grey keys are 97h-A3h
        xor al, al
        jmp kbd_buffer_put
.enter: mov ax, 0E00Dh
        test dl, KF0_ALT
        jz .enter_ctrl
        mov ax, 0A600h
        jmp kbd_buffer_put
.enter_ctrl:
        test dl, KF0_CTRL
        jz .put
        mov al, 0Ah
.put:   jmp kbd_buffer_put
.slash: mov ax, 0E02Fh
        test dl, KF0_ALT
        jz .slash_ctrl
        mov ax, 0A400h
        jmp kbd_buffer_put
.slash_ctrl:
        test dl, KF0_CTRL
        jz .put
        mov ax, 9500h
        jmp kbd_buffer_put
.none:  ret

; AX = key word -> keyboard buffer tail, DS = 40h. CF=1 (and a dropped
; key) if the buffer is full. Safe to call from any interrupt handler.
kbd_buffer_put:
        push bx
        push si
        pushf
        cli
        mov bx, [BDA_KB_TAIL]
        mov si, bx
        add si, 2
        cmp si, [BDA_KB_END]
        jb .nowrap
        mov si, [BDA_KB_START]
.nowrap:
        cmp si, [BDA_KB_HEAD]
        je .full
        mov [bx], ax
        mov [BDA_KB_TAIL], si
        popf
        clc
        jmp .out
.full:  popf
        stc
.out:   pop si
        pop bx
        ret
