"""The committed BIOS image: reproducible from the NASM sources, and shaped
the way PC software expects (reset vector, date, model byte)."""
import datetime
import pathlib
import shutil
import struct
import subprocess

import pytest

from conftest import require_tool

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIOS_DIR = ROOT / "bios"
IMAGE = ROOT / "pcemu" / "data" / "pcemu-bios.bin"


@pytest.fixture(scope="module")
def rom():
    return IMAGE.read_bytes()


def test_image_is_64k(rom):
    assert len(rom) == 65536


def test_reset_vector_is_far_jump_into_rom(rom):
    # The CPU starts at FFFF:0000 = F000:FFF0: a far jump (EA off seg) there.
    opcode, offset, segment = struct.unpack_from("<BHH", rom, 0xFFF0)
    assert opcode == 0xEA
    assert segment == 0xF000
    assert offset < 0xFFF0
    # POST begins by disabling interrupts: the target is real code, not padding
    assert rom[offset] == 0xFA  # cli


def test_bios_date_at_fff5(rom):
    text = rom[0xFFF5:0xFFFD].decode("ascii")
    datetime.datetime.strptime(text, "%m/%d/%y")


def test_model_byte_is_at_class(rom):
    assert rom[0xFFFE] == 0xFC


def test_committed_image_matches_fresh_build(tmp_path, rom):
    require_tool("nasm")
    out = tmp_path / "bios.bin"
    subprocess.run(["sh", str(BIOS_DIR / "build.sh"), str(out)], check=True)
    fresh = out.read_bytes()
    assert fresh == rom, "pcemu/data/pcemu-bios.bin is stale: run bios/build.sh and commit it"


def test_build_rejects_non_8086_instructions(tmp_path):
    # The emulated CPU is an 8086/80186: the sources must stay assembled
    # under `cpu 8086`, so a 386 instruction must be refused by the build.
    require_tool("nasm")
    src = tmp_path / "probe.asm"
    src.write_text("cpu 8086\nbits 16\nmov eax, 1\n")
    result = subprocess.run(["nasm", "-f", "bin", "-o", str(tmp_path / "p.bin"), str(src)],
                            capture_output=True)
    assert result.returncode != 0
    top = (BIOS_DIR / "bios.asm").read_text()
    assert "cpu 8086" in top


def _boot_qemu_and_type(bios, image, commands, timeout=60.0):
    """Boot ``image`` as A: under QEMU with ``bios`` and the serial console;
    type each command at the A:\\> prompt; return everything COM1 printed."""
    import os
    import select
    import time

    # -cpu 486: QEMU's default CPU has a local APIC that an 8086 BIOS cannot
    # program, and it then never passes the 8259's interrupts on.
    cmd = ["qemu-system-i386", "-cpu", "486", "-bios", str(bios), "-display", "none",
           "-serial", "stdio", "-no-reboot",
           "-drive", "file=%s,if=ide,index=2,format=raw" % image]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    out = bytearray()

    def read_until(token, limit):
        end = time.monotonic() + limit
        while time.monotonic() < end:
            ready, _, _ = select.select([proc.stdout], [], [], 0.2)
            if ready:
                data = os.read(proc.stdout.fileno(), 4096)
                if not data:
                    return False
                out.extend(data)
                if out.endswith(token):
                    return True
        return False

    try:
        assert read_until(b"A:\\>", timeout), out.decode("latin-1")
        for command in commands:
            for ch in command.encode() + b"\r":
                proc.stdin.write(bytes([ch]))
                proc.stdin.flush()
                time.sleep(0.01)
            assert read_until(b"A:\\>", 20), out.decode("latin-1")
    finally:
        proc.kill()
        proc.wait()
    return out.decode("latin-1")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["freedos-minimal-360k.img", "freedos-minimal-720k.img",
                                  "freedos-minimal-1440k.img", "freedos-full-1440k.img"])
def test_freedos_boots_on_qemu_over_serial(tmp_path, writable_image, name):
    require_tool("nasm", "qemu-system-i386", "mdir", "mtype")
    bios = tmp_path / "bios-serial.bin"
    subprocess.run(["sh", str(BIOS_DIR / "build.sh"), str(bios), "-DFORCE_SERIAL_CONSOLE"],
                   check=True)
    image = writable_image(name)
    text = _boot_qemu_and_type(bios, image, ["DIR", "TYPE AUTOEXEC.BAT"])
    # referee: mtools reading the same image
    listing = subprocess.run(["mdir", "-b", "-i", str(image), "::/"], capture_output=True,
                             text=True, check=True).stdout
    for path in listing.split():
        stem = path.rsplit("/", 1)[-1].split(".")[0]
        assert stem.upper() in text
    autoexec = subprocess.run(["mtype", "-i", str(image), "::/AUTOEXEC.BAT"],
                              capture_output=True, text=True, check=True).stdout
    for line in autoexec.splitlines():
        if line.strip():
            assert line.strip() in text
