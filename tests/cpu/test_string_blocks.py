"""REP string instructions moved as bytearray slices must do exactly what the element loop does.

Every case runs twice from the same state: once as the CPU runs it (slice paths on) and once with
the slice paths refused (so the element-by-element loop, which the real-chip tests check, does
all of it). After every step - one REP chunk, or an interrupt - registers, flags, instruction
count, all of memory and every access to a memory-mapped page must be the same.
"""
import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pcemu.bus import IoPorts, Memory, MMIO, ROM
from pcemu.cpu import CPU
from pcemu.cpu.ops import generated, strings
from pcemu.devices.ata import AtaChannel
from pcemu.disk import DiskImage

BLOCK_PATHS = ("_block_move", "_block_fill", "_block_load", "_block_scan", "_block_compare",
               "_block_in", "_block_out")
OPCODES = {"movsb": 0xA4, "movsw": 0xA5, "cmpsb": 0xA6, "cmpsw": 0xA7, "stosb": 0xAA, "stosw": 0xAB,
           "lodsb": 0xAC, "lodsw": 0xAD, "scasb": 0xAE, "scasw": 0xAF}
CODE_SEG = 0xF000  # code sits in ROM, so no string write can change it
MMIO_PAGE = 0x0B   # 0B000-0BFFF
ROM_PAGE = 0x0D    # 0D000-0DFFF (besides the code's F0000-FFFFF)
SEGMENTS = [0x0000, 0x0A80, 0x0AFF, 0x0B00, 0x0BF8, 0x0C80, 0x0CFF, 0x0D00, 0x1000, 0xEFFF, 0xFFFF]
OFFSETS = [0x0000, 0x0001, 0x07FF, 0x0800, 0xF7FF, 0xFBFF, 0xFFFE, 0xFFFF]


class MmioRecorder:
    """A memory-mapped page that answers with a pattern and logs every access."""

    def __init__(self):
        self.log = []

    def mem_read8(self, addr):
        self.log.append(("r", addr))
        return (addr * 7 + 3) & 0xFF

    def mem_write8(self, addr, value):
        self.log.append(("w", addr, value))


class FakePic:
    def __init__(self, cpu, vector):
        self.cpu = cpu
        self.vector = vector

    def acknowledge(self):
        self.cpu.set_intr(False)
        return self.vector


def fresh_cpu(code, regs, sregs, df, seed, pattern_len=251):
    mem = Memory()
    io = IoPorts()
    cpu = CPU(mem, io)
    # few distinct byte values, so SCAS/CMPS meet both equal and unequal elements
    pattern = bytes((seed * 31 + i * i * 17) % 3 * 0x55 for i in range(pattern_len))
    mem.data[:] = (pattern * ((len(mem.data) // pattern_len) + 1))[:len(mem.data)]
    device = MmioRecorder()
    mem.map_device(MMIO_PAGE << 12, 0x1000, device)
    mem.load_rom(ROM_PAGE << 12, bytes(mem.data[ROM_PAGE << 12:(ROM_PAGE + 1) << 12]))
    rom = bytearray(mem.data[0xF0000:])
    rom[0:len(code)] = code
    mem.load_rom(0xF0000, bytes(rom))
    cpu.regs[:] = regs
    cpu.sregs[:] = sregs
    cpu.sregs[1] = CODE_SEG
    cpu.ip = 0
    cpu.set_flags(0x0400 if df else 0)
    return cpu, mem, device


def snapshot(cpu, mem, device):
    return (list(cpu.regs), list(cpu.sregs), cpu.ip, cpu.icount, cpu.get_flags(),
            hashlib.sha1(bytes(mem.data)).hexdigest(), list(device.log))


def run_steps(cpu, mem, device, code_len, max_steps=80):
    states = []
    for _ in range(max_steps):
        cpu.step()
        states.append(snapshot(cpu, mem, device))
        if cpu.ip == code_len or cpu.halted:
            break
    return states


def patch_strings(monkeypatch, name, value):
    """Replace a helper of the string instructions, for the hand-written handlers
    (pcemu.cpu.ops.strings) and the specialised ones (the generated module)."""
    for module in (strings, generated):
        monkeypatch.setattr(module, name, value)


def element_only(monkeypatch):
    for name in BLOCK_PATHS:
        patch_strings(monkeypatch, name, lambda cpu, width: False)


def both_ways(monkeypatch, build, runner=run_steps):
    fast = runner(*build())
    with monkeypatch.context() as m:
        element_only(m)
        slow = runner(*build())
    return fast, slow


@settings(max_examples=300, deadline=None)
@given(op=st.sampled_from(sorted(OPCODES)), rep=st.sampled_from([0xF3, 0xF2]),
       override=st.sampled_from([None, 0x26, 0x2E, 0x36, 0x3E]), df=st.booleans(),
       cx=st.integers(0, 2100) | st.sampled_from([0xFFFF, 1024, 1025, 2048]),
       si=st.sampled_from(OFFSETS) | st.integers(0, 0xFFFF),
       di=st.sampled_from(OFFSETS) | st.integers(0, 0xFFFF),
       ds=st.sampled_from(SEGMENTS), es=st.sampled_from(SEGMENTS), ax=st.integers(0, 0xFFFF),
       seed=st.integers(0, 5))
def test_rep_string_slices_match_the_element_loop(op, rep, override, df, cx, si, di, ds, es, ax, seed):
    code = bytes(([override] if override else []) + [rep, OPCODES[op], 0xF4])
    regs = [ax, cx, 0x1F0, 0x5678, 0xFFF0, 0, si, di]

    def build():
        cpu, mem, device = fresh_cpu(code, regs, [es, CODE_SEG, 0x0700, ds], df, seed)
        return cpu, mem, device, len(code) - 1

    fast, slow = both_ways(pytest.MonkeyPatch(), build)
    assert fast == slow


@pytest.mark.parametrize("distance", [-3, -2, -1, 0, 1, 2, 3, 999, 1000, 1001, 2000])
@pytest.mark.parametrize("op", ["movsb", "movsw"])
@pytest.mark.parametrize("df", [False, True])
def test_overlapping_movs_matches_the_element_loop(monkeypatch, distance, op, df):
    # DI = SI + distance in one segment: the overlaps where the element order shows
    code = bytes([0xF3, OPCODES[op], 0xF4])
    si = 0x4000
    regs = [0, 1000, 0, 0, 0xFFF0, 0, si, si + distance]

    def build():
        cpu, mem, device = fresh_cpu(code, regs, [0x2000, CODE_SEG, 0x0700, 0x2000], df, 1, pattern_len=7)
        return cpu, mem, device, len(code) - 1

    fast, slow = both_ways(monkeypatch, build)
    assert fast == slow


def count_element_writes(monkeypatch):
    writes = []
    wb, ww = strings.wb, strings.ww
    patch_strings(monkeypatch, "wb", lambda cpu, a, v: (writes.append(a), wb(cpu, a, v)))
    patch_strings(monkeypatch, "ww", lambda cpu, seg, off, v: (writes.append(off), ww(cpu, seg, off, v)))
    return writes


@pytest.mark.parametrize("op,df", [("movsb", False), ("movsw", False), ("movsw", True), ("movsb", True),
                                   ("stosb", False), ("stosw", False), ("stosb", True), ("stosw", True)])
def test_plain_ram_chunks_move_as_slices(monkeypatch, op, df):
    # Without the slice paths every element goes through wb/ww.
    writes = count_element_writes(monkeypatch)
    code = bytes([0xF3, OPCODES[op], 0xF4])
    cpu, mem, device = fresh_cpu(code, [0x1234, 3000, 0, 0, 0xFFF0, 0, 0x8000, 0x9000 if not df else 0xF000],
                                 [0x3000, CODE_SEG, 0x0700, 0x2000], df, 2)
    steps = run_steps(cpu, mem, device, 2)
    assert len(steps) == 3  # 1024 + 1024 + 952 elements: three chunks, three instructions counted
    assert cpu.regs[1] == 0 and cpu.icount == 3
    assert writes == []


def test_irq_lands_between_slice_chunks(monkeypatch):
    code = bytes([0x26, 0xF3, 0xA5, 0xF4])  # ES: REP MOVSW (an override too: the resume point is the first prefix)
    handler = 0x0500  # linear 5000h: HLT

    def build():
        cpu, mem, device = fresh_cpu(code, [0, 3000, 0, 0, 0x0100, 0, 0x0000, 0x4000],
                                     [0x3000, CODE_SEG, 0x0700, 0x2000], False, 3)
        mem.data[0x20 * 4:0x20 * 4 + 4] = bytes([0, 0, handler & 0xFF, handler >> 8])
        mem.data[handler << 4] = 0xF4
        cpu.intc = FakePic(cpu, 0x20)
        cpu.set_flags(0x0200)
        return cpu, mem, device

    def run(cpu, mem, device):
        cpu.step()  # the first chunk of 1024 words
        first = snapshot(cpu, mem, device)
        cpu.set_intr(True)
        cpu.step()  # the interrupt is taken before the next chunk, then the handler's HLT
        stack = (cpu.sregs[2] << 4) + cpu.regs[4]
        pushed = [mem.data[stack + i] | (mem.data[stack + i + 1] << 8) for i in (0, 2)]
        return first, snapshot(cpu, mem, device), pushed

    fast, slow = both_ways(monkeypatch, build, runner=run)
    assert fast == slow
    first, after, pushed = fast
    assert first[0][1] == 3000 - 1024 and first[2] == 0  # CX left, IP back at the ES: prefix
    assert after[1][1] == handler and pushed == [0x0000, CODE_SEG]


# --- REP INSW / OUTSW against the ATA data port ------------------------------------------
def ata_machine(tmp_path, payload):
    path = tmp_path / "disk.img"
    path.write_bytes(payload)
    image = DiskImage.open(str(path), kind="hdd")
    mem = Memory()
    io = IoPorts()
    cpu = CPU(mem, io)
    channel = AtaChannel(io, base=0x1F0, ctrl=0x3F6, drives=[image])
    return cpu, mem, io, channel, image


def start_command(io, command, lba, count):
    io.out8(0x1F6, 0xE0 | (lba >> 24))
    io.out8(0x1F2, count)
    io.out8(0x1F3, lba & 0xFF)
    io.out8(0x1F4, (lba >> 8) & 0xFF)
    io.out8(0x1F5, (lba >> 16) & 0xFF)
    io.out8(0x1F7, command)


@pytest.mark.parametrize("words", [256, 512, 700, 1500])
def test_rep_insw_reads_sectors_as_blocks(tmp_path, monkeypatch, words):
    # 700 and 1500 words ask for more than the 2 (or 3) sectors the command transfers: the rest
    # reads as the port reads with no data (FFFFh), word by word, as without the block path.
    payload = bytes((i * 13 + (i >> 9)) & 0xFF for i in range(512 * 64))
    sectors = 3 if words == 1500 else 2

    def run(use_blocks):
        with monkeypatch.context() as m:
            if not use_blocks:
                element_only(m)
            cpu, mem, io, channel, image = ata_machine(tmp_path, payload)
            mem.data[0x10000:0x10010] = bytes([0xF3, 0x6D, 0xF4])  # REP INSW; HLT
            cpu.sregs[:] = [0x2000, 0x1000, 0x0700, 0x2000]
            cpu.ip = 0
            cpu.regs[1] = words
            cpu.regs[2] = 0x1F0
            cpu.regs[7] = 0x0010
            start_command(io, 0x20, 5, sectors)
            states = []
            while cpu.ip == 0:
                cpu.step()
                states.append((list(cpu.regs), cpu.ip, cpu.icount))
            image.close()
            return states, bytes(mem.data[0x20010:0x20010 + 2 * words])

    fast = run(True)
    assert fast == run(False)
    got = fast[1]
    want = payload[5 * 512:(5 + sectors) * 512]
    assert got[:len(want)] == want[:len(got)]
    assert got[len(want):] == b"\xFF" * (len(got) - len(want))


def test_rep_insw_uses_the_ata_block_reader(tmp_path, monkeypatch):
    cpu, mem, io, channel, image = ata_machine(tmp_path, bytes(range(256)) * 2 * 8)
    reads = []
    monkeypatch.setattr(io, "in16", lambda port: reads.append(port) or 0)
    mem.data[0x10000:0x10003] = bytes([0xF3, 0x6D, 0xF4])
    cpu.sregs[:] = [0x2000, 0x1000, 0x0700, 0x2000]
    cpu.ip = 0
    cpu.regs[1] = 256
    cpu.regs[2] = 0x1F0
    start_command(io, 0x20, 1, 1)
    cpu.step()
    image.close()
    assert reads == [] and cpu.regs[1] == 0 and cpu.regs[7] == 512
    assert bytes(mem.data[0x20000:0x20200]) == bytes(range(256)) * 2


def test_rep_outsw_writes_sectors_as_blocks(tmp_path, monkeypatch):
    payload = bytes(512 * 16)
    source = bytes((i * 7) & 0xFF for i in range(1024))

    def run(use_blocks):
        with monkeypatch.context() as m:
            if not use_blocks:
                element_only(m)
            cpu, mem, io, channel, image = ata_machine(tmp_path, payload)
            mem.data[0x10000:0x10003] = bytes([0xF3, 0x6F, 0xF4])  # REP OUTSW; HLT
            mem.data[0x30000:0x30400] = source
            cpu.sregs[:] = [0x2000, 0x1000, 0x0700, 0x3000]
            cpu.ip = 0
            cpu.regs[1] = 512
            cpu.regs[2] = 0x1F0
            start_command(io, 0x30, 3, 2)
            cpu.step()
            state = (list(cpu.regs), cpu.ip, cpu.icount)
            image.flush()
            image.close()
            return state, (tmp_path / "disk.img").read_bytes()

    fast = run(True)
    assert fast == run(False)
    assert fast[1][3 * 512:5 * 512] == source
