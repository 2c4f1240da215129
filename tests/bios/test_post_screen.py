"""What POST leaves on the screen and how little it costs.

The banner and disk lines are written by con_puts, which stores runs of glyphs straight into
text RAM instead of one INT 10h teletype call per character: the screen, the BIOS cursor, the
CRTC's cursor registers and the serial console must read as the teletype would leave them.
QEMU running the same ROM is the referee for the screen and the cursor.
"""
import os
import select
import subprocess
import time

from pcemu.bench import BootProfile
from pcemu.machine import Machine

from conftest import ROOT, require_tool

BANNER = [
    "pcemu BIOS 0.1 - open BIOS for the pcemu PC emulator",
    "Memory: 640K",
    "A: floppy 1440K (CHS 80/2/18)",
    "",
]
BDA_CURSOR = 0x450
# POST on a 1.44M floppy, reset to the boot sector's first instruction, virtual clock.
# 17,763 (80186) with one teletype call per character, the DAC loaded by a 576-pass OUT loop,
# the keyboard's self test answered at the end of the CPU slice it fell in and polled for
# (4,800 instructions of the virtual clock's 1 ms); 8,704 and 12,531 (8086) when written.
POST_INSNS_80186 = 9_000
POST_INSNS_8086 = 13_000

# Writes 'OK' at 0000:0500 for the QEMU monitor to see, then halts.
HALT_SECTOR = bytes([
    0x31, 0xC0,                     # xor ax, ax
    0x8E, 0xD8,                     # mov ds, ax
    0xC7, 0x06, 0x00, 0x05, 0x4F, 0x4B,   # mov word [0500h], 'OK'
    0xFA, 0xF4,                     # cli; hlt
    0xEB, 0xFC,                     # jmp $-2
])


def halt_floppy(tmp_path):
    path = tmp_path / "halt.img"
    path.write_bytes(HALT_SECTOR + bytes(510 - len(HALT_SECTOR)) + b"\x55\xaa" + bytes(1474560 - 512))
    return path


def post_on_pcemu(image, cpu="80186", serial_console=False, slice_insns=None):
    """Run POST to the boot sector's first instruction: (machine, instructions). The CPU runs
    in slices of ``slice_insns`` (default: as the machine picks them)."""
    m = Machine(floppies=[str(image)], clock="virtual", snapshot=True, cpu=cpu, serial_console=serial_console)
    profile = BootProfile(m, stop_at=1)
    while profile.phase < 1:
        assert m.cpu.icount < 200_000, "POST did not reach the boot sector"
        if slice_insns is None:
            m.step_quantum()
        else:
            m.step_quantum(slice_insns)
    assert (m.cpu.sregs[1], m.cpu.ip) == (0, 0x7C00)
    return m, m.cpu.icount


def screen_rows(text_ram, rows):
    return [bytes(text_ram[r * 160:(r + 1) * 160:2]).decode("latin-1").rstrip() for r in range(rows)]


def test_post_prints_the_banner_as_the_teletype_would(tmp_path):
    m, _ = post_on_pcemu(halt_floppy(tmp_path), serial_console=True)
    try:
        ram = m.mem.data[0xB8000:0xB8000 + 4000]
        assert screen_rows(ram, 5)[:4] == BANNER
        assert set(ram[1::2]) == {0x07}
        cursor = m.mem.data[BDA_CURSOR] | (m.mem.data[BDA_CURSOR + 1] << 8)
        # after "Booting from A:..." and its CR LF: column 0 of row 5
        assert cursor == 0x0500
        assert (m.vga.crtc[0x0E] << 8 | m.vga.crtc[0x0F]) == 5 * 80
        assert m.serial_output().startswith("\r\n".join(BANNER).encode() + b"\r\n")
    finally:
        m.close()


def test_post_instruction_budget(tmp_path):
    image = halt_floppy(tmp_path)
    for cpu, budget in (("80186", POST_INSNS_80186), ("8086", POST_INSNS_8086)):
        m, count = post_on_pcemu(image, cpu=cpu)
        m.close()
        assert count <= budget, (cpu, count)


def test_a_timer_armed_mid_slice_fires_on_time(tmp_path):
    # The keyboard's self-test result is a timer the 8042 arms when POST reads the reset's
    # ACK, in the middle of a CPU slice. It must fire when due, not when the slice ends: POST
    # then takes the same instructions however the machine slices its run.
    image = halt_floppy(tmp_path)
    counts = []
    for slice_insns in (None, 1, 997):
        m, count = post_on_pcemu(image, slice_insns=slice_insns)
        m.close()
        counts.append(count)
    assert counts[1:] == counts[:1] * 2


def qemu_memory_after_post(bios, image, timeout=60.0):
    """Boot ``image`` on QEMU with ``bios``; once the boot sector ran, read the text screen
    and the BIOS data area through the monitor: (text RAM, BDA)."""
    work = image.parent
    screen, bda = work / "screen.bin", work / "bda.bin"
    mark = work / "mark.bin"
    proc = subprocess.Popen(["qemu-system-i386", "-cpu", "486", "-bios", str(bios), "-display", "none",
                             "-no-reboot", "-serial", "none", "-monitor", "stdio",
                             "-drive", "file=%s,if=ide,index=2,format=raw" % image],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = b""

    def command(line):
        nonlocal out
        proc.stdin.write(line.encode() + b"\n")
        proc.stdin.flush()
        want = out.count(b"(qemu)") + 1
        end = time.monotonic() + 10
        while out.count(b"(qemu)") < want + 1 and time.monotonic() < end:
            ready, _, _ = select.select([proc.stdout], [], [], 0.5)
            if ready:
                out += os.read(proc.stdout.fileno(), 65536)

    try:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            command('pmemsave 0x500 2 "%s"' % mark)
            if mark.exists() and mark.read_bytes() == b"OK":
                command('pmemsave 0xb8000 4000 "%s"' % screen)
                command('pmemsave 0x400 256 "%s"' % bda)
                return screen.read_bytes(), bda.read_bytes()
            time.sleep(0.1)
        raise AssertionError("QEMU did not reach the boot sector: %r" % out[-500:])
    finally:
        proc.kill()
        proc.wait()


def test_post_screen_matches_qemu(tmp_path):
    require_tool("qemu-system-i386")
    image = halt_floppy(tmp_path)
    theirs, bda = qemu_memory_after_post(ROOT / "pcemu" / "data" / "pcemu-bios.bin", image)
    m, _ = post_on_pcemu(image)
    try:
        ours = bytes(m.mem.data[0xB8000:0xB8000 + 4000])
        # QEMU's machine has 640K too, and its secondary IDE master is our A:
        assert screen_rows(ours, 25) == screen_rows(theirs, 25)
        assert ours[1::2] == theirs[1::2]
        assert m.mem.data[BDA_CURSOR:BDA_CURSOR + 2] == bda[0x50:0x52]
    finally:
        m.close()
