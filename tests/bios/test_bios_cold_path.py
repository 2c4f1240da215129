"""The BIOS's cold-path economies keep behaviour: RAM sizing in coarse steps still finds the
exact size, and sectors move by one REP INSW on an 80186 (a 256-pass IN/STOSW loop on an 8086)
with the file's bytes (as mtools reads them) landing in memory. Phases come from
pcemu.bench.BootProfile."""
import subprocess

import pytest
from pcemu.bench import BootProfile
from pcemu.bus import ROM
from pcemu.machine import Machine

from conftest import image_path

PV_FLAGS = 0x4AD
PVF_STRING_IO = 0x02
BDA_MEM_KB = 0x413
POST_INSN_BUDGET = 25_000  # 51,374 before RAM sizing took 16K steps and sectors moved by REP INSW; 29,943
# before the teletype short path and the keyboard self test overlapping the video and disks (22,619)


def boot_until(machine, phase, limit=3_000_000):
    """Run to the first instruction of ``phase`` (1 = boot sector, 2 = kernel)."""
    profile = BootProfile(machine, stop_at=phase)
    while profile.phase < phase:
        assert machine.cpu.icount < limit, "boot did not reach phase %d" % phase
        machine.step_quantum()
    return profile


def run_to_kernel(model):
    m = Machine(floppies=[image_path("freedos-minimal-1440k.img")], cpu=model, clock="virtual", snapshot=True)
    profile = boot_until(m, 2)
    return m, profile


def test_sectors_move_by_rep_insw_on_the_80186_and_by_loop_on_the_8086(tmp_path):
    kernel = tmp_path / "KERNEL.SYS"
    try:
        subprocess.run(["mcopy", "-n", "-i", str(image_path("freedos-minimal-1440k.img")), "::KERNEL.SYS",
                        str(kernel)], check=True)
    except FileNotFoundError:
        pytest.fail("mtools is not installed (tools/setup.sh --test installs it)")
    want = kernel.read_bytes()
    m86, p86 = run_to_kernel("8086")
    m186, p186 = run_to_kernel("80186")
    try:
        assert m86.mem.data[PV_FLAGS] & PVF_STRING_IO == 0
        assert m186.mem.data[PV_FLAGS] & PVF_STRING_IO == PVF_STRING_IO
        # at the kernel's first instruction the boot sector has loaded it at 0060:0000 through INT 13h
        for m in (m86, m186):
            assert (m.cpu.sregs[1], m.cpu.ip) == (0x0060, 0x0000)
            assert bytes(m.mem.data[0x600:0x600 + len(want)]) == want
        boot86 = p86.marks[2][0] - p86.marks[1][0]
        boot186 = p186.marks[2][0] - p186.marks[1][0]
        # about 760 instructions fewer per sector read
        assert boot186 < boot86 / 2, (boot186, boot86)
        assert p186.marks[1][0] < POST_INSN_BUDGET
    finally:
        m86.close()
        m186.close()


def ram_size_with_ram_ending_at(page):
    m = Machine(floppies=[image_path("freedos-minimal-360k.img")], clock="virtual", snapshot=True)
    try:
        for p in range(page, 0xA0):
            m.mem.kind[p] = ROM  # writes dropped: the probe pattern does not hold
        boot_until(m, 1)
        return m.mem.data[BDA_MEM_KB] | (m.mem.data[BDA_MEM_KB + 1] << 8)
    finally:
        m.close()


def test_ram_sizing_finds_the_exact_size():
    assert ram_size_with_ram_ending_at(0xA0) == 640
    assert ram_size_with_ram_ending_at(0x4F) == 316   # not a multiple of the 16K coarse step
    assert ram_size_with_ram_ending_at(0x50) == 320   # exactly on one
    assert ram_size_with_ram_ending_at(0x11) == 68    # just above the 64K never probed


def test_80186_instructions_are_only_the_guarded_string_io():
    # The BIOS stays 8086 code: `cpu 186` opens exactly one REP INSW/OUTSW/OUTSB at a time,
    # reached only when post_detect_cpu found an 80186 (PVF_STRING_IO), and `cpu 8086` follows
    # at once.
    from conftest import ROOT

    opened = []
    for path in sorted((ROOT / "bios").rglob("*.asm")):
        lines = [line.split(";")[0].strip() for line in path.read_text().splitlines()]
        for i, line in enumerate(lines):
            if line.startswith("cpu ") and line != "cpu 8086":
                assert line == "cpu 186", (path.name, line)
                assert lines[i + 1] in ("rep insw", "rep outsw", "rep outsb") and lines[i + 2] == "cpu 8086", \
                    path.name
                opened.append(path.name)
    assert opened == ["ata.asm", "ata.asm", "int10_modes.asm"]


def boot_sector_instructions(tmp_path, name, code, data=b""):
    """Instructions from reset to the final CLI; HLT of a boot sector made of ``code``
    (with ``data`` after it, at 7C00h + len(code))."""
    from pcemu.errors import GuestFault

    sector = bytearray(code + data)
    sector += bytes(510 - len(sector)) + b"\x55\xaa"
    path = tmp_path / ("%s.img" % name)
    path.write_bytes(bytes(sector) + bytes(1474560 - 512))
    m = Machine(floppies=[str(path)], clock="virtual")
    try:
        with pytest.raises(GuestFault):
            m.run(insns=2_000_000)
        return m.cpu.icount
    finally:
        m.close()


def teletype_boot_instructions(tmp_path, glyphs):
    """... for a sector that prints ``glyphs`` characters through INT 10h AH=0Eh (one row,
    no wrap, no scroll)."""
    code = bytearray([
        0x31, 0xC0,        # xor ax, ax
        0x8E, 0xD8,        # mov ds, ax
        0xBE, 0, 0,        # mov si, text   (patched below)
        0x31, 0xDB,        # xor bx, bx
        0xFC,              # cld
        0xAC,              # next: lodsb
        0x08, 0xC0,        # or al, al
        0x74, 0x06,        # jz end
        0xB4, 0x0E,        # mov ah, 0Eh
        0xCD, 0x10,        # int 10h
        0xEB, 0xF5,        # jmp next
        0xFA, 0xF4,        # end: cli; hlt
    ])
    text = 0x7C00 + len(code)
    code[5], code[6] = text & 0xFF, text >> 8
    return boot_sector_instructions(tmp_path, "tty%d" % glyphs, bytes(code), b"x" * glyphs + b"\0")


def key_poll_boot_instructions(tmp_path, function, polls):
    """... for a sector that polls INT 16h ``function`` (01h/11h) ``polls`` times, the buffer empty."""
    code = bytes([
        0xB9, polls & 0xFF, polls >> 8,   # mov cx, polls
        0xB4, function,                   # next: mov ah, function
        0xCD, 0x16,                       # int 16h
        0xE2, 0xFA,                       # loop next
        0xFA, 0xF4,                       # cli; hlt
    ])
    return boot_sector_instructions(tmp_path, "poll%02x_%d" % (function, polls), code)


def test_teletype_glyph_costs_few_instructions(tmp_path):
    # DOS prints every character through INT 10h AH=0Eh, and cold BIOS code costs the
    # emulator about 10 us an instruction: a plain glyph takes the short path (about 60
    # instructions with the boot sector's own five; 155 through the register frame before).
    per_glyph = (teletype_boot_instructions(tmp_path, 60) - teletype_boot_instructions(tmp_path, 0)) / 60
    assert per_glyph <= 70, per_glyph


@pytest.mark.parametrize("function", [0x01, 0x11])
def test_empty_key_poll_costs_few_instructions(tmp_path, function):
    # The kernel's F5/F8 wait, DOS's prompt and its Ctrl+C checks poll INT 16h AH=01h/11h
    # thousands of times in a boot; an empty buffer is answered before any register frame
    # (about 35 instructions with the test's own three; 55-56 before). 40 polls stay below the
    # 64 a timer tick allows before the BIOS halts (and no tick comes in the few thousand
    # instructions measured).
    per_poll = (key_poll_boot_instructions(tmp_path, function, 41)
                - key_poll_boot_instructions(tmp_path, function, 1)) / 40
    assert per_poll <= 40, per_poll
