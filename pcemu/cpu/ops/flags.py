"""Lazy flags: what the last arithmetic left, and the FLAGS bits derived from it.

Arithmetic records (kind, a, b, raw result, width mask) in ``cpu.lf_*``;
CF/PF/AF/ZF/SF/OF are derived only when something reads them.
``cpu.flags`` always holds TF/IF/DF, and holds the arithmetic bits too
whenever ``cpu.lf_kind == K_NONE``.
"""
from pcemu.hostjit import compile_apart



K_NONE = 0   # every flag bit is in cpu.flags
K_ADD = 1    # ADD/ADC: lf_res = a + b (+ carry), unmasked
K_SUB = 2    # SUB/SBB/CMP/NEG: lf_res = a - b (- borrow), unmasked (may be < 0)
K_LOGIC = 3  # AND/OR/XOR/TEST: CF = OF = AF = 0
K_INC = 4    # like K_ADD with b = 1, CF kept in cpu.flags
K_DEC = 5    # like K_SUB with b = 1, CF kept in cpu.flags

F_CF = 0x0001
F_PF = 0x0004
F_AF = 0x0010
F_ZF = 0x0040
F_SF = 0x0080
F_TF = 0x0100
F_IF = 0x0200
F_DF = 0x0400
F_OF = 0x0800
ARITH = F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF
NOT_ARITH = 0xFFFF & ~ARITH
FLAGS_STORED = ARITH | F_TF | F_IF | F_DF   # the bits the chip keeps
FLAGS_FIXED = 0xF002                         # read as 1 on the 8086/80186

PARITY = tuple(F_PF if bin(i).count("1") % 2 == 0 else 0 for i in range(256))
# --- flags ----------------------------------------------------------------
@compile_apart
def compute_flags(cpu):
    """FLAGS without the fixed bits, evaluating any pending lazy result."""
    k = cpu.lf_kind
    f = cpu.flags
    if k == K_NONE:
        return f
    m = cpu.lf_mask
    r = cpu.lf_res
    a = cpu.lf_a
    b = cpu.lf_b
    sign = (m >> 1) + 1
    keep_cf = f & F_CF
    f &= NOT_ARITH
    rm = r & m
    if rm == 0:
        f |= F_ZF
    if rm & sign:
        f |= F_SF
    f |= PARITY[r & 0xFF]
    if k == K_ADD:
        if r > m:
            f |= F_CF
        if (a ^ r) & (b ^ r) & sign:
            f |= F_OF
        f |= (a ^ b ^ r) & F_AF
    elif k == K_SUB:
        if r < 0:
            f |= F_CF
        if (a ^ b) & (a ^ r) & sign:
            f |= F_OF
        f |= (a ^ b ^ r) & F_AF
    elif k == K_INC:
        f |= keep_cf
        if (a ^ r) & (b ^ r) & sign:
            f |= F_OF
        f |= (a ^ b ^ r) & F_AF
    elif k == K_DEC:
        f |= keep_cf
        if (a ^ b) & (a ^ r) & sign:
            f |= F_OF
        f |= (a ^ b ^ r) & F_AF
    return f


def materialize(cpu):
    """Fold the lazy result into cpu.flags (before editing single bits)."""
    if cpu.lf_kind != K_NONE:
        cpu.flags = compute_flags(cpu)
        cpu.lf_kind = K_NONE


@compile_apart
def get_cf(cpu):
    k = cpu.lf_kind
    if k == K_ADD:
        return 1 if cpu.lf_res > cpu.lf_mask else 0
    if k == K_SUB:
        return 1 if cpu.lf_res < 0 else 0
    if k == K_LOGIC:
        return 0
    return cpu.flags & F_CF


def get_zf(cpu):
    if cpu.lf_kind != K_NONE:
        return (cpu.lf_res & cpu.lf_mask) == 0
    return (cpu.flags & F_ZF) != 0


def get_sf(cpu):
    if cpu.lf_kind != K_NONE:
        m = cpu.lf_mask
        return (cpu.lf_res & ((m >> 1) + 1)) != 0
    return (cpu.flags & F_SF) != 0


def get_pf(cpu):
    if cpu.lf_kind != K_NONE:
        return PARITY[cpu.lf_res & 0xFF] != 0
    return (cpu.flags & F_PF) != 0


@compile_apart
def get_of(cpu):
    k = cpu.lf_kind
    if k == K_NONE:
        return (cpu.flags & F_OF) != 0
    if k == K_LOGIC:
        return False
    a = cpu.lf_a
    b = cpu.lf_b
    r = cpu.lf_res
    sign = (cpu.lf_mask >> 1) + 1
    if k == K_ADD or k == K_INC:
        return ((a ^ r) & (b ^ r) & sign) != 0
    return ((a ^ b) & (a ^ r) & sign) != 0


def get_af(cpu):
    k = cpu.lf_kind
    if k == K_NONE:
        return (cpu.flags & F_AF) != 0
    if k == K_LOGIC:
        return False
    return ((cpu.lf_a ^ cpu.lf_b ^ cpu.lf_res) & F_AF) != 0


def set_szp_eager(cpu, res, mask, others):
    """Set every arithmetic flag at once: SZP from ``res``, CF/AF/OF given as bits."""
    # ZF and SF by arithmetic, not branches (each branch: a path PyPy compiles per caller):
    # (x - 1) >> 16 is -1 for x == 0 and 0 for 1..FFFFh; the sign bit (80h or 8000h)
    # shifted down to F_SF (80h)
    cpu.flags = ((cpu.flags & NOT_ARITH) | others | PARITY[res & 0xFF]
                 | ((((res & mask) - 1) >> 16) & F_ZF) | ((res >> ((mask >> 5) & 8)) & F_SF))
    cpu.lf_kind = K_NONE
