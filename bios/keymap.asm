; keymap.asm - US keyboard layout for scan code set 1, keys 00h-39h.
; One byte per scan code; 0 = the key gives no character in that state.

KEYMAP_LAST equ 39h

keymap_normal:
        db 0, 1Bh, '1234567890-=', 08h, 09h        ; 00-0F
        db 'qwertyuiop[]', 0Dh, 0, 'as'             ; 10-1F
        db 'dfghjkl;', 27h, '`', 0, '\zxcv'         ; 20-2F
        db 'bnm,./', 0, '*', 0, ' '                 ; 30-39

keymap_shift:
        db 0, 1Bh, '!@#$%^&*()_+', 08h, 0           ; 00-0F
        db 'QWERTYUIOP{}', 0Dh, 0, 'AS'             ; 10-1F
        db 'DFGHJKL:"~', 0, '|ZXCV'                 ; 20-2F
        db 'BNM<>?', 0, '*', 0, ' '                 ; 30-39

keymap_ctrl:
        db 0, 1Bh, 0, 0, 0, 0, 0, 1Eh, 0, 0, 0, 0, 1Fh, 0, 7Fh, 0    ; 00-0F
        db 11h, 17h, 05h, 12h, 14h, 19h, 15h, 09h                    ; 10-17
        db 0Fh, 10h, 1Bh, 1Dh, 0Ah, 0, 01h, 13h                      ; 18-1F
        db 04h, 06h, 07h, 08h, 0Ah, 0Bh, 0Ch, 0                      ; 20-27
        db 0, 0, 0, 1Ch, 1Ah, 18h, 03h, 16h                          ; 28-2F
        db 02h, 0Eh, 0Dh, 0, 0, 0, 0, 0, 0, 20h                      ; 30-39

; keypad 47h-53h with NumLock: the digit/point character
keypad_digits:
        db '789-456+1230.'
; keypad 47h-53h with Ctrl (enhanced BIOS scan codes, ASCII 0)
keypad_ctrl:
        db 77h, 8Dh, 84h, 8Eh, 73h, 8Fh, 74h, 90h, 75h, 91h, 76h, 92h, 93h

%if ($ - keymap_normal) <> 3 * (KEYMAP_LAST + 1) + 26
%error "keymap tables have the wrong length"
%endif
