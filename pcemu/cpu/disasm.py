"""Disassembler for the Intel 8086/8088 and 80186/80188 (real mode), NASM syntax.

Covers the whole one-byte opcode map of both models, the ModRM groups
(80-83, 8F, C0/C1, D0-D3, F6/F7, FE, FF), prefixes (segment overrides,
REP/REPE/REPNE, LOCK) and the 8087 escape opcodes D8-DF.  Output follows
ndisasm (``ndisasm -b 16``), which the tests use as referee:

* lower case, hex numbers as ``0x..``, relative branch targets shown as the
  absolute 16-bit offset (``jmp short 0x12``, ``call 0x100``);
* a segment override goes inside the brackets (``mov ax,[es:bx]``); when the
  instruction has no explicit memory operand it is printed as a prefix word
  (``es lodsb``), followed by ``rep``/``repe``/``repne`` and ``lock``;
* ``byte``/``word`` appear where no register operand fixes the size, and on
  sign-extended byte immediates (``add ax,byte -0x1``).

Model differences (``model="8086"`` or ``"80186"``):

* 80186 adds PUSHA/POPA, BOUND, PUSH imm, IMUL r,r/m,imm, INS/OUTS,
  ENTER/LEAVE and shifts/rotates by imm8.  Opcodes and ModRM forms the
  80186 leaves undefined (they raise its unused-opcode trap, INT 6) print
  as ``db 0x..`` and are one byte long: 0F, 63-67, D6, F1, 8C/8E with a
  segment-register field of 4-7, C6/C7 /1-7, 8F /1-7, C0/C1 and D0-D3 /6,
  F6/F7 /1, FE /2-7, FF /7, and LEA/LES/LDS/BOUND/far CALL/far JMP with a
  register operand (mod=3).
* On the 8086 nothing is undefined; it decodes the 80186 additions and the
  holes the way the 8086 executes them: 60-6F are the Jcc of 70-7F, C0/C1 are
  ``ret imm16``/``ret``, C8/C9 are ``retf imm16``/``retf``, 0F is ``pop cs``,
  D6 is ``salc``, F1 is a second LOCK prefix, 8C/8E use the low two bits of
  the segment field, C6/C7 and 8F ignore the reg field, F6/F7 /1 is TEST,
  FF /7 is PUSH.  D0-D3 /6 print as ``setmo`` (set all bits of the operand:
  ``setmo al,1``, ``setmo byte [bx],cl`` -- the CL form only acts when CL is
  non-zero).  FE /2-/7 are the FF /2-/7 operations applied to a byte operand
  and print as ``call byte [bx]``, ``call far byte [bx]``, ``jmp byte [bx]``,
  ``jmp far byte [bx]``, ``push byte [bx]`` (register forms: ``call al``).
  LEA/LES/LDS and far CALL/JMP with mod=3 print the register
  (``lea ax,bx``, ``call far ax``).  None of these are valid NASM input.
* 82 is an alias of 80 on both models (Intel documents it for the 8086).

ESC D8-DF: the 8087 instructions print with NASM's mnemonics exactly as
ndisasm writes them (``fadd dword [bx]``, ``fadd st1``, ``fadd to st1``,
``fnstsw [bx]``); any other escape encoding (287/387 additions, undocumented
aliases) prints as ``esc 0xNN,<r/m>`` where NN is the 6-bit ESC opcode
(low three opcode bits, then the ModRM reg field) and a register r/m is shown
as the 16-bit register, following Intel's ASM86 ESC syntax.  WAIT (9B) is
always its own one-byte instruction ``wait`` (ndisasm folds it into a
following FPU instruction).

Bytes that run out before the instruction ends are shown as ``db`` (or the
lone prefix name), one byte long, as ndisasm does at the end of its input.

Also: :func:`format_trace_line` for instruction traces, and a small CLI,
``python -m pcemu.cpu.disasm FILE [--org 0x7c00] [--model 8086]``.
"""

import sys

__all__ = ["disassemble", "disassemble_at", "format_trace_line", "main"]

REG8 = ("al", "cl", "dl", "bl", "ah", "ch", "dh", "bh")
REG16 = ("ax", "cx", "dx", "bx", "sp", "bp", "si", "di")
SREG = ("es", "cs", "ss", "ds")
EA_BASE = ("bx+si", "bx+di", "bp+si", "bp+di", "si", "di", "bp", "bx")

MODELS = {"8086": False, "8088": False, "80186": True, "80188": True, "186": True}

# Operand kinds used in the rows below:
#   Eb/Ew   r/m operand; Ebs/Ews the same with "byte "/"word " on memory
#   Gb/Gw   register from ModRM reg;  Sw segment register from ModRM reg
#   M       memory-only r/m (LEA, LES, LDS, BOUND); Mf "far [..]" (FF /3, /5)
#   Ib/Iw   unsigned immediates; Is sign-extended imm8 ("byte +0x5");
#   Ibb     "byte 0x3" (shift count of C0/C1); Iww "word 0x1234" (push/imul)
#   Ia      AAM/AAD base, omitted when it is the usual 10
#   Jb/Jw   relative targets; Jbs the same with "short " (EB)
#   Ap      far pointer seg:off;  Ob/Ow direct memory [0x1234] (A0-A3)
#   anything else is printed literally (al, ax, cl, dx, 1, es, ...)
_MODRM_KINDS = frozenset(("Eb", "Ew", "Ebs", "Ews", "Gb", "Gw", "Sw", "M", "Mf"))

# Prefix bytes -> (kind, printed name)
_PREFIX_COMMON = {
    0x26: ("seg", "es"), 0x2E: ("seg", "cs"), 0x36: ("seg", "ss"), 0x3E: ("seg", "ds"),
    0xF0: ("lock", "lock"), 0xF2: ("rep", "repne"), 0xF3: ("rep", "rep"),
}
_PREFIX_8086 = dict(_PREFIX_COMMON)
_PREFIX_8086[0xF1] = ("lock", "lock")

_JCC = ("jo", "jno", "jc", "jnc", "jz", "jnz", "jna", "ja",
        "js", "jns", "jpe", "jpo", "jl", "jnl", "jng", "jg")
_ALU = ("add", "or", "adc", "sbb", "and", "sub", "xor", "cmp")
_SHIFT = ("rol", "ror", "rcl", "rcr", "shl", "shr", None, "sar")


class _Row(object):
    """One opcode (or one ModRM reg form of a group opcode)."""

    __slots__ = ("mnemonic", "operands", "modrm", "group", "fpu")

    def __init__(self, mnemonic, operands=(), group=None, fpu=False):
        self.mnemonic = mnemonic
        self.operands = tuple(operands)
        self.group = group  # list of 8 rows (None = undefined) selected by ModRM reg
        self.fpu = fpu
        self.modrm = group is not None or fpu or any(k in _MODRM_KINDS for k in self.operands)


def _group(rows, operands):
    """Group rows: each entry a mnemonic (shared operands), a (mnemonic, operands) pair, or None."""
    out = []
    for entry in rows:
        if entry is None:
            out.append(None)
        elif isinstance(entry, tuple):
            out.append(_Row(entry[0], entry[1]))
        else:
            out.append(_Row(entry, operands))
    return out


def _build_table(is186):
    t = [None] * 256
    for i, name in enumerate(_ALU):
        b = i * 8
        t[b] = _Row(name, ("Eb", "Gb"))
        t[b + 1] = _Row(name, ("Ew", "Gw"))
        t[b + 2] = _Row(name, ("Gb", "Eb"))
        t[b + 3] = _Row(name, ("Gw", "Ew"))
        t[b + 4] = _Row(name, ("al", "Ib"))
        t[b + 5] = _Row(name, ("ax", "Iw"))
    for i, seg in enumerate(SREG):
        t[i * 8 + 6] = _Row("push", (seg,))
        t[i * 8 + 7] = _Row("pop", (seg,))
    if is186:
        t[0x0F] = None
    t[0x27] = _Row("daa")
    t[0x2F] = _Row("das")
    t[0x37] = _Row("aaa")
    t[0x3F] = _Row("aas")
    for r in range(8):
        t[0x40 + r] = _Row("inc", (REG16[r],))
        t[0x48 + r] = _Row("dec", (REG16[r],))
        t[0x50 + r] = _Row("push", (REG16[r],))
        t[0x58 + r] = _Row("pop", (REG16[r],))
        t[0x90 + r] = _Row("xchg", ("ax", REG16[r]))
        t[0xB0 + r] = _Row("mov", (REG8[r], "Ib"))
        t[0xB8 + r] = _Row("mov", (REG16[r], "Iw"))
    t[0x90] = _Row("nop")
    for c in range(16):
        t[0x70 + c] = _Row(_JCC[c], ("Jb",))
        if not is186:
            t[0x60 + c] = t[0x70 + c]
    if is186:
        t[0x60] = _Row("pusha")
        t[0x61] = _Row("popa")
        t[0x62] = _Row("bound", ("Gw", "M"))
        t[0x68] = _Row("push", ("Iww",))
        t[0x69] = _Row("imul", ("Gw", "Ew", "Iww"))
        t[0x6A] = _Row("push", ("Is",))
        t[0x6B] = _Row("imul", ("Gw", "Ew", "Is"))
        t[0x6C] = _Row("insb")
        t[0x6D] = _Row("insw")
        t[0x6E] = _Row("outsb")
        t[0x6F] = _Row("outsw")
    t[0x80] = _Row(None, group=_group(_ALU, ("Ebs", "Ib")))
    t[0x81] = _Row(None, group=_group(_ALU, ("Ews", "Iw")))
    t[0x82] = t[0x80]
    t[0x83] = _Row(None, group=_group(_ALU, ("Ews", "Is")))
    t[0x84] = _Row("test", ("Eb", "Gb"))
    t[0x85] = _Row("test", ("Ew", "Gw"))
    t[0x86] = _Row("xchg", ("Gb", "Eb"))
    t[0x87] = _Row("xchg", ("Gw", "Ew"))
    t[0x88] = _Row("mov", ("Eb", "Gb"))
    t[0x89] = _Row("mov", ("Ew", "Gw"))
    t[0x8A] = _Row("mov", ("Gb", "Eb"))
    t[0x8B] = _Row("mov", ("Gw", "Ew"))
    # 8C/8E: the 186 defines only segment fields 0-3; the 8086 ignores bit 2.
    t[0x8C] = _Row(None, group=_group(["mov"] * 4 + [None if is186 else "mov"] * 4, ("Ew", "Sw")))
    t[0x8D] = _Row("lea", ("Gw", "M"))
    t[0x8E] = _Row(None, group=_group(["mov"] * 4 + [None if is186 else "mov"] * 4, ("Sw", "Ew")))
    t[0x8F] = _Row(None, group=_group(["pop"] + [None if is186 else "pop"] * 7, ("Ews",)))
    t[0x98] = _Row("cbw")
    t[0x99] = _Row("cwd")
    t[0x9A] = _Row("call", ("Ap",))
    t[0x9B] = _Row("wait")
    t[0x9C] = _Row("pushf")
    t[0x9D] = _Row("popf")
    t[0x9E] = _Row("sahf")
    t[0x9F] = _Row("lahf")
    t[0xA0] = _Row("mov", ("al", "Ob"))
    t[0xA1] = _Row("mov", ("ax", "Ow"))
    t[0xA2] = _Row("mov", ("Ob", "al"))
    t[0xA3] = _Row("mov", ("Ow", "ax"))
    for op, name in zip(range(0xA4, 0xB0), ("movsb", "movsw", "cmpsb", "cmpsw", None, None,
                                            "stosb", "stosw", "lodsb", "lodsw", "scasb", "scasw")):
        if name:
            t[op] = _Row(name)
    t[0xA8] = _Row("test", ("al", "Ib"))
    t[0xA9] = _Row("test", ("ax", "Iw"))
    t[0xC2] = _Row("ret", ("Iw",))
    t[0xC3] = _Row("ret")
    t[0xC4] = _Row("les", ("Gw", "M"))
    t[0xC5] = _Row("lds", ("Gw", "M"))
    t[0xC6] = _Row(None, group=_group(["mov"] + [None if is186 else "mov"] * 7, ("Ebs", "Ib")))
    t[0xC7] = _Row(None, group=_group(["mov"] + [None if is186 else "mov"] * 7, ("Ews", "Iw")))
    t[0xCA] = _Row("retf", ("Iw",))
    t[0xCB] = _Row("retf")
    t[0xCC] = _Row("int3")
    t[0xCD] = _Row("int", ("Ib",))
    t[0xCE] = _Row("into")
    t[0xCF] = _Row("iret")
    if is186:
        shifts = list(_SHIFT)
        t[0xC0] = _Row(None, group=_group(shifts, ("Ebs", "Ibb")))
        t[0xC1] = _Row(None, group=_group(shifts, ("Ews", "Ibb")))
        t[0xC8] = _Row("enter", ("Iw", "Ib"))
        t[0xC9] = _Row("leave")
    else:
        t[0xC0] = t[0xC2]
        t[0xC1] = t[0xC3]
        t[0xC8] = t[0xCA]
        t[0xC9] = t[0xCB]
        shifts = list(_SHIFT)
        shifts[6] = "setmo"
    t[0xD0] = _Row(None, group=_group(shifts, ("Ebs", "1")))
    t[0xD1] = _Row(None, group=_group(shifts, ("Ews", "1")))
    t[0xD2] = _Row(None, group=_group(shifts, ("Ebs", "cl")))
    t[0xD3] = _Row(None, group=_group(shifts, ("Ews", "cl")))
    t[0xD4] = _Row("aam", ("Ia",))
    t[0xD5] = _Row("aad", ("Ia",))
    if not is186:
        t[0xD6] = _Row("salc")
    t[0xD7] = _Row("xlatb")
    for op in range(0xD8, 0xE0):
        t[op] = _Row("esc", fpu=True)
    t[0xE0] = _Row("loopne", ("Jb",))
    t[0xE1] = _Row("loope", ("Jb",))
    t[0xE2] = _Row("loop", ("Jb",))
    t[0xE3] = _Row("jcxz", ("Jb",))
    t[0xE4] = _Row("in", ("al", "Ib"))
    t[0xE5] = _Row("in", ("ax", "Ib"))
    t[0xE6] = _Row("out", ("Ib", "al"))
    t[0xE7] = _Row("out", ("Ib", "ax"))
    t[0xE8] = _Row("call", ("Jw",))
    t[0xE9] = _Row("jmp", ("Jw",))
    t[0xEA] = _Row("jmp", ("Ap",))
    t[0xEB] = _Row("jmp", ("Jbs",))
    t[0xEC] = _Row("in", ("al", "dx"))
    t[0xED] = _Row("in", ("ax", "dx"))
    t[0xEE] = _Row("out", ("dx", "al"))
    t[0xEF] = _Row("out", ("dx", "ax"))
    t[0xF4] = _Row("hlt")
    t[0xF5] = _Row("cmc")
    t[0xF6] = _Row(None, group=_group(
        [("test", ("Ebs", "Ib")), None if is186 else ("test", ("Ebs", "Ib")),
         "not", "neg", "mul", "imul", "div", "idiv"], ("Ebs",)))
    t[0xF7] = _Row(None, group=_group(
        [("test", ("Ews", "Iw")), None if is186 else ("test", ("Ews", "Iw")),
         "not", "neg", "mul", "imul", "div", "idiv"], ("Ews",)))
    for op, name in zip(range(0xF8, 0xFE), ("clc", "stc", "cli", "sti", "cld", "std")):
        t[op] = _Row(name)
    if is186:
        fe = ["inc", "dec"] + [None] * 6
    else:
        fe = ["inc", "dec", "call", "call far", "jmp", "jmp far", "push", "push"]
    t[0xFE] = _Row(None, group=_group(fe, ("Ebs",)))
    t[0xFF] = _Row(None, group=_group(
        [("inc", ("Ews",)), ("dec", ("Ews",)), ("call", ("Ew",)), ("call", ("Mf",)),
         ("jmp", ("Ew",)), ("jmp", ("Mf",)), ("push", ("Ews",)),
         None if is186 else ("push", ("Ews",))], ()))
    return t


_TABLE = {False: _build_table(False), True: _build_table(True)}
_PREFIXES = {False: _PREFIX_8086, True: _PREFIX_COMMON}

# 8087 memory forms: [opcode - 0xD8][reg] -> (mnemonic, size word or "") ; None = not 8087
_FPU_MEM = (
    [(m, "dword ") for m in ("fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr")],
    [("fld", "dword "), None, ("fst", "dword "), ("fstp", "dword "),
     ("fldenv", ""), ("fldcw", ""), ("fnstenv", ""), ("fnstcw", "")],
    [(m, "dword ") for m in ("fiadd", "fimul", "ficom", "ficomp", "fisub", "fisubr", "fidiv", "fidivr")],
    [("fild", "dword "), None, ("fist", "dword "), ("fistp", "dword "),
     None, ("fld", "tword "), None, ("fstp", "tword ")],
    [(m, "qword ") for m in ("fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr")],
    [("fld", "qword "), None, ("fst", "qword "), ("fstp", "qword "),
     ("frstor", ""), None, ("fnsave", ""), ("fnstsw", "")],
    [(m, "word ") for m in ("fiadd", "fimul", "ficom", "ficomp", "fisub", "fisubr", "fidiv", "fidivr")],
    [("fild", "word "), None, ("fist", "word "), ("fistp", "word "),
     ("fbld", "tword "), ("fild", "qword "), ("fbstp", "tword "), ("fistp", "qword ")],
)


def _fpu_reg_forms():
    """8087 register forms (mod=3): (opcode, modrm) -> text."""
    forms = {}

    def per_st(op, reg, fmt):
        for i in range(8):
            forms[(op, 0xC0 | reg << 3 | i)] = fmt % i

    for reg, m in enumerate(("fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr")):
        per_st(0xD8, reg, m + " st%d")
    per_st(0xD9, 0, "fld st%d")
    per_st(0xD9, 1, "fxch st%d")
    named = {
        0xD0: "fnop", 0xE0: "fchs", 0xE1: "fabs", 0xE4: "ftst", 0xE5: "fxam",
        0xE8: "fld1", 0xE9: "fldl2t", 0xEA: "fldl2e", 0xEB: "fldpi", 0xEC: "fldlg2",
        0xED: "fldln2", 0xEE: "fldz", 0xF0: "f2xm1", 0xF1: "fyl2x", 0xF2: "fptan",
        0xF3: "fpatan", 0xF4: "fxtract", 0xF6: "fdecstp", 0xF7: "fincstp", 0xF8: "fprem",
        0xF9: "fyl2xp1", 0xFA: "fsqrt", 0xFC: "frndint", 0xFD: "fscale",
    }
    for modrm, text in named.items():
        forms[(0xD9, modrm)] = text
    for modrm, text in ((0xE0, "fneni"), (0xE1, "fndisi"), (0xE2, "fnclex"), (0xE3, "fninit")):
        forms[(0xDB, modrm)] = text
    for reg, m in ((0, "fadd"), (1, "fmul"), (4, "fsubr"), (5, "fsub"), (6, "fdivr"), (7, "fdiv")):
        per_st(0xDC, reg, m + " to st%d")
    per_st(0xDD, 0, "ffree st%d")
    per_st(0xDD, 2, "fst st%d")
    per_st(0xDD, 3, "fstp st%d")
    for reg, m in ((0, "faddp"), (1, "fmulp"), (4, "fsubrp"), (5, "fsubp"), (6, "fdivrp"), (7, "fdivp")):
        per_st(0xDE, reg, m + " st%d")
    forms[(0xDE, 0xD9)] = "fcompp"
    return forms


_FPU_REG = _fpu_reg_forms()


def _hex(value):
    return "0x%x" % value


def _signed(value, bits):
    """ndisasm's signed displacement/immediate form: +0x5, -0x80."""
    if value >> (bits - 1):
        return "-0x%x" % ((1 << bits) - value)
    return "+0x%x" % value


def _model(model):
    try:
        return MODELS[str(model)]
    except KeyError:
        raise ValueError("unknown CPU model %r (use '8086' or '80186')" % (model,))


def disassemble(code, ip=0, model="80186"):
    """Decode one instruction at the start of ``code``; return (length, text).

    ``ip`` is the instruction's offset, used for relative branch targets.
    """
    is186 = _model(model)
    prefixes = _PREFIXES[is186]
    n = len(code)
    if n == 0:
        raise ValueError("no bytes to disassemble")
    pos = 0
    seg = rep = None
    lock = False
    while pos < n:
        p = prefixes.get(code[pos])
        if p is None:
            break
        kind = p[0]
        if kind == "seg":
            seg = p[1]
        elif kind == "rep":
            rep = p[1]
        else:
            lock = True
        pos += 1
    try:
        if pos >= n:
            raise IndexError
        decoded = _decode_body(code, pos, ip, _TABLE[is186], is186, seg)
    except IndexError:
        decoded = None
    if decoded is None:
        first = prefixes.get(code[0])
        return 1, first[1] if first else "db 0x%02x" % code[0]
    end, body, has_memory = decoded
    if seg is None and rep is None and not lock:
        return end, body
    words = []
    if seg is not None and not has_memory:
        words.append(seg)
    if rep is not None:
        if rep == "rep" and (body.startswith("cmps") or body.startswith("scas")):
            rep = "repe"
        words.append(rep)
    if lock:
        words.append("lock")
    words.append(body)
    return end, " ".join(words)


def _decode_body(code, pos, ip, table, is186, seg):
    """Decode from the opcode byte; return (end, text, has_memory) or None if undefined."""
    row = table[code[pos]]
    if row is None:
        return None
    opcode = code[pos]
    pos += 1
    mod = reg = rm = 0
    mem = None  # bracketed memory operand text, when ModRM selects memory
    if row.modrm:
        modrm = code[pos]
        pos += 1
        mod = modrm >> 6
        reg = (modrm >> 3) & 7
        rm = modrm & 7
        if mod != 3:
            prefix = "[" if seg is None else "[" + seg + ":"
            if mod == 0:
                if rm == 6:
                    mem = prefix + _hex(code[pos] | code[pos + 1] << 8) + "]"
                    pos += 2
                else:
                    mem = prefix + EA_BASE[rm] + "]"
            elif mod == 1:
                mem = prefix + EA_BASE[rm] + _signed(code[pos], 8) + "]"
                pos += 1
            else:
                mem = prefix + EA_BASE[rm] + _signed(code[pos] | code[pos + 1] << 8, 16) + "]"
                pos += 2
        if row.fpu:
            return _decode_fpu(opcode, modrm, reg, rm, mem, pos)
        if row.group is not None:
            row = row.group[reg]
            if row is None:
                return None
    ops = []
    has_memory = mem is not None
    for kind in row.operands:
        if kind == "Eb":
            ops.append(REG8[rm] if mem is None else mem)
        elif kind == "Ew":
            ops.append(REG16[rm] if mem is None else mem)
        elif kind == "Gw":
            ops.append(REG16[reg])
        elif kind == "Gb":
            ops.append(REG8[reg])
        elif kind == "Ib":
            ops.append(_hex(code[pos]))
            pos += 1
        elif kind == "Iw":
            ops.append(_hex(code[pos] | code[pos + 1] << 8))
            pos += 2
        elif kind == "Ebs":
            ops.append(REG8[rm] if mem is None else "byte " + mem)
        elif kind == "Ews":
            ops.append(REG16[rm] if mem is None else "word " + mem)
        elif kind == "Jb":
            disp = code[pos]
            pos += 1
            ops.append(_hex((ip + pos + disp - (disp & 0x80) * 2) & 0xFFFF))
        elif kind == "Jw":
            disp = code[pos] | code[pos + 1] << 8
            pos += 2
            ops.append(_hex((ip + pos + disp) & 0xFFFF))
        elif kind == "Jbs":
            disp = code[pos]
            pos += 1
            ops.append("short " + _hex((ip + pos + disp - (disp & 0x80) * 2) & 0xFFFF))
        elif kind == "Is":
            ops.append("byte " + _signed(code[pos], 8))
            pos += 1
        elif kind == "Sw":
            ops.append(SREG[reg & 3])
        elif kind == "M" or kind == "Mf":
            if mem is None:
                if is186:
                    return None
                ops.append(("far " if kind == "Mf" else "") + REG16[rm])
            else:
                ops.append("far " + mem if kind == "Mf" else mem)
        elif kind == "Ob" or kind == "Ow":
            ops.append(("[" if seg is None else "[" + seg + ":")
                       + _hex(code[pos] | code[pos + 1] << 8) + "]")
            pos += 2
            has_memory = True
        elif kind == "Ap":
            off = code[pos] | code[pos + 1] << 8
            sel = code[pos + 2] | code[pos + 3] << 8
            pos += 4
            ops.append(_hex(sel) + ":" + _hex(off))
        elif kind == "Ibb":
            ops.append("byte " + _hex(code[pos]))
            pos += 1
        elif kind == "Iww":
            ops.append("word " + _hex(code[pos] | code[pos + 1] << 8))
            pos += 2
        elif kind == "Ia":
            if code[pos] != 10:
                ops.append(_hex(code[pos]))
            pos += 1
        else:
            ops.append(kind)
    if ops:
        return pos, row.mnemonic + " " + ",".join(ops), has_memory
    return pos, row.mnemonic, has_memory


def _decode_fpu(opcode, modrm, reg, rm, mem, pos):
    if mem is not None:
        form = _FPU_MEM[opcode - 0xD8][reg]
        if form is not None:
            return pos, form[0] + " " + form[1] + mem, True
        operand = mem
    else:
        text = _FPU_REG.get((opcode, modrm))
        if text is not None:
            return pos, text, False
        operand = REG16[rm]
    return pos, "esc 0x%02x,%s" % ((opcode & 7) << 3 | reg, operand), mem is not None


# Most bytes disassemble_at will look at: 6 for the longest instruction plus
# room for prefixes.
_FETCH = 16


class _MemoryCode(object):
    """The bytes at cs:ip, read from memory only when the decoder asks for them,
    so a trace never touches (possibly side-effecting MMIO) bytes past the
    instruction."""

    __slots__ = ("read_byte", "base", "ip", "cache")

    def __init__(self, read_byte, base, ip):
        self.read_byte = read_byte
        self.base = base
        self.ip = ip
        self.cache = {}

    def __len__(self):
        return _FETCH

    def __getitem__(self, i):
        value = self.cache.get(i)
        if value is None:
            if not 0 <= i < _FETCH:
                raise IndexError(i)
            value = self.read_byte((self.base + ((self.ip + i) & 0xFFFF)) & 0xFFFFF) & 0xFF
            self.cache[i] = value
        return value


def disassemble_at(read_byte, cs, ip, model="80186"):
    """Disassemble the instruction at cs:ip; ``read_byte(linear)`` returns one byte.

    Offsets wrap at 64 KiB and linear addresses at 1 MiB, as on the 8086;
    only the instruction's own bytes are read.  Returns (length, text).
    """
    ip &= 0xFFFF
    return disassemble(_MemoryCode(read_byte, (cs & 0xFFFF) << 4, ip), ip, model)


def format_trace_line(cs, ip, code_bytes, text):
    """One trace line: "F000:E05B  EA5BE000F0      jmp 0xf000:0xe05b"."""
    hexbytes = "".join("%02X" % b for b in code_bytes)
    return "%04X:%04X  %-14s  %s" % (cs & 0xFFFF, ip & 0xFFFF, hexbytes, text)


def _parse_number(text, what):
    try:
        return int(text, 0)
    except ValueError:
        raise SystemExit("error: %s must be a number like 0x7c00, not %r" % (what, text))


def main(argv=None):
    """CLI: python -m pcemu.cpu.disasm FILE [--org 0x7c00] [--model 8086]."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m pcemu.cpu.disasm",
        description="Disassemble a raw 8086/80186 binary (NASM syntax).")
    parser.add_argument("file", help="binary file to disassemble")
    parser.add_argument("--org", default="0", help="offset of the first byte (default 0)")
    parser.add_argument("--model", default="80186", choices=("8086", "80186"),
                        help="CPU model (default 80186)")
    args = parser.parse_args(argv)
    org = _parse_number(args.org, "--org")
    if not 0 <= org <= 0xFFFF:
        raise SystemExit("error: --org must be between 0 and 0xffff")
    try:
        with open(args.file, "rb") as f:
            data = f.read()
    except OSError as e:
        raise SystemExit("error: cannot read %s: %s" % (args.file, e.strerror))
    pos = 0
    out = sys.stdout
    while pos < len(data):
        length, text = disassemble(data[pos:pos + _FETCH], (org + pos) & 0xFFFF, args.model)
        chunk = data[pos:pos + length]
        out.write("%08X  %-16s  %s\n" % (org + pos, "".join("%02X" % b for b in chunk), text))
        pos += length
    return 0


if __name__ == "__main__":
    sys.exit(main())
