"""The pytest plugin's ``dos`` fixture, used as a project using pcemu would use it.

The one-command tests below are also the plugin's speed target (20 tests, one DOS
command each, <= 10 s in all under PyPy, the session's boot aside): run
``pytest tests/test_plugin.py -k one_command --durations=0``. Referees: mtools for the
disk listing and files, the host for what the guest writes."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import BUILTIN_IMAGE, ROOT, image_path, require_module, require_tool

BUILTIN_FILES = ["KERNEL.SYS", "COMMAND.COM", "CONFIG.SYS", "AUTOEXEC.BAT", "README.TXT"]


def mtype(name):
    require_tool("mtype")
    return subprocess.run(["mtype", "-i", str(image_path(BUILTIN_IMAGE)), "::/" + name], check=True,
                          capture_output=True).stdout.decode("cp437")


ONE_COMMAND = [
    ("VER", lambda out: "FreeCom version 0.82 pl 3" in out),
    ("VER /R", lambda out: "FreeDOS kernel version 0.0.40" in out),
    ("ECHO hello world", lambda out: out == "hello world\n"),
    ("ECHO %COMSPEC%", lambda out: out == "A:\\COMMAND.COM\n"),
    ("SET", lambda out: "COMSPEC=A:\\COMMAND.COM" in out and "PATH=" in out),
    ("DIR", lambda out: all(n.split(".")[0] in out for n in BUILTIN_FILES)),
    ("DIR /B", lambda out: sorted(out.split()) == sorted(BUILTIN_FILES)),
    ("DIR /W", lambda out: "[" not in out and "KERNEL.SYS" in out.replace(" ", "").replace("KERNELSYS", "KERNEL.SYS")
     or "KERNEL" in out),
    ("DIR C:", lambda out: "HOSTFOLDER" in out or "Volume in drive C" in out),
    ("TYPE CONFIG.SYS", lambda out: out.replace("\n", "\r\n").rstrip("\r\n\x1a") == mtype("CONFIG.SYS").rstrip("\r\n\x1a")),
    ("TYPE README.TXT", lambda out: "freedosbootdisks" in out),
    ("TYPE AUTOEXEC.BAT", lambda out: out.strip().endswith("cls")),
    ("VOL", lambda out: "FREEDOS" in out),
    ("VOL C:", lambda out: "HOSTFOLDER" in out),
    ("PATH", lambda out: out.strip().upper().startswith("PATH=")),
    ("CD", lambda out: out.strip() == "A:\\"),
    ("MD C:\\NEW", lambda out: out == ""),
    ("ECHO one two three>C:\\OUT.TXT", lambda out: out == ""),
    ("REM nothing", lambda out: out == ""),
    ("DATE /T", lambda out: "2000" in out),
]


@pytest.mark.parametrize("line, check", ONE_COMMAND, ids=[c for c, _ in ONE_COMMAND])
def test_one_command(dos, line, check):
    out = dos.run(line)
    assert check(out), out


def test_exit_code_and_files_on_c(dos):
    dos.write_file("EXIT7.COM", bytes([0xB8, 0x07, 0x4C, 0xCD, 0x21]))  # mov ax,4C07h / int 21h
    dos.write_file("C:\\DATA.TXT", b"line one\r\nline two\r\n")
    assert dos.run("C:\\EXIT7") == ""
    assert dos.errorlevel() == 7
    assert dos.run("TYPE C:\\DATA.TXT") == "line one\nline two\n"
    assert dos.run("COPY C:\\DATA.TXT C:\\COPY.TXT").strip() == "C:\\DATA.TXT => C:\\COPY.TXT"
    assert dos.read_file("COPY.TXT") == b"line one\r\nline two\r\n"
    dos.write_file("LATE.TXT", b"written after DOS used C:")  # DOS drops its buffers first
    # No line end in the file: the one before the next prompt is COMMAND.COM's.
    assert dos.run("TYPE C:\\LATE.TXT") == "written after DOS used C:\n"
    dos.write_file("DATA.TXT", b"replaced")
    assert dos.run("TYPE C:\\DATA.TXT") == "replaced\n"


def test_type_and_screen(dos):
    dos.type("ECHO typed through the keyboard\r")
    assert "typed through the keyboard" in dos.screen_text().split("ECHO typed", 1)[1]


def test_screenshot(dos, tmp_path):
    pygame = require_module("pygame")
    dos.run("ECHO picture")
    path = dos.screenshot(str(tmp_path / "s.png"))
    image = pygame.image.load(str(path))
    assert image.get_size() == (720, 400)
    colours = {tuple(image.get_at((x, y)))[:3] for x in range(0, 720, 3) for y in range(0, 400, 3)}
    assert (0, 0, 0) in colours and (170, 170, 170) in colours


def test_each_test_starts_from_the_boot_state(dos):
    # test_exit_code_and_files_on_c wrote to C: in its own machine: nothing of it is here.
    assert "File not found" in dos.run("DIR C:\\DATA.TXT") or "not found" in dos.run("DIR C:\\DATA.TXT").lower()


def test_a_failing_test_shows_the_last_screen(tmp_path):
    (tmp_path / "test_fails.py").write_text(
        "def test_fails(dos):\n"
        "    dos.run('ECHO shown-on-failure')\n"
        "    assert False\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                       capture_output=True, text=True, env=env, cwd=str(tmp_path), timeout=600)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "DOS screen (last)" in r.stdout, r.stdout
    section = r.stdout.split("DOS screen (last)", 1)[1]
    assert "shown-on-failure" in section and "@pcemu-ready@" in section


def test_options_choose_the_image_and_cpu(tmp_path):
    src = shutil.copyfile(str(image_path(BUILTIN_IMAGE)), str(tmp_path / "mine.img"))
    (tmp_path / "test_opts.py").write_text(
        "def test_opts(dos):\n"
        "    assert dos.machine.cpu_model == '8086'\n"
        "    assert not dos.machine.floppy_drives[0].builtin\n"
        "    assert 'KERNEL' in dos.run('DIR')\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--dos-image=%s" % src,
                        "--dos-cpu=8086", str(tmp_path)], capture_output=True, text=True, env=env,
                       cwd=str(tmp_path), timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr


def _free_bytes(out):
    return int(re.search(r"([\d,]+) bytes free", out).group(1).replace(",", ""))


def _instructions(dos, line):
    before = dos.machine.cpu.icount
    out = dos.run(line)
    return out, dos.machine.cpu.icount - before


def test_free_space_of_c_is_counted_in_the_boot_state_and_after_host_writes(dos):
    # DOS counts a FAT16 drive's free clusters at its first DIR (32 K FAT entries on this C:,
    # 18 M guest instructions); the boot state has them counted.
    out, insns = _instructions(dos, "DIR C:")
    assert insns < 5_000_000, insns
    dos.write_file("BIG.BIN", bytes(100 * 1024))     # 25 clusters of 4 KiB, 100 of 1 KiB...
    assert _free_bytes(out) - _free_bytes(dos.run("DIR C:")) == 100 * 1024


def test_command_lines_are_typed_without_waiting_for_each_key(dos):
    # Through the 8042, each byte of a keystroke takes a millisecond on the wire, while
    # FreeCOM polls: some 30 K guest instructions a character, 2 M for this line.
    out, insns = _instructions(dos, "REM " + "x" * 60)
    assert out == "" and insns < 1_000_000, insns


def test_translations_shared_between_machines_change_no_screen_or_count(dos_boot_state):
    """Three machines from the boot state run the same commands: the first fills a region
    cache, the second runs from it, the third translates alone. Same output, screens and
    instruction counts."""
    from pcemu.cpu.regioncache import RegionCache
    from pcemu.machine import Machine
    from pcemu.pytest_plugin import Dos

    cache = RegionCache()
    results = []
    for own in (cache, cache, None):
        boot = dos_boot_state
        m = Machine.from_state(boot.state_path, disks=boot.open_disks(), clock=boot.clock)
        m.cpu.translator.cache = own
        d = Dos(m)
        seen = []
        for line in ("DIR", "TYPE CONFIG.SYS", "ECHO one two three>C:\\OUT.TXT", "TYPE C:\\OUT.TXT"):
            seen.append((d.run(line), m.screen_text(), m.cpu.icount))
        results.append((seen, m.cpu.translator.cache_hits, m.cpu.translator.regions_translated))
        m.close()
    (first, hits1, n1), (second, hits2, n2), (alone, hits3, n3) = results
    assert second == first == alone
    assert hits1 == 0 and hits2 >= n2 > 0 and hits3 == 0   # hits: also places known not to translate


def test_run_returns_at_the_prompt_without_waiting_for_timer_ticks(dos):
    # COMMAND.COM prints its prompt when it reads the next line: dos.run stops as soon as
    # the guest waits for keys after it. At its prompt DOS polls the keyboard some 28,000
    # guest instructions every timer tick; watching it idle across ticks as well cost a
    # tenth of a short command. The referee is the guest's own tick count (BDA 40:6Ch).
    m = dos.machine
    ticks_at_prompt = []
    backend = m.serial_backend
    write = backend.write

    def watch(data):
        write(data)
        if bytes(backend.output).rstrip(b"\r\n").endswith(b"@pcemu-ready@"):
            ticks_at_prompt.append(bytes(m.mem.data[0x46C:0x470]))
    backend.write = watch
    assert dos.run("REM nothing") == ""
    assert ticks_at_prompt and ticks_at_prompt[-1] == bytes(m.mem.data[0x46C:0x470])


def test_a_session_reads_its_c_drive_for_hashing_once(tmp_path, monkeypatch):
    # The boot state's cache key and the state's disk check both need C:'s digest: one
    # hash of the 32 MiB image serves both (and every restore after them).
    import hashlib

    from pcemu.pytest_plugin import C_DRIVE_BYTES, _make_boot_state, _restore

    real = hashlib.sha256
    hashed = []

    class Counting:
        def __init__(self, data=b""):
            self.h = real(data)
            hashed.append(len(data))

        def update(self, data):
            hashed.append(len(data))
            self.h.update(data)

        def digest(self):
            return self.h.digest()

        def hexdigest(self):
            return self.h.hexdigest()

    monkeypatch.setattr(hashlib, "sha256", Counting)
    boot = _make_boot_state(str(tmp_path), None, "80186", "virtual")
    _restore(boot).machine.close()
    _restore(boot).machine.close()
    assert C_DRIVE_BYTES <= sum(hashed) < 2 * C_DRIVE_BYTES


class RecordingJit:
    """A stand-in for PyPy's ``pypyjit`` that records what it is asked (as in test_hostjit)."""
    defaults = {"enable_opts": "all", "trace_eagerness": 200}

    def __init__(self):
        self.calls = []

    def set_param(self, text):
        self.calls.append(text)

    def dont_trace_here(self, pc, profiled, code):
        pass


JIT_FOR_COMMANDS = "enable_opts=intbounds:rewrite:virtualize:string:pure:earlyforce:heap,trace_eagerness=50"


@pytest.fixture
def recorded_jit(monkeypatch):
    """The stand-in, set up before the test's ``dos`` and checked after its teardown: PyPy's
    defaults are back once the test's DOS machines are gone."""
    from pcemu import hostjit

    fake = RecordingJit()
    monkeypatch.setattr(hostjit, "pypyjit", fake)
    yield fake
    assert fake.calls[-1:] == ["enable_opts=all,trace_eagerness=%d" % hostjit.TRACE_EAGERNESS]


def test_a_test_with_dos_runs_pypys_jit_tuned_for_commands(recorded_jit, dos):
    # Why and what it buys: pcemu.hostjit.OPTS_FOR_COMMANDS (a figure, not a timed test).
    assert recorded_jit.calls == [JIT_FOR_COMMANDS]
    assert dos.run("ECHO tuned") == "tuned\n"
    assert recorded_jit.calls == [JIT_FOR_COMMANDS]


def test_two_dos_machines_in_one_test_tune_the_jit_once(recorded_jit, dos, dos_factory):
    other = dos_factory()
    assert other.run("ECHO second") == "second\n" and dos.run("ECHO first") == "first\n"
    assert recorded_jit.calls == [JIT_FOR_COMMANDS]
