"""Group 3 (F6/F7): TEST NOT NEG MUL IMUL DIV IDIV, with the 8086's microcoded divide."""

from .alu import alu_and, alu_sub
from .flags import F_AF, F_CF, F_OF, F_SF, F_ZF, K_NONE, NOT_ARITH, PARITY, set_szp_eager
from .interrupts import divide_error
from .memory import fetch16, fetch8
from .modrm import rm_read16, rm_read8, rm_write16, rm_write8
from .registers import AX, DX


def _signed(v, mask):
    return v - (mask + 1) if v & ((mask >> 1) + 1) else v


def _sub_flags(a, b, mask):
    """The six arithmetic flag bits of the subtraction a - b."""
    r = a - b
    sign = (mask >> 1) + 1
    f = PARITY[r & 0xFF] | ((a ^ b ^ r) & F_AF)
    if b > a:
        f |= F_CF
    if (a ^ b) & (a ^ r) & sign:
        f |= F_OF
    if r & mask == 0:
        f |= F_ZF
    if r & sign:
        f |= F_SF
    return f


def div_8086(cpu, dividend, divisor, mask, signed):
    """DIV/IDIV the way the 8086's microcode does it, bit by bit.

    Besides the quotient and remainder this reproduces the flags the chip
    leaves behind - they are officially undefined, but they are what a
    divide error pushes on the stack. Returns (quotient, remainder), or
    None after raising INT 0.
    """
    bits = 8 if mask == 0xFF else 16
    top = (mask >> 1) + 1
    a = dividend >> bits            # high half
    c = dividend & mask             # low half, becomes the inverted quotient
    b = divisor
    negate = cpu.rep != 0           # REP prefix sets the internal F1 flag
    dividend_negative = bool(a & top)
    if signed:
        if dividend_negative:
            c_was_zero = c == 0
            c = (-c) & mask
            a = (-a) & mask if c_was_zero else (~a) & mask
            negate = not negate
        if b & top:
            b = (-b) & mask
            negate = not negate
    flags = _sub_flags(a, b, mask)
    cf = 1 if b > a else 0
    if not cf:
        return _div_fault(cpu, flags)
    for _ in range(bits):
        out_c = 1 if c & top else 0
        c = ((c << 1) | cf) & mask
        cf = out_c
        out_a = 1 if a & top else 0
        a = ((a << 1) | cf) & mask
        cf = out_a
        diff = (a - b) & mask
        if cf:
            cf = 0
            a = diff
        else:
            flags = _sub_flags(a, b, mask)
            cf = 1 if b > a else 0
            if not cf:
                a = diff
    out_c = 1 if c & top else 0
    c = ((c << 1) | cf) & mask
    cf = 1 if c & top else 0
    flags = (flags & ~F_CF) | cf
    if not signed:
        _set_all_flags(cpu, flags)
        return (~c) & mask, a
    if not cf:
        return _div_fault(cpu, flags)
    if dividend_negative:
        a = (-a) & mask
    q = (c + 1) & mask if negate else (~c) & mask
    _set_all_flags(cpu, flags & ~(F_CF | F_OF))
    return q, a


def _set_all_flags(cpu, arith):
    cpu.flags = (cpu.flags & NOT_ARITH) | arith
    cpu.lf_kind = K_NONE


def _div_fault(cpu, arith):
    _set_all_flags(cpu, arith)
    divide_error(cpu)
    return None


def g3_test8(cpu, m, v):
    alu_and(cpu, v, fetch8(cpu), 0xFF)


def g3_not8(cpu, m, v):
    rm_write8(cpu, m, v ^ 0xFF)


def g3_neg8(cpu, m, v):
    rm_write8(cpu, m, alu_sub(cpu, 0, v, 0xFF))


def g3_mul8(cpu, m, v):
    r = cpu.regs
    p = (r[AX] & 0xFF) * v
    r[AX] = p
    set_szp_eager(cpu, p, 0xFFFF if cpu.is186 else 0xFF, F_CF | F_OF if p & 0xFF00 else 0)


def g3_imul8(cpu, m, v):
    r = cpu.regs
    p = _signed(r[AX] & 0xFF, 0xFF) * _signed(v, 0xFF)
    if cpu.rep and not cpu.is186:
        p = -p  # the 8086 microcode's REP-prefix sign flip
    r[AX] = p & 0xFFFF
    c = 0 if -128 <= p <= 127 else F_CF | F_OF
    set_szp_eager(cpu, p & 0xFFFF, 0xFFFF if cpu.is186 else 0xFF, c)


def g3_div8(cpu, m, v):
    r = cpu.regs
    if not cpu.is186:
        res = div_8086(cpu, r[AX], v, 0xFF, False)
        if res is not None:
            r[AX] = (res[1] << 8) | res[0]
        return
    ax = r[AX]
    if v == 0 or (ax // v) > 0xFF:
        divide_error(cpu)
        return
    q, rem = divmod(ax, v)
    r[AX] = (rem << 8) | q


def g3_idiv8(cpu, m, v):
    r = cpu.regs
    if not cpu.is186:
        res = div_8086(cpu, r[AX], v, 0xFF, True)
        if res is not None:
            r[AX] = (res[1] << 8) | res[0]
        return
    a = _signed(r[AX], 0xFFFF)
    b = _signed(v, 0xFF)
    if b == 0:
        divide_error(cpu)
        return
    q = abs(a) // abs(b)
    if (a < 0) != (b < 0):
        q = -q
    rem = a - q * b
    if q > 127 or q < -128:
        divide_error(cpu)
        return
    r[AX] = ((rem & 0xFF) << 8) | (q & 0xFF)


def g3_test16(cpu, m, v):
    alu_and(cpu, v, fetch16(cpu), 0xFFFF)


def g3_not16(cpu, m, v):
    rm_write16(cpu, m, v ^ 0xFFFF)


def g3_neg16(cpu, m, v):
    rm_write16(cpu, m, alu_sub(cpu, 0, v, 0xFFFF))


def g3_mul16(cpu, m, v):
    r = cpu.regs
    p = r[AX] * v
    r[AX] = p & 0xFFFF
    r[DX] = p >> 16
    set_szp_eager(cpu, p & 0xFFFF, 0xFFFF, F_CF | F_OF if p >> 16 else 0)


def g3_imul16(cpu, m, v):
    r = cpu.regs
    p = _signed(r[AX], 0xFFFF) * _signed(v, 0xFFFF)
    if cpu.rep and not cpu.is186:
        p = -p
    r[AX] = p & 0xFFFF
    r[DX] = (p >> 16) & 0xFFFF
    c = 0 if -32768 <= p <= 32767 else F_CF | F_OF
    set_szp_eager(cpu, p & 0xFFFF, 0xFFFF, c)


def g3_div16(cpu, m, v):
    r = cpu.regs
    n = (r[DX] << 16) | r[AX]
    if not cpu.is186:
        res = div_8086(cpu, n, v, 0xFFFF, False)
        if res is not None:
            r[AX] = res[0]
            r[DX] = res[1]
        return
    if v == 0 or (n // v) > 0xFFFF:
        divide_error(cpu)
        return
    q, rem = divmod(n, v)
    r[AX] = q
    r[DX] = rem


def g3_idiv16(cpu, m, v):
    r = cpu.regs
    n = (r[DX] << 16) | r[AX]
    if not cpu.is186:
        res = div_8086(cpu, n, v, 0xFFFF, True)
        if res is not None:
            r[AX] = res[0]
            r[DX] = res[1]
        return
    a = _signed(n, 0xFFFFFFFF)
    b = _signed(v, 0xFFFF)
    if b == 0:
        divide_error(cpu)
        return
    q = abs(a) // abs(b)
    if (a < 0) != (b < 0):
        q = -q
    rem = a - q * b
    if q > 32767 or q < -32768:
        divide_error(cpu)
        return
    r[AX] = q & 0xFFFF
    r[DX] = rem & 0xFFFF


# /1 is TEST again on the 8086 (and on the 80186, which does not trap it)
GRP3_8 = (g3_test8, g3_test8, g3_not8, g3_neg8, g3_mul8, g3_imul8, g3_div8, g3_idiv8)
GRP3_16 = (g3_test16, g3_test16, g3_not16, g3_neg16, g3_mul16, g3_imul16, g3_div16, g3_idiv16)


def op_grp3_eb(cpu):
    m = fetch8(cpu)
    GRP3_8[(m >> 3) & 7](cpu, m, rm_read8(cpu, m))


def op_grp3_ev(cpu):
    m = fetch8(cpu)
    GRP3_16[(m >> 3) & 7](cpu, m, rm_read16(cpu, m))
