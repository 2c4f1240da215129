"""The 8086 / 80186 opcode map: one description of every opcode and ModRM form.

The interpreter (pcemu.cpu.ops), the translating tier (pcemu.cpu.translate)
and the disassembler (pcemu.cpu.disasm) read their instruction layout from
here, so they cannot disagree on what an instruction is or how long it is:

* the disassembler prints from ``decode()``'s result (mnemonic, operand
  forms, ModRM fields, displacement, immediates);
* the translating tier takes the prefixes, the opcode and the length of
  each instruction from ``decode()`` and fails loudly if its own code
  generator reads a different number of bytes;
* the interpreter's specialised handlers are named from here
  (``handler_name``: ``op_01_add_ew_gw``), and tests/cpu/test_opcodes.py
  runs every opcode and ModRM byte through the interpreter, the tier and the
  disassembler and checks each against this map (length; on the 80186,
  which forms raise the unused-opcode exception).

A ``Form`` is one opcode, or one ModRM reg form of a group opcode: its
mnemonic and operand forms, in the order NASM writes them:

  Eb/Ew   r/m operand; Ebs/Ews the same, with "byte "/"word " on memory
  Gb/Gw   register from the ModRM reg field;  Sw segment register from it
  M       memory-only r/m, the address only (LEA); Mp a far pointer there
          (LES, LDS), Ma two bound words (BOUND), Mf a far pointer printed
          "far [..]" (FF /3, /5)
  Ib/Iw   unsigned immediates; Is sign-extended imm8 ("byte +0x5");
  Ibb     "byte 0x3" (shift count of C0/C1); Iww "word 0x1234" (push/imul)
  Ia      AAM/AAD base (printed only when it is not 10)
  Jb/Jw   relative targets; Jbs the same with "short " (EB)
  Ap      far pointer seg:off;  Ob/Ow direct memory [0x1234] (A0-A3)
  anything else is a fixed operand, printed as it is (al, ax, cl, dx, 1, es)

``TABLE[is186]`` is the map of one model: 256 entries, each a ``Form`` or
None (the 80186 leaves the opcode undefined: its unused-opcode exception,
INT 6). A group opcode's ``Form`` has ``group``: the 8 forms selected by
the ModRM reg field (None = undefined on the 80186).

The models differ where the chips do:

* 80186 adds PUSHA/POPA, BOUND, PUSH imm, IMUL r,r/m,imm, INS/OUTS,
  ENTER/LEAVE and shifts/rotates by imm8. It raises INT 6 for 0F, 63-67,
  F1, C6/C7 /1-7, 8F /1-7, FE /2-7, FF /7, and LEA/LES/LDS/BOUND/far
  CALL/far JMP with a register operand (mod=3).
* The 8086 decodes every byte: 60-6F are the Jcc of 70-7F, C0/C1 are
  ``ret imm16``/``ret``, C8/C9 ``retf imm16``/``retf``, 0F is ``pop cs``,
  F1 a second LOCK prefix, C6/C7 and 8F ignore the reg field,
  FF /7 is PUSH, FE /2-7 run as FF /2-7 (word operands, the CPU's
  behaviour), LEA/LES/LDS and far CALL/JMP with mod=3 leave their
  registers alone (printed with the register: ``lea ax,bx``).
* Both: 82 is 80; D6 is ``salc``; F6/F7 /1 is TEST; 8C/8E use the low two bits of the
  segment field; D0-D3 (and C0/C1 on the 80186) /6 is ``setmo`` on the
  8086 (all bits of the operand set) and SHL on the 80186.

ESC D8-DF take a ModRM operand; what they mean to an 8087 is the
disassembler's business (``fpu``).
"""

__all__ = ["Form", "Instruction", "TABLE", "PREFIXES", "decode", "handler_name", "IMMEDIATE_BYTES", "MEMORY_BYTES"]

# Operand forms that read a ModRM byte, and the bytes each immediate-like form takes.
MODRM_KINDS = frozenset(("Eb", "Ew", "Ebs", "Ews", "Gb", "Gw", "Sw", "M", "Mp", "Ma", "Mf"))
MEMORY_ONLY = frozenset(("M", "Mp", "Ma", "Mf"))
IMMEDIATE_BYTES = {"Ib": 1, "Is": 1, "Ibb": 1, "Ia": 1, "Jb": 1, "Jbs": 1,
                   "Iw": 2, "Iww": 2, "Jw": 2, "Ob": 2, "Ow": 2, "Ap": 4}
# Bytes of memory an r/m operand form covers when ModRM selects memory.
MEMORY_BYTES = {"Eb": 1, "Ebs": 1, "Ew": 2, "Ews": 2, "M": 0, "Mp": 4, "Ma": 4, "Mf": 4}

# Prefix bytes -> (kind, name); segment overrides also carry their register number.
SEGMENT_PREFIXES = {0x26: 0, 0x2E: 1, 0x36: 2, 0x3E: 3}
_PREFIX_COMMON = {
    0x26: ("seg", "es"), 0x2E: ("seg", "cs"), 0x36: ("seg", "ss"), 0x3E: ("seg", "ds"),
    0xF0: ("lock", "lock"), 0xF2: ("rep", "repne"), 0xF3: ("rep", "rep"),
}
_PREFIX_8086 = dict(_PREFIX_COMMON)
_PREFIX_8086[0xF1] = ("lock", "lock")
PREFIXES = {False: _PREFIX_8086, True: _PREFIX_COMMON}

REG8 = ("al", "cl", "dl", "bl", "ah", "ch", "dh", "bh")
REG16 = ("ax", "cx", "dx", "bx", "sp", "bp", "si", "di")
SREG = ("es", "cs", "ss", "ds")
JCC = ("jo", "jno", "jc", "jnc", "jz", "jnz", "jna", "ja",
       "js", "jns", "jpe", "jpo", "jl", "jnl", "jng", "jg")
ALU = ("add", "or", "adc", "sbb", "and", "sub", "xor", "cmp")
SHIFT = ("rol", "ror", "rcl", "rcr", "shl", "shr", None, "sar")


class Form(object):
    """One opcode (or one ModRM reg form of a group opcode)."""

    __slots__ = ("mnemonic", "operands", "modrm", "group", "fpu")

    def __init__(self, mnemonic, operands=(), group=None, fpu=False):
        self.mnemonic = mnemonic
        self.operands = tuple(operands)
        self.group = group  # list of 8 forms (None = undefined) selected by ModRM reg
        self.fpu = fpu
        self.modrm = group is not None or fpu or any(k in MODRM_KINDS for k in self.operands)

    def __repr__(self):
        return "Form(%r, %r%s)" % (self.mnemonic, self.operands, ", group" if self.group else "")


def _group(rows, operands):
    """Group forms: each entry a mnemonic (shared operands), a (mnemonic, operands) pair, or None."""
    out = []
    for entry in rows:
        if entry is None:
            out.append(None)
        elif isinstance(entry, tuple):
            out.append(Form(entry[0], entry[1]))
        else:
            out.append(Form(entry, operands))
    return out


def _build_table(is186):
    t = [None] * 256
    for i, name in enumerate(ALU):
        b = i * 8
        t[b] = Form(name, ("Eb", "Gb"))
        t[b + 1] = Form(name, ("Ew", "Gw"))
        t[b + 2] = Form(name, ("Gb", "Eb"))
        t[b + 3] = Form(name, ("Gw", "Ew"))
        t[b + 4] = Form(name, ("al", "Ib"))
        t[b + 5] = Form(name, ("ax", "Iw"))
    for i, seg in enumerate(SREG):
        t[i * 8 + 6] = Form("push", (seg,))
        t[i * 8 + 7] = Form("pop", (seg,))
    if is186:
        t[0x0F] = None
    for op, (kind, name) in PREFIXES[is186].items():
        t[op] = Form(name)
    t[0x27] = Form("daa")
    t[0x2F] = Form("das")
    t[0x37] = Form("aaa")
    t[0x3F] = Form("aas")
    for r in range(8):
        t[0x40 + r] = Form("inc", (REG16[r],))
        t[0x48 + r] = Form("dec", (REG16[r],))
        t[0x50 + r] = Form("push", (REG16[r],))
        t[0x58 + r] = Form("pop", (REG16[r],))
        t[0x90 + r] = Form("xchg", ("ax", REG16[r]))
        t[0xB0 + r] = Form("mov", (REG8[r], "Ib"))
        t[0xB8 + r] = Form("mov", (REG16[r], "Iw"))
    t[0x90] = Form("nop")
    for c in range(16):
        t[0x70 + c] = Form(JCC[c], ("Jb",))
        if not is186:
            t[0x60 + c] = t[0x70 + c]
    if is186:
        t[0x60] = Form("pusha")
        t[0x61] = Form("popa")
        t[0x62] = Form("bound", ("Gw", "Ma"))
        t[0x68] = Form("push", ("Iww",))
        t[0x69] = Form("imul", ("Gw", "Ew", "Iww"))
        t[0x6A] = Form("push", ("Is",))
        t[0x6B] = Form("imul", ("Gw", "Ew", "Is"))
        t[0x6C] = Form("insb")
        t[0x6D] = Form("insw")
        t[0x6E] = Form("outsb")
        t[0x6F] = Form("outsw")
    t[0x80] = Form(None, group=_group(ALU, ("Ebs", "Ib")))
    t[0x81] = Form(None, group=_group(ALU, ("Ews", "Iw")))
    t[0x82] = t[0x80]
    t[0x83] = Form(None, group=_group(ALU, ("Ews", "Is")))
    t[0x84] = Form("test", ("Eb", "Gb"))
    t[0x85] = Form("test", ("Ew", "Gw"))
    t[0x86] = Form("xchg", ("Gb", "Eb"))
    t[0x87] = Form("xchg", ("Gw", "Ew"))
    t[0x88] = Form("mov", ("Eb", "Gb"))
    t[0x89] = Form("mov", ("Ew", "Gw"))
    t[0x8A] = Form("mov", ("Gb", "Eb"))
    t[0x8B] = Form("mov", ("Gw", "Ew"))
    t[0x8C] = Form("mov", ("Ew", "Sw"))   # Sw: the low two bits of the reg field
    t[0x8D] = Form("lea", ("Gw", "M"))
    t[0x8E] = Form("mov", ("Sw", "Ew"))
    t[0x8F] = Form(None, group=_group(["pop"] + [None if is186 else "pop"] * 7, ("Ews",)))
    t[0x98] = Form("cbw")
    t[0x99] = Form("cwd")
    t[0x9A] = Form("call", ("Ap",))
    t[0x9B] = Form("wait")
    t[0x9C] = Form("pushf")
    t[0x9D] = Form("popf")
    t[0x9E] = Form("sahf")
    t[0x9F] = Form("lahf")
    t[0xA0] = Form("mov", ("al", "Ob"))
    t[0xA1] = Form("mov", ("ax", "Ow"))
    t[0xA2] = Form("mov", ("Ob", "al"))
    t[0xA3] = Form("mov", ("Ow", "ax"))
    for op, name in zip(range(0xA4, 0xB0), ("movsb", "movsw", "cmpsb", "cmpsw", None, None,
                                            "stosb", "stosw", "lodsb", "lodsw", "scasb", "scasw")):
        if name:
            t[op] = Form(name)
    t[0xA8] = Form("test", ("al", "Ib"))
    t[0xA9] = Form("test", ("ax", "Iw"))
    t[0xC2] = Form("ret", ("Iw",))
    t[0xC3] = Form("ret")
    t[0xC4] = Form("les", ("Gw", "Mp"))
    t[0xC5] = Form("lds", ("Gw", "Mp"))
    t[0xC6] = Form(None, group=_group(["mov"] + [None if is186 else "mov"] * 7, ("Ebs", "Ib")))
    t[0xC7] = Form(None, group=_group(["mov"] + [None if is186 else "mov"] * 7, ("Ews", "Iw")))
    t[0xCA] = Form("retf", ("Iw",))
    t[0xCB] = Form("retf")
    t[0xCC] = Form("int3")
    t[0xCD] = Form("int", ("Ib",))
    t[0xCE] = Form("into")
    t[0xCF] = Form("iret")
    shifts = list(SHIFT)
    shifts[6] = "shl" if is186 else "setmo"
    if is186:
        t[0xC0] = Form(None, group=_group(shifts, ("Ebs", "Ibb")))
        t[0xC1] = Form(None, group=_group(shifts, ("Ews", "Ibb")))
        t[0xC8] = Form("enter", ("Iw", "Ib"))
        t[0xC9] = Form("leave")
    else:
        t[0xC0] = t[0xC2]
        t[0xC1] = t[0xC3]
        t[0xC8] = t[0xCA]
        t[0xC9] = t[0xCB]
    t[0xD0] = Form(None, group=_group(shifts, ("Ebs", "1")))
    t[0xD1] = Form(None, group=_group(shifts, ("Ews", "1")))
    t[0xD2] = Form(None, group=_group(shifts, ("Ebs", "cl")))
    t[0xD3] = Form(None, group=_group(shifts, ("Ews", "cl")))
    t[0xD4] = Form("aam", ("Ia",))
    t[0xD5] = Form("aad", ("Ia",))
    t[0xD6] = Form("salc")
    t[0xD7] = Form("xlatb")
    for op in range(0xD8, 0xE0):
        t[op] = Form("esc", fpu=True)
    t[0xE0] = Form("loopne", ("Jb",))
    t[0xE1] = Form("loope", ("Jb",))
    t[0xE2] = Form("loop", ("Jb",))
    t[0xE3] = Form("jcxz", ("Jb",))
    t[0xE4] = Form("in", ("al", "Ib"))
    t[0xE5] = Form("in", ("ax", "Ib"))
    t[0xE6] = Form("out", ("Ib", "al"))
    t[0xE7] = Form("out", ("Ib", "ax"))
    t[0xE8] = Form("call", ("Jw",))
    t[0xE9] = Form("jmp", ("Jw",))
    t[0xEA] = Form("jmp", ("Ap",))
    t[0xEB] = Form("jmp", ("Jbs",))
    t[0xEC] = Form("in", ("al", "dx"))
    t[0xED] = Form("in", ("ax", "dx"))
    t[0xEE] = Form("out", ("dx", "al"))
    t[0xEF] = Form("out", ("dx", "ax"))
    t[0xF4] = Form("hlt")
    t[0xF5] = Form("cmc")
    t[0xF6] = Form(None, group=_group(
        [("test", ("Ebs", "Ib")), ("test", ("Ebs", "Ib")), "not", "neg", "mul", "imul", "div", "idiv"], ("Ebs",)))
    t[0xF7] = Form(None, group=_group(
        [("test", ("Ews", "Iw")), ("test", ("Ews", "Iw")), "not", "neg", "mul", "imul", "div", "idiv"], ("Ews",)))
    for op, name in zip(range(0xF8, 0xFE), ("clc", "stc", "cli", "sti", "cld", "std")):
        t[op] = Form(name)
    ff = [("inc", ("Ews",)), ("dec", ("Ews",)), ("call", ("Ew",)), ("call", ("Mf",)),
          ("jmp", ("Ew",)), ("jmp", ("Mf",)), ("push", ("Ews",)), None if is186 else ("push", ("Ews",))]
    t[0xFF] = Form(None, group=_group(ff, ()))
    fe = [("inc", ("Ebs",)), ("dec", ("Ebs",))]
    if is186:
        fe += [None] * 6
    else:
        fe += ff[2:]   # the CPU runs FE /2-7 as FF /2-7
    t[0xFE] = Form(None, group=_group(fe, ()))
    return t


TABLE = {False: _build_table(False), True: _build_table(True)}


class Instruction(object):
    """One decoded instruction: where its parts are and what they hold.

    ``operands`` has one value per operand form of ``form``: the immediate
    (Ib/Iw/Is... raw, unsigned), the raw displacement of Jb/Jw, the address
    of Ob/Ow, (offset, segment) of Ap, None for ModRM and fixed operands.
    ``disp`` is the ModRM displacement (signed for mod 1 and 2, the address
    for mod 0 r/m 6).
    """

    __slots__ = ("length", "segment", "rep", "lock", "opcode", "opcode_pos", "form", "modrm", "mod", "reg",
                 "rm", "disp", "operands")

    def __init__(self):
        self.segment = None    # segment override (0-3), the last one
        self.rep = None        # 0xF3 or 0xF2, the last one
        self.lock = False
        self.modrm = None
        self.mod = self.reg = self.rm = 0
        self.disp = None


def decode(code, is186):
    """Decode the instruction at the start of ``code`` (indexable, IndexError past its end).

    Returns an Instruction, or None when the opcode or ModRM form is
    undefined on this model (the 80186's INT 6; one byte) or the bytes end
    first.
    """
    prefixes = PREFIXES[is186]
    inst = Instruction()
    pos = 0
    try:
        while True:
            b = code[pos]
            p = prefixes.get(b)
            if p is None:
                break
            if p[0] == "seg":
                inst.segment = SEGMENT_PREFIXES[b]
            elif p[0] == "rep":
                inst.rep = b
            else:
                inst.lock = True
            pos += 1
        form = TABLE[is186][b]
        if form is None:
            return None
        inst.opcode = b
        inst.opcode_pos = pos
        pos += 1
        mod = -1
        if form.modrm:
            m = code[pos]
            pos += 1
            inst.modrm = m
            mod = inst.mod = m >> 6
            inst.reg = (m >> 3) & 7
            rm = inst.rm = m & 7
            if mod == 0 and rm == 6:
                inst.disp = code[pos] | code[pos + 1] << 8
                pos += 2
            elif mod == 1:
                d = code[pos]
                inst.disp = d - 256 if d > 127 else d
                pos += 1
            elif mod == 2:
                d = code[pos] | code[pos + 1] << 8
                inst.disp = d - 65536 if d > 32767 else d
                pos += 2
            if form.group is not None:
                form = form.group[inst.reg]
                if form is None:
                    return None
        operands = []
        for kind in form.operands:
            n = IMMEDIATE_BYTES.get(kind)
            if n is None:
                if mod == 3 and kind in MEMORY_ONLY and is186:
                    return None
                operands.append(None)
            elif n == 1:
                operands.append(code[pos])
                pos += 1
            elif n == 2:
                operands.append(code[pos] | code[pos + 1] << 8)
                pos += 2
            else:
                operands.append((code[pos] | code[pos + 1] << 8, code[pos + 2] | code[pos + 3] << 8))
                pos += 4
    except IndexError:
        return None
    inst.form = form
    inst.operands = operands
    inst.length = pos
    return inst


_FORM_SUFFIX = {"Ebs": "eb", "Ews": "ew", "Iww": "iw", "Ibb": "ib", "Is": "ib", "Jbs": "jb"}


def row_handler_name(first, last):
    """The name of the handler shared by a row of register forms (opcodes ``first`` to
    ``last``, the register in the low bits): op_40_47_inc_r16, op_b0_b7_mov_r8_ib."""
    form = TABLE[True][first]
    other = TABLE[True][first + 1].operands
    parts = [form.mnemonic]
    for k, o in zip(form.operands, other):
        if k == o:
            parts.append(_FORM_SUFFIX.get(k, k.lower()))
        else:       # the operand the row varies
            parts.append("r8" if k in REG8 else "r16")
    return "op_%02x_%02x_%s" % (first, last, "_".join(parts))


def handler_name(opcode, is186=True):
    """The name of the interpreter's specialised handler for ``opcode``: op_01_add_ew_gw."""
    form = TABLE[is186][opcode]
    parts = [form.mnemonic] + [_FORM_SUFFIX.get(k, k.lower()) for k in form.operands]
    return "op_%02x_%s" % (opcode, "_".join(parts))
