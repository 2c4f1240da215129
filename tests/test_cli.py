"""The command line as a user runs it: a subprocess, stdin/stdout, exit status."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, image_path
from test_package import MESSAGE, boot_floppy

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


def test_no_disk_boots_the_builtin_floppy():
    # Booting it to the prompt is tests/test_builtin_freedos.py; here: it starts and says so.
    r = pcemu("--display=none", "--timeout=1")
    err = r.stderr.decode()
    assert r.returncode == 124, err
    assert "Traceback" not in err and "built-in FreeDOS" in err.splitlines()[0], err


def test_bad_serial_spec(tmp_path):
    r = pcemu("--disk=%s" % boot_floppy(tmp_path / "a.img"), "--display=none", "--serial=carrier-pigeon")
    assert_one_line_error(r, 2, "carrier-pigeon")


@pytest.mark.parametrize("option", ["--scale=0", "--scale=two", "--serial-crlf=cr", "--timeout=0"])
def test_every_bad_option_value_is_status_2(tmp_path, option):
    r = pcemu("--disk=%s" % boot_floppy(tmp_path / "a.img"), "--display=none", option)
    assert_one_line_error(r, 2, option.split("=")[0].lstrip("-").split("-")[0])


def test_positional_image_is_a_disk(tmp_path):
    image = boot_floppy(tmp_path / "hello.img")
    r = pcemu(str(image), "--display=none", "--serial=stdio", "--clock=virtual", "--timeout=60")
    assert r.returncode == 0, r.stderr.decode()
    assert MESSAGE in r.stdout


def test_help_lists_host_keys_and_exit_statuses():
    r = pcemu("--help")
    assert r.returncode == 0
    out = r.stdout.decode()
    for words in ("Ctrl+Alt+", "Ctrl+] then: . quit", "Ctrl+] quits", "124 --timeout", "2 bad option",
                  "3 guest fault", "pcemu [options] [IMAGE"):  # IMAGE is optional: the built-in FreeDOS
        assert words in out, out


def test_a_file_that_is_no_image_is_called_so(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("shopping list\n")
    r = pcemu(str(p), "--display=none")
    assert_one_line_error(r, 1, "notes.txt", "not a disk image")


def test_the_same_image_twice_is_called_so(tmp_path):
    image = boot_floppy(tmp_path / "a.img")
    r = pcemu(str(image), "--disk=%s" % image, "--display=none")
    assert_one_line_error(r, 1, "a.img", "attached twice")


def test_piped_output_has_lf_and_stats_on_a_line_of_their_own(tmp_path):
    image = boot_floppy(tmp_path / "a.img", message=b"LINE ONE\r\nA:\\>")
    r = pcemu(str(image), "--display=none", "--serial=stdio", "--clock=virtual", "--timeout=60", "--stats")
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.endswith(b"LINE ONE\nA:\\>\n"), r.stdout
    assert b"\r" not in r.stdout
    assert r.stderr.decode().startswith("instructions"), r.stderr
    r = pcemu(str(image), "--display=none", "--serial=stdio", "--clock=virtual", "--timeout=60",
              "--serial-crlf=keep")
    assert r.stdout.endswith(b"LINE ONE\r\nA:\\>"), r.stdout


def test_serial_console_announces_a_full_screen_program(tmp_path):
    # The boot sector paints the screen white on blue (INT 10h AH=06h), as EDIT does, then prints.
    paint = bytes([0xB8, 0x00, 0x06, 0xB7, 0x1F, 0x31, 0xC9, 0xBA, 0x4F, 0x18, 0xCD, 0x10])
    image = boot_floppy(tmp_path / "a.img", before=paint)
    r = pcemu(str(image), "--display=none", "--serial=stdio", "--clock=virtual", "--timeout=60")
    assert r.returncode == 0, r.stderr.decode()
    assert "cannot show: use --display=curses" in r.stderr.decode(), r.stderr


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
    fake = tmp_path / "no-pygame"
    fake.mkdir()
    (fake / "pygame.py").write_text("raise ImportError(\"No module named 'pygame'\")\n")
    image = boot_floppy(tmp_path / "hello.img")
    env = dict(ENV, PYTHONPATH=os.pathsep.join([str(fake), str(ROOT)]), DISPLAY=":0")
    r = subprocess.run([sys.executable, "-m", "pcemu", "--disk=%s" % image, "--display=window"],
                       capture_output=True, env=env, cwd=str(ROOT), timeout=60)
    assert_one_line_error(r, 1, "pip install 'pcemu[display]'")


def test_tools_run_gives_pypy_a_4mb_nursery(tmp_path):
    """tools/run (the quick start's command) sets PYPY_GC_NURSERY unless the user did: PyPy
    would size the nursery from the biggest CPU cache (150 MB on a 300 MiB L3). PyPy's GC log
    shows the size it took."""
    log = tmp_path / "gc.log"
    env = {k: v for k, v in os.environ.items() if k != "PYPY_GC_NURSERY"}
    env["PYPYLOG"] = "gc-set-nursery-size:%s" % log
    r = subprocess.run([str(ROOT / "tools" / "run"), "--version"], capture_output=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    sizes = re.findall(r"nursery size: (\d+)", log.read_text())
    assert sizes and int(sizes[-1]) == 4 << 20, sizes
    env["PYPY_GC_NURSERY"] = "6MB"                     # the user's own choice stands
    r = subprocess.run([str(ROOT / "tools" / "run"), "--version"], capture_output=True, timeout=300, env=env)
    assert int(re.findall(r"nursery size: (\d+)", log.read_text())[-1]) == 6 << 20
