"""Lazy flags: what the last arithmetic left, and the FLAGS bits derived from it.

Arithmetic records (kind, a, b, raw result, width mask) in ``cpu.lf_*``;
CF/PF/AF/ZF/SF/OF are derived only when something reads them.
``cpu.flags`` always holds TF/IF/DF, and holds the arithmetic bits too
whenever ``cpu.lf_kind == K_NONE``.
"""
from pcemu import hostjit
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


# The flag readers every conditional jump, INC/DEC (CF kept through them), ADC/SBB and the
# rotates through carry call: arithmetic on factors of the lazy kind, without a branch, so
# that PyPy inlines one path into each handler. With a branch on the kind each handler met
# a path per kind it saw (bridges, 2-3 ms of a cold boot each), so get_cf was compiled apart:
# but then each call is a frame and a jitframe, and a fifth of a FreeDOS boot's instructions
# read CF. A boot, valgrind: 6.09G -> 6.00G host instructions with get_cf thus; 5.90G with
# ZF, SF and PF read thus as well; boot + UNZIP -t, all four, 29.83G -> 28.89G.
# Where CF is for each kind (K_NONE .. K_DEC), as factors:
_CF_IN_FLAGS = (1, 0, 0, 0, 1, 1)          # K_NONE, K_INC, K_DEC: in cpu.flags
_CF_IN_SUM = (0, 1, 0, 0, 0, 0)            # K_ADD: the carry out of the top bit
_CF_IN_DIFFERENCE = (0, 0, 1, 0, 0, 0)     # K_SUB: a borrow leaves the raw result negative


def get_cf(cpu):
    """CF as 0 or 1. A K_ADD raw result is at most twice the mask plus one, so its bit
    ``width`` is the carry; a K_SUB one is at least -65536, so its bit 20 is set exactly when
    it is negative."""
    k = cpu.lf_kind
    r = cpu.lf_res
    width = 8 + ((cpu.lf_mask >> 12) & 8)
    return ((cpu.flags & _CF_IN_FLAGS[k]) | ((r >> width) & _CF_IN_SUM[k])
            | ((r >> 20) & _CF_IN_DIFFERENCE[k]))


def _get_cf_by_kind(cpu):
    """get_cf for an interpreter without a JIT (CPython), where each operation costs and a
    branch does not: INC and DEC read CF on every run, and the arithmetic above made a FreeDOS
    boot 3% slower there."""
    k = cpu.lf_kind
    if k == K_ADD:
        return 1 if cpu.lf_res > cpu.lf_mask else 0
    if k == K_SUB:
        return 1 if cpu.lf_res < 0 else 0
    if k == K_LOGIC:
        return 0
    return cpu.flags & F_CF


if hostjit.pypyjit is None:
    get_cf = _get_cf_by_kind


# ZF, SF, PF (0 or 1): from the raw result when a result is pending (``lazy``: 1 for
# K_ADD .. K_DEC), else from cpu.flags. (r & mask) - 1 is negative only for a zero result.
def get_zf(cpu):
    lazy = (cpu.lf_kind + 7) >> 3
    return ((((cpu.lf_res & cpu.lf_mask) - 1) >> 20) & lazy) | ((cpu.flags >> 6) & (lazy ^ 1))


def get_sf(cpu):
    lazy = (cpu.lf_kind + 7) >> 3
    top = 7 + ((cpu.lf_mask >> 12) & 8)
    return ((cpu.lf_res >> top) & lazy) | ((cpu.flags >> 7) & (lazy ^ 1))


def get_pf(cpu):
    lazy = (cpu.lf_kind + 7) >> 3
    return ((PARITY[cpu.lf_res & 0xFF] >> 2) & lazy) | ((cpu.flags >> 2) & (lazy ^ 1))


# Where OF comes from for each kind, as factors: cpu.flags (K_NONE), the signs of a sum's
# operands and result (K_ADD, K_INC), or of a difference's (K_SUB, K_DEC); K_LOGIC clears it.
_OF_IN_FLAGS = (1, 0, 0, 0, 0, 0)
_OF_IN_SUM = (0, 1, 0, 0, 1, 0)
_OF_IN_DIFFERENCE = (0, 0, 1, 0, 0, 1)


def get_of(cpu):
    """OF as 0 or 1, without a branch (see get_cf)."""
    k = cpu.lf_kind
    a = cpu.lf_a
    b = cpu.lf_b
    r = cpu.lf_res
    top = 7 + ((cpu.lf_mask >> 12) & 8)
    return (((cpu.flags >> 11) & _OF_IN_FLAGS[k]) | ((((a ^ r) & (b ^ r)) >> top) & _OF_IN_SUM[k])
            | ((((a ^ b) & (a ^ r)) >> top) & _OF_IN_DIFFERENCE[k]))


def flag_bits(cpu):
    """CF, ZF, SF, OF and PF as bits 0-4 (what a conditional jump tests), without a branch."""
    return get_cf(cpu) | (get_zf(cpu) << 1) | (get_sf(cpu) << 2) | (get_of(cpu) << 3) | (get_pf(cpu) << 4)


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
