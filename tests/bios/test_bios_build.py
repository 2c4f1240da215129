"""The committed BIOS image: reproducible from the NASM sources, and shaped
the way PC software expects (reset vector, date, model byte)."""
import datetime
import pathlib
import shutil
import struct
import subprocess

import pytest

BIOS_DIR = pathlib.Path(__file__).resolve().parents[2] / "bios"
IMAGE = BIOS_DIR / "pcemu-bios.bin"


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
    if shutil.which("nasm") is None:
        pytest.skip("nasm not installed")
    out = tmp_path / "bios.bin"
    subprocess.run(["sh", str(BIOS_DIR / "build.sh"), str(out)], check=True)
    fresh = out.read_bytes()
    assert fresh == rom, "bios/pcemu-bios.bin is stale: run bios/build.sh and commit it"


def test_build_rejects_non_8086_instructions(tmp_path):
    # The emulated CPU is an 8086/80186: the sources must stay assembled
    # under `cpu 8086`, so a 386 instruction must be refused by the build.
    if shutil.which("nasm") is None:
        pytest.skip("nasm not installed")
    src = tmp_path / "probe.asm"
    src.write_text("cpu 8086\nbits 16\nmov eax, 1\n")
    result = subprocess.run(["nasm", "-f", "bin", "-o", str(tmp_path / "p.bin"), str(src)],
                            capture_output=True)
    assert result.returncode != 0
    top = (BIOS_DIR / "bios.asm").read_text()
    assert "cpu 8086" in top
