; CPU benchmark guest for pcemu.bench (assemble: nasm -f bin -o pcemu/bench.bin tools/bench.asm)
;
; Loaded at 1000:0000 with CS=DS=ES=SS=1000h. Runs PASSES rounds of:
;   * a sieve of Eratosthenes over SIEVE_SIZE bytes (REP STOSB fill, byte loops)
;   * a rotate-and-add checksum over the sieve (LODSW, ROL, ADD, a near CALL)
;   * a REP MOVSW copy of the sieve and a byte-by-byte compare of the copy
; then stores its results and stops with HLT and IF clear.
;
; Results (little-endian words, checked by the host):
;   [RESULTS+0] total primes found over all passes (1028 per pass)
;   [RESULTS+2] checksum of the last pass
;   [RESULTS+4] number of mismatches found by the copy compare (0)
;   [RESULTS+6] 0xBEEF when the program ran to its end

        cpu 8086
        bits 16
        org 0

SIEVE_SIZE equ 8192
PASSES     equ 32
SIEVE      equ 0x4000
COPY       equ 0x8000
RESULTS    equ 0x3F00

start:
        cli
        cld
        mov ax, cs
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x3E00
        xor ax, ax
        mov [RESULTS], ax
        mov [RESULTS+2], ax
        mov [RESULTS+4], ax
        mov [RESULTS+6], ax
        mov bp, PASSES

pass:
        ; --- sieve ---------------------------------------------------------
        mov di, SIEVE
        mov cx, SIEVE_SIZE
        mov al, 1
        rep stosb
        mov byte [SIEVE], 0
        mov byte [SIEVE+1], 0
        mov bx, 2                   ; candidate
        xor dx, dx                  ; primes found this pass
.next:
        cmp byte [SIEVE+bx], 0
        je .skip
        inc dx
        mov si, bx
        add si, bx                  ; first multiple
.strike:
        cmp si, SIEVE_SIZE
        jae .skip
        mov byte [SIEVE+si], 0
        add si, bx
        jmp .strike
.skip:
        inc bx
        cmp bx, SIEVE_SIZE
        jb .next
        add [RESULTS], dx

        ; --- checksum --------------------------------------------------------
        mov si, SIEVE
        mov cx, SIEVE_SIZE / 2
        xor dx, dx
.sum:
        lodsw
        call mix
        loop .sum
        mov [RESULTS+2], dx

        ; --- copy and compare ----------------------------------------------------
        mov si, SIEVE
        mov di, COPY
        mov cx, SIEVE_SIZE / 2
        rep movsw
        mov si, SIEVE
        mov di, COPY
        mov cx, SIEVE_SIZE
.cmp:
        mov al, [si]
        cmp al, [di]
        je .same
        inc word [RESULTS+4]
.same:
        inc si
        inc di
        dec cx
        jnz .cmp

        dec bp
        jz done
        jmp pass

done:
        mov word [RESULTS+6], 0xBEEF
        cli
        hlt
        jmp done

; dx = rol(dx, 1) + ax
mix:
        rol dx, 1
        add dx, ax
        ret
