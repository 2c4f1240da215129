; int16.asm - keyboard services over the 40:1E buffer that INT 09h and the
; serial console fill.

; A program waiting for a key spins on AH=01h/11h; DOS polls the same way
; for Ctrl+C between pieces of real work. The BIOS can only tell them apart
; by how often they poll: it counts the empty polls of each timer tick.
; Sleeping (HLT until the next interrupt) after KB_IDLE_POLLS of them spares
; the host CPU, but a caller taken for idle when it is working loses the
; rest of its tick. Under an emulator running 10-15 MIPS, FreeDOS's kernel
; and FreeCOM poll for Ctrl+C 250-600 times a tick while they read CONFIG.SYS
; and AUTOEXEC.BAT (one poll every 450-1,300 instructions, for a few ticks),
; its prompt 1,700-2,400 times (every ~220) and its F5/F8 wait 3,600-4,500
; (every ~100). So a caller is taken to spin only once a tick has been dense,
; KB_DENSE_BLOCKS x 128 empty polls with nothing else in between; it sleeps
; then, and after KB_IDLE_POLLS in each tick after it, as long as the ticks
; have no work (a key, INT 10h/13h). Before, sleeping after two ticks that
; ran out of 127 polls halted the full FreeDOS floppy's boot 7 times (0.3 s).
; A caller that slept so in this tick or the last one and has taken a key
; since - DOS at its prompt again after a short command - naps after
; KB_IDLE_POLLS (once in each such tick): a program that waited for a key
; and then works loses two ticks at most. A slower machine
; (CPython) may never poll densely: a caller that has run out of polls in
; KB_SLOW_TICKS ticks in a row is taken to spin too.
; A caller that has slept in every tick for KB_SPIN_TICKS ticks (a second)
; with nothing else in between is idle for sure (DOS at its prompt) and
; sleeps after KB_SPIN_POLLS polls a tick from then on (2: FreeDOS's prompt
; then costs ~10,000 instructions a second, 3.5% of a host core under PyPy;
; 8 cost 37,000 and 5-7%). A shorter streak is not enough: DOS's DIR polls
; for Ctrl+C 64 times in a few ten thousand instructions while it reads a
; cached directory.
; PV_KB_IDLE holds the tick's count mod 128 in bits 0-6 and "spins" in bit
; 7; PV_KB_DENSITY the 128-poll blocks and how recently the caller slept;
; PV_KB_RUNS the ticks in a row that ran out, "this one has" and "this one
; had work"; PV_KB_SPIN_TICK the tick the caller began to spin.
KB_IDLE_POLLS   equ 127
KB_DENSE_BLOCKS equ 8           ; 1,024 polls
KB_SLOW_TICKS   equ 18
KB_SPIN_POLLS   equ 2
KB_SPIN_TICKS   equ 18
KB_SPINNING     equ 80h         ; PV_KB_IDLE
KB_RUNS_MASK    equ 3Fh         ; PV_KB_RUNS (KB_RAN_OUT, KB_ACTIVE: bda.inc)

int16_handler:
        sti
        cld
        cmp ah, 11h
        je kb_peek_short
        cmp ah, 01h
        je kb_peek_short
int16_framed:
        SAVE_FRAME
        mov si, BDA_SEG
        mov ds, si
        cmp ah, INT16_FUNCS
        jae .high
        mov bl, ah
        xor bh, bh
        shl bx, 1
        jmp [cs:int16_table + bx]
.high:  cmp ah, 10h
        je kb_read_ext
        cmp ah, 11h
        je kb_peek_ext
        cmp ah, 12h
        je kb_shift_ext
int16_done:
        RESTORE_FRAME_IRET

int16_table:
        dw kb_read                  ; 00
        dw kb_peek                  ; 01
        dw kb_shift                 ; 02
        dw kb_typematic             ; 03
        dw int16_done               ; 04 keyclick
        dw kb_store                 ; 05
        dw int16_done               ; 06
        dw int16_done               ; 07
        dw int16_done               ; 08
        dw kb_capabilities          ; 09
        dw kb_id                    ; 0A
INT16_FUNCS equ ($ - int16_table) / 2

; -> CF=1 if the buffer is empty, else AX = first key (not removed)
kb_first:
        cli
        mov bx, [BDA_KB_HEAD]
        cmp bx, [BDA_KB_TAIL]
        je .empty
        mov ax, [bx]
        clc
        ret
.empty: stc
        ret

; remove the first key (buffer known non-empty, interrupts off)
kb_remove:
        mov bx, [BDA_KB_HEAD]
        add bx, 2
        cmp bx, [BDA_KB_END]
        jb .store
        mov bx, [BDA_KB_START]
.store: mov [BDA_KB_HEAD], bx
        ret

; Keys only the enhanced functions know: grey keys come back as plain
; extended keys (ASCII E0h -> 00h); F11/F12 and other 84h+ scan codes
; without a character are dropped. AX = key -> CF=1 to drop it.
kb_to_plain:
        cmp al, 0E0h
        jne .not_grey
        test ah, ah
        jz .keep                    ; a real E0h character (Alt+224)
        xor al, al
        jmp .keep
.not_grey:
        cmp al, 0F0h
        jne .check_scan
        test ah, ah
        jz .keep
        stc
        ret
.check_scan:
        test al, al
        jnz .keep
        cmp ah, 84h
        jbe .keep
        stc
        ret
.keep:  clc
        ret

; AH=00h: wait for a key, remove it, AX = key (compatible form)
kb_read:
        KB_KEY_NOT_IDLE
        call kb_first
        jc .wait
        call kb_remove
        sti
        call kb_to_plain
        jc kb_read
        mov [bp+F_AX], ax
        jmp int16_done
.wait:  sti
        hlt                         ; sleep until an interrupt (key, tick)
        jmp kb_read

; AH=10h: as 00h but enhanced keys unchanged
kb_read_ext:
        KB_KEY_NOT_IDLE
        call kb_first
        jc .wait
        call kb_remove
        sti
        mov [bp+F_AX], ax
        jmp int16_done
.wait:  sti
        hlt
        jmp kb_read_ext

; AH=01h: ZF=1 if no key, else ZF=0 and AX = key (left in the buffer)
kb_peek:
        call kb_first
        jc kb_peek_empty
        call kb_to_plain
        jnc .found
        call kb_remove              ; not representable here: discard
        sti
        jmp kb_peek
.found: sti
        jmp kb_peek_found

; AH=11h
kb_peek_ext:
        call kb_first
        jc kb_peek_empty
        sti
kb_peek_found:
        KB_KEY_NOT_IDLE
        mov [bp+F_AX], ax
        FRAME_CLZ
        jmp int16_done

; AH=01h/11h before the register frame. A program waiting for a key (DOS at
; its prompt, the kernel's F5/F8 wait, Ctrl+C checks) polls hundreds of times
; a second and mostly finds the buffer empty: that case, idle counting
; included, is answered here in about 35 instructions instead of 53. A key
; in the buffer goes through the frame (kb_peek, kb_peek_ext).
kb_peek_short:
        push bp
        mov bp, sp
        push ds
        push ax
        mov ax, BDA_SEG
        mov ds, ax
        cli
        mov ax, [BDA_KB_HEAD]
        cmp ax, [BDA_KB_TAIL]
        sti
        jne .framed
        or byte [bp+6], FLAG_ZF     ; the caller's FLAGS: ZF=1, no key
        call kb_count_empty_poll
        pop ax
        pop ds
        pop bp
        iret
.framed:
        pop ax
        pop ds
        pop bp
        jmp int16_framed

; No key: ZF=1, and the poll counted.
kb_peek_empty:
        sti
        FRAME_STZ
        call kb_count_empty_poll
        jmp int16_done

; Count an empty poll within the current timer tick (INT 10h and INT 13h
; calls restart the count: the caller is doing real work), and HLT until the
; next interrupt once the tick has seen its share and the caller is known to
; spin (see the top of this file). DS = 40h; changes AX.
kb_count_empty_poll:
        mov al, [BDA_TICKS]
        cmp al, [PV_KB_IDLE_TICK]
        je .same_tick
        call kb_poll_new_tick
.same_tick:
        inc byte [PV_KB_IDLE]
        mov ah, KB_IDLE_POLLS
        test byte [PV_KB_IDLE], KB_SPINNING
        jz .limit
        mov al, [BDA_TICKS]
        sub al, [PV_KB_SPIN_TICK]           ; ticks in the streak (mod 256)
        cmp al, KB_SPIN_TICKS
        jb .limit
        mov al, [BDA_TICKS]                 ; keep the streak that long, so the
        sub al, KB_SPIN_TICKS               ; difference never wraps back
        mov [PV_KB_SPIN_TICK], al
        mov ah, KB_SPIN_POLLS
.limit: mov al, [PV_KB_IDLE]
        and al, ~KB_SPINNING & 0FFh
        cmp al, ah
        jb .out
        or byte [PV_KB_RUNS], KB_RAN_OUT
        test byte [PV_KB_IDLE], KB_SPINNING
        jnz .sleep
        mov al, [PV_KB_RUNS]
        and al, KB_RUNS_MASK
        cmp al, KB_SLOW_TICKS
        jae .spins
        mov byte [PV_KB_IDLE], 0            ; not known to spin: count on, in blocks
        inc byte [PV_KB_DENSITY]
        mov al, [PV_KB_DENSITY]
        and al, KB_BLOCKS
        cmp al, KB_DENSE_BLOCKS
        jae .spins
        mov al, [PV_KB_DENSITY]             ; slept as a spinner this tick or the
        and al, KB_SLEPT_RECENT | KB_KEY_TAKEN  ; last, and a key taken since: a nap
        cmp al, KB_SLEPT_RECENT | KB_KEY_TAKEN
        je .halt
        ret
.spins: mov al, [BDA_TICKS]                 ; a dense tick: it spins
        mov [PV_KB_SPIN_TICK], al           ; the streak begins
.sleep: mov byte [PV_KB_IDLE], KB_SPINNING
        and byte [PV_KB_DENSITY], ~KB_KEY_TAKEN & 0FFh
        or byte [PV_KB_DENSITY], KB_SLEPT_NOW
.halt:  hlt
.out:   ret

; The first empty poll of a tick (AL = its low byte): the caller spins on
; only if the last tick had polls and no work; it slept one tick longer ago.
; DS = 40h; changes AX.
kb_poll_new_tick:
        mov ah, al
        sub ah, [PV_KB_IDLE_TICK]
        mov [PV_KB_IDLE_TICK], al
        and byte [PV_KB_IDLE], KB_SPINNING  ; count from 0, keep spinning...
        mov al, [PV_KB_DENSITY]
        and al, KB_SLEPT | KB_KEY_TAKEN     ; no blocks yet
        test al, KB_SLEPT
        jz .blocks
        sub al, KB_SLEPT_TICK
.blocks:
        mov [PV_KB_DENSITY], al
        cmp ah, 1
        jne .gap
        mov al, [PV_KB_RUNS]
        test al, KB_ACTIVE
        jz .quiet
        mov byte [PV_KB_IDLE], 0            ; ...unless the last tick had work
.quiet: test al, KB_RAN_OUT
        jz .gap
        and al, KB_RUNS_MASK
        cmp al, KB_RUNS_MASK                ; (at most 63)
        adc al, 0
        mov [PV_KB_RUNS], al                ; a new tick: no work in it yet
        ret
.gap:   mov byte [PV_KB_RUNS], 0            ; a tick without polls between: not idle
        and byte [PV_KB_IDLE], ~KB_SPINNING & 0FFh
        ret

; AH=02h: AL = shift flags
kb_shift:
        mov al, [BDA_KB_FLAGS0]
        mov [bp+F_AL], al
        jmp int16_done

; AH=12h: AL = shift flags, AH = which-side / held-key flags
kb_shift_ext:
        mov al, [BDA_KB_FLAGS1]
        mov ah, al
        and ah, 73h                 ; sysreq->bit 7 below; LCtrl, LAlt, locks held
        test al, KF1_SYSREQ
        jz .no_sysreq
        or ah, 80h
.no_sysreq:
        and ah, 0F3h
        mov al, [BDA_KB_FLAGS3]
        and al, KF3_RCTRL | KF3_RALT        ; bits 2 and 3 as AH wants them
        or ah, al
        mov al, [BDA_KB_FLAGS0]
        mov [bp+F_AX], ax
        jmp int16_done

; AH=03h: typematic rate. AL=05h: BH = delay, BL = rate.
kb_typematic:
        cmp al, 05h
        jne .out
        mov ah, bh
        and ah, 03h
        mov cl, 5
        shl ah, cl
        and bl, 1Fh
        or ah, bl
        cli
        mov al, 0F3h
        call kbd_send
        jc .done
        mov al, ah
        call kbd_send
.done:  sti
.out:   jmp int16_done

; AH=05h: CX = key to push -> AL = 0 stored, 1 buffer full
kb_store:
        mov ax, cx
        call kbd_buffer_put
        mov al, 0
        adc al, 0
        mov [bp+F_AL], al
        jmp int16_done

; AH=09h: AL = supported function groups (10h-12h and 0Ah)
kb_capabilities:
        mov byte [bp+F_AL], 20h | 40h
        jmp int16_done

; AH=0Ah: BX = keyboard ID of an MF2 keyboard
kb_id:
        mov word [bp+F_BX], 83ABh
        jmp int16_done
