"""ModRM addressing: effective addresses and r/m operands.

Per-byte tables give each memory ModRM's base registers, displacement size
and default segment; the effective segment base and offset are left in
``cpu.ea_seg`` / ``cpu.ea_off`` so a read-modify-write computes them once
and nothing is allocated.
"""

import types

from pcemu.hostjit import compile_apart, pypyjit

from .memory import fetch16, fetch8, rb, rw, wb, ww
from .registers import BP, BX, DI, DS, SI, SS, get_r8, set_r8


# For each ModRM byte with mod != 3: the first base register, the second
# (or -1), the displacement size (0, 1, 2; 3 = direct 16-bit address) and the
# default segment (SS when BP is the base).
_RM_A = (BX, BX, BP, BP, SI, DI, BP, BX)
_RM_B = (SI, DI, SI, DI, -1, -1, -1, -1)
EA_A = []
EA_B = []
EA_DISP = []
EA_SEG = []
for _m in range(256):
    _mod, _rm = _m >> 6, _m & 7
    if _mod == 3:
        EA_A.append(0)
        EA_B.append(-1)
        EA_DISP.append(0)
        EA_SEG.append(DS)
    elif _mod == 0 and _rm == 6:
        EA_A.append(0)
        EA_B.append(-1)
        EA_DISP.append(3)
        EA_SEG.append(DS)
    else:
        EA_A.append(_RM_A[_rm])
        EA_B.append(_RM_B[_rm])
        EA_DISP.append(_mod)
        EA_SEG.append(SS if _rm in (2, 3) or _rm == 6 else DS)
EA_A = tuple(EA_A)
EA_B = tuple(EA_B)
EA_DISP = tuple(EA_DISP)
EA_SEG = tuple(EA_SEG)
del _m, _mod, _rm

# The same forms as factors, for ``ea``: the offset is
#   regs[EA_A] * _A_USED + regs[_B_REG] * _B_USED + disp8 * _DISP8_USED + disp16 * _DISP16_USED
# and IP moves past _DISP_BYTES bytes. A branch on the form would make each of the
# forms a guest meets a path of its own that PyPy compiles (a bridge, about 2.5 ms of a
# cold boot each); arithmetic gives all of them one path.
_A_USED = tuple(0 if d == 3 else 1 for d in EA_DISP)
_B_REG = tuple(b if b >= 0 else 0 for b in EA_B)
_B_USED = tuple(1 if b >= 0 else 0 for b in EA_B)
_DISP8_USED = tuple(1 if d == 1 else 0 for d in EA_DISP)
_DISP16_USED = tuple(1 if d >= 2 else 0 for d in EA_DISP)
_DISP_BYTES = tuple((0, 1, 2, 2)[d] for d in EA_DISP)


def ea(cpu, m):
    """Decode a memory ModRM: sets cpu.ea_seg (segment base) and cpu.ea_off.

    No branch on the form (see _A_USED). A displacement byte the form does not have is
    read from address 0 instead, multiplied away, so that only the instruction's own
    bytes are fetched."""
    r = cpu.regs
    ip = cpu.ip
    base = cpu.csb
    data = cpu.data
    n = _DISP_BYTES[m]
    lo = data[((base + ip) & 0xFFFFF) * ((n + 1) >> 1)]
    hi = data[((base + ((ip + 1) & 0xFFFF)) & 0xFFFFF) * (n >> 1)]
    cpu.ip = (ip + n) & 0xFFFF
    off = (r[EA_A[m]] * _A_USED[m] + r[_B_REG[m]] * _B_USED[m]
           + ((lo ^ 0x80) - 0x80) * _DISP8_USED[m] + (lo | (hi << 8)) * _DISP16_USED[m]) & 0xFFFF
    s = cpu.ovr                                   # -1, or the segment a prefix chose
    s += (EA_SEG[m] - s) * ((s >> 8) & 1)         # (s >> 8) & 1: 1 when s is -1
    cpu.ea_seg = cpu.sregs[s] << 4
    cpu.ea_off = off
    return off


def _ea_by_branch(cpu, m):
    """``ea`` for an interpreter without a JIT (CPython), where each operation costs and a
    branch does not: only the form's own registers and displacement are read."""
    d = EA_DISP[m]
    if d == 3:
        off = fetch16(cpu)
    else:
        r = cpu.regs
        off = r[EA_A[m]]
        b = EA_B[m]
        if b >= 0:
            off += r[b]
        if d == 1:
            off = (off + ((fetch8(cpu) ^ 0x80) - 0x80)) & 0xFFFF
        elif d == 2:
            off = (off + fetch16(cpu)) & 0xFFFF
        else:
            off &= 0xFFFF
    s = cpu.ovr
    if s < 0:
        s = EA_SEG[m]
    cpu.ea_seg = cpu.sregs[s] << 4
    cpu.ea_off = off
    return off


# rm_read8 and rm_read16 are compiled apart themselves, and ``ea`` is inlined into them:
# its one path compiled once more in each, a memory operand read is one call into compiled
# code instead of two (a call costs a frame and a jitframe, about as much as a simple
# instruction). Every other handler calls ``ea`` compiled apart; ``_ea_in_line`` is its twin,
# the same code in a code object of its own, which PyPy inlines. A FreeDOS boot took 1.0%
# fewer host instructions (valgrind); ``ea`` inlined into every handler, 1.0% more. Without
# a JIT both are ``_ea_by_branch`` (a CPython boot 2.50 -> 2.36 s of CPU).
_ea_by_arithmetic = ea
if pypyjit is not None:
    _ea_in_line = types.FunctionType(ea.__code__.replace(co_name="ea_in_line"), ea.__globals__, "ea_in_line")
    ea = compile_apart(ea)
else:
    _ea_in_line = ea = _ea_by_branch


@compile_apart
def rm_read8(cpu, m):
    if m >= 0xC0:
        return get_r8(cpu.regs, m & 7)
    _ea_in_line(cpu, m)
    return rb(cpu, (cpu.ea_seg + cpu.ea_off) & 0xFFFFF)


@compile_apart
def rm_write8(cpu, m, v):
    """Write back to the operand the last rm_read8/ea decoded."""
    if m >= 0xC0:
        set_r8(cpu.regs, m & 7, v)
    else:
        wb(cpu, (cpu.ea_seg + cpu.ea_off) & 0xFFFFF, v)


@compile_apart
def rm_read16(cpu, m):
    if m >= 0xC0:
        return cpu.regs[m & 7]
    _ea_in_line(cpu, m)
    return rw(cpu, cpu.ea_seg, cpu.ea_off)


@compile_apart
def rm_write16(cpu, m, v):
    if m >= 0xC0:
        cpu.regs[m & 7] = v
    else:
        ww(cpu, cpu.ea_seg, cpu.ea_off, v)
