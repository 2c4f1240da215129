"""`pcemu run [options] -- COMMAND`: one DOS command line, headless, its output on stdout
and its exit code as the exit status; `--mount=DIR` with write-back. Referees: mtools'
listing of the same image, Python's zipfile for what FreeDOS's ZIP made, ndisasm for the
test program's bytes, and the host file system."""

import os
import subprocess
import sys
import zipfile

import pytest

from conftest import BUILTIN_IMAGE, ROOT, image_path, require_tool

# mov ax, 4C2Ah / int 21h: exit with code 42
EXIT42 = bytes([0xB8, 0x2A, 0x4C, 0xCD, 0x21])


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


def pcemu_run(cache, *args, stdin=b"", cwd=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PCEMU_CACHE_DIR=str(cache))
    return subprocess.run([sys.executable, "-m", "pcemu", "run"] + list(args), input=stdin, capture_output=True,
                          env=env, timeout=600, cwd=cwd)


def test_prints_the_output_from_a_cold_boot_then_from_the_cached_state(cache):
    cold = pcemu_run(cache, "--", "DIR")
    assert cold.returncode == 0, cold.stderr
    assert [p.name for p in cache.iterdir()][0].startswith("freedos-boot-")
    warm = pcemu_run(cache, "--", "DIR")
    assert warm.returncode == 0, warm.stderr
    assert warm.stdout == cold.stdout and warm.stderr == cold.stderr == b""
    out = cold.stdout.decode("cp437")
    assert out.startswith(" Volume in drive A is FREEDOS\n"), out
    require_tool("mdir")
    listing = subprocess.run(["mdir", "-b", "-i", str(image_path(BUILTIN_IMAGE)), "::/"], check=True,
                             capture_output=True, text=True).stdout.split()
    for name in listing:
        base, _, ext = name.lstrip(":/").partition(".")
        assert any(line.startswith(base.ljust(9) + ext) for line in out.splitlines()), (name, out)
    assert "\r" not in out and not out.endswith("\n\n")


def test_exit_code_of_the_program(cache, tmp_path):
    require_tool("ndisasm")
    (tmp_path / "x.bin").write_bytes(EXIT42)
    dis = subprocess.run(["ndisasm", "-b", "16", str(tmp_path / "x.bin")], capture_output=True,
                         text=True).stdout
    assert "mov ax,0x4c2a" in dis and "int 0x21" in dis, dis
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "EXIT42.COM").write_bytes(EXIT42)
    r = pcemu_run(cache, "--mount=%s" % folder, "--", "EXIT42")
    assert r.returncode == 42, r.stderr
    assert r.stdout == b"" and r.stderr == b""
    assert sorted(os.listdir(str(folder))) == ["EXIT42.COM"]  # nothing written back: nothing changed


def test_bad_input_gets_one_line_and_its_status(cache, tmp_path):
    r = pcemu_run(cache, "--", "NOSUCHCMD", "A", "B")
    assert r.returncode == 127 and r.stdout == b""
    assert r.stderr.decode().splitlines() == ["pcemu: unknown command: NOSUCHCMD"]
    r = pcemu_run(cache, "--mount=%s" % (tmp_path / "missing"), "--", "DIR")
    assert r.returncode == 1 and len(r.stderr.splitlines()) == 1 and b"no such folder" in r.stderr
    r = pcemu_run(cache)
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and b"no command" in r.stderr
    r = pcemu_run(cache, "--", "PAUSE")
    assert r.returncode == 3 and len(r.stderr.splitlines()) == 1 and b"keyboard" in r.stderr
    r = pcemu_run(cache, "--", "PAUSE", stdin=b"x")
    assert r.returncode == 0, r.stderr


def test_mount_writes_back_what_the_guest_changed_and_nothing_else(cache, tmp_path):
    folder = tmp_path / "work"
    (folder / "sub").mkdir(parents=True)
    (folder / "keep.txt").write_bytes(b"untouched\r\n")
    (folder / "change.txt").write_bytes(b"old\r\n")
    (folder / "gone.txt").write_bytes(b"the guest deletes this\r\n")
    (folder / "sub" / "deep.txt").write_bytes(b"deep\r\n")
    (folder / "a long name.txt").write_bytes(b"DOS cannot see me\r\n")
    (folder / "doit.bat").write_bytes(b"@ECHO OFF\r\nECHO changed>CHANGE.TXT\r\nECHO created>NEW.TXT\r\n"
                                      b"MD NEWDIR\r\nCOPY SUB\\DEEP.TXT NEWDIR\\DEEP2.TXT>NUL\r\nDEL GONE.TXT\r\n"
                                      b"TYPE SUB\\DEEP.TXT\r\n")
    before = {p: os.stat(str(folder / p)) for p in ("keep.txt", "sub/deep.txt", "a long name.txt", "doit.bat")}
    r = pcemu_run(cache, "--mount=%s" % folder, "--", "DOIT")
    assert r.returncode == 0, r.stderr
    # FreeCOM starts a batch file with a line end of its own (echo is on until @ECHO OFF).
    assert r.stdout.decode() == "\ndeep\n"
    err = r.stderr.decode().splitlines()
    assert "pcemu: not visible in the guest (not an 8.3 name): a long name.txt" in err, err
    assert "pcemu: deleted in the guest, kept on the host: gone.txt" in err, err
    assert (folder / "change.txt").read_bytes() == b"changed\r\n"
    assert (folder / "NEW.TXT").read_bytes() == b"created\r\n"
    assert (folder / "NEWDIR" / "DEEP2.TXT").read_bytes() == b"deep\r\n"
    assert (folder / "gone.txt").exists()
    for p, st in before.items():
        now = os.stat(str(folder / p))
        assert (now.st_ino, now.st_mtime_ns, now.st_size) == (st.st_ino, st.st_mtime_ns, st.st_size), p
    assert sorted(os.listdir(str(folder))) == sorted(["sub", "keep.txt", "change.txt", "gone.txt", "NEW.TXT",
                                                      "NEWDIR", "a long name.txt", "doit.bat"])


def test_a_program_from_freedos_full_makes_a_file_in_the_mounted_folder(cache, tmp_path):
    full = image_path("freedos-full-1440k.img")
    folder = tmp_path / "src"
    folder.mkdir()
    text = b"hello from the host\r\n" * 40
    (folder / "hello.txt").write_bytes(text)
    r = pcemu_run(cache, "--disk=%s" % full, "--snapshot", "--mount=%s" % folder, "--",
                  "A:\\FREEDOS\\BIN\\ZIP", "-9", "OUT.ZIP", "HELLO.TXT")
    assert r.returncode == 0, r.stderr
    assert b"adding: hello.txt" in r.stdout
    with zipfile.ZipFile(str(folder / "OUT.ZIP")) as z:
        assert z.testzip() is None
        assert [i.filename.upper() for i in z.infolist()] == ["HELLO.TXT"]
        assert z.read(z.infolist()[0]) == text
    assert (folder / "hello.txt").read_bytes() == text


def test_runs_pypys_jit_without_loop_unrolling(cache, monkeypatch, capsys):
    # Why and what it buys: pcemu.hostjit.OPTS_FOR_COMMANDS (a figure, not a timed test).
    from pcemu import hostjit, run
    from test_plugin import JIT_FOR_COMMANDS, RecordingJit

    fake = RecordingJit()
    monkeypatch.setattr(hostjit, "pypyjit", fake)
    monkeypatch.setenv("PCEMU_CACHE_DIR", str(cache))
    assert run.run(["--", "ECHO", "hi"]) == 0
    assert capsys.readouterr().out == "hi\n"
    assert fake.calls == [JIT_FOR_COMMANDS]
