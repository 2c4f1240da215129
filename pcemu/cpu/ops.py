"""Intel 8086 / 80186 instruction set: every opcode as a handler ``h(cpu)``.

Covers the full 8086 opcode map (including the undocumented forms the
8086 executes: 60-6F as Jcc, C0/C1/C8/C9 as RET/RETF, D6 SALC, 0F POP CS,
F6/F7 /1 as TEST, D0-D3 /6 SETMO, the REP-prefixed IDIV/IMUL sign flip) and
the 80186 additions (PUSHA/POPA, BOUND, PUSH imm, IMUL imm, INS/OUTS,
ENTER/LEAVE, shifts by immediate, 5-bit shift counts, INT 6 on unused
opcodes).

Design, for PyPy's tracing JIT:

* ``TABLE_8086`` / ``TABLE_80186`` are module-level tuples of 256 plain
  functions taking the CPU. Group opcodes dispatch again through
  module-level tuples indexed by the ModRM reg field.
* ModRM addressing uses precomputed per-byte tables; the effective
  segment base and offset are left in ``cpu.ea_seg`` / ``cpu.ea_off`` so a
  read-modify-write computes them once and nothing is allocated.
* Flags are lazy: arithmetic records (kind, a, b, raw result, width mask)
  and CF/PF/AF/ZF/SF/OF are derived only when something reads them.
  ``cpu.flags`` always holds TF/IF/DF, and holds the arithmetic bits too
  whenever ``cpu.lf_kind == K_NONE``.
* RAM is read from ``mem.data`` directly unless the page is MMIO; writes go
  straight to ``data`` only for RAM pages.
"""

import textwrap

from pcemu.bus import MMIO, RAM

# --- lazy flag kinds ---------------------------------------------------------
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

# Segment register numbers, as in cpu.sregs and in the ModRM sreg field.
ES, CS, SS, DS = 0, 1, 2, 3
AX, CX, DX, BX, SP, BP, SI, DI = range(8)

CHUNK = 1024  # REP iterations per boundary, so IRQs can land mid-string


# --- flags ----------------------------------------------------------------
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
    f = (cpu.flags & NOT_ARITH) | others | PARITY[res & 0xFF]
    if res & mask == 0:
        f |= F_ZF
    if res & ((mask >> 1) + 1):
        f |= F_SF
    cpu.flags = f
    cpu.lf_kind = K_NONE


# --- memory -----------------------------------------------------------------
def rb(cpu, a):
    """Byte at linear address ``a`` (already wrapped to 20 bits)."""
    if cpu.kind[a >> 12] == MMIO:
        return cpu.mem.read8(a)
    return cpu.data[a]


def wb(cpu, a, v):
    if cpu.kind[a >> 12] == RAM:
        cpu.data[a] = v
    else:
        cpu.mem.write8(a, v)


def rw(cpu, seg, off):
    """Word at seg:off; the high byte wraps inside the segment, as on the 8086."""
    a = (seg + off) & 0xFFFFF
    b = (seg + ((off + 1) & 0xFFFF)) & 0xFFFFF
    kind = cpu.kind
    if kind[a >> 12] == MMIO or kind[b >> 12] == MMIO:
        return cpu.mem.read8(a) | (cpu.mem.read8(b) << 8)
    data = cpu.data
    return data[a] | (data[b] << 8)


def ww(cpu, seg, off, v):
    a = (seg + off) & 0xFFFFF
    b = (seg + ((off + 1) & 0xFFFF)) & 0xFFFFF
    kind = cpu.kind
    if kind[a >> 12] == RAM and kind[b >> 12] == RAM:
        data = cpu.data
        data[a] = v & 0xFF
        data[b] = v >> 8
    else:
        cpu.mem.write8(a, v & 0xFF)
        cpu.mem.write8(b, v >> 8)


def fetch8(cpu):
    ip = cpu.ip
    cpu.ip = (ip + 1) & 0xFFFF
    return cpu.data[(cpu.csb + ip) & 0xFFFFF]


def fetch16(cpu):
    ip = cpu.ip
    base = cpu.csb
    data = cpu.data
    cpu.ip = (ip + 2) & 0xFFFF
    return data[(base + ip) & 0xFFFFF] | (data[(base + ((ip + 1) & 0xFFFF)) & 0xFFFFF] << 8)


def fetch_s8(cpu):
    v = fetch8(cpu)
    return v - 256 if v > 127 else v


def push(cpu, v):
    r = cpu.regs
    sp = (r[4] - 2) & 0xFFFF
    r[4] = sp
    ww(cpu, cpu.sregs[2] << 4, sp, v)


def pop(cpu):
    r = cpu.regs
    sp = r[4]
    v = rw(cpu, cpu.sregs[2] << 4, sp)
    r[4] = (sp + 2) & 0xFFFF
    return v


# --- ModRM ------------------------------------------------------------------
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


def ea(cpu, m):
    """Decode a memory ModRM: sets cpu.ea_seg (segment base) and cpu.ea_off."""
    d = EA_DISP[m]
    r = cpu.regs
    if d == 3:
        off = fetch16(cpu)
    else:
        off = r[EA_A[m]]
        b = EA_B[m]
        if b >= 0:
            off += r[b]
        if d == 1:
            off += fetch_s8(cpu)
        elif d == 2:
            off += fetch16(cpu)
        off &= 0xFFFF
    s = cpu.ovr
    if s < 0:
        s = EA_SEG[m]
    cpu.ea_seg = cpu.sregs[s] << 4
    cpu.ea_off = off
    return off


def get_r8(r, i):
    if i > 3:
        return r[i - 4] >> 8
    return r[i] & 0xFF


def set_r8(r, i, v):
    if i > 3:
        r[i - 4] = (r[i - 4] & 0xFF) | (v << 8)
    else:
        r[i] = (r[i] & 0xFF00) | v


def rm_read8(cpu, m):
    if m >= 0xC0:
        return get_r8(cpu.regs, m & 7)
    ea(cpu, m)
    return rb(cpu, (cpu.ea_seg + cpu.ea_off) & 0xFFFFF)


def rm_write8(cpu, m, v):
    """Write back to the operand the last rm_read8/ea decoded."""
    if m >= 0xC0:
        set_r8(cpu.regs, m & 7, v)
    else:
        wb(cpu, (cpu.ea_seg + cpu.ea_off) & 0xFFFFF, v)


def rm_read16(cpu, m):
    if m >= 0xC0:
        return cpu.regs[m & 7]
    ea(cpu, m)
    return rw(cpu, cpu.ea_seg, cpu.ea_off)


def rm_write16(cpu, m, v):
    if m >= 0xC0:
        cpu.regs[m & 7] = v
    else:
        ww(cpu, cpu.ea_seg, cpu.ea_off, v)


# --- interrupts ---------------------------------------------------------------
def interrupt(cpu, vector, return_ip):
    """Enter interrupt ``vector``: push FLAGS, CS, IP; clear IF and TF."""
    if (cpu.resume_prefix_icount == cpu.icount and return_ip == cpu.insn_ip
            and not cpu.is186):
        return_ip = cpu.resume_prefix_ip  # see _prefixed: the 8086 keeps the last prefix only
    flags = compute_flags(cpu)
    cpu.lf_kind = K_NONE
    push(cpu, flags | FLAGS_FIXED)
    cpu.flags = flags & ~(F_IF | F_TF)
    push(cpu, cpu.sregs[1])
    push(cpu, return_ip)
    cpu.ip = rw(cpu, 0, vector * 4)
    cpu.sregs[1] = rw(cpu, 0, vector * 4 + 2)
    cpu.update_pending()


def divide_error(cpu):
    """INT 0. The 8086 returns after the divide; the 80186 (like later chips) to it."""
    interrupt(cpu, 0, cpu.insn_ip if cpu.is186 else cpu.ip)


def undefined_186(cpu):
    """80186 unused-opcode exception (INT 6); return address is the opcode itself."""
    interrupt(cpu, 6, cpu.insn_ip)


# --- ALU primitives -------------------------------------------------------------
# Each takes (cpu, a, b, mask) and returns the masked result, recording flags.
def alu_add(cpu, a, b, m):
    r = a + b
    cpu.lf_kind = K_ADD
    cpu.lf_a = a
    cpu.lf_b = b
    cpu.lf_res = r
    cpu.lf_mask = m
    return r & m


def alu_adc(cpu, a, b, m):
    r = a + b + get_cf(cpu)
    cpu.lf_kind = K_ADD
    cpu.lf_a = a
    cpu.lf_b = b
    cpu.lf_res = r
    cpu.lf_mask = m
    return r & m


def alu_sub(cpu, a, b, m):
    r = a - b
    cpu.lf_kind = K_SUB
    cpu.lf_a = a
    cpu.lf_b = b
    cpu.lf_res = r
    cpu.lf_mask = m
    return r & m


def alu_sbb(cpu, a, b, m):
    r = a - b - get_cf(cpu)
    cpu.lf_kind = K_SUB
    cpu.lf_a = a
    cpu.lf_b = b
    cpu.lf_res = r
    cpu.lf_mask = m
    return r & m


def alu_and(cpu, a, b, m):
    r = a & b
    cpu.lf_kind = K_LOGIC
    cpu.lf_res = r
    cpu.lf_mask = m
    return r


def alu_or(cpu, a, b, m):
    r = a | b
    cpu.lf_kind = K_LOGIC
    cpu.lf_res = r
    cpu.lf_mask = m
    return r


def alu_xor(cpu, a, b, m):
    r = a ^ b
    cpu.lf_kind = K_LOGIC
    cpu.lf_res = r
    cpu.lf_mask = m
    return r


ALU = (alu_add, alu_or, alu_adc, alu_sbb, alu_and, alu_sub, alu_xor, alu_sub)
ALU_WRITES = (True, True, True, True, True, True, True, False)  # CMP only compares


def inc_dec_flags(cpu, a, r, m, kind):
    cpu.flags = (cpu.flags & ~F_CF) | get_cf(cpu)
    cpu.lf_kind = kind
    cpu.lf_a = a
    cpu.lf_b = 1
    cpu.lf_res = r
    cpu.lf_mask = m


# --- ALU opcode forms (00-3F) -------------------------------------------------------
def _compile(name, src, **consts):
    """Build a handler from a source template with its constants written in.

    A closure would keep register numbers and ALU functions in cells, which
    PyPy's JIT must read and guard on every time; literals cost nothing.
    """
    code = textwrap.dedent(src).format(**consts)
    namespace = {}
    exec(compile(code, "<pcemu.cpu.ops:%s>" % name, "exec"), globals(), namespace)
    fn = namespace[name]
    fn.__doc__ = "generated handler (%s)" % ", ".join("%s=%s" % kv for kv in sorted(consts.items()))
    return fn


_ALU_FORMS = (
    ("eb_gb", """
        def eb_gb(cpu):
            m = fetch8(cpu)
            r = cpu.regs
            if m >= 0xC0:
                i = m & 7
                v = {f}(cpu, get_r8(r, i), get_r8(r, (m >> 3) & 7), 0xFF)
                {w}set_r8(r, i, v)
            else:
                ea(cpu, m)
                a = (cpu.ea_seg + cpu.ea_off) & 0xFFFFF
                v = {f}(cpu, rb(cpu, a), get_r8(r, (m >> 3) & 7), 0xFF)
                {w}wb(cpu, a, v)
    """),
    ("ev_gv", """
        def ev_gv(cpu):
            m = fetch8(cpu)
            r = cpu.regs
            if m >= 0xC0:
                i = m & 7
                v = {f}(cpu, r[i], r[(m >> 3) & 7], 0xFFFF)
                {w}r[i] = v
            else:
                ea(cpu, m)
                v = {f}(cpu, rw(cpu, cpu.ea_seg, cpu.ea_off), r[(m >> 3) & 7], 0xFFFF)
                {w}ww(cpu, cpu.ea_seg, cpu.ea_off, v)
    """),
    ("gb_eb", """
        def gb_eb(cpu):
            m = fetch8(cpu)
            r = cpu.regs
            i = (m >> 3) & 7
            v = {f}(cpu, get_r8(r, i), rm_read8(cpu, m), 0xFF)
            {w}set_r8(r, i, v)
    """),
    ("gv_ev", """
        def gv_ev(cpu):
            m = fetch8(cpu)
            r = cpu.regs
            i = (m >> 3) & 7
            v = {f}(cpu, r[i], rm_read16(cpu, m), 0xFFFF)
            {w}r[i] = v
    """),
    ("al_ib", """
        def al_ib(cpu):
            r = cpu.regs
            v = {f}(cpu, r[0] & 0xFF, fetch8(cpu), 0xFF)
            {w}r[0] = (r[0] & 0xFF00) | v
    """),
    ("ax_iv", """
        def ax_iv(cpu):
            r = cpu.regs
            v = {f}(cpu, r[0], fetch16(cpu), 0xFFFF)
            {w}r[0] = v
    """),
)


def _make_alu(op):
    f = ALU[op].__name__
    # CMP computes flags only: its write-back lines become dead code
    w = "" if ALU_WRITES[op] else "if 0: "
    return tuple(_compile(name, src, f=f, w=w) for name, src in _ALU_FORMS)


def _make_push_sreg(s):
    def h(cpu):
        push(cpu, cpu.sregs[s])
    return h


def _make_pop_sreg(s):
    def h(cpu):
        cpu.sregs[s] = pop(cpu)
        if s == SS:
            cpu.set_shadow()
    return h


# --- prefixes ------------------------------------------------------------------
# A prefix handler consumes the whole run of prefixes in a loop (a guest may put
# thousands in a row) and then runs the instruction they belong to: the chip
# takes no interrupt inside the run, so it is one instruction. The last segment
# override and the last REP form win.
#
# The 8086 remembers only the last prefix for an interrupted string
# instruction: the return address it pushes is that prefix's, so
# `ES: REP MOVSB` interrupted mid-string resumes as `REP MOVSB`. While a string
# instruction is unfinished (IP back at its first prefix, so it resumes whole
# when no interrupt comes), the CPU notes where its last prefix is and for which
# instruction (icount); interrupt() pushes that address instead on the 8086.
#
# A run of prefixes that fills the whole code segment never reaches an
# instruction and no interrupt can end it: PrefixLockup, a dead guest.

PREFIX_OVERRIDE = {0x26: ES, 0x2E: CS, 0x36: SS, 0x3E: DS}
PREFIX_REP = {0xF3: 1, 0xF2: 2}
STRING_OPCODES = frozenset([0x6C, 0x6D, 0x6E, 0x6F, 0xA4, 0xA5, 0xA6, 0xA7,
                            0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF])
PREFIX_RUN_LIMIT = 0x10000  # a longer run has wrapped through the whole segment


class PrefixLockup(Exception):
    """The CPU is caught in a run of prefixes covering its whole code segment."""


def _prefix_run(cpu, op):
    """Prefix ``op`` follows the first one: consume the rest of the run; returns the opcode.
    Kept out of the handlers so a single prefix (the common case) runs no loop."""
    is_prefix = PREFIX_FLAGS_80186 if cpu.is186 else PREFIX_FLAGS_8086
    count = 1
    while is_prefix[op]:
        s = PREFIX_OVERRIDE.get(op, -1)
        if s >= 0:
            cpu.ovr = s
        else:
            cpu.rep = PREFIX_REP.get(op, cpu.rep)  # LOCK changes nothing here
        count += 1
        if count > PREFIX_RUN_LIMIT:
            cpu.ovr = -1
            cpu.rep = 0
            cpu.ip = cpu.insn_ip
            raise PrefixLockup("endless run of prefixes: the whole code segment %04X is prefix bytes"
                               % cpu.sregs[1])
        op = fetch8(cpu)
    return op


def _note_unfinished(cpu, op, after_opcode):
    if op in STRING_OPCODES:
        cpu.resume_prefix_ip = (after_opcode - 2) & 0xFFFF  # the prefix just before the opcode
        cpu.resume_prefix_icount = cpu.icount


def _make_prefix_handler(ovr, rep):
    def h(cpu):
        if ovr >= 0:
            cpu.ovr = ovr
        if rep:
            cpu.rep = rep
        op = fetch8(cpu)
        if (PREFIX_FLAGS_80186 if cpu.is186 else PREFIX_FLAGS_8086)[op]:
            op = _prefix_run(cpu, op)
        after_opcode = cpu.ip
        cpu.dispatch(cpu, op)
        if cpu.rep:
            if cpu.ip == cpu.insn_ip:
                _note_unfinished(cpu, op, after_opcode)
            cpu.rep = 0
        cpu.ovr = -1
    return h


def _make_prefix_seg(s):
    return _make_prefix_handler(s, 0)


op_rep_f3 = _make_prefix_handler(-1, 1)
op_rep_f2 = _make_prefix_handler(-1, 2)
op_lock = _make_prefix_handler(-1, 0)


# --- BCD -----------------------------------------------------------------------
def op_daa(cpu):
    r = cpu.regs
    al = r[0] & 0xFF
    cf = get_cf(cpu)
    af = get_af(cpu)
    old = al
    others = 0
    if (al & 0x0F) > 9 or af:
        al = (al + 6) & 0xFF
        others |= F_AF
    if old > (0x9F if af else 0x99) or cf:
        al = (al + 0x60) & 0xFF
        others |= F_CF
    # OF is undefined; the 8086 leaves it as the adds would set it
    if (old ^ al) & (al ^ (al - old)) & 0x80 and not (old & 0x80):
        others |= F_OF
    r[0] = (r[0] & 0xFF00) | al
    set_szp_eager(cpu, al, 0xFF, others)


def op_das(cpu):
    r = cpu.regs
    al = r[0] & 0xFF
    cf = get_cf(cpu)
    af = get_af(cpu)
    old = al
    others = 0
    if (al & 0x0F) > 9 or af:
        al = (al - 6) & 0xFF
        others |= F_AF
    if old > (0x9F if af else 0x99) or cf:
        al = (al - 0x60) & 0xFF
        others |= F_CF
    if (old & 0x80) and not (al & 0x80):
        others |= F_OF
    r[0] = (r[0] & 0xFF00) | al
    set_szp_eager(cpu, al, 0xFF, others)


def op_aaa(cpu):
    r = cpu.regs
    al = r[0] & 0xFF
    ah = r[0] >> 8
    if (al & 0x0F) > 9 or get_af(cpu):
        al = (al + 6) & 0xFF
        ah = (ah + 1) & 0xFF
        others = F_AF | F_CF
    else:
        others = 0
    res = al
    al &= 0x0F
    r[0] = (ah << 8) | al
    set_szp_eager(cpu, res, 0xFF, others)


def op_aas(cpu):
    r = cpu.regs
    al = r[0] & 0xFF
    ah = r[0] >> 8
    if (al & 0x0F) > 9 or get_af(cpu):
        al = (al - 6) & 0xFF
        ah = (ah - 1) & 0xFF
        others = F_AF | F_CF
    else:
        others = 0
    res = al
    al &= 0x0F
    r[0] = (ah << 8) | al
    set_szp_eager(cpu, res, 0xFF, others)


def op_aam(cpu):
    base = fetch8(cpu)
    r = cpu.regs
    if base == 0:
        set_szp_eager(cpu, 0, 0xFF, 0)
        divide_error(cpu)
        return
    al = r[0] & 0xFF
    ah, al = divmod(al, base)
    r[0] = (ah << 8) | al
    set_szp_eager(cpu, al, 0xFF, 0)


def op_aad(cpu):
    base = fetch8(cpu)
    r = cpu.regs
    al = r[0] & 0xFF
    ah = r[0] >> 8
    prod = (ah * base) & 0xFF
    res = alu_add(cpu, al, prod, 0xFF)
    r[0] = res


def op_salc(cpu):
    r = cpu.regs
    r[0] = (r[0] & 0xFF00) | (0xFF if get_cf(cpu) else 0)


# --- INC/DEC/PUSH/POP/XCHG on registers -----------------------------------------------
def _make_inc16(i):
    return _compile("inc", """
        def inc(cpu):
            r = cpu.regs
            a = r[{i}]
            r[{i}] = (a + 1) & 0xFFFF
            inc_dec_flags(cpu, a, a + 1, 0xFFFF, K_INC)
    """, i=i)


def _make_dec16(i):
    return _compile("dec", """
        def dec(cpu):
            r = cpu.regs
            a = r[{i}]
            r[{i}] = (a - 1) & 0xFFFF
            inc_dec_flags(cpu, a, a - 1, 0xFFFF, K_DEC)
    """, i=i)


def _make_push16(i):
    # PUSH SP stores the decremented SP on the 8086 and 80186
    return _compile("push", """
        def push(cpu):
            r = cpu.regs
            sp = (r[4] - 2) & 0xFFFF
            r[4] = sp
            ww(cpu, cpu.sregs[2] << 4, sp, r[{i}])
    """, i=i)


def _make_pop16(i):
    return _compile("pop", """
        def pop(cpu):
            r = cpu.regs
            sp = r[4]
            v = rw(cpu, cpu.sregs[2] << 4, sp)
            r[4] = (sp + 2) & 0xFFFF
            r[{i}] = v
    """, i=i)


def _make_xchg_ax(i):
    return _compile("xchg", """
        def xchg(cpu):
            r = cpu.regs
            r[0], r[{i}] = r[{i}], r[0]
    """, i=i)


def op_nop(cpu):
    pass


# --- jumps ---------------------------------------------------------------------
def c_o(cpu):
    return get_of(cpu)


def c_b(cpu):
    return get_cf(cpu) != 0


def c_z(cpu):
    return get_zf(cpu)


def c_be(cpu):
    return get_cf(cpu) != 0 or get_zf(cpu)


def c_s(cpu):
    return get_sf(cpu)


def c_p(cpu):
    return get_pf(cpu)


def c_l(cpu):
    return get_sf(cpu) != get_of(cpu)


def c_le(cpu):
    return get_zf(cpu) or get_sf(cpu) != get_of(cpu)


CONDITIONS = (c_o, c_b, c_z, c_be, c_s, c_p, c_l, c_le)


def _make_jcc(n):
    return _compile("jcc", """
        def jcc(cpu):
            d = fetch_s8(cpu)
            if {neg}{cond}(cpu):
                cpu.ip = (cpu.ip + d) & 0xFFFF
    """, cond=CONDITIONS[n >> 1].__name__, neg="not " if n & 1 else "")


def op_jmp_short(cpu):
    d = fetch_s8(cpu)
    cpu.ip = (cpu.ip + d) & 0xFFFF


def op_jmp_near(cpu):
    d = fetch16(cpu)
    cpu.ip = (cpu.ip + d) & 0xFFFF


def op_jmp_far(cpu):
    ip = fetch16(cpu)
    cs = fetch16(cpu)
    cpu.ip = ip
    cpu.sregs[1] = cs


def op_call_near(cpu):
    d = fetch16(cpu)
    push(cpu, cpu.ip)
    cpu.ip = (cpu.ip + d) & 0xFFFF


def op_call_far(cpu):
    ip = fetch16(cpu)
    cs = fetch16(cpu)
    push(cpu, cpu.sregs[1])
    push(cpu, cpu.ip)
    cpu.ip = ip
    cpu.sregs[1] = cs


def op_ret_imm(cpu):
    n = fetch16(cpu)
    cpu.ip = pop(cpu)
    r = cpu.regs
    r[4] = (r[4] + n) & 0xFFFF


def op_ret(cpu):
    cpu.ip = pop(cpu)


def op_retf_imm(cpu):
    n = fetch16(cpu)
    cpu.ip = pop(cpu)
    cpu.sregs[1] = pop(cpu)
    r = cpu.regs
    r[4] = (r[4] + n) & 0xFFFF


def op_retf(cpu):
    cpu.ip = pop(cpu)
    cpu.sregs[1] = pop(cpu)


def op_loopnz(cpu):
    d = fetch_s8(cpu)
    r = cpu.regs
    c = (r[1] - 1) & 0xFFFF
    r[1] = c
    if c and not get_zf(cpu):
        cpu.ip = (cpu.ip + d) & 0xFFFF


def op_loopz(cpu):
    d = fetch_s8(cpu)
    r = cpu.regs
    c = (r[1] - 1) & 0xFFFF
    r[1] = c
    if c and get_zf(cpu):
        cpu.ip = (cpu.ip + d) & 0xFFFF


def op_loop(cpu):
    d = fetch_s8(cpu)
    r = cpu.regs
    c = (r[1] - 1) & 0xFFFF
    r[1] = c
    if c:
        cpu.ip = (cpu.ip + d) & 0xFFFF


def op_jcxz(cpu):
    d = fetch_s8(cpu)
    if cpu.regs[1] == 0:
        cpu.ip = (cpu.ip + d) & 0xFFFF


def op_int3(cpu):
    interrupt(cpu, 3, cpu.ip)


def op_int(cpu):
    n = fetch8(cpu)
    interrupt(cpu, n, cpu.ip)


def op_into(cpu):
    if get_of(cpu):
        interrupt(cpu, 4, cpu.ip)


def op_iret(cpu):
    cpu.ip = pop(cpu)
    cpu.sregs[1] = pop(cpu)
    cpu.flags = pop(cpu) & FLAGS_STORED
    cpu.lf_kind = K_NONE
    cpu.update_pending()


# --- MOV and friends ---------------------------------------------------------------
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


def _make_load_far(s):
    def h(cpu):
        m = fetch8(cpu)
        if m >= 0xC0:
            if cpu.is186:
                undefined_186(cpu)
            return
        ea(cpu, m)
        seg = cpu.ea_seg
        off = cpu.ea_off
        cpu.regs[(m >> 3) & 7] = rw(cpu, seg, off)
        cpu.sregs[s] = rw(cpu, seg, (off + 2) & 0xFFFF)
    return h


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
    al = r[0] & 0xFF
    r[0] = al | 0xFF00 if al & 0x80 else al


def op_cwd(cpu):
    r = cpu.regs
    r[2] = 0xFFFF if r[0] & 0x8000 else 0


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
    ah = cpu.regs[0] >> 8
    cpu.flags = (cpu.flags & 0xFF00) | (ah & (F_SF | F_ZF | F_AF | F_PF | F_CF))


def op_lahf(cpu):
    r = cpu.regs
    f = (compute_flags(cpu) | FLAGS_FIXED) & 0xFF
    r[0] = (r[0] & 0xFF) | (f << 8)


def op_mov_al_moffs(cpu):
    off = fetch16(cpu)
    s = cpu.ovr
    if s < 0:
        s = DS
    r = cpu.regs
    r[0] = (r[0] & 0xFF00) | rb(cpu, ((cpu.sregs[s] << 4) + off) & 0xFFFFF)


def op_mov_ax_moffs(cpu):
    off = fetch16(cpu)
    s = cpu.ovr
    if s < 0:
        s = DS
    cpu.regs[0] = rw(cpu, cpu.sregs[s] << 4, off)


def op_mov_moffs_al(cpu):
    off = fetch16(cpu)
    s = cpu.ovr
    if s < 0:
        s = DS
    wb(cpu, ((cpu.sregs[s] << 4) + off) & 0xFFFFF, cpu.regs[0] & 0xFF)


def op_mov_moffs_ax(cpu):
    off = fetch16(cpu)
    s = cpu.ovr
    if s < 0:
        s = DS
    ww(cpu, cpu.sregs[s] << 4, off, cpu.regs[0])


def _make_mov_r8_imm(i):
    if i > 3:
        return _compile("mov_r8", """
            def mov_r8(cpu):
                r = cpu.regs
                r[{j}] = (r[{j}] & 0xFF) | (fetch8(cpu) << 8)
        """, j=i - 4)
    return _compile("mov_r8", """
        def mov_r8(cpu):
            r = cpu.regs
            r[{i}] = (r[{i}] & 0xFF00) | fetch8(cpu)
    """, i=i)


def _make_mov_r16_imm(i):
    return _compile("mov_r16", """
        def mov_r16(cpu):
            cpu.regs[{i}] = fetch16(cpu)
    """, i=i)


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
    off = (r[3] + (r[0] & 0xFF)) & 0xFFFF
    r[0] = (r[0] & 0xFF00) | rb(cpu, ((cpu.sregs[s] << 4) + off) & 0xFFFFF)


def op_test_eb_gb(cpu):
    m = fetch8(cpu)
    alu_and(cpu, rm_read8(cpu, m), get_r8(cpu.regs, (m >> 3) & 7), 0xFF)


def op_test_ev_gv(cpu):
    m = fetch8(cpu)
    alu_and(cpu, rm_read16(cpu, m), cpu.regs[(m >> 3) & 7], 0xFFFF)


def op_test_al_ib(cpu):
    alu_and(cpu, cpu.regs[0] & 0xFF, fetch8(cpu), 0xFF)


def op_test_ax_iv(cpu):
    alu_and(cpu, cpu.regs[0], fetch16(cpu), 0xFFFF)


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


# --- flag instructions ------------------------------------------------------------
def op_cmc(cpu):
    materialize(cpu)
    cpu.flags ^= F_CF


def op_clc(cpu):
    materialize(cpu)
    cpu.flags &= ~F_CF


def op_stc(cpu):
    materialize(cpu)
    cpu.flags |= F_CF


def op_cli(cpu):
    cpu.flags &= ~F_IF
    cpu.update_pending()


def op_sti(cpu):
    cpu.flags |= F_IF
    # interrupts stay off until after the next instruction
    cpu.set_shadow()


def op_cld(cpu):
    cpu.flags &= ~F_DF


def op_std(cpu):
    cpu.flags |= F_DF


def op_hlt(cpu):
    cpu.halted = True
    cpu.pending = True


# --- I/O ------------------------------------------------------------------------
def op_in_al_ib(cpu):
    port = fetch8(cpu)
    r = cpu.regs
    r[0] = (r[0] & 0xFF00) | cpu.io.in8(port)


def op_in_ax_ib(cpu):
    port = fetch8(cpu)
    cpu.regs[0] = cpu.io.in16(port)


def op_out_ib_al(cpu):
    port = fetch8(cpu)
    cpu.io.out8(port, cpu.regs[0] & 0xFF)


def op_out_ib_ax(cpu):
    port = fetch8(cpu)
    cpu.io.out16(port, cpu.regs[0])


def op_in_al_dx(cpu):
    r = cpu.regs
    r[0] = (r[0] & 0xFF00) | cpu.io.in8(r[2])


def op_in_ax_dx(cpu):
    r = cpu.regs
    r[0] = cpu.io.in16(r[2])


def op_out_dx_al(cpu):
    r = cpu.regs
    cpu.io.out8(r[2], r[0] & 0xFF)


def op_out_dx_ax(cpu):
    r = cpu.regs
    cpu.io.out16(r[2], r[0])


# --- string instructions ---------------------------------------------------------
# With a REP prefix each call runs at most CHUNK iterations; if CX is not yet
# zero, IP goes back to the first prefix so the next boundary (where an IRQ
# may be taken) resumes the instruction, as the chip does.
#
# A chunk whose every element lies in plain RAM (ROM too, for reads), with
# no wrap at the end of a segment or of the 1 MiB space, and whose source
# and destination do not overlap in a way that makes the element order
# visible, moves as one bytearray slice (MOVS, LODS, SCAS, CMPS, INS/OUTS
# to a block port): the same bytes, registers, flags and instruction count
# as the element loop, which handles everything else.
#
# Short strings stay on the element loop: below BLOCK_MIN elements the slice
# path's checks cost more than they save (most of the 26,000 REP MOVSB in a
# FreeDOS boot move fewer than 8 bytes). REP STOS keeps its element loop:
# with it as a slice fill (bytes * n, or a doubling copy) PyPy traced 45%
# more loops and bridges over a FreeDOS boot, which took 1.6x the CPU time
# (the same guest instructions; measured with PYPYLOG=jit-summary).
BLOCK_MIN = 64
# A chunk spans at most two 4 KiB pages, so checking its first and last page
# checks them all.
assert CHUNK * 2 <= 4096


def _ram_range(cpu, lo, hi):
    """True if linear bytes lo..hi-1 (lo < hi <= 1 MiB, at most two pages) are all plain RAM."""
    kind = cpu.kind
    return kind[lo >> 12] == RAM and kind[(hi - 1) >> 12] == RAM


def _readable_range(cpu, lo, hi):
    """True if linear bytes lo..hi-1 (lo < hi <= 1 MiB, at most two pages) read without side
    effects (no MMIO)."""
    kind = cpu.kind
    return kind[lo >> 12] != MMIO and kind[(hi - 1) >> 12] != MMIO


def _span(base, off, count, width, down):
    """The linear range [lo, hi) ``count`` elements of ``width`` bytes cover from base:off, walking
    up (or down, DF=1), or None if the walk wraps inside the segment or past 1 MiB."""
    nbytes = count * width
    if down:
        first = off - nbytes + width
        if first < 0 or off + width > 0x10000:
            return None
        lo = base + first
    else:
        if off + nbytes > 0x10000:
            return None
        lo = base + off
    hi = lo + nbytes
    if hi > 0x100000:
        return None
    return lo, hi


def _block_move(cpu, width):
    """REP MOVS chunk as a slice; False (nothing done) if the element loop must do it."""
    r = cpu.regs
    n = r[1]
    count = n if n < CHUNK else CHUNK
    if count < BLOCK_MIN:
        return False
    down = cpu.flags & F_DF
    si = r[6]
    di = r[7]
    src = _span(_src_seg(cpu), si, count, width, down)
    dst = _span(cpu.sregs[0] << 4, di, count, width, down)
    if src is None or dst is None:
        return False
    slo, shi = src
    dlo, dhi = dst
    nbytes = shi - slo
    # Elements read before they write; overlap shows only where a later element reads
    # what an earlier one wrote: ahead of the source going up, behind it going down.
    if down:
        if dlo < slo and slo - dlo < nbytes:
            return False
    elif dlo > slo and dlo - slo < nbytes:
        return False
    if not _ram_range(cpu, dlo, dhi) or not _readable_range(cpu, slo, shi):
        return False
    data = cpu.data
    data[dlo:dhi] = data[slo:shi]
    if down:
        nbytes = -nbytes
    r[6] = (si + nbytes) & 0xFFFF
    r[7] = (di + nbytes) & 0xFFFF
    n -= count
    r[1] = n
    if n:
        cpu.ip = cpu.insn_ip
    return True


def _block_load(cpu, width):
    """REP LODS chunk: only the last element stays in AL/AX; False if the loop must do it."""
    r = cpu.regs
    n = r[1]
    count = n if n < CHUNK else CHUNK
    if count < BLOCK_MIN:
        return False
    down = cpu.flags & F_DF
    si = r[6]
    src = _span(_src_seg(cpu), si, count, width, down)
    if src is None:
        return False
    slo, shi = src
    if not _readable_range(cpu, slo, shi):
        return False
    data = cpu.data
    last = slo if down else shi - width
    if width == 1:
        r[0] = (r[0] & 0xFF00) | data[last]
    else:
        r[0] = data[last] | (data[last + 1] << 8)
    nbytes = shi - slo
    if down:
        nbytes = -nbytes
    r[6] = (si + nbytes) & 0xFFFF
    n -= count
    r[1] = n
    if n:
        cpu.ip = cpu.insn_ip
    return True


def _block_scan(cpu, width):
    """REPE/REPNE SCASB chunk by bytearray search; False if the element loop must do it."""
    r = cpu.regs
    n = r[1]
    count = n if n < CHUNK else CHUNK
    if count < BLOCK_MIN or width != 1:
        return False
    down = cpu.flags & F_DF
    di = r[7]
    dst = _span(cpu.sregs[0] << 4, di, count, 1, down)
    if dst is None:
        return False
    dlo, dhi = dst
    if not _readable_range(cpu, dlo, dhi):
        return False
    data = cpu.data
    al = r[0] & 0xFF
    # k: elements up to and including the one that ends the scan (count if none does)
    if cpu.rep == 2:  # REPNE: ends on the first equal byte
        at = data.rfind(al, dlo, dhi) if down else data.find(al, dlo, dhi)
        k = count if at < 0 else (dhi - 1 - at if down else at - dlo) + 1
    else:  # REPE: ends on the first different byte
        seg = data[dlo:dhi]
        rest = len(seg.rstrip(bytes((al,))) if down else seg.lstrip(bytes((al,))))
        k = count if rest == 0 else count - rest + 1
    last = dhi - k if down else dlo + k - 1
    alu_sub(cpu, al, data[last], 0xFF)
    r[7] = (di - k if down else di + k) & 0xFFFF
    n -= k
    r[1] = n
    if k == count and n and (data[last] == al) == (cpu.rep == 1):
        cpu.ip = cpu.insn_ip
    return True


def _block_compare(cpu, width):
    """REPE CMPS chunk over equal strings as one slice comparison; False if the loop must do it
    (unequal strings, REPNE, or anything the other block paths refuse)."""
    if cpu.rep != 1:
        return False
    r = cpu.regs
    n = r[1]
    count = n if n < CHUNK else CHUNK
    if count < BLOCK_MIN:
        return False
    down = cpu.flags & F_DF
    si = r[6]
    di = r[7]
    src = _span(_src_seg(cpu), si, count, width, down)
    dst = _span(cpu.sregs[0] << 4, di, count, width, down)
    if src is None or dst is None:
        return False
    slo, shi = src
    dlo, dhi = dst
    if not _readable_range(cpu, slo, shi) or not _readable_range(cpu, dlo, dhi):
        return False
    data = cpu.data
    if data[slo:shi] != data[dlo:dhi]:
        return False
    last = slo if down else shi - width
    v = data[last] if width == 1 else data[last] | (data[last + 1] << 8)
    alu_sub(cpu, v, v, 0xFF if width == 1 else 0xFFFF)
    nbytes = shi - slo
    if down:
        nbytes = -nbytes
    r[6] = (si + nbytes) & 0xFFFF
    r[7] = (di + nbytes) & 0xFFFF
    n -= count
    r[1] = n
    if n:
        cpu.ip = cpu.insn_ip
    return True


def _block_in(cpu, width):
    """REP INSW chunk from a port with a block reader (the ATA data port) into RAM; False if
    the element loop must do it. Words the device has no more block data for go the element way."""
    io = cpu.io
    if width != 2 or io.trace is not None:
        return False
    r = cpu.regs
    n = r[1]
    count = n if n < CHUNK else CHUNK
    if count < BLOCK_MIN or cpu.flags & F_DF:
        return False
    di = r[7]
    dst = _span(cpu.sregs[0] << 4, di, count, 2, 0)
    if dst is None:
        return False
    dlo, dhi = dst
    if not _ram_range(cpu, dlo, dhi):
        return False
    port = r[2]
    got = 0
    while got < count:
        block = io.in16_block(port, count - got)
        if not block:
            break
        cpu.data[dlo + 2 * got:dlo + 2 * got + len(block)] = block
        got += len(block) >> 1
    if got == 0:
        return False
    r[7] = (di + 2 * got) & 0xFFFF
    if got < count:  # the rest of this chunk, element by element
        _element_ins(cpu, 2, count - got)
    n -= count
    r[1] = n
    if n:
        cpu.ip = cpu.insn_ip
    return True


def _block_out(cpu, width):
    """REP OUTSW chunk from RAM to a port with a block writer (the ATA data port); False if the
    element loop must do it."""
    io = cpu.io
    if width != 2 or io.trace is not None:
        return False
    r = cpu.regs
    n = r[1]
    count = n if n < CHUNK else CHUNK
    if count < BLOCK_MIN or cpu.flags & F_DF:
        return False
    si = r[6]
    src = _span(_src_seg(cpu), si, count, 2, 0)
    if src is None:
        return False
    slo, shi = src
    if not _readable_range(cpu, slo, shi):
        return False
    port = r[2]
    data = cpu.data
    done = 0
    while done < count:
        took = io.out16_block(port, data[slo + 2 * done:shi])
        if not took:
            break
        done += took >> 1
    if done == 0:
        return False
    r[6] = (si + 2 * done) & 0xFFFF
    if done < count:  # the rest of this chunk, element by element
        _element_outs(cpu, 2, count - done)
    n -= count
    r[1] = n
    if n:
        cpu.ip = cpu.insn_ip
    return True


def _src_seg(cpu):
    s = cpu.ovr
    if s < 0:
        s = DS
    return cpu.sregs[s] << 4


def op_movsb(cpu):
    r = cpu.regs
    src = _src_seg(cpu)
    dst = cpu.sregs[0] << 4
    d = -1 if cpu.flags & F_DF else 1
    if not cpu.rep:
        wb(cpu, (dst + r[7]) & 0xFFFFF, rb(cpu, (src + r[6]) & 0xFFFFF))
        r[6] = (r[6] + d) & 0xFFFF
        r[7] = (r[7] + d) & 0xFFFF
        return
    if _block_move(cpu, 1):
        return
    n = r[1]
    budget = CHUNK
    si = r[6]
    di = r[7]
    while n and budget:
        wb(cpu, (dst + di) & 0xFFFFF, rb(cpu, (src + si) & 0xFFFFF))
        si = (si + d) & 0xFFFF
        di = (di + d) & 0xFFFF
        n -= 1
        budget -= 1
    r[6] = si
    r[7] = di
    r[1] = n
    if n:
        cpu.ip = cpu.insn_ip


def op_movsw(cpu):
    r = cpu.regs
    src = _src_seg(cpu)
    dst = cpu.sregs[0] << 4
    d = -2 if cpu.flags & F_DF else 2
    if not cpu.rep:
        ww(cpu, dst, r[7], rw(cpu, src, r[6]))
        r[6] = (r[6] + d) & 0xFFFF
        r[7] = (r[7] + d) & 0xFFFF
        return
    if _block_move(cpu, 2):
        return
    n = r[1]
    budget = CHUNK
    si = r[6]
    di = r[7]
    while n and budget:
        ww(cpu, dst, di, rw(cpu, src, si))
        si = (si + d) & 0xFFFF
        di = (di + d) & 0xFFFF
        n -= 1
        budget -= 1
    r[6] = si
    r[7] = di
    r[1] = n
    if n:
        cpu.ip = cpu.insn_ip


def op_stosb(cpu):
    r = cpu.regs
    dst = cpu.sregs[0] << 4
    d = -1 if cpu.flags & F_DF else 1
    al = r[0] & 0xFF
    if not cpu.rep:
        wb(cpu, (dst + r[7]) & 0xFFFFF, al)
        r[7] = (r[7] + d) & 0xFFFF
        return
    n = r[1]
    budget = CHUNK
    di = r[7]
    while n and budget:
        wb(cpu, (dst + di) & 0xFFFFF, al)
        di = (di + d) & 0xFFFF
        n -= 1
        budget -= 1
    r[7] = di
    r[1] = n
    if n:
        cpu.ip = cpu.insn_ip


def op_stosw(cpu):
    r = cpu.regs
    dst = cpu.sregs[0] << 4
    d = -2 if cpu.flags & F_DF else 2
    ax = r[0]
    if not cpu.rep:
        ww(cpu, dst, r[7], ax)
        r[7] = (r[7] + d) & 0xFFFF
        return
    n = r[1]
    budget = CHUNK
    di = r[7]
    while n and budget:
        ww(cpu, dst, di, ax)
        di = (di + d) & 0xFFFF
        n -= 1
        budget -= 1
    r[7] = di
    r[1] = n
    if n:
        cpu.ip = cpu.insn_ip


def op_lodsb(cpu):
    r = cpu.regs
    src = _src_seg(cpu)
    d = -1 if cpu.flags & F_DF else 1
    n = 1
    if cpu.rep:
        if _block_load(cpu, 1):
            return
        n = r[1]
        if n == 0:
            return
        if n > CHUNK:
            r[1] = n - CHUNK
            n = CHUNK
            cpu.ip = cpu.insn_ip
        else:
            r[1] = 0
    si = r[6]
    for _ in range(n):
        r[0] = (r[0] & 0xFF00) | rb(cpu, (src + si) & 0xFFFFF)
        si = (si + d) & 0xFFFF
    r[6] = si


def op_lodsw(cpu):
    r = cpu.regs
    src = _src_seg(cpu)
    d = -2 if cpu.flags & F_DF else 2
    n = 1
    if cpu.rep:
        if _block_load(cpu, 2):
            return
        n = r[1]
        if n == 0:
            return
        if n > CHUNK:
            r[1] = n - CHUNK
            n = CHUNK
            cpu.ip = cpu.insn_ip
        else:
            r[1] = 0
    si = r[6]
    for _ in range(n):
        r[0] = rw(cpu, src, si)
        si = (si + d) & 0xFFFF
    r[6] = si


def _make_cmps(width):
    mask = 0xFF if width == 1 else 0xFFFF

    def h(cpu):
        r = cpu.regs
        src = _src_seg(cpu)
        dst = cpu.sregs[0] << 4
        d = -width if cpu.flags & F_DF else width
        rep = cpu.rep
        if rep:
            n = r[1]
            if n == 0:
                return
            if _block_compare(cpu, width):
                return
        else:
            n = 1
        budget = CHUNK
        while True:
            if width == 1:
                a = rb(cpu, (src + r[6]) & 0xFFFFF)
                b = rb(cpu, (dst + r[7]) & 0xFFFFF)
            else:
                a = rw(cpu, src, r[6])
                b = rw(cpu, dst, r[7])
            alu_sub(cpu, a, b, mask)
            r[6] = (r[6] + d) & 0xFFFF
            r[7] = (r[7] + d) & 0xFFFF
            if not rep:
                return
            n -= 1
            r[1] = n
            equal = a == b
            if n == 0 or (rep == 1) != equal:
                return
            budget -= 1
            if budget == 0:
                cpu.ip = cpu.insn_ip
                return
    return h


def _make_scas(width):
    mask = 0xFF if width == 1 else 0xFFFF

    def h(cpu):
        r = cpu.regs
        dst = cpu.sregs[0] << 4
        d = -width if cpu.flags & F_DF else width
        rep = cpu.rep
        if rep:
            n = r[1]
            if n == 0:
                return
            if _block_scan(cpu, width):
                return
        else:
            n = 1
        a = r[0] & mask
        budget = CHUNK
        while True:
            if width == 1:
                b = rb(cpu, (dst + r[7]) & 0xFFFFF)
            else:
                b = rw(cpu, dst, r[7])
            alu_sub(cpu, a, b, mask)
            r[7] = (r[7] + d) & 0xFFFF
            if not rep:
                return
            n -= 1
            r[1] = n
            equal = a == b
            if n == 0 or (rep == 1) != equal:
                return
            budget -= 1
            if budget == 0:
                cpu.ip = cpu.insn_ip
                return
    return h


def _element_ins(cpu, width, n):
    r = cpu.regs
    dst = cpu.sregs[0] << 4
    d = -width if cpu.flags & F_DF else width
    io = cpu.io
    for _ in range(n):
        if width == 1:
            wb(cpu, (dst + r[7]) & 0xFFFFF, io.in8(r[2]))
        else:
            ww(cpu, dst, r[7], io.in16(r[2]))
        r[7] = (r[7] + d) & 0xFFFF


def _element_outs(cpu, width, n):
    r = cpu.regs
    src = _src_seg(cpu)
    d = -width if cpu.flags & F_DF else width
    io = cpu.io
    for _ in range(n):
        if width == 1:
            io.out8(r[2], rb(cpu, (src + r[6]) & 0xFFFFF))
        else:
            io.out16(r[2], rw(cpu, src, r[6]))
        r[6] = (r[6] + d) & 0xFFFF


def _make_ins(width):
    def h(cpu):
        r = cpu.regs
        n = 1
        if cpu.rep:
            if _block_in(cpu, width):
                return
            n = r[1]
            if n == 0:
                return
            if n > CHUNK:
                r[1] = n - CHUNK
                n = CHUNK
                cpu.ip = cpu.insn_ip
            else:
                r[1] = 0
        _element_ins(cpu, width, n)
    return h


def _make_outs(width):
    def h(cpu):
        r = cpu.regs
        n = 1
        if cpu.rep:
            if _block_out(cpu, width):
                return
            n = r[1]
            if n == 0:
                return
            if n > CHUNK:
                r[1] = n - CHUNK
                n = CHUNK
                cpu.ip = cpu.insn_ip
            else:
                r[1] = 0
        _element_outs(cpu, width, n)
    return h


# --- group 1: 80-83 ----------------------------------------------------------------
def op_grp1_eb_ib(cpu):
    m = fetch8(cpu)
    op = (m >> 3) & 7
    a = rm_read8(cpu, m)
    v = ALU[op](cpu, a, fetch8(cpu), 0xFF)
    if op != 7:
        rm_write8(cpu, m, v)


def op_grp1_ev_iv(cpu):
    m = fetch8(cpu)
    op = (m >> 3) & 7
    a = rm_read16(cpu, m)
    v = ALU[op](cpu, a, fetch16(cpu), 0xFFFF)
    if op != 7:
        rm_write16(cpu, m, v)


def op_grp1_ev_ib(cpu):
    m = fetch8(cpu)
    op = (m >> 3) & 7
    a = rm_read16(cpu, m)
    v = ALU[op](cpu, a, fetch_s8(cpu) & 0xFFFF, 0xFFFF)
    if op != 7:
        rm_write16(cpu, m, v)


# --- group 2: shifts and rotates -----------------------------------------------------
def _rot_flags(cpu, r, cf, of):
    materialize(cpu)
    cpu.flags = (cpu.flags & ~(F_CF | F_OF)) | cf | (F_OF if of else 0)
    return r


def sh_rol(cpu, v, count, mask):
    bits = 8 if mask == 0xFF else 16
    n = count % bits
    r = ((v << n) | (v >> (bits - n))) & mask if n else v
    cf = r & 1
    return _rot_flags(cpu, r, cf, (r >> (bits - 1)) ^ cf)


def sh_ror(cpu, v, count, mask):
    bits = 8 if mask == 0xFF else 16
    n = count % bits
    r = ((v >> n) | (v << (bits - n))) & mask if n else v
    return _rot_flags(cpu, r, r >> (bits - 1), ((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1)


def sh_rcl(cpu, v, count, mask):
    # the 8086 rotates count times through the (width + 1)-bit ring
    bits = 8 if mask == 0xFF else 16
    cf = get_cf(cpu)
    r = v
    for _ in range(count % (bits + 1)):
        out = r >> (bits - 1)
        r = ((r << 1) | cf) & mask
        cf = out
    return _rot_flags(cpu, r, cf, (r >> (bits - 1)) ^ cf)


def sh_rcr(cpu, v, count, mask):
    bits = 8 if mask == 0xFF else 16
    cf = get_cf(cpu)
    r = v
    for _ in range(count % (bits + 1)):
        out = r & 1
        r = (r >> 1) | (cf << (bits - 1))
        cf = out
    return _rot_flags(cpu, r, cf, ((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1)


def sh_shl(cpu, v, count, mask):
    bits = 8 if mask == 0xFF else 16
    wide = v << count
    r = wide & mask
    cf = (wide >> bits) & 1
    of = F_OF if (r >> (bits - 1)) != cf else 0
    set_szp_eager(cpu, r, mask, cf | of | (r & F_AF))
    return r


def sh_shr(cpu, v, count, mask):
    bits = 8 if mask == 0xFF else 16
    r = v >> count
    if count <= bits:
        cf = (v >> (count - 1)) & 1
        of = F_OF if (v >> (count - 1)) >> (bits - 1) else 0
    else:
        cf = of = 0
    set_szp_eager(cpu, r, mask, cf | of)
    return r


def sh_sar(cpu, v, count, mask):
    bits = 8 if mask == 0xFF else 16
    sv = v - (mask + 1) if v >> (bits - 1) else v
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
    n = cpu.regs[1] & (0x1F if cpu.is186 else 0xFF)
    if n:
        rm_write8(cpu, m, SHIFTS[(m >> 3) & 7](cpu, v, n, 0xFF))


def op_grp2_ev_cl(cpu):
    m = fetch8(cpu)
    v = rm_read16(cpu, m)
    n = cpu.regs[1] & (0x1F if cpu.is186 else 0xFF)
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


# --- group 3: F6/F7 ---------------------------------------------------------------
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
    p = (r[0] & 0xFF) * v
    r[0] = p
    set_szp_eager(cpu, p, 0xFFFF if cpu.is186 else 0xFF, F_CF | F_OF if p & 0xFF00 else 0)


def g3_imul8(cpu, m, v):
    r = cpu.regs
    p = _signed(r[0] & 0xFF, 0xFF) * _signed(v, 0xFF)
    if cpu.rep and not cpu.is186:
        p = -p  # the 8086 microcode's REP-prefix sign flip
    r[0] = p & 0xFFFF
    c = 0 if -128 <= p <= 127 else F_CF | F_OF
    set_szp_eager(cpu, p & 0xFFFF, 0xFFFF if cpu.is186 else 0xFF, c)


def g3_div8(cpu, m, v):
    r = cpu.regs
    if not cpu.is186:
        res = div_8086(cpu, r[0], v, 0xFF, False)
        if res is not None:
            r[0] = (res[1] << 8) | res[0]
        return
    ax = r[0]
    if v == 0 or (ax // v) > 0xFF:
        divide_error(cpu)
        return
    q, rem = divmod(ax, v)
    r[0] = (rem << 8) | q


def g3_idiv8(cpu, m, v):
    r = cpu.regs
    if not cpu.is186:
        res = div_8086(cpu, r[0], v, 0xFF, True)
        if res is not None:
            r[0] = (res[1] << 8) | res[0]
        return
    a = _signed(r[0], 0xFFFF)
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
    r[0] = ((rem & 0xFF) << 8) | (q & 0xFF)


def g3_test16(cpu, m, v):
    alu_and(cpu, v, fetch16(cpu), 0xFFFF)


def g3_not16(cpu, m, v):
    rm_write16(cpu, m, v ^ 0xFFFF)


def g3_neg16(cpu, m, v):
    rm_write16(cpu, m, alu_sub(cpu, 0, v, 0xFFFF))


def g3_mul16(cpu, m, v):
    r = cpu.regs
    p = r[0] * v
    r[0] = p & 0xFFFF
    r[2] = p >> 16
    set_szp_eager(cpu, p & 0xFFFF, 0xFFFF, F_CF | F_OF if p >> 16 else 0)


def g3_imul16(cpu, m, v):
    r = cpu.regs
    p = _signed(r[0], 0xFFFF) * _signed(v, 0xFFFF)
    if cpu.rep and not cpu.is186:
        p = -p
    r[0] = p & 0xFFFF
    r[2] = (p >> 16) & 0xFFFF
    c = 0 if -32768 <= p <= 32767 else F_CF | F_OF
    set_szp_eager(cpu, p & 0xFFFF, 0xFFFF, c)


def g3_div16(cpu, m, v):
    r = cpu.regs
    n = (r[2] << 16) | r[0]
    if not cpu.is186:
        res = div_8086(cpu, n, v, 0xFFFF, False)
        if res is not None:
            r[0] = res[0]
            r[2] = res[1]
        return
    if v == 0 or (n // v) > 0xFFFF:
        divide_error(cpu)
        return
    q, rem = divmod(n, v)
    r[0] = q
    r[2] = rem


def g3_idiv16(cpu, m, v):
    r = cpu.regs
    n = (r[2] << 16) | r[0]
    if not cpu.is186:
        res = div_8086(cpu, n, v, 0xFFFF, True)
        if res is not None:
            r[0] = res[0]
            r[2] = res[1]
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
    r[0] = q & 0xFFFF
    r[2] = rem & 0xFFFF


# /1 is TEST again on the 8086 (and on the 80186, which does not trap it)
GRP3_8 = (g3_test8, g3_test8, g3_not8, g3_neg8, g3_mul8, g3_imul8, g3_div8, g3_idiv8)
GRP3_16 = (g3_test16, g3_test16, g3_not16, g3_neg16, g3_mul16, g3_imul16, g3_div16, g3_idiv16)


def op_grp3_eb(cpu):
    m = fetch8(cpu)
    GRP3_8[(m >> 3) & 7](cpu, m, rm_read8(cpu, m))


def op_grp3_ev(cpu):
    m = fetch8(cpu)
    GRP3_16[(m >> 3) & 7](cpu, m, rm_read16(cpu, m))


# --- groups 4 and 5: FE/FF ---------------------------------------------------------
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
    push(cpu, cpu.sregs[1])
    push(cpu, cpu.ip)
    cpu.ip = ip
    cpu.sregs[1] = cs


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
    cpu.sregs[1] = rw(cpu, seg, (off + 2) & 0xFFFF)


def g5_push(cpu, m):
    if m >= 0xC0:
        # PUSH SP this way also stores the decremented SP
        r = cpu.regs
        sp = (r[4] - 2) & 0xFFFF
        r[4] = sp
        ww(cpu, cpu.sregs[2] << 4, sp, r[m & 7])
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


# --- 80186 additions ---------------------------------------------------------------
def op_pusha(cpu):
    r = cpu.regs
    sp = r[4]
    for i in range(8):
        push(cpu, sp if i == 4 else r[i])


def op_popa(cpu):
    r = cpu.regs
    for i in (7, 6, 5, 4, 3, 2, 1, 0):
        v = pop(cpu)
        if i != 4:
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
    push(cpu, r[5])
    frame = r[4]
    if level:
        ss = cpu.sregs[2] << 4
        bp = r[5]
        for _ in range(level - 1):
            bp = (bp - 2) & 0xFFFF
            push(cpu, rw(cpu, ss, bp))
        push(cpu, frame)
    r[5] = frame
    r[4] = (r[4] - size) & 0xFFFF


def op_leave(cpu):
    r = cpu.regs
    r[4] = r[5]
    r[5] = pop(cpu)


# --- tables ---------------------------------------------------------------------
def _build_8086():
    t = [None] * 256
    for op in range(8):
        forms = _make_alu(op)
        for k in range(6):
            t[op * 8 + k] = forms[k]
    t[0x06] = _make_push_sreg(ES)
    t[0x07] = _make_pop_sreg(ES)
    t[0x0E] = _make_push_sreg(CS)
    t[0x0F] = _make_pop_sreg(CS)   # POP CS, 8086 only
    t[0x16] = _make_push_sreg(SS)
    t[0x17] = _make_pop_sreg(SS)
    t[0x1E] = _make_push_sreg(DS)
    t[0x1F] = _make_pop_sreg(DS)
    t[0x26] = _make_prefix_seg(ES)
    t[0x2E] = _make_prefix_seg(CS)
    t[0x36] = _make_prefix_seg(SS)
    t[0x3E] = _make_prefix_seg(DS)
    t[0x27] = op_daa
    t[0x2F] = op_das
    t[0x37] = op_aaa
    t[0x3F] = op_aas
    for i in range(8):
        t[0x40 + i] = _make_inc16(i)
        t[0x48 + i] = _make_dec16(i)
        t[0x50 + i] = _make_push16(i)
        t[0x58 + i] = _make_pop16(i)
        t[0x90 + i] = _make_xchg_ax(i)
        t[0xB0 + i] = _make_mov_r8_imm(i)
        t[0xB8 + i] = _make_mov_r16_imm(i)
    t[0x90] = op_nop
    for n in range(16):
        t[0x70 + n] = _make_jcc(n)
        t[0x60 + n] = t[0x70 + n]  # 8086: 60-6F decode as 70-7F
    t[0x80] = op_grp1_eb_ib
    t[0x81] = op_grp1_ev_iv
    t[0x82] = op_grp1_eb_ib
    t[0x83] = op_grp1_ev_ib
    t[0x84] = op_test_eb_gb
    t[0x85] = op_test_ev_gv
    t[0x86] = op_xchg_eb_gb
    t[0x87] = op_xchg_ev_gv
    t[0x88] = op_mov_eb_gb
    t[0x89] = op_mov_ev_gv
    t[0x8A] = op_mov_gb_eb
    t[0x8B] = op_mov_gv_ev
    t[0x8C] = op_mov_ev_sreg
    t[0x8D] = op_lea
    t[0x8E] = op_mov_sreg_ev
    t[0x8F] = op_pop_ev
    t[0x98] = op_cbw
    t[0x99] = op_cwd
    t[0x9A] = op_call_far
    t[0x9B] = op_wait
    t[0x9C] = op_pushf
    t[0x9D] = op_popf
    t[0x9E] = op_sahf
    t[0x9F] = op_lahf
    t[0xA0] = op_mov_al_moffs
    t[0xA1] = op_mov_ax_moffs
    t[0xA2] = op_mov_moffs_al
    t[0xA3] = op_mov_moffs_ax
    t[0xA4] = op_movsb
    t[0xA5] = op_movsw
    t[0xA6] = _make_cmps(1)
    t[0xA7] = _make_cmps(2)
    t[0xA8] = op_test_al_ib
    t[0xA9] = op_test_ax_iv
    t[0xAA] = op_stosb
    t[0xAB] = op_stosw
    t[0xAC] = op_lodsb
    t[0xAD] = op_lodsw
    t[0xAE] = _make_scas(1)
    t[0xAF] = _make_scas(2)
    t[0xC0] = op_ret_imm  # 8086 aliases
    t[0xC1] = op_ret
    t[0xC2] = op_ret_imm
    t[0xC3] = op_ret
    t[0xC4] = _make_load_far(ES)
    t[0xC5] = _make_load_far(DS)
    t[0xC6] = op_mov_eb_ib
    t[0xC7] = op_mov_ev_iv
    t[0xC8] = op_retf_imm  # 8086 aliases
    t[0xC9] = op_retf
    t[0xCA] = op_retf_imm
    t[0xCB] = op_retf
    t[0xCC] = op_int3
    t[0xCD] = op_int
    t[0xCE] = op_into
    t[0xCF] = op_iret
    t[0xD0] = op_grp2_eb_1
    t[0xD1] = op_grp2_ev_1
    t[0xD2] = op_grp2_eb_cl
    t[0xD3] = op_grp2_ev_cl
    t[0xD4] = op_aam
    t[0xD5] = op_aad
    t[0xD6] = op_salc
    t[0xD7] = op_xlat
    for i in range(8):
        t[0xD8 + i] = op_esc
    t[0xE0] = op_loopnz
    t[0xE1] = op_loopz
    t[0xE2] = op_loop
    t[0xE3] = op_jcxz
    t[0xE4] = op_in_al_ib
    t[0xE5] = op_in_ax_ib
    t[0xE6] = op_out_ib_al
    t[0xE7] = op_out_ib_ax
    t[0xE8] = op_call_near
    t[0xE9] = op_jmp_near
    t[0xEA] = op_jmp_far
    t[0xEB] = op_jmp_short
    t[0xEC] = op_in_al_dx
    t[0xED] = op_in_ax_dx
    t[0xEE] = op_out_dx_al
    t[0xEF] = op_out_dx_ax
    t[0xF0] = op_lock
    t[0xF1] = op_lock  # 8086: a second encoding of LOCK
    t[0xF2] = op_rep_f2
    t[0xF3] = op_rep_f3
    t[0xF4] = op_hlt
    t[0xF5] = op_cmc
    t[0xF6] = op_grp3_eb
    t[0xF7] = op_grp3_ev
    t[0xF8] = op_clc
    t[0xF9] = op_stc
    t[0xFA] = op_cli
    t[0xFB] = op_sti
    t[0xFC] = op_cld
    t[0xFD] = op_std
    t[0xFE] = op_grp4
    t[0xFF] = op_grp5
    assert all(h is not None for h in t)
    return t


def _build_80186(base):
    t = list(base)
    t[0x0F] = undefined_186
    t[0x60] = op_pusha
    t[0x61] = op_popa
    t[0x62] = op_bound
    for op in (0x63, 0x64, 0x65, 0x66, 0x67, 0xF1):
        t[op] = undefined_186
    t[0x68] = op_push_iv
    t[0x69] = op_imul_gv_ev_iv
    t[0x6A] = op_push_ib
    t[0x6B] = op_imul_gv_ev_ib
    t[0x6C] = _make_ins(1)
    t[0x6D] = _make_ins(2)
    t[0x6E] = _make_outs(1)
    t[0x6F] = _make_outs(2)
    t[0xC0] = op_grp2_eb_ib
    t[0xC1] = op_grp2_ev_ib
    t[0xC6] = op_mov_eb_ib_186
    t[0xC7] = op_mov_ev_iv_186
    t[0xC8] = op_enter
    t[0xC9] = op_leave
    return t


TABLE_8086 = tuple(_build_8086())
TABLE_80186 = tuple(_build_80186(TABLE_8086))

_PREFIX_HANDLERS = frozenset([op_rep_f2, op_rep_f3, op_lock] + [TABLE_8086[b] for b in PREFIX_OVERRIDE])
PREFIX_FLAGS_8086 = tuple(h in _PREFIX_HANDLERS for h in TABLE_8086)
PREFIX_FLAGS_80186 = tuple(h in _PREFIX_HANDLERS for h in TABLE_80186)
