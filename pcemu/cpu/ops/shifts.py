"""Group 2: shifts and rotates (D0-D3, C0/C1)."""

from .flags import F_AF, F_CF, F_OF, get_cf, materialize, set_szp_eager
from .memory import fetch8
from .modrm import rm_read16, rm_read8, rm_write16, rm_write8
from .registers import CX


# CF and OF from the result's bits by arithmetic, not branches: under PyPy a branch on the
# guest's data makes both outcomes paths of their own, compiled for each handler and shift.
_OF_SHIFT = 11    # F_OF is 1 << 11


def _rot_flags(cpu, r, cf, of):
    """``cf`` and ``of`` are 0 or 1."""
    materialize(cpu)
    cpu.flags = (cpu.flags & ~(F_CF | F_OF)) | cf | (of << _OF_SHIFT)
    return r


def sh_rol(cpu, v, count, mask):
    bits = 8 + ((mask >> 5) & 8)   # 8 for FFh, 16 for FFFFh
    n = count % bits
    r = ((v << n) | (v >> (bits - n))) & mask if n else v
    cf = r & 1
    return _rot_flags(cpu, r, cf, (r >> (bits - 1)) ^ cf)


def sh_ror(cpu, v, count, mask):
    bits = 8 + ((mask >> 5) & 8)   # 8 for FFh, 16 for FFFFh
    n = count % bits
    r = ((v >> n) | (v << (bits - n))) & mask if n else v
    return _rot_flags(cpu, r, r >> (bits - 1), ((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1)


def sh_rcl(cpu, v, count, mask):
    # the 8086 rotates count times through the (width + 1)-bit ring
    bits = 8 + ((mask >> 5) & 8)   # 8 for FFh, 16 for FFFFh
    cf = get_cf(cpu)
    r = v
    for _ in range(count % (bits + 1)):
        out = r >> (bits - 1)
        r = ((r << 1) | cf) & mask
        cf = out
    return _rot_flags(cpu, r, cf, (r >> (bits - 1)) ^ cf)


def sh_rcr(cpu, v, count, mask):
    bits = 8 + ((mask >> 5) & 8)   # 8 for FFh, 16 for FFFFh
    cf = get_cf(cpu)
    r = v
    for _ in range(count % (bits + 1)):
        out = r & 1
        r = (r >> 1) | (cf << (bits - 1))
        cf = out
    return _rot_flags(cpu, r, cf, ((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1)


def sh_shl(cpu, v, count, mask):
    bits = 8 + ((mask >> 5) & 8)   # 8 for FFh, 16 for FFFFh
    wide = v << count
    r = wide & mask
    cf = (wide >> bits) & 1
    of = ((r >> (bits - 1)) ^ cf) << _OF_SHIFT
    set_szp_eager(cpu, r, mask, cf | of | (r & F_AF))
    return r


def sh_shr(cpu, v, count, mask):
    bits = 8 + ((mask >> 5) & 8)   # 8 for FFh, 16 for FFFFh
    r = v >> count
    last = v >> (count - 1)        # the last bit shifted out is its bit 0 (0 once count > bits)
    cf = last & 1
    of = ((last >> (bits - 1)) & 1) << _OF_SHIFT   # the sign before a one-bit shift
    set_szp_eager(cpu, r, mask, cf | of)
    return r


def sh_sar(cpu, v, count, mask):
    bits = 8 + ((mask >> 5) & 8)   # 8 for FFh, 16 for FFFFh
    sv = v - ((v >> (bits - 1)) & 1) * (mask + 1)     # signed
    c = count if count < bits else bits
    r = (sv >> c) & mask
    set_szp_eager(cpu, r, mask, (sv >> (c - 1)) & 1)
    return r


def sh_setmo(cpu, v, count, mask):
    """8086 /6: the operand becomes all ones (the 80186 treats /6 as SHL)."""
    if cpu.is186:
        return sh_shl(cpu, v, count, mask)
    set_szp_eager(cpu, mask, mask, 0)
    return mask


SHIFTS = (sh_rol, sh_ror, sh_rcl, sh_rcr, sh_shl, sh_shr, sh_setmo, sh_sar)


def op_grp2_eb_1(cpu):
    m = fetch8(cpu)
    rm_write8(cpu, m, SHIFTS[(m >> 3) & 7](cpu, rm_read8(cpu, m), 1, 0xFF))


def op_grp2_ev_1(cpu):
    m = fetch8(cpu)
    rm_write16(cpu, m, SHIFTS[(m >> 3) & 7](cpu, rm_read16(cpu, m), 1, 0xFFFF))


def op_grp2_eb_cl(cpu):
    m = fetch8(cpu)
    v = rm_read8(cpu, m)
    n = cpu.regs[CX] & (0x1F if cpu.is186 else 0xFF)
    if n:
        rm_write8(cpu, m, SHIFTS[(m >> 3) & 7](cpu, v, n, 0xFF))


def op_grp2_ev_cl(cpu):
    m = fetch8(cpu)
    v = rm_read16(cpu, m)
    n = cpu.regs[CX] & (0x1F if cpu.is186 else 0xFF)
    if n:
        rm_write16(cpu, m, SHIFTS[(m >> 3) & 7](cpu, v, n, 0xFFFF))


def op_grp2_eb_ib(cpu):
    m = fetch8(cpu)
    v = rm_read8(cpu, m)
    n = fetch8(cpu) & 0x1F
    if n:
        rm_write8(cpu, m, SHIFTS[(m >> 3) & 7](cpu, v, n, 0xFF))


def op_grp2_ev_ib(cpu):
    m = fetch8(cpu)
    v = rm_read16(cpu, m)
    n = fetch8(cpu) & 0x1F
    if n:
        rm_write16(cpu, m, SHIFTS[(m >> 3) & 7](cpu, v, n, 0xFFFF))
