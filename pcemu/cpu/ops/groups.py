"""Groups 1, 4 and 5 (80-83, FE, FF), and the coprocessor escapes D8-DF."""

from .alu import ALU_WRITES, alu_any, inc_dec_flags
from .flags import K_DEC, K_INC
from .interrupts import undefined_186
from .memory import fetch16, fetch8, fetch_s8, push, rw, ww
from .modrm import ea, rm_read16, rm_read8, rm_write16, rm_write8
from .registers import CS, SP, SS


def op_grp1_eb_ib(cpu):
    m = fetch8(cpu)
    op = (m >> 3) & 7
    a = rm_read8(cpu, m)
    v = alu_any(cpu, op, a, fetch8(cpu), 0xFF)
    if ALU_WRITES[op]:
        rm_write8(cpu, m, v)


def op_grp1_ev_iv(cpu):
    m = fetch8(cpu)
    op = (m >> 3) & 7
    a = rm_read16(cpu, m)
    v = alu_any(cpu, op, a, fetch16(cpu), 0xFFFF)
    if ALU_WRITES[op]:
        rm_write16(cpu, m, v)


def op_grp1_ev_ib(cpu):
    m = fetch8(cpu)
    op = (m >> 3) & 7
    a = rm_read16(cpu, m)
    v = alu_any(cpu, op, a, fetch_s8(cpu) & 0xFFFF, 0xFFFF)
    if ALU_WRITES[op]:
        rm_write16(cpu, m, v)


def op_grp4(cpu):
    m = fetch8(cpu)
    op = (m >> 3) & 7
    if op > 1:
        if cpu.is186:
            undefined_186(cpu)
            return
        # the 8086 runs the FF forms with a byte operand; nothing sane uses it
        cpu.ip = (cpu.ip - 1) & 0xFFFF
        op_grp5(cpu)
        return
    a = rm_read8(cpu, m)
    if op == 0:
        r = a + 1
        inc_dec_flags(cpu, a, r, 0xFF, K_INC)
    else:
        r = a - 1
        inc_dec_flags(cpu, a, r, 0xFF, K_DEC)
    rm_write8(cpu, m, r & 0xFF)


def g5_inc(cpu, m):
    a = rm_read16(cpu, m)
    inc_dec_flags(cpu, a, a + 1, 0xFFFF, K_INC)
    rm_write16(cpu, m, (a + 1) & 0xFFFF)


def g5_dec(cpu, m):
    a = rm_read16(cpu, m)
    inc_dec_flags(cpu, a, a - 1, 0xFFFF, K_DEC)
    rm_write16(cpu, m, (a - 1) & 0xFFFF)


def g5_call(cpu, m):
    t = rm_read16(cpu, m)
    push(cpu, cpu.ip)
    cpu.ip = t


def g5_call_far(cpu, m):
    if m >= 0xC0:
        if cpu.is186:
            undefined_186(cpu)
        return
    ea(cpu, m)
    seg = cpu.ea_seg
    off = cpu.ea_off
    ip = rw(cpu, seg, off)
    cs = rw(cpu, seg, (off + 2) & 0xFFFF)
    push(cpu, cpu.sregs[CS])
    push(cpu, cpu.ip)
    cpu.ip = ip
    cpu.sregs[CS] = cs


def g5_jmp(cpu, m):
    cpu.ip = rm_read16(cpu, m)


def g5_jmp_far(cpu, m):
    if m >= 0xC0:
        if cpu.is186:
            undefined_186(cpu)
        return
    ea(cpu, m)
    seg = cpu.ea_seg
    off = cpu.ea_off
    cpu.ip = rw(cpu, seg, off)
    cpu.sregs[CS] = rw(cpu, seg, (off + 2) & 0xFFFF)


def g5_push(cpu, m):
    if m >= 0xC0:
        # PUSH SP this way also stores the decremented SP
        r = cpu.regs
        sp = (r[SP] - 2) & 0xFFFF
        r[SP] = sp
        ww(cpu, cpu.sregs[SS] << 4, sp, r[m & 7])
    else:
        push(cpu, rm_read16(cpu, m))


def g5_push_alias(cpu, m):
    """FF /7: PUSH again on the 8086, an unused opcode on the 80186."""
    if cpu.is186:
        undefined_186(cpu)
    else:
        g5_push(cpu, m)


GRP5 = (g5_inc, g5_dec, g5_call, g5_call_far, g5_jmp, g5_jmp_far, g5_push, g5_push_alias)


def op_grp5(cpu):
    m = fetch8(cpu)
    GRP5[(m >> 3) & 7](cpu, m)


def op_esc(cpu):
    # no coprocessor: decode the operand (consuming any displacement), do nothing
    m = fetch8(cpu)
    if m < 0xC0:
        ea(cpu, m)
