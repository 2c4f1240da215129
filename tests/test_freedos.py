"""FreeDOS end to end, driven like a user: keys in through the 8042, screen out of VGA
memory, checked against mtools' view of the same image."""

import re
import shutil
import subprocess

import pytest

from conftest import FREEDOS_IMAGES, image_path
from pcemu.machine import Machine

PROMPT = "A:\\>"
PROMPT_MARK = "@pcemu-ready@"  # the dos fixture's prompt
needs_mtools = pytest.mark.tools("mdir", "mtype")


def mdir_entries(img, path="::/"):
    """(name, ext, size or '<DIR>') for every entry mtools lists."""
    out = subprocess.run(["mdir", "-i", str(img), path], check=True, capture_output=True, text=True).stdout
    date = re.compile(r"^\d{4}-\d\d-\d\d$")
    entries = []
    for line in out.splitlines():
        t = line.split()
        if line.startswith(" ") or len(t) < 3:
            continue
        if t[1] == "<DIR>":
            entries.append((t[0], "", "<DIR>"))
        elif len(t) >= 4 and t[2] == "<DIR>" and date.match(t[3]):
            entries.append((t[0], t[1], "<DIR>"))
        elif t[1].isdigit() and date.match(t[2]):
            entries.append((t[0], "", t[1]))
        elif len(t) >= 4 and t[2].isdigit() and date.match(t[3]):
            entries.append((t[0], t[1], t[2]))
    return entries


def mtype(img, name):
    return subprocess.run(["mtype", "-i", str(img), "::/" + name], check=True, capture_output=True).stdout


def boot(path, clock="virtual", **kw):
    m = Machine(floppies=[path], clock=clock, **kw)
    assert m.run_until_text(PROMPT, timeout=240), "no prompt; screen:\n" + m.screen_text()
    assert m.run_until_idle(timeout=120)
    return m


def command(m, text, timeout=120):
    m.type_text(text + "\r")
    assert m.run_until_idle(timeout=timeout), "still busy after %r; screen:\n%s" % (text, m.screen_text())
    return m.screen_text()


def dir_entries_from_screen(screen):
    """(name, ext, size or '<DIR>') from FreeDOS DIR lines: 'KERNEL   SYS        45,450  ...'."""
    entries = []
    for line in screen.splitlines():
        m = re.match(r"^(\S{1,8})\s+(\S{1,3})?\s+(<DIR>|[\d,.]+)\s+\d", line)
        if m:
            name, ext, size = m.groups()
            entries.append((name, ext or "", size if size == "<DIR>" else size.replace(",", "").replace(".", "")))
    return entries


@pytest.fixture(scope="module", params=FREEDOS_IMAGES)
def booted(request, tmp_path_factory):
    src = image_path(request.param)
    path = tmp_path_factory.mktemp("fd") / request.param
    shutil.copyfile(src, path)
    m = boot(path)
    yield path, m
    m.close()


def test_boots_to_prompt(booted):
    path, m = booted
    assert PROMPT in m.screen_text()


@needs_mtools
def test_dir_lists_what_mtools_lists(booted):
    path, m = booted
    screen = command(m, "DIR")
    expected = sorted(mdir_entries(path))
    assert sorted(dir_entries_from_screen(screen)) == expected, screen


@needs_mtools
def test_type_autoexec_matches_mtype(booted):
    path, m = booted
    command(m, "CLS")
    screen = command(m, "TYPE AUTOEXEC.BAT")
    text = mtype(path, "AUTOEXEC.BAT").decode("cp437")
    lines = [l.rstrip() for l in text.replace("\r\n", "\n").rstrip("\n\x1a").split("\n")]
    shown = "\n".join(l.rstrip() for l in screen.splitlines())
    # The file's last lines must be on screen, in order, right above the new prompt.
    tail = "\n".join(lines[-15:])
    assert tail in shown, tail + "\n---\n" + shown
    after = shown[shown.rindex(tail) + len(tail):]
    assert after.strip("\n").startswith(PROMPT), shown


@pytest.mark.parametrize("name", FREEDOS_IMAGES)
def test_realtime_clock_boots_too(name, tmp_path):
    path = tmp_path / name
    shutil.copyfile(image_path(name), path)
    m = boot(path, clock="realtime")
    m.close()


def test_virtual_clock_runs_repeat_exactly(tmp_path):
    name = "freedos-minimal-720k.img"
    results = []
    for i in range(2):
        path = tmp_path / ("%d.img" % i)
        shutil.copyfile(image_path(name), path)
        m = Machine(floppies=[path], clock="virtual", rtc_epoch=1_000_000_000)
        m.run(insns=3_000_000)
        m.type_text("DIR\r")
        m.run(insns=12_000_000)
        results.append((m.screen_text(), m.cpu.icount, m.cursor()))
        m.close()
    assert results[0] == results[1]
    assert "KERNEL" in results[0][0]


@pytest.fixture
def full(dos_factory):
    """freedos-full at its prompt, restored for each test from a state booted once per
    session (the pcemu pytest plugin's ``dos_factory``)."""
    path = image_path("freedos-full-1440k.img")
    return path, dos_factory(path)


def test_mem_reports_640k_conventional(full):
    path, dos = full
    out = dos.run("MEM")
    line = [l for l in out.splitlines() if l.strip().lower().startswith("conventional")]
    assert line, out
    assert re.search(r"\b640K\b", line[0]), line[0]


@needs_mtools
def test_find_and_more(full):
    path, dos = full
    out = dos.run('FIND "PATH" AUTOEXEC.BAT')
    expected = [l for l in mtype(path, "AUTOEXEC.BAT").decode("cp437").splitlines() if "PATH" in l]
    assert expected and all(l.rstrip() in out for l in expected), out
    out = dos.run("MORE < CONFIG.SYS")
    first = mtype(path, "CONFIG.SYS").decode("cp437").splitlines()[0].rstrip()
    assert first in out, out


def test_debug_dumps_and_quits(full):
    path, dos = full
    dos.type("DEBUG\r")
    dos.type("D F000:FFF5 L 8\r")
    screen = dos.screen_text()
    # The BIOS date string at F000:FFF5, as the ROM image holds it.
    from pcemu.machine import BIOS_IMAGE
    date = BIOS_IMAGE.read_bytes()[0xFFF5:0xFFFD].decode("ascii")
    assert date in screen, screen
    dos.type("Q\r")
    assert dos.screen_text().rstrip().endswith(PROMPT_MARK), dos.screen_text()


@needs_mtools
def test_chkdsk(full):
    path, dos = full
    out = dos.run("CHKDSK A:")

    def number(label):
        line = [l for l in out.splitlines() if label in l]
        assert line, (label, out)
        return int(re.sub(r"[.,]", "", line[0].split()[0]))

    listing = subprocess.run(["mdir", "-i", str(path), "::/"], check=True, capture_output=True, text=True).stdout
    free = int(re.search(r"([\d ]+) bytes free", listing).group(1).replace(" ", ""))
    assert number("bytes available") == free, out
    assert number("total drive size") == number("total number of clusters") * number("bytes in every cluster")


@needs_mtools
def test_files_written_by_dos_are_readable_on_the_host(tmp_path):
    name = "freedos-minimal-1440k.img"
    path = tmp_path / name
    shutil.copyfile(image_path(name), path)
    m = boot(path)
    command(m, "ECHO hello from dos> HELLO.TXT")
    m.type_text("COPY CON TYPED.TXT\r")
    m.run_until_idle(timeout=60)
    m.type_text("line one\rline two\r")
    m.press_key("f6")  # ^Z ends COPY CON
    m.type_text("\r")
    assert m.run_until_idle(timeout=60)
    m.close()
    assert mtype(path, "HELLO.TXT").decode().strip() == "hello from dos"
    assert mtype(path, "TYPED.TXT").replace(b"\x1a", b"").decode().split() == ["line", "one", "line", "two"]


def test_serial_console_mirrors_the_screen_through_the_api(dos):
    m = dos.machine
    mark = len(m.serial_output())
    m.send_serial(b"VER\r")
    assert m.run_until_idle(timeout=60)
    out = m.serial_output()[mark:].decode("cp437")
    screen = m.screen_text()
    # What DOS printed for VER is on the screen and, byte for byte, on COM1.
    version = [l for l in screen.splitlines() if l.startswith("FreeCom version")]
    assert version and version[0] in out, out
    # the typed line echoed, the output, the next prompt
    assert out.startswith("VER\r\n") and out.rstrip().endswith(PROMPT_MARK), out
