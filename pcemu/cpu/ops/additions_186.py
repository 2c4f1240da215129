"""The 80186's additions: PUSHA POPA BOUND PUSH imm IMUL imm ENTER LEAVE (INS/OUTS are with the strings)."""

from .flags import F_CF, F_OF, set_szp_eager
from .interrupts import interrupt, undefined_186
from .memory import fetch16, fetch8, fetch_s8, pop, push, rw
from .modrm import ea, rm_read16
from .muldiv import _signed
from .registers import AX, BP, BX, CX, DI, DX, SI, SP, SS


def op_pusha(cpu):
    r = cpu.regs
    sp = r[SP]
    for i in range(8):
        push(cpu, sp if i == SP else r[i])   # SP as it was before the first push


def op_popa(cpu):
    r = cpu.regs
    for i in (DI, SI, BP, SP, BX, DX, CX, AX):
        v = pop(cpu)
        if i != SP:   # the popped SP is thrown away
            r[i] = v


def op_bound(cpu):
    m = fetch8(cpu)
    if m >= 0xC0:
        undefined_186(cpu)
        return
    ea(cpu, m)
    seg = cpu.ea_seg
    off = cpu.ea_off
    lo = _signed(rw(cpu, seg, off), 0xFFFF)
    hi = _signed(rw(cpu, seg, (off + 2) & 0xFFFF), 0xFFFF)
    v = _signed(cpu.regs[(m >> 3) & 7], 0xFFFF)
    if v < lo or v > hi:
        interrupt(cpu, 5, cpu.insn_ip)


def op_push_iv(cpu):
    push(cpu, fetch16(cpu))


def op_push_ib(cpu):
    push(cpu, fetch_s8(cpu) & 0xFFFF)


def op_imul_gv_ev_iv(cpu):
    m = fetch8(cpu)
    a = _signed(rm_read16(cpu, m), 0xFFFF)
    b = _signed(fetch16(cpu), 0xFFFF)
    _imul_store(cpu, m, a * b)


def op_imul_gv_ev_ib(cpu):
    m = fetch8(cpu)
    a = _signed(rm_read16(cpu, m), 0xFFFF)
    b = fetch_s8(cpu)
    _imul_store(cpu, m, a * b)


def _imul_store(cpu, m, p):
    r = p & 0xFFFF
    cpu.regs[(m >> 3) & 7] = r
    c = 0 if -32768 <= p <= 32767 else F_CF | F_OF
    set_szp_eager(cpu, r, 0xFFFF, c)


def op_enter(cpu):
    size = fetch16(cpu)
    level = fetch8(cpu) & 0x1F
    r = cpu.regs
    push(cpu, r[BP])
    frame = r[SP]
    if level:
        ss = cpu.sregs[SS] << 4
        bp = r[BP]
        for _ in range(level - 1):
            bp = (bp - 2) & 0xFFFF
            push(cpu, rw(cpu, ss, bp))
        push(cpu, frame)
    r[BP] = frame
    r[SP] = (r[SP] - size) & 0xFFFF


def op_leave(cpu):
    r = cpu.regs
    r[SP] = r[BP]
    r[BP] = pop(cpu)
