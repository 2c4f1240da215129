"""The command line as a user runs it: a subprocess, stdin/stdout, exit status."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, image_path

ENV = dict(os.environ, PYTHONPATH=str(ROOT))


def pcemu(*args, stdin=b"", timeout=300):
    return subprocess.run([sys.executable, "-m", "pcemu"] + list(args), input=stdin, capture_output=True,
                          timeout=timeout, env=ENV, cwd=str(ROOT))


def assert_one_line_error(result, status, *words):
    err = result.stderr.decode()
    assert result.returncode == status, err
    assert "Traceback" not in err
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("pcemu: "), err
    for w in words:
        assert w in lines[0], err


def test_missing_image(tmp_path):
    r = pcemu("--disk=%s" % (tmp_path / "nope.img"), "--display=none")
    assert_one_line_error(r, 1, "nope.img")


def test_empty_image(tmp_path):
    p = tmp_path / "empty.img"
    p.write_bytes(b"")
    r = pcemu("--disk=%s" % p, "--display=none")
    assert_one_line_error(r, 1, "empty")


def test_truncated_image(tmp_path):
    p = tmp_path / "cut.img"
    p.write_bytes(image_path("freedos-minimal-360k.img").read_bytes()[:368640 - 100])
    r = pcemu("--disk=%s" % p, "--display=none")
    assert_one_line_error(r, 1, "cut.img")


def test_forced_floppy_of_odd_size(tmp_path):
    p = tmp_path / "odd.img"
    p.write_bytes(bytes(512 * 1000))
    r = pcemu("--floppy=%s" % p, "--display=none")
    assert_one_line_error(r, 1, "odd.img")


def test_bad_option():
    r = pcemu("--frobnicate")
    assert_one_line_error(r, 2, "frobnicate")


def test_bad_choice():
    r = pcemu("--disk=x.img", "--cpu=z80")
    assert_one_line_error(r, 2, "z80")


def test_no_disk():
    r = pcemu("--display=none")
    assert_one_line_error(r, 2, "disk")


def test_bad_serial_spec(tmp_path):
    shutil.copyfile(image_path("freedos-minimal-360k.img"), tmp_path / "a.img")
    r = pcemu("--disk=%s" % (tmp_path / "a.img"), "--display=none", "--serial=carrier-pigeon")
    assert_one_line_error(r, 1, "carrier-pigeon")


def test_two_emulators_cannot_share_a_writable_image(tmp_path):
    from pcemu.disk import DiskImage

    p = tmp_path / "a.img"
    shutil.copyfile(image_path("freedos-minimal-360k.img"), p)
    held = DiskImage.open(str(p))
    try:
        r = pcemu("--disk=%s" % p, "--display=none")
        assert_one_line_error(r, 1, "a.img")
    finally:
        held.close()


@pytest.mark.parametrize("name", ["freedos-minimal-360k.img", "freedos-minimal-1440k.img",
                                  "freedos-minimal-720k.img", "freedos-full-1440k.img"])
def test_dir_and_type_through_a_pipe(name, tmp_path):
    import test_freedos

    p = tmp_path / name
    shutil.copyfile(image_path(name), p)
    r = pcemu("--disk=%s" % p, "--display=none", "--serial=stdio", "--clock=virtual", "--timeout=240",
              stdin=b"DIR\rTYPE AUTOEXEC.BAT\r")
    assert r.returncode == 0, r.stderr.decode()
    out = r.stdout.decode("cp437")
    listing = test_freedos.dir_entries_from_screen(out.replace("\r", ""))
    if shutil.which("mdir"):
        for entry in test_freedos.mdir_entries(p):
            assert entry in listing, (entry, out)
        text = test_freedos.mtype(p, "AUTOEXEC.BAT").decode("cp437").replace("\r\n", "\n")
        assert text.strip() in out.replace("\r\n", "\n"), out


def test_guest_writes_to_com1_reach_stdout_and_stats_are_printed(tmp_path):
    p = tmp_path / "a.img"
    shutil.copyfile(image_path("freedos-minimal-360k.img"), p)
    r = pcemu("--disk=%s" % p, "--display=none", "--serial=stdio", "--clock=virtual", "--timeout=240",
              "--stats", stdin=b"ECHO hi there> COM1\r")
    assert r.returncode == 0, r.stderr.decode()
    out = r.stdout.decode("cp437").replace("\r\n", "\n")
    # The command line echo, then DOS's own write to COM1 on a line of its own.
    assert "\nhi there\n" in out, out
    err = r.stderr.decode()
    assert "Traceback" not in err
    for field in ("instructions", "MIPS", "IRQ0=", "disk A:", "sectors read", "serial COM1"):
        assert field in err, err


def boot_sector_floppy(tmp_path, code):
    """A 360K floppy whose boot sector is ``code`` (run at 0000:7C00)."""
    sector = bytearray(512)
    sector[:len(code)] = code
    sector[510:512] = b"\x55\xaa"
    p = tmp_path / "guest.img"
    p.write_bytes(bytes(sector) + bytes(368640 - 512))
    return p


@pytest.mark.parametrize("code, words", [
    (b"\x0f\x0b", ["invalid opcode", "7C00"]),   # 0F is undefined on the 80186: INT 6
    (b"\xfa\xf4", ["halted with interrupts disabled", "7C02"]),  # CLI; HLT: the machine is dead
])
def test_guest_fault_gives_one_line_and_a_register_dump(tmp_path, code, words):
    p = boot_sector_floppy(tmp_path, code)
    r = pcemu("--disk=%s" % p, "--display=none", "--clock=virtual", "--cpu=80186", "--timeout=60")
    err = r.stderr.decode()
    assert r.returncode == 3, err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert lines[0].startswith("pcemu: guest fault: "), err
    for w in words:
        assert w in err, err
    # The register dump: general, segment and flag registers and the code at CS:IP.
    assert re.search(r"AX=[0-9A-F]{4}", err) and re.search(r"CS=[0-9A-F]{4}", err) and "FLAGS=" in err, err


def test_window_without_pygame_names_the_extra(tmp_path):
    from test_package import boot_floppy

    fake = tmp_path / "no-pygame"
    fake.mkdir()
    (fake / "pygame.py").write_text("raise ImportError(\"No module named 'pygame'\")\n")
    image = boot_floppy(tmp_path / "hello.img")
    env = dict(ENV, PYTHONPATH=os.pathsep.join([str(fake), str(ROOT)]), DISPLAY=":0")
    r = subprocess.run([sys.executable, "-m", "pcemu", "--disk=%s" % image, "--display=window"],
                       capture_output=True, env=env, cwd=str(ROOT), timeout=60)
    assert_one_line_error(r, 1, "pip install 'pcemu[display]'")
