"""MOV and friends: MOV forms, LEA, LDS/LES, XCHG, TEST, XLAT, CBW/CWD, flag transfers."""

from .alu import alu_and
from .flags import FLAGS_FIXED, FLAGS_STORED, F_AF, F_CF, F_PF, F_SF, F_ZF, K_NONE, compute_flags, materialize
from .interrupts import undefined_186
from .memory import fetch16, fetch8, pop, push, rb, rw, wb, ww
from .modrm import ea, rm_read16, rm_read8, rm_write16, rm_write8
from .registers import AX, BX, DS, DX, SS, get_r8, set_r8


def op_mov_eb_gb(cpu):
    m = fetch8(cpu)
    r = cpu.regs
    v = get_r8(r, (m >> 3) & 7)
    if m >= 0xC0:
        set_r8(r, m & 7, v)
    else:
        ea(cpu, m)
        wb(cpu, (cpu.ea_seg + cpu.ea_off) & 0xFFFFF, v)


def op_mov_ev_gv(cpu):
    m = fetch8(cpu)
    r = cpu.regs
    v = r[(m >> 3) & 7]
    if m >= 0xC0:
        r[m & 7] = v
    else:
        ea(cpu, m)
        ww(cpu, cpu.ea_seg, cpu.ea_off, v)


def op_mov_gb_eb(cpu):
    m = fetch8(cpu)
    set_r8(cpu.regs, (m >> 3) & 7, rm_read8(cpu, m))


def op_mov_gv_ev(cpu):
    m = fetch8(cpu)
    cpu.regs[(m >> 3) & 7] = rm_read16(cpu, m)


def op_mov_ev_sreg(cpu):
    m = fetch8(cpu)
    v = cpu.sregs[(m >> 3) & 3]
    if m >= 0xC0:
        cpu.regs[m & 7] = v
    else:
        ea(cpu, m)
        ww(cpu, cpu.ea_seg, cpu.ea_off, v)


def op_mov_sreg_ev(cpu):
    m = fetch8(cpu)
    s = (m >> 3) & 3
    cpu.sregs[s] = rm_read16(cpu, m)
    if s == SS:
        cpu.set_shadow()


def op_lea(cpu):
    m = fetch8(cpu)
    if m >= 0xC0:
        if cpu.is186:
            undefined_186(cpu)
        # the 8086 leaves the register as it was
        return
    cpu.regs[(m >> 3) & 7] = ea(cpu, m)


# LES (C4) and LDS (C5): {s} is the segment register loaded
LOAD_FAR = """
    def {name}(cpu):
        m = fetch8(cpu)
        if m >= 0xC0:
            if cpu.is186:
                undefined_186(cpu)
            return
        ea(cpu, m)
        seg = cpu.ea_seg
        off = cpu.ea_off
        cpu.regs[(m >> 3) & 7] = rw(cpu, seg, off)
        cpu.sregs[{s}] = rw(cpu, seg, (off + 2) & 0xFFFF)
"""


def op_pop_ev(cpu):
    m = fetch8(cpu)
    if ((m >> 3) & 7) and cpu.is186:
        undefined_186(cpu)
        return
    v = pop(cpu)
    if m >= 0xC0:
        cpu.regs[m & 7] = v
    else:
        ea(cpu, m)
        ww(cpu, cpu.ea_seg, cpu.ea_off, v)


def op_cbw(cpu):
    r = cpu.regs
    al = r[AX] & 0xFF
    r[AX] = al | 0xFF00 if al & 0x80 else al


def op_cwd(cpu):
    r = cpu.regs
    r[DX] = 0xFFFF if r[AX] & 0x8000 else 0


def op_wait(cpu):
    # no coprocessor: the TEST pin reads active, so WAIT falls through
    pass


def op_pushf(cpu):
    push(cpu, compute_flags(cpu) | FLAGS_FIXED)


def op_popf(cpu):
    cpu.flags = pop(cpu) & FLAGS_STORED
    cpu.lf_kind = K_NONE
    cpu.update_pending()


def op_sahf(cpu):
    materialize(cpu)
    ah = cpu.regs[AX] >> 8
    cpu.flags = (cpu.flags & 0xFF00) | (ah & (F_SF | F_ZF | F_AF | F_PF | F_CF))


def op_lahf(cpu):
    r = cpu.regs
    f = (compute_flags(cpu) | FLAGS_FIXED) & 0xFF
    r[AX] = (r[AX] & 0xFF) | (f << 8)


def op_mov_al_moffs(cpu):
    off = fetch16(cpu)
    s = cpu.ovr
    if s < 0:
        s = DS
    r = cpu.regs
    r[AX] = (r[AX] & 0xFF00) | rb(cpu, ((cpu.sregs[s] << 4) + off) & 0xFFFFF)


def op_mov_ax_moffs(cpu):
    off = fetch16(cpu)
    s = cpu.ovr
    if s < 0:
        s = DS
    cpu.regs[AX] = rw(cpu, cpu.sregs[s] << 4, off)


def op_mov_moffs_al(cpu):
    off = fetch16(cpu)
    s = cpu.ovr
    if s < 0:
        s = DS
    wb(cpu, ((cpu.sregs[s] << 4) + off) & 0xFFFFF, cpu.regs[AX] & 0xFF)


def op_mov_moffs_ax(cpu):
    off = fetch16(cpu)
    s = cpu.ovr
    if s < 0:
        s = DS
    ww(cpu, cpu.sregs[s] << 4, off, cpu.regs[AX])


def op_mov_eb_ib(cpu):
    m = fetch8(cpu)
    if m >= 0xC0:
        set_r8(cpu.regs, m & 7, fetch8(cpu))
    else:
        ea(cpu, m)
        wb(cpu, (cpu.ea_seg + cpu.ea_off) & 0xFFFFF, fetch8(cpu))


def op_mov_ev_iv(cpu):
    m = fetch8(cpu)
    if m >= 0xC0:
        cpu.regs[m & 7] = fetch16(cpu)
    else:
        ea(cpu, m)
        ww(cpu, cpu.ea_seg, cpu.ea_off, fetch16(cpu))


def op_mov_eb_ib_186(cpu):
    m = cpu.data[(cpu.csb + cpu.ip) & 0xFFFFF]
    if (m >> 3) & 7:
        undefined_186(cpu)
        return
    op_mov_eb_ib(cpu)


def op_mov_ev_iv_186(cpu):
    m = cpu.data[(cpu.csb + cpu.ip) & 0xFFFFF]
    if (m >> 3) & 7:
        undefined_186(cpu)
        return
    op_mov_ev_iv(cpu)


def op_xlat(cpu):
    s = cpu.ovr
    if s < 0:
        s = DS
    r = cpu.regs
    off = (r[BX] + (r[AX] & 0xFF)) & 0xFFFF
    r[AX] = (r[AX] & 0xFF00) | rb(cpu, ((cpu.sregs[s] << 4) + off) & 0xFFFFF)


def op_test_eb_gb(cpu):
    m = fetch8(cpu)
    alu_and(cpu, rm_read8(cpu, m), get_r8(cpu.regs, (m >> 3) & 7), 0xFF)


def op_test_ev_gv(cpu):
    m = fetch8(cpu)
    alu_and(cpu, rm_read16(cpu, m), cpu.regs[(m >> 3) & 7], 0xFFFF)


def op_test_al_ib(cpu):
    alu_and(cpu, cpu.regs[AX] & 0xFF, fetch8(cpu), 0xFF)


def op_test_ax_iv(cpu):
    alu_and(cpu, cpu.regs[AX], fetch16(cpu), 0xFFFF)


def op_xchg_eb_gb(cpu):
    m = fetch8(cpu)
    r = cpu.regs
    i = (m >> 3) & 7
    a = rm_read8(cpu, m)
    b = get_r8(r, i)
    rm_write8(cpu, m, b)
    set_r8(r, i, a)


def op_xchg_ev_gv(cpu):
    m = fetch8(cpu)
    r = cpu.regs
    i = (m >> 3) & 7
    a = rm_read16(cpu, m)
    b = r[i]
    rm_write16(cpu, m, b)
    r[i] = a
