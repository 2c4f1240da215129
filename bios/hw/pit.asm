; hw/pit.asm - the 8254 interval timer.

; Channel 0 in mode 3 with count 0 (65536) gives the PC's 18.2 Hz IRQ0 that
; DOS's clock and every BIOS timeout are built on.
pit_init:
        mov al, 36h                 ; ch0, lobyte/hibyte, mode 3, binary
        out PIT_CMD, al
        xor al, al
        out PIT_CH0, al
        out PIT_CH0, al
        mov al, 54h                 ; ch1, lobyte only, mode 2: DRAM refresh
        out PIT_CMD, al
        mov al, 18
        out PIT_CH1, al
        mov al, 0B6h                ; ch2, lobyte/hibyte, mode 3: speaker tone
        out PIT_CMD, al
        mov ax, 1193                ; ~1 kHz, used by the BEL beep
        out PIT_CH2, al
        mov al, ah
        out PIT_CH2, al
        in al, SYS_CTRL
        and al, 0FCh                ; speaker gate and data off
        out SYS_CTRL, al
        ret
