; int18_19.asm - bootstrap (INT 19h) and "no bootable disk" (INT 18h).

; Try A: then C:. The boot sector goes to 0000:7C00 and must end in 55AAh;
; DL tells it which drive it came from. A hard disk's sector 0 is its MBR,
; which loads the active partition's boot sector by itself.
int19_handler:
        sti
        cld
        xor ax, ax
        mov ss, ax
        mov sp, 7C00h
        mov ax, BDA_SEG
        mov ds, ax
        test byte [PV_ATA_PRESENT], 01h
        jz .try_c
        mov dl, 00h
        call boot_try
.try_c: test byte [PV_ATA_PRESENT], 04h
        jz .none
        mov dl, 80h
        call boot_try
.none:  int 18h
        jmp .none

; DL = drive. Returns only if the drive cannot be booted.
boot_try:
        mov si, msg_boot_from
        call con_puts
        mov al, 'A'
        test dl, 80h
        jz .letter
        mov al, 'C'
.letter:
        call con_putc
        mov si, msg_boot_dots
        call con_puts
        mov di, 3                   ; attempts
.attempt:
        xor ax, ax
        int 13h                     ; reset
        xor ax, ax
        mov es, ax
        mov bx, 7C00h
        mov ax, 0201h
        mov cx, 0001h
        xor dh, dh
        int 13h
        jnc .loaded
        dec di
        jnz .attempt
        mov si, msg_boot_read_err
        call con_puts
        ret
.loaded:
        cmp word [es:7DFEh], 0AA55h
        je .go
        mov si, msg_boot_no_sig
        call con_puts
        ret
.go:    mov si, msg_crlf
        call con_puts
        xor ax, ax
        mov ds, ax
        mov es, ax
        xor bx, bx
        xor cx, cx
        xor si, si
        xor di, di
        xor dh, dh
        jmp 0000h:7C00h

msg_boot_from:      db 'Booting from ', 0
msg_boot_dots:      db ':...', 0
msg_boot_read_err:  db ' read error', 13, 10, 0
msg_boot_no_sig:    db ' not bootable (no 55AAh signature)', 13, 10, 0

; INT 18h: nothing left to boot. Say so everywhere a person might be
; looking, then halt with interrupts off: the emulator treats that as the
; end of the run.
int18_handler:
        sti
        mov ax, BDA_SEG
        mov ds, ax
        mov si, msg_no_boot
        call con_puts
        cli
.stop:  hlt
        jmp .stop

msg_no_boot: db 13, 10, 'No bootable disk: attach a bootable floppy (A:) or hard disk (C:) image.', 13, 10, 0
