"""One opcode map: the interpreter, the translating tier and the disassembler agree with it.

pcemu.cpu.opcodes describes every opcode and ModRM form of both models. For
every opcode, with every ModRM byte where it takes one (and a run of
prefixes before a sample of instructions), this runs the instruction:

* through the interpreter, on memory that records which bytes are read and
  written: the code bytes it fetches must be exactly the map's length; the
  memory operand it touches must be as wide as the map's r/m operand form
  says (1 byte for Eb, 2 for Ew, 4 for a far pointer, none for LEA); on the
  80186 it must raise the unused-opcode exception (INT 6, return address
  at the opcode) exactly where the map has no form;
* through the translating tier's decoder: a translated instruction has the
  map's length, and an undefined one is never translated;
* through the disassembler: the map's length and mnemonic.

The text the disassembler prints is refereed by ndisasm in test_disasm.py.
"""
import pytest

from pcemu.bus import IoPorts, Memory
from pcemu.cpu import CPU, opcodes
from pcemu.cpu.disasm import disassemble
from pcemu.cpu.translate import Decoder

CODE_SEG = 0x1000
CODE_IP = 0x4000       # away from CS:[small displacements]
CODE = (CODE_SEG << 4) + CODE_IP
DATA_SEG = 0x2000      # DS and ES
STACK_SEG = 0x3000     # SS
UD_SEG, UD_IP = 0x6000, 0x0006    # INT 6 handler
OTHER_SEG = 0x5000                # every other vector
TAIL = bytes((0x02, 0x01, 0x03, 0x04, 0x05, 0x06))    # displacement / immediate bytes after ModRM
PORTS = IoPorts()


class RecordingRAM(bytearray):
    """1 MiB of RAM that notes the addresses of single-byte reads and writes."""

    def __init__(self, size):
        bytearray.__init__(self, size)
        self.reads = set()
        self.writes = set()

    def __getitem__(self, i):
        if type(i) is int:
            self.reads.add(i)
        return bytearray.__getitem__(self, i)

    def __setitem__(self, i, v):
        if type(i) is int:
            self.writes.add(i)
        bytearray.__setitem__(self, i, v)


@pytest.fixture(scope="module")
def memory():
    mem = Memory()
    ram = RecordingRAM(len(mem.data))
    mem.data = ram
    for v in range(256):
        seg, off = (UD_SEG, UD_IP) if v == 6 else (OTHER_SEG, 0)
        ram[v * 4:v * 4 + 4] = bytes((off & 0xFF, off >> 8, seg & 0xFF, seg >> 8))
    return mem


def run_interpreter(mem, model, code):
    """Step ``code`` once; returns (code bytes fetched, other addresses touched, raised INT 6)."""
    ram = mem.data
    ram[CODE:CODE + 32] = bytes(32)
    ram[CODE:CODE + len(code)] = code
    cpu = CPU(mem, PORTS, model=model)
    cpu.data = ram
    cpu.regs[:] = [0, 1, 0, 0, 0x8000, 0, 0, 0]   # CX=1: one REP iteration, LOOP falls through
    cpu.sregs[:] = [DATA_SEG, CODE_SEG, STACK_SEG, DATA_SEG]
    cpu.ip = CODE_IP
    cpu.set_flags(0)
    ram.reads.clear()
    ram.writes.clear()
    cpu.step()
    touched = ram.reads | ram.writes
    fetched = sorted(a - CODE for a in touched if CODE <= a < CODE + 32)
    stack = (STACK_SEG << 4) + 0x8000
    int6 = (cpu.sregs[1], cpu.ip) == (UD_SEG, UD_IP) and ram[stack - 6:stack - 4] == CODE_IP.to_bytes(2, "little")
    return fetched, touched, int6


def memory_operand(inst):
    """Linear address and width of the map's memory operand, or None (registers only)."""
    if inst.modrm is None or inst.mod == 3:
        return None
    kinds = [k for k in inst.form.operands if k in opcodes.MEMORY_BYTES]
    if not kinds:
        return None   # ESC: the 8087's business
    off = (inst.disp or 0) & 0xFFFF     # every base and index register is 0
    seg = inst.segment
    if seg is None:
        bp_based = inst.rm in (2, 3) or (inst.rm == 6 and inst.mod != 0)
        seg = 2 if bp_based else 3
    base = (STACK_SEG if seg == 2 else CODE_SEG if seg == 1 else DATA_SEG) << 4
    return base + off, opcodes.MEMORY_BYTES[kinds[0]]


def cases(model):
    is186 = model == "80186"
    table = opcodes.TABLE[is186]
    for op in range(256):
        if op in opcodes.PREFIXES[is186]:
            continue
        form = table[op]
        if form is not None and form.modrm:
            for modrm in range(256):
                yield bytes((op, modrm)) + TAIL
        else:
            yield bytes((op,)) + TAIL
    # prefixes (the last segment override and REP form win), before a sample of instructions
    bodies = [b"\x8b\x47\x02", b"\x01\x06\x02\x01", b"\xa4", b"\xa7", b"\xac", b"\xff\x1e\x02\x01",
              b"\xc4\x46\x02", b"\xf6\x06\x02\x01\x03", b"\xd8\x06\x02\x01", b"\x90", b"\x40"]
    for prefix in (b"\x26", b"\x2e", b"\x36", b"\x3e", b"\xf0", b"\xf3", b"\x26\x36", b"\xf3\x2e",
                   b"\x3e\xf2\xf0", b"\xf1"):
        if is186 and b"\xf1" in prefix:
            continue
        for body in bodies:
            yield prefix + body + TAIL


def disagreements(model, memory, limit=20, opcode=None):
    is186 = model == "80186"
    out = []
    translated = 0
    for code in cases(model):
        if opcode is not None and code[0] != opcode:
            continue
        inst = opcodes.decode(code, is186)
        where = "%s %s" % (model, code[:8].hex())
        fetched, touched, int6 = run_interpreter(memory, model, code)
        if inst is None:
            if not int6:
                out.append("%s: the map has no such form; the interpreter ran it (fetched %d bytes)"
                           % (where, len(fetched)))
        else:
            if int6:
                out.append("%s: the map has %s; the interpreter raised INT 6" % (where, inst.form))
            elif fetched != list(range(inst.length)):
                out.append("%s: the map says %d bytes; the interpreter fetched %s" % (where, inst.length, fetched))
            operand = memory_operand(inst)
            if operand is not None and not int6:
                lin, width = operand
                near = sorted(a - lin for a in touched if lin - 4 <= a < lin + 8)
                if near != list(range(width)):
                    out.append("%s: the map's %s operand covers %d bytes; the interpreter touched %s"
                               % (where, inst.form.operands, width, near))
        node = Decoder(memory, is186).decode(CODE_SEG, CODE_IP, (), 0)
        if node.ctl != "exit":
            translated += 1
            if inst is None:
                out.append("%s: the map has no such form; the translating tier translated it" % where)
            elif node.length != inst.length:
                out.append("%s: the map says %d bytes; the translating tier read %d"
                           % (where, inst.length, node.length))
        length, text = disassemble(code, CODE_IP, model)
        if inst is None:
            if length != 1 or not text.startswith("db "):
                out.append("%s: the map has no such form; the disassembler printed %r" % (where, text))
        else:
            words = text.split()
            while words and words[0] in ("es", "cs", "ss", "ds", "lock", "rep", "repe", "repne"):
                words.pop(0)
            if length != inst.length or (not inst.form.fpu and words[0] != inst.form.mnemonic.split()[0]):
                out.append("%s: the map has %s, %d bytes; the disassembler printed %r, %d bytes"
                           % (where, inst.form, inst.length, text, length))
        if len(out) >= limit:
            break
    return out, translated


@pytest.mark.parametrize("model", ["8086", "80186"])
def test_interpreter_translator_and_disassembler_agree_with_the_opcode_map(model, memory):
    out, translated = disagreements(model, memory)
    assert not out, "\n".join(out)
    assert translated > 5000   # the tier's decoder really was compared


def test_a_disagreement_is_found(memory):
    """The test above fails when the map and the interpreter differ: make the map
    say FE /2 takes a byte operand, as the disassembler printed it before the map."""
    table = opcodes.TABLE[False]
    saved = table[0xFE]
    table[0xFE] = opcodes.Form(None, group=list(saved.group))
    table[0xFE].group[2] = opcodes.Form("call", ("Eb",))
    try:
        out, _ = disagreements("8086", memory, limit=1000, opcode=0xFE)
    finally:
        table[0xFE] = saved
    assert len(out) == 24   # FE /2 with each memory ModRM byte (mod 0-2, r/m 0-7)
    assert any("covers 1 bytes; the interpreter touched [0, 1]" in line for line in out)


def test_handlers_are_named_from_the_map():
    from pcemu.cpu import ops

    assert ops.TABLE_8086[0x01].__name__ == "op_00_3d_alu"
    assert ops.TABLE_8086[0xC4].__name__ == "op_c4_les_gw_mp"
    assert ops.TABLE_80186[0x40 + 4].__name__ == "op_40_47_inc_r16"
    assert ops.TABLE_8086[0xB4].__name__ == "op_b0_b7_mov_r8_ib"
    assert ops.TABLE_8086[0x0F].__name__ == "op_0f_pop_cs"
    assert ops.TABLE_80186[0x6D].__name__ == "op_6d_insw"


def test_the_alu_forms_are_one_handler():
    """ADD OR ADC SBB AND SUB XOR CMP in their six forms (00-3D but x6, x7) are one handler
    that takes the operation and form from the opcode byte (one compiled path under PyPy
    for what were 48, and one leaf of the dispatch tree: see test_dispatch)."""
    from pcemu.cpu import ops

    for table in (ops.TABLE_8086, ops.TABLE_80186):
        alu = {table[op] for op in range(0x40) if op & 7 < 6}
        assert len(alu) == 1
        assert all(table[op] not in alu for op in range(0x40, 0x100))
        assert all(table[op] not in alu for op in range(0x40) if op & 7 >= 6)


def test_each_row_of_register_forms_is_one_handler():
    """INC/DEC/PUSH/POP r16, XCHG AX,r16 and MOV r8/r16,imm take the register from the
    opcode: one handler (one compiled path under PyPy) per row of eight."""
    from pcemu.cpu import ops

    for table in (ops.TABLE_8086, ops.TABLE_80186):
        for first, last in ((0x40, 0x47), (0x48, 0x4F), (0x50, 0x57), (0x58, 0x5F), (0x91, 0x97),
                            (0xB0, 0xB7), (0xB8, 0xBF)):
            assert len({table[op] for op in range(first, last + 1)}) == 1, hex(first)


def test_generated_handlers_show_their_source():
    """Specialised handlers are compiled from source that tracebacks and a dump show."""
    import pathlib
    import subprocess
    import sys
    import traceback

    from pcemu.cpu import ops

    class NotACpu(object):
        pass

    try:
        ops.TABLE_8086[0xC4](NotACpu())
    except AttributeError:
        text = traceback.format_exc()
    assert 'File "<pcemu.cpu.ops.generated>"' in text and "in op_c4_les_gw_mp" in text
    assert "m = fetch8(cpu)" in text   # the line itself, from linecache
    root = pathlib.Path(__file__).resolve().parents[2]
    dump = subprocess.run([sys.executable, "-m", "pcemu.cpu.ops.generate"], cwd=str(root),
                          stdout=subprocess.PIPE, check=True).stdout.decode()
    assert "def op_c4_les_gw_mp(cpu):" in dump and "def op_f3_rep(cpu):" in dump
    compile(dump, "dump", "exec")   # the dump is the whole, valid source


def test_the_translating_tier_checks_its_reading_against_the_map(memory):
    """If the tier's code for an instruction read other bytes than the map has, decoding stops
    with DecoderMismatch instead of translating it wrong: make the map say 04 (ADD AL,imm)
    takes a word."""
    from pcemu.cpu.translate import DecoderMismatch

    table = opcodes.TABLE[True]
    saved = table[0x04]
    table[0x04] = opcodes.Form("add", ("al", "Iw"))
    memory.data[CODE:CODE + 4] = b"\x04\x01\x02\x03"
    try:
        with pytest.raises(DecoderMismatch, match="read 2 bytes at 1000:4000 where the opcode map has 3"):
            Decoder(memory, True).decode(CODE_SEG, CODE_IP, (), 0)
    finally:
        table[0x04] = saved
    assert Decoder(memory, True).decode(CODE_SEG, CODE_IP, (), 0).length == 2


@pytest.mark.parametrize("model", ["8086", "80186"])
def test_group_members_run_the_operations_the_map_names(model):
    """The interpreter's per-reg dispatch tables hold, in order, the operations the map
    names for each ModRM reg value (lengths and widths are checked by running above)."""
    from pcemu.cpu.ops import alu, groups, muldiv, shifts

    table = opcodes.TABLE[model == "80186"]

    def names(op):
        return [None if f is None else f.mnemonic + ("_far" if "Mf" in f.operands else "")
                for f in table[op].group]

    # group 1: ALU operation number k (alu.alu_any) does what the map names for reg = k
    assert names(0x80) == names(0x81) == names(0x83)
    meaning = {"add": lambda a, b, c: a + b, "or": lambda a, b, c: a | b, "adc": lambda a, b, c: a + b + c,
               "sbb": lambda a, b, c: a - b - c, "and": lambda a, b, c: a & b, "sub": lambda a, b, c: a - b,
               "xor": lambda a, b, c: a ^ b, "cmp": lambda a, b, c: a - b}
    cpu = CPU(Memory(), PORTS, model=model)
    for k, name in enumerate(names(0x80)):
        assert alu.ALU_WRITES[k] == (name != "cmp"), name
        for a, b, c in ((0x1234, 0x0F0F, 0), (0x1234, 0x0F0F, 1), (0xFFFF, 1, 1), (0, 0xFFFF, 1)):
            cpu.set_flags(c)
            assert alu.alu_any(cpu, k, a, b, 0xFFFF) == meaning[name](a, b, c) & 0xFFFF, (name, a, b, c)
    shift_names = [f.__name__[3:] for f in shifts.SHIFTS]
    shift_names[6] = "shl" if model == "80186" else "setmo"   # sh_setmo runs SHL on the 80186
    assert names(0xD0) == names(0xD3) == shift_names
    assert names(0xF6) == [f.__name__[3:-1] for f in muldiv.GRP3_8]
    assert names(0xF7) == [f.__name__[3:-2] for f in muldiv.GRP3_16]
    ff = [f.__name__[3:] for f in groups.GRP5]
    ff[7] = None if model == "80186" else "push"   # g5_push_alias: INT 6 on the 80186
    assert names(0xFF) == ff
