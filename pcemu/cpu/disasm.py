"""Disassembler for the Intel 8086/8088 and 80186/80188 (real mode), NASM syntax.

What each byte means comes from pcemu.cpu.opcodes, the opcode map the
interpreter and the translating tier read too (``opcodes.decode``); this
module only prints it. Output follows ndisasm (``ndisasm -b 16``), which
the tests use as referee:

* lower case, hex numbers as ``0x..``, relative branch targets shown as the
  absolute 16-bit offset (``jmp short 0x12``, ``call 0x100``);
* a segment override goes inside the brackets (``mov ax,[es:bx]``); when the
  instruction has no explicit memory operand it is printed as a prefix word
  (``es lodsb``), followed by ``rep``/``repe``/``repne`` and ``lock``;
* ``byte``/``word`` appear where no register operand fixes the size, and on
  sign-extended byte immediates (``add ax,byte -0x1``).

Where the chips go beyond what NASM can write, the text says what the CPU
runs (see pcemu.cpu.opcodes for the model differences): opcodes and ModRM
forms the 80186 leaves undefined print as ``db 0x..``, one byte long; the
8086's aliases print as what they run (``jo`` for 60, ``ret`` for C1, ``pop
cs``, ``lock`` for F1, FE /2-7 as FF /2-7: ``call [bx]``); D0-D3
/6 print as ``setmo`` on the 8086 (``setmo al,1``; the CL form acts only when
CL is non-zero) and as ``shl`` on the 80186; F6/F7 /1 print as ``test``; D6
prints as ``salc`` on both;
8C/8E take the low two bits of the segment field; LEA/LES/LDS and far
CALL/JMP with mod=3 print the register on the 8086 (``lea ax,bx``, ``call
far ax``). None of these are valid NASM input.

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

from pcemu.cpu.opcodes import PREFIXES, REG8, REG16, SREG, decode

__all__ = ["disassemble", "disassemble_at", "format_trace_line", "main"]

EA_BASE = ("bx+si", "bx+di", "bp+si", "bp+di", "si", "di", "bp", "bx")

MODELS = {"8086": False, "8088": False, "80186": True, "80188": True, "186": True}

_PREFIX_WORDS = {0xF2: "repne", 0xF3: "rep"}


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
    if len(code) == 0:
        raise ValueError("no bytes to disassemble")
    inst = decode(code, is186)
    if inst is None:
        first = PREFIXES[is186].get(code[0])
        return 1, first[1] if first else "db 0x%02x" % code[0]
    seg = None if inst.segment is None else SREG[inst.segment]
    body, has_memory = _text(inst, ip, is186, seg)
    if seg is None and inst.rep is None and not inst.lock:
        return inst.length, body
    words = []
    if seg is not None and not has_memory:
        words.append(seg)
    if inst.rep is not None:
        rep = _PREFIX_WORDS[inst.rep]
        if rep == "rep" and (body.startswith("cmps") or body.startswith("scas")):
            rep = "repe"
        words.append(rep)
    if inst.lock:
        words.append("lock")
    words.append(body)
    return inst.length, " ".join(words)


def _text(inst, ip, is186, seg):
    """The instruction without its prefixes, and whether it has a memory operand."""
    mod, reg, rm = inst.mod, inst.reg, inst.rm
    mem = None  # bracketed memory operand text, when ModRM selects memory
    if inst.modrm is not None and mod != 3:
        prefix = "[" if seg is None else "[" + seg + ":"
        if mod == 0 and rm == 6:
            mem = prefix + _hex(inst.disp) + "]"
        elif mod == 0:
            mem = prefix + EA_BASE[rm] + "]"
        else:
            mem = prefix + EA_BASE[rm] + _signed(inst.disp & (0xFF if mod == 1 else 0xFFFF),
                                                  8 if mod == 1 else 16) + "]"
    form = inst.form
    if form.fpu:
        return _decode_fpu(inst.opcode, inst.modrm, reg, rm, mem)
    end = ip + inst.length
    ops = []
    has_memory = mem is not None
    for kind, value in zip(form.operands, inst.operands):
        if kind == "Eb":
            ops.append(REG8[rm] if mem is None else mem)
        elif kind == "Ew":
            ops.append(REG16[rm] if mem is None else mem)
        elif kind == "Gw":
            ops.append(REG16[reg])
        elif kind == "Gb":
            ops.append(REG8[reg])
        elif kind == "Ib" or kind == "Iw":
            ops.append(_hex(value))
        elif kind == "Ebs":
            ops.append(REG8[rm] if mem is None else "byte " + mem)
        elif kind == "Ews":
            ops.append(REG16[rm] if mem is None else "word " + mem)
        elif kind == "Jb" or kind == "Jbs":
            target = _hex((end + value - (value & 0x80) * 2) & 0xFFFF)
            ops.append("short " + target if kind == "Jbs" else target)
        elif kind == "Jw":
            ops.append(_hex((end + value) & 0xFFFF))
        elif kind == "Is":
            ops.append("byte " + _signed(value, 8))
        elif kind == "Sw":
            ops.append(SREG[reg & 3])
        elif kind in ("M", "Mp", "Ma", "Mf"):
            if mem is None:
                ops.append(("far " if kind == "Mf" else "") + REG16[rm])
            else:
                ops.append("far " + mem if kind == "Mf" else mem)
        elif kind == "Ob" or kind == "Ow":
            ops.append(("[" if seg is None else "[" + seg + ":") + _hex(value) + "]")
            has_memory = True
        elif kind == "Ap":
            ops.append(_hex(value[1]) + ":" + _hex(value[0]))
        elif kind == "Ibb":
            ops.append("byte " + _hex(value))
        elif kind == "Iww":
            ops.append("word " + _hex(value))
        elif kind == "Ia":
            if value != 10:
                ops.append(_hex(value))
        else:
            ops.append(kind)
    if ops:
        return form.mnemonic + " " + ",".join(ops), has_memory
    return form.mnemonic, has_memory


def _decode_fpu(opcode, modrm, reg, rm, mem):
    if mem is not None:
        form = _FPU_MEM[opcode - 0xD8][reg]
        if form is not None:
            return form[0] + " " + form[1] + mem, True
        operand = mem
    else:
        text = _FPU_REG.get((opcode, modrm))
        if text is not None:
            return text, False
        operand = REG16[rm]
    return "esc 0x%02x,%s" % ((opcode & 7) << 3 | reg, operand), mem is not None


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
