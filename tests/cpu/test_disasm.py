"""Tests for pcemu.cpu.disasm, the 8086/80186 NASM-syntax disassembler.

Referee: ndisasm (from nasm), run once over a big buffer per batch.  Every
test case is placed at its own offset and followed by NOP padding, so a
length disagreement shows up as a missing or mismatched line instead of
silently desynchronising the rest.  Forms where ndisasm (which knows the 286
and later) disagrees by design -- 8086 aliases, opcodes the 80186 leaves
undefined, 287/387 escapes, WAIT -- are checked against hand-written
expectations taken from the Intel 8086/80186 documentation instead.
"""
import pathlib
import random
import shutil
import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st

from pcemu.cpu.disasm import disassemble, disassemble_at, format_trace_line, main

NDISASM = shutil.which("ndisasm")
needs_ndisasm = pytest.mark.tools("ndisasm")

PREFIX_BYTES = {0x26, 0x2E, 0x36, 0x3E, 0xF0, 0xF2, 0xF3}
PAD = b"\x90" * 8


def run_ndisasm(buf, origin=0):
    """Run ndisasm once over ``buf``; return {offset: (length, text)}."""
    out = subprocess.run([NDISASM, "-b", "16", "-o", str(origin), "-"], input=bytes(buf),
                         stdout=subprocess.PIPE, check=True).stdout.decode()
    lines = {}
    last = None
    for line in out.splitlines():
        if line.startswith(" "):  # continuation line of a long instruction's hex bytes
            lines[last][0] += line.strip().lstrip("-")
            continue
        fields = line.split(None, 2)
        last = int(fields[0], 16)
        lines[last] = [fields[1], fields[2]]
    return {off: (len(hexbytes) // 2, text) for off, (hexbytes, text) in lines.items()}


def normalize(text):
    """Trivial formatting differences only: ndisasm pads with trailing blanks."""
    return text.strip()


# ndisasm's names for escape encodings the 8087 does not have (287, 387,
# undocumented aliases): there we print Intel's "esc" form instead.
NOT_8087 = ("fsetpm", "fucom", "fcmov", "fcomi", "ffreep", "fisttp", "fsin", "fcos",
            "fprem1", "fnstsw ax", "fstp1", "db ")


PREFIX_WORDS = ("es", "cs", "ss", "ds", "lock", "rep", "repe", "repne")


def agrees(ours, theirs):
    """Our (length, text) matches ndisasm's, or ours is an escape that ndisasm
    names post-8087 (or, after a prefix, shows as a lone prefix then db)."""
    if ours == (theirs[0], normalize(theirs[1])):
        return True
    words = theirs[1].split()
    while words and words[0] in PREFIX_WORDS:
        words.pop(0)
    return "esc " in ours[1] and (not words or " ".join(words).startswith(NOT_8087))


def compare_buffer(buf, model, origin=0, offsets=None):
    """Compare every instruction ndisasm finds in ``buf`` (or those at ``offsets``).

    ndisasm drives: each of its instruction starts is disassembled by us at the
    same offset, so one disagreement cannot desynchronise the rest.  Forms
    that differ_by_design are skipped.  Returns the number compared.
    """
    theirs = run_ndisasm(buf, origin)
    if offsets is None:
        offsets = sorted(off for off in theirs if off - origin <= len(buf) - 16)
    mismatches = []
    compared = 0
    for off in offsets:
        code = bytes(buf[off - origin:off - origin + 16])
        if differs_by_design(model, code):
            continue
        compared += 1
        ours = disassemble(code, off & 0xFFFF, model)
        if off not in theirs or not agrees(ours, theirs[off]):
            mismatches.append("%s at 0x%x: ours %r, ndisasm %r" % (code[:ours[0]].hex(), off, ours,
                                                                 theirs.get(off)))
    assert not mismatches, "%d mismatches, e.g.:\n%s" % (len(mismatches), "\n".join(mismatches[:25]))
    return compared


def compare_cases(cases, model, origin=0):
    """Lay the cases out one after another, each followed by NOP padding, and compare them."""
    buf = bytearray()
    offsets = []
    for code in cases:
        offsets.append(origin + len(buf))
        buf += code + PAD
    buf += PAD
    return compare_buffer(buf, model, origin, offsets)


# ---------------------------------------------------------------- case generation

def takes_modrm(op):
    return (op < 0x40 and op & 7 < 4) or op in (0x62, 0x69, 0x6B, 0xC0, 0xC1, 0xC4, 0xC5,
                                                0xC6, 0xC7, 0xF6, 0xF7, 0xFE, 0xFF) \
        or 0x80 <= op <= 0x8F or 0xD0 <= op <= 0xD3 or 0xD8 <= op <= 0xDF


def differs_by_design(model, code):
    """Forms where ndisasm's later-CPU view and ours legitimately differ.

    These get hand-written expectations in the tables below.
    """
    pos = 0
    rep = False
    while code[pos] in PREFIX_BYTES:
        rep = rep or code[pos] in (0xF2, 0xF3)
        pos += 1
    op = code[pos]
    modrm = code[pos + 1]
    reg, mod = (modrm >> 3) & 7, modrm >> 6
    if rep and op not in STRING_OPS + STRING_OPS_186:
        return True  # ndisasm: pause, bnd, xacquire/xrelease
    if op in (0x0F, 0x82, 0x9B, 0xD6, 0xF1) or 0x63 <= op <= 0x67:
        return True
    if op in (0x8C, 0x8E) and reg >= 4:
        return True
    if (op in (0xF6, 0xF7) and reg == 1) or ((0xD0 <= op <= 0xD3 or op in (0xC0, 0xC1)) and reg == 6):
        return True  # ndisasm: undefined; the CPU runs TEST, SETMO/SHL (hand-written cases)
    if op in (0xC6, 0xC7) and reg != 0:  # ndisasm: xabort/xbegin (TSX)
        return True
    if op in (0x62, 0xC4, 0xC5) and mod == 3:  # ndisasm: EVEX/VEX prefixes
        return True
    if model == "8086":
        return (0x60 <= op <= 0x6F or op in (0xC0, 0xC1, 0xC8, 0xC9)
                or (op == 0x8F and reg != 0)
                or (op == 0xFE and reg >= 2) or (op == 0xFF and reg == 7)
                or (mod == 3 and (op == 0x8D or (op == 0xFF and reg in (3, 5)))))
    return False


def opcode_cases(model):
    """Every one-byte opcode; ModRM opcodes with every ModRM byte; varied trailing bytes."""
    rng = random.Random(8086)
    cases = []
    tails = [b"\x00\x00\x00\x00", b"\xff\xff\xff\xff", b"\x80\x7f\x01\x80", b"\x0a\x00\x10\x00"]
    for op in range(256):
        if op in PREFIX_BYTES:
            continue
        if takes_modrm(op):
            for modrm in range(256):
                tail = bytes(rng.randrange(256) for _ in range(4))
                cases.append(bytes((op, modrm)) + tail)
        else:
            for tail in tails + [bytes(rng.randrange(256) for _ in range(4))]:
                cases.append(bytes((op,)) + tail)
    return [c for c in cases if not differs_by_design(model, c)]


STRING_OPS = [0xA4, 0xA5, 0xA6, 0xA7, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF]
STRING_OPS_186 = [0x6C, 0x6D, 0x6E, 0x6F]


def prefix_cases(model):
    strings = STRING_OPS + (STRING_OPS_186 if model == "80186" else [])
    memory_ops = [b"\x8b\x07", b"\x89\x46\x02", b"\x8b\x06\x34\x12", b"\xa1\x34\x12",
                  b"\xa2\xff\xff", b"\xff\x18", b"\xff\x27", b"\xc4\x07", b"\x8e\x5e\xfe",
                  b"\xc6\x47\x80\x12", b"\xf7\x2f", b"\xd1\x26\x00\x80", b"\xdd\x3e\x10\x00"]
    plain_ops = [b"\x40", b"\x89\xc0", b"\xd7", b"\x90", b"\xcd\x21"]
    cases = []
    for seg in (0x26, 0x2E, 0x36, 0x3E):
        for body in [bytes((s,)) for s in strings] + memory_ops + plain_ops:
            cases.append(bytes((seg,)) + body)
        cases.append(bytes((seg, seg ^ 0x08)) + b"\x8b\x07")  # two overrides: the last wins
    for rep in (0xF2, 0xF3):
        for s in strings:
            cases.append(bytes((rep, s)))
            cases.append(bytes((0x26, rep, s)))
            cases.append(bytes((rep, 0x2E, s)))
        cases.append(bytes((rep, 0x40)))
        cases.append(bytes((0xF3 + 0xF2 - rep, rep, 0xA4)))  # two rep prefixes: the last wins
    for body in (b"\x01\x07", b"\x86\x07", b"\xfe\x07", b"\xf7\x17", b"\x40", b"\x89\xc0"):
        cases.append(b"\xf0" + body)
        cases.append(b"\xf0\x26" + body)
        cases.append(b"\x26\xf0" + body)
    cases.append(b"\xf0\xf3\xa4")
    cases.append(b"\x26\xf3\xf0\xa4")
    return cases


BRANCHES = [b"\xeb", b"\xe0", b"\xe1", b"\xe2", b"\xe3"] + [bytes((op,)) for op in range(0x70, 0x80)]
NEAR_BRANCHES = [b"\xe8", b"\xe9"]


def branch_cases():
    cases = []
    for op in BRANCHES:
        for disp in (0x00, 0x01, 0x7F, 0x80, 0xFD, 0xFE, 0xFF):
            cases.append(op + bytes((disp,)))
    for op in NEAR_BRANCHES:
        for disp in (0x0000, 0x0001, 0x7FFF, 0x8000, 0xFFFB, 0xFFFD, 0xFFFF):
            cases.append(op + disp.to_bytes(2, "little"))
    return cases


# ---------------------------------------------------------------- referee tests

@needs_ndisasm
@pytest.mark.parametrize("model", ["80186", "8086"])
def test_every_opcode_and_modrm_matches_ndisasm(model):
    count = compare_cases(opcode_cases(model), model)
    assert count > 15000


@needs_ndisasm
@pytest.mark.parametrize("model", ["80186", "8086"])
def test_prefixes_match_ndisasm(model):
    compare_cases(prefix_cases(model), model)


@needs_ndisasm
@pytest.mark.parametrize("origin", [0x0000, 0x0010, 0x7F00, 0xFF00, 0xFFC0])
def test_relative_branch_targets_match_ndisasm(origin):
    # ndisasm keeps counting past 0xFFFF but wraps targets at 64K, as the CPU does.
    compare_cases(branch_cases(), "80186", origin)


# ---------------------------------------------------------------- hand-written expectations

# From the Intel 8086 Family User's Manual / iAPX 86,88 datasheet and the
# documented undocumented behaviour of the 8086 (see the module docstring for
# the mnemonics chosen for the undocumented forms).
HAND_8086 = [
    ("0f", 1, "pop cs"),
    ("6000", 2, "jo 0x2"),
    ("64fe", 2, "jz 0x0"),
    ("6f10", 2, "jg 0x12"),
    ("c00400", 3, "ret 0x4"),
    ("c1", 1, "ret"),
    ("c8ffff", 3, "retf 0xffff"),
    ("c9", 1, "retf"),
    ("d6", 1, "salc"),
    ("820012", 3, "add byte [bx+si],0x12"),
    ("82f8ff", 3, "cmp al,0xff"),
    ("f60812", 3, "test byte [bx+si],0x12"),
    ("f7c83412", 4, "test ax,0x1234"),
    ("d0f0", 2, "setmo al,1"),
    ("d137", 2, "setmo word [bx],1"),
    ("d2f1", 2, "setmo cl,cl"),
    ("d3360001", 4, "setmo word [0x100],cl"),
    ("8f08", 2, "pop word [bx+si]"),
    ("8ff9", 2, "pop cx"),
    # FE /2-7: the CPU runs the FF forms, word operands
    ("fe17", 2, "call [bx]"),
    ("fe1f", 2, "call far [bx]"),
    ("fee0", 2, "jmp ax"),
    ("fe2f", 2, "jmp far [bx]"),
    ("fe37", 2, "push word [bx]"),
    ("fe3f", 2, "push word [bx]"),
    ("ff3f", 2, "push word [bx]"),
    ("fff8", 2, "push ax"),
    ("ffd8", 2, "call far ax"),
    ("ffeb", 2, "jmp far bx"),
    ("8dc3", 2, "lea ax,bx"),
    ("c4c3", 2, "les ax,bx"),
    ("c5d1", 2, "lds dx,cx"),
    ("8ce0", 2, "mov ax,es"),
    ("8cf9", 2, "mov cx,ds"),
    ("8ee8", 2, "mov cs,ax"),
    ("c6081234", 3, "mov byte [bx+si],0x12"),
    ("c7f83412", 4, "mov ax,0x1234"),
    ("f1a4", 2, "lock movsb"),
    ("f1f3a5", 3, "rep lock movsw"),
    ("9b", 1, "wait"),
    ("9bd9e0", 1, "wait"),
]

# 80186: the 8086 aliases are gone; undefined opcodes and forms (unused-opcode
# trap) are single "db" bytes.
HAND_80186 = [
    ("0f", 1, "db 0x0f"),
    ("0f0b", 1, "db 0x0f"),
    ("63c0", 1, "db 0x63"),
    ("64", 1, "db 0x64"),
    ("65", 1, "db 0x65"),
    ("6690", 1, "db 0x66"),
    ("67", 1, "db 0x67"),
    ("d6", 1, "salc"),
    ("f1", 1, "db 0xf1"),
    ("820012", 3, "add byte [bx+si],0x12"),
    ("82f8ff", 3, "cmp al,0xff"),
    # forms the CPU model runs on the 80186 as on the 8086 (no INT 6):
    # 8C/8E take the low two bits of the segment field, F6/F7 /1 is TEST,
    # /6 of the shift groups is SHL (SETMO on the 8086)
    ("8ce0", 2, "mov ax,es"),
    ("8e38", 2, "mov ds,[bx+si]"),
    ("f60812", 3, "test byte [bx+si],0x12"),
    ("f7c83412", 4, "test ax,0x1234"),
    ("d0f0", 2, "shl al,1"),
    ("c136000101", 5, "shl word [0x100],byte 0x1"),
    ("c60812", 1, "db 0xc6"),
    ("c7c83412", 1, "db 0xc7"),
    ("9b", 1, "wait"),
    ("9bd9e0", 1, "wait"),
    ("26f1", 1, "es"),
    ("f30f", 1, "rep"),
]

# 8087 escapes ndisasm names with 287/387 mnemonics: we print Intel's ESC form.
HAND_ESC = [
    ("dbe4", 2, "esc 0x1c,sp"),   # fsetpm is an 80287 instruction
    ("dae9", 2, "esc 0x15,cx"),   # fucompp is 80387
    ("dfe0", 2, "esc 0x3c,ax"),   # fnstsw ax is 80287
    ("d908", 2, "esc 0x09,[bx+si]"),
    ("26dd0e3412", 5, "esc 0x29,[es:0x1234]"),
    ("d9d8", 2, "esc 0x0b,ax"),
]


@pytest.mark.parametrize("hexcode,length,text", HAND_8086)
def test_8086_forms(hexcode, length, text):
    assert disassemble(bytes.fromhex(hexcode) + PAD, 0, "8086") == (length, text)


@pytest.mark.parametrize("hexcode,length,text", HAND_80186)
def test_80186_forms(hexcode, length, text):
    assert disassemble(bytes.fromhex(hexcode) + PAD, 0, "80186") == (length, text)


@pytest.mark.parametrize("hexcode,length,text", HAND_ESC)
@pytest.mark.parametrize("model", ["8086", "80186"])
def test_escape_forms(model, hexcode, length, text):
    assert disassemble(bytes.fromhex(hexcode) + PAD, 0, model) == (length, text)


# Spot checks copied from ndisasm's output so they run even without nasm.
HAND_COMMON = [
    ("8b4012", 0, 3, "mov ax,[bx+si+0x12]"),
    ("26ac", 0, 2, "es lodsb"),
    ("268b07", 0, 3, "mov ax,[es:bx]"),
    ("f3a6", 0, 2, "repe cmpsb"),
    ("ea5be000f0", 0, 5, "jmp 0xf000:0xe05b"),
    ("e2fd", 0, 2, "loop 0xffff"),
    ("ebfe", 0x12, 2, "jmp short 0x12"),
    ("83c0ff", 0, 3, "add ax,byte -0x1"),
    ("8b8600f0", 0, 4, "mov ax,[bp-0x1000]"),
    ("dcf9", 0, 2, "fdiv to st1"),
]


@pytest.mark.parametrize("hexcode,ip,length,text", HAND_COMMON)
@pytest.mark.parametrize("model", ["8086", "80186"])
def test_common_forms_without_ndisasm(model, hexcode, ip, length, text):
    assert disassemble(bytes.fromhex(hexcode) + PAD, ip, model) == (length, text)


# ---------------------------------------------------------------- coverage and API

UNDEFINED_80186 = {0x0F, 0x63, 0x64, 0x65, 0x66, 0x67, 0xF1}
UNDEFINED_80186_GROUPS = {  # opcode -> ModRM reg values that are undefined
    0x8F: {1, 2, 3, 4, 5, 6, 7},
    0xC6: {1, 2, 3, 4, 5, 6, 7}, 0xC7: {1, 2, 3, 4, 5, 6, 7},
    0xFE: {2, 3, 4, 5, 6, 7}, 0xFF: {7},
}
MEMORY_ONLY_80186 = {0x62: None, 0x8D: None, 0xC4: None, 0xC5: None, 0xFF: {3, 5}}


@pytest.mark.parametrize("model", ["8086", "80186"])
def test_every_opcode_and_group_form_is_reachable(model):
    """All 256 opcodes x ModRM reg (memory and register forms): exactly the
    80186's undefined ones decode as db; everything else gets a mnemonic."""
    for op in range(256):
        for reg in range(8):
            for mod in (0, 3):
                code = bytes((op, mod << 6 | reg << 3 | 1)) + PAD
                length, text = disassemble(code, 0, model)
                undefined = model == "80186" and (
                    op in UNDEFINED_80186
                    or reg in UNDEFINED_80186_GROUPS.get(op, ())
                    or (mod == 3 and op in MEMORY_ONLY_80186
                        and (MEMORY_ONLY_80186[op] is None or reg in MEMORY_ONLY_80186[op])))
                where = "%s %02x /%d mod=%d: %r" % (model, op, reg, mod, text)
                if undefined:
                    assert (length, text) == (1, "db 0x%02x" % op), where
                else:
                    assert not text.startswith("db"), where
                    assert text.split()[0].isalnum() and length >= 1, where


def test_truncated_instruction_is_a_db_byte():
    assert disassemble(b"\xb8\x34") == (1, "db 0xb8")
    assert disassemble(b"\x26") == (1, "es")
    assert disassemble(b"\x26\x8b\x87\x34") == (1, "es")


def test_bad_model_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown CPU model"):
        disassemble(b"\x90", 0, "8080")


def test_disassemble_at_wraps_ip_and_linear_address():
    memory = bytearray(1 << 20)
    # jmp 0xf000:0xe05b at the reset vector, read through read_byte
    memory[0xFFFF0:0xFFFF5] = bytes.fromhex("ea5be000f0")
    assert disassemble_at(memory.__getitem__, 0xF000, 0xFFF0) == (5, "jmp 0xf000:0xe05b")
    # mov ax,0x1234 split across the 64K offset wrap: bytes at 1000:FFFF, 1000:0000, 1000:0001
    memory[0x1FFFF] = 0xB8
    memory[0x10000:0x10002] = b"\x34\x12"
    assert disassemble_at(memory.__getitem__, 0x1000, 0xFFFF) == (3, "mov ax,0x1234")
    # linear wrap at 1 MiB: FFFF:0010 is linear 0x00000
    memory[0:2] = b"\xeb\xfe"
    assert disassemble_at(memory.__getitem__, 0xFFFF, 0x0010, "8086") == (2, "jmp short 0x10")


def test_format_trace_line():
    line = format_trace_line(0xF000, 0xE05B, bytes.fromhex("ea5be000f0"), "jmp 0xf000:0xe05b")
    assert line == "F000:E05B  EA5BE000F0      jmp 0xf000:0xe05b"
    assert format_trace_line(0, 0x7C00, b"\x90", "nop") == "0000:7C00  90              nop"


def test_cli(tmp_path, capsys):
    path = tmp_path / "boot.bin"
    path.write_bytes(bytes.fromhex("ebfe0f"))
    assert main([str(path), "--org", "0x7c00", "--model", "8086"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split(None, 2) == ["00007C00", "EBFE", "jmp short 0x7c00"]
    assert out[1].split(None, 2) == ["00007C02", "0F", "pop cs"]


def test_cli_bad_input_is_one_line(tmp_path):
    missing = tmp_path / "nope.bin"
    root = pathlib.Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-m", "pcemu.cpu.disasm", str(missing)], cwd=str(root),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.returncode != 0
    err = proc.stderr.decode().strip()
    assert "cannot read" in err and "Traceback" not in err and len(err.splitlines()) == 1


# ---------------------------------------------------------------- whole streams

@needs_ndisasm
@pytest.mark.parametrize("model", ["80186", "8086"])
def test_random_byte_stream_matches_ndisasm(model):
    """64 KiB of random bytes: every instruction boundary ndisasm finds, we decode alike."""
    rng = random.Random(0x186)
    buf = bytes(rng.randrange(256) for _ in range(0x10000))
    assert compare_buffer(buf, model, origin=0x100) > 10000


@needs_ndisasm
def test_freedos_image_matches_ndisasm():
    """Real code and data: the boot sector, FATs, directory and first files of a FreeDOS floppy."""
    from conftest import image_path

    data = image_path("freedos-minimal-1440k.img").read_bytes()[:0x20000]
    assert compare_buffer(data[:512], "80186", origin=0x7C00) > 100
    assert compare_buffer(data, "80186") > 20000


@settings(max_examples=300, deadline=None)
@given(code=st.binary(min_size=1, max_size=20), ip=st.integers(0, 0xFFFF),
       model=st.sampled_from(["8086", "80186"]))
def test_any_bytes_decode_without_error(code, ip, model):
    length, text = disassemble(code, ip, model)
    assert 1 <= length <= len(code)
    assert text and text == text.lower()
    # the same bytes fetched through memory at cs:ip give the same instruction
    memory = {}
    cs = 0xF800
    for i, b in enumerate(code):
        memory[((cs << 4) + ((ip + i) & 0xFFFF)) & 0xFFFFF] = b
    assert disassemble_at(lambda a: memory.get(a, 0), cs, ip, model) == disassemble(code + bytes(16), ip, model)


def test_disassemble_at_reads_only_the_instruction():
    reads = []
    code = bytes.fromhex("268b873412")  # mov ax,[es:bx+0x1234]

    def read_byte(addr):
        reads.append(addr)
        return code[addr - 0x500] if 0x500 <= addr < 0x505 else 0xCC

    assert disassemble_at(read_byte, 0x0050, 0x0000) == (5, "mov ax,[es:bx+0x1234]")
    assert sorted(set(reads)) == list(range(0x500, 0x505))
