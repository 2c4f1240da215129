"""Translated regions shared by the machines of one process (pcemu/cpu/regioncache.py).

Referees: the interpreter (registers, memory and instruction count must be the
ones it gives) and the source a translator without the cache writes for the
same memory. Guest programs are assembled with NASM.
"""
import subprocess

import pytest

from conftest import require_tool

from pcemu.bus import IoPorts, Memory
from pcemu.cpu import CPU, regioncache, translate

SEG = 0x1000
BASE = SEG << 4

LOOP = """
        org 0
        mov cx, 2000
        xor ax, ax
x:      add ax, {step}
        loop x
{tail}
        cli
        hlt
"""


@pytest.fixture(autouse=True, scope="module")
def low_threshold():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(translate, "HOT_ENTRIES", 50)
        yield


def assemble(tmp_path, source, name="prog"):
    require_tool("nasm")
    src = tmp_path / (name + ".asm")
    src.write_text("bits 16\ncpu 186\n" + source)
    out = tmp_path / (name + ".bin")
    subprocess.run(["nasm", "-f", "bin", "-o", str(out), str(src)], check=True)
    return out.read_bytes()


def machine(program, cache, tier="auto"):
    """A bare CPU with ``program`` at 1000:0000; ``cache`` is its translator's region cache."""
    mem = Memory()
    cpu = CPU(mem, IoPorts())
    mem.data[BASE:BASE + len(program)] = program
    cpu.sregs[:] = [SEG] * 4
    cpu.regs[4] = 0xFFFE
    if tier == "auto":
        cpu.enable_translation().cache = cache
    return cpu, mem


def run_to_halt(cpu):
    while not cpu.halted and cpu.icount < 1_000_000:
        cpu.run(10000)
    assert cpu.halted


def run_checked(program, cache):
    """Run translated with ``cache`` and interpreted; they must agree. Returns the translated cpu."""
    cpu, mem = machine(program, cache)
    run_to_halt(cpu)
    icpu, imem = machine(program, None, tier="interp")
    run_to_halt(icpu)
    assert (cpu.regs, cpu.ip, cpu.get_flags(), cpu.icount) == (icpu.regs, icpu.ip, icpu.get_flags(), icpu.icount)
    assert mem.data == imem.data
    return cpu


def region_at(cpu, ip):
    return cpu.translator.entry_region.get((SEG << 16) | ip)


def test_a_second_machine_runs_the_first_ones_translation(tmp_path):
    program = assemble(tmp_path, LOOP.format(step=3, tail=""))
    x = program.index(b"\x83\xC0\x03")
    cache = regioncache.RegionCache()
    first = run_checked(program, cache)
    second = run_checked(program, cache)
    assert first.translator.cache_hits == 0 and second.translator.cache_hits >= 1
    assert region_at(second, x).fn is region_at(first, x).fn   # the same code object: PyPy's traces too
    assert region_at(second, x) is not region_at(first, x)      # each machine has its own region
    assert second.translator.translated_insns > second.icount // 2


def test_other_bytes_at_the_same_place_are_translated_afresh(tmp_path):
    cache = regioncache.RegionCache()
    three = run_checked(assemble(tmp_path, LOOP.format(step=3, tail=""), "three"), cache)
    program = assemble(tmp_path, LOOP.format(step=5, tail=""), "five")
    five = run_checked(program, cache)
    assert three.regs[0] == 6000 and five.regs[0] == 10000
    x = program.index(b"\x83\xC0\x05")
    assert five.translator.cache_hits == 0
    assert "t_b = 5\n" in region_at(five, x).source


def test_bytes_the_decoder_read_beyond_the_translated_ones_are_part_of_the_key(tmp_path):
    """After the loop: CLI (not translated: the region ends before it) in one program,
    INC BX (translated) in the other. Only the first's translated bytes are the same:
    the second must still get its own region, the one a translator without the cache
    writes."""
    cache = regioncache.RegionCache()
    run_checked(assemble(tmp_path, LOOP.format(step=3, tail=""), "plain"), cache)
    program = assemble(tmp_path, LOOP.format(step=3, tail="        inc bx"), "inc")
    cpu = run_checked(program, cache)
    x = program.index(b"\x83\xC0\x03")
    fresh, _ = machine(program, None)
    want = fresh.translator.force(SEG, x)
    assert region_at(cpu, x).source == want.source
    assert cpu.translator.cache_hits == 0


def test_code_written_in_one_machine_leaves_the_other_ones_region(tmp_path):
    program = assemble(tmp_path, LOOP.format(step=3, tail=""))
    x = program.index(b"\x83\xC0\x03")
    cache = regioncache.RegionCache()
    first = run_checked(program, cache)
    second, mem = machine(program, cache)
    run_to_halt(second)
    region = region_at(second, x)
    assert region.fn is region_at(first, x).fn
    mem.write8(BASE + x + 2, 7)           # through the bus, as a guest store would
    assert not region.live and region_at(second, x) is None
    assert region_at(first, x).live
    assert second.translator.invalidations == 1 and first.translator.invalidations == 0


def test_the_cache_keeps_a_bounded_number_of_regions(tmp_path):
    cache = regioncache.RegionCache(max_regions=2)
    for step in (1, 2, 3):
        run_checked(assemble(tmp_path, LOOP.format(step=step, tail=""), "p%d" % step), cache)
    assert len(cache) == 2
