"""The ALU: ADD OR ADC SBB AND SUB XOR CMP, INC/DEC flags, and the 00-3D opcode forms."""

from pcemu import hostjit

from .flags import F_CF, K_ADD, K_LOGIC, K_SUB, get_cf
from .memory import fetch16, fetch8, rb, rw, wb, ww
from .modrm import ea, rm_read16, rm_read8
from .registers import AX, get_r8, set_r8


# ADD, SUB, AND for the handlers that need one of them (BCD, NEG, TEST, CMPS/SCAS blocks):
# each takes (cpu, a, b, mask) and returns the masked result, recording flags.
def alu_add(cpu, a, b, m):
    r = a + b
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


def alu_and(cpu, a, b, m):
    r = a & b
    cpu.lf_kind = K_LOGIC
    cpu.lf_res = r
    cpu.lf_mask = m
    return r


def inc_dec_flags(cpu, a, r, m, kind):
    cpu.flags = (cpu.flags & ~F_CF) | get_cf(cpu)
    cpu.lf_kind = kind
    cpu.lf_a = a
    cpu.lf_b = 1
    cpu.lf_res = r
    cpu.lf_mask = m


# The eight operations by number (bits 3-5 of the opcodes 00-3D, the ModRM reg field of
# group 1) as factors of one sum, so that under PyPy all of them are one compiled path: a
# branch per operation (or a handler per opcode) made a path per operation and form, and a
# FreeDOS boot met 47 of them. The carry ADC adds and SBB subtracts is read for all eight
# (times 0 for the others): a branch on it made ADC and SBB a path of their own in each form,
# six bridges of a boot.
_SUM = (1, 0, 1, 0, 0, 0, 0, 0)            # ADD ADC
_DIFFERENCE = (0, 0, 0, 1, 0, 1, 0, 1)     # SBB SUB CMP
_OR = (0, 1, 0, 0, 0, 0, 0, 0)
_AND = (0, 0, 0, 0, 1, 0, 0, 0)
_XOR = (0, 0, 0, 0, 0, 0, 1, 0)
_CARRY = (0, 0, 1, -1, 0, 0, 0, 0)         # ADC adds CF, SBB subtracts it
_KIND = (K_ADD, K_LOGIC, K_ADD, K_SUB, K_LOGIC, K_SUB, K_LOGIC, K_SUB)
ALU_WRITES = (1, 1, 1, 1, 1, 1, 1, 0)      # CMP only compares


def _alu_any_arith(cpu, k, a, b, m):
    """ALU operation ``k`` (0-7: ADD OR ADC SBB AND SUB XOR CMP) on ``a`` and ``b``; returns
    the masked result, recording flags as the functions above do. ``alu_any`` under PyPy."""
    r = ((a + b) * _SUM[k] + (a - b) * _DIFFERENCE[k] + (a | b) * _OR[k] + (a & b) * _AND[k]
         + (a ^ b) * _XOR[k] + _CARRY[k] * get_cf(cpu))
    cpu.lf_kind = _KIND[k]
    cpu.lf_a = a
    cpu.lf_b = b
    cpu.lf_res = r
    cpu.lf_mask = m
    return r & m


def _alu_any_by_branch(cpu, k, a, b, m):
    """``alu_any`` for an interpreter without a JIT (CPython), where reading CF is a call that
    only ADC and SBB need."""
    c = _CARRY[k]
    if c:
        c *= get_cf(cpu)
    r = ((a + b) * _SUM[k] + (a - b) * _DIFFERENCE[k] + (a | b) * _OR[k] + (a & b) * _AND[k]
         + (a ^ b) * _XOR[k] + c)
    cpu.lf_kind = _KIND[k]
    cpu.lf_a = a
    cpu.lf_b = b
    cpu.lf_res = r
    cpu.lf_mask = m
    return r & m


alu_any = _alu_any_arith if hostjit.pypyjit is not None else _alu_any_by_branch


def op_00_3d_alu(cpu):
    """ADD OR ADC SBB AND SUB XOR CMP in their six forms (00-3D, but x6 and x7): one handler
    for the 48 opcodes, which the dispatch tree tests for before anything else (a family:
    see pcemu.cpu.dispatch). Bits 3-5 of the opcode are the operation, bits 0-2 the form:
    Eb,Gb  Ev,Gv  Gb,Eb  Gv,Ev  AL,Ib  AX,Iv. A destination is written back as
    ``old + (new - old) * writes`` (CMP: the old value), memory only if the operation writes."""
    op = cpu.data[(cpu.csb + ((cpu.ip - 1) & 0xFFFF)) & 0xFFFFF]
    k = op >> 3
    form = op & 7
    w = ALU_WRITES[k]
    r = cpu.regs
    if form == 4:
        al = r[AX] & 0xFF
        v = alu_any(cpu, k, al, fetch8(cpu), 0xFF)
        r[AX] = (r[AX] & 0xFF00) | (al + (v - al) * w)
    elif form == 5:
        ax = r[AX]
        r[AX] = ax + (alu_any(cpu, k, ax, fetch16(cpu), 0xFFFF) - ax) * w
    else:
        m = fetch8(cpu)
        g = (m >> 3) & 7
        if form == 3:
            a = r[g]
            r[g] = a + (alu_any(cpu, k, a, rm_read16(cpu, m), 0xFFFF) - a) * w
        elif form == 2:
            a = get_r8(r, g)
            set_r8(r, g, a + (alu_any(cpu, k, a, rm_read8(cpu, m), 0xFF) - a) * w)
        elif m >= 0xC0:
            i = m & 7
            if form == 1:
                a = r[i]
                r[i] = a + (alu_any(cpu, k, a, r[g], 0xFFFF) - a) * w
            else:
                a = get_r8(r, i)
                set_r8(r, i, a + (alu_any(cpu, k, a, get_r8(r, g), 0xFF) - a) * w)
        else:
            ea(cpu, m)
            if form == 1:
                v = alu_any(cpu, k, rw(cpu, cpu.ea_seg, cpu.ea_off), r[g], 0xFFFF)
                if w:
                    ww(cpu, cpu.ea_seg, cpu.ea_off, v)
            else:
                a = (cpu.ea_seg + cpu.ea_off) & 0xFFFFF
                v = alu_any(cpu, k, rb(cpu, a), get_r8(r, g), 0xFF)
                if w:
                    wb(cpu, a, v)


# Without a JIT (CPython) there are no traces to share, and what costs is each operation the
# interpreter performs: op_00_3d_alu reads its opcode back, branches on the form and computes
# all eight operations' factors. So under CPython each of the 48 opcodes has a handler of its
# own (pcemu.cpu.ops.tables), the operation written into one of these templates, one per form
# (pcemu.cpu.ops.generate fills in ``operation``, ``kind`` and ``writes``; ``if 0:`` compiles to
# nothing). They record the flags as alu_any does.
ALU_EXPRESSIONS = ("a + b", "a | b", "a + b + get_cf(cpu)", "a - b - get_cf(cpu)", "a & b", "a - b", "a ^ b",
                   "a - b")
ALU_KIND_NAMES = ("K_ADD", "K_LOGIC", "K_ADD", "K_SUB", "K_LOGIC", "K_SUB", "K_LOGIC", "K_SUB")


def _alu_form(operands, mask, write_back):
    """A form's template: ``operands`` (the def and the lines that set a and b), the operation
    and its flags record, then ``write_back`` for the operations that write."""
    return operands + """
        v = {operation}
        cpu.lf_kind = {kind}
        cpu.lf_a = a
        cpu.lf_b = b
        cpu.lf_res = v
        cpu.lf_mask = %s
        if {writes}:
""" % mask + write_back


ALU_FORM_TEMPLATES = (
    # Eb,Gb
    _alu_form("""
    def {name}(cpu):
        m = fetch8(cpu)
        r = cpu.regs
        b = get_r8(r, (m >> 3) & 7)
        if m >= 0xC0:
            a = get_r8(r, m & 7)
        else:
            ea(cpu, m)
            addr = (cpu.ea_seg + cpu.ea_off) & 0xFFFFF
            a = rb(cpu, addr)""", "0xFF", """\
            if m >= 0xC0:
                set_r8(r, m & 7, v & 0xFF)
            else:
                wb(cpu, addr, v & 0xFF)
    """),
    # Ev,Gv
    _alu_form("""
    def {name}(cpu):
        m = fetch8(cpu)
        r = cpu.regs
        b = r[(m >> 3) & 7]
        if m >= 0xC0:
            a = r[m & 7]
        else:
            ea(cpu, m)
            a = rw(cpu, cpu.ea_seg, cpu.ea_off)""", "0xFFFF", """\
            if m >= 0xC0:
                r[m & 7] = v & 0xFFFF
            else:
                ww(cpu, cpu.ea_seg, cpu.ea_off, v & 0xFFFF)
    """),
    # Gb,Eb
    _alu_form("""
    def {name}(cpu):
        m = fetch8(cpu)
        r = cpu.regs
        g = (m >> 3) & 7
        a = get_r8(r, g)
        b = rm_read8(cpu, m)""", "0xFF", """\
            set_r8(r, g, v & 0xFF)
    """),
    # Gv,Ev
    _alu_form("""
    def {name}(cpu):
        m = fetch8(cpu)
        r = cpu.regs
        g = (m >> 3) & 7
        a = r[g]
        b = rm_read16(cpu, m)""", "0xFFFF", """\
            r[g] = v & 0xFFFF
    """),
    # AL,Ib
    _alu_form("""
    def {name}(cpu):
        r = cpu.regs
        a = r[AX] & 0xFF
        b = fetch8(cpu)""", "0xFF", """\
            r[AX] = (r[AX] & 0xFF00) | (v & 0xFF)
    """),
    # AX,Iv
    _alu_form("""
    def {name}(cpu):
        r = cpu.regs
        a = r[AX]
        b = fetch16(cpu)""", "0xFFFF", """\
            r[AX] = v & 0xFFFF
    """),
)
