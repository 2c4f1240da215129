; int17.asm - printer services. There is no parallel port: every call
; answers "timeout" so DOS reports the printer as not ready instead of
; waiting for it.

int17_handler:
        mov ah, 01h                 ; time-out
        iret
