"""Durability of guest writes, through the command line as a user runs it.

Each test runs ``python -m pcemu --display=none --serial=stdio --clock=virtual``
in a subprocess with stdin piped (the serial console takes typed commands),
then judges the image on the host with mtools and hashes - never with our own
FAT code alone.
"""

import hashlib
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from conftest import ROOT, image_path

ENV = dict(os.environ, PYTHONPATH=str(ROOT))
IMAGE = "freedos-minimal-1440k.img"
PROMPT = "A:\\>"
needs_mtools = pytest.mark.tools("mtype")


class Emulator:
    """A running ``pcemu`` with its serial console on pipes.

    stdout is drained by a thread into ``self.output`` so the emulator never
    blocks on a full pipe while the test waits for text.
    """

    def __init__(self, image, *extra):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pcemu", "--disk=%s" % image, "--display=none", "--serial=stdio",
             "--clock=virtual", "--timeout=600"] + list(extra),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, cwd=str(ROOT))
        self._chunks = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self):
        while True:
            data = os.read(self.proc.stdout.fileno(), 4096)
            if not data:
                return
            with self._lock:
                self._chunks.append(data)

    @property
    def output(self):
        with self._lock:
            return b"".join(self._chunks).decode("cp437")

    def send(self, text):
        self.proc.stdin.write(text.encode("ascii"))
        self.proc.stdin.flush()

    def wait_for(self, pattern, after=0, timeout=240):
        """Wait until ``pattern`` (a regex) matches the output from offset ``after``;
        returns the end offset of the match."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while time.monotonic() < deadline:
            found = regex.search(self.output, after)
            if found:
                return found.end()
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("no %r in the output (exit status %s):\n%s\nstderr:\n%s" % (
            pattern, self.proc.poll(), self.output[after:], self.stderr_so_far()))

    def command(self, line, timeout=240):
        """Type ``line`` and Enter; wait for the echoed line and the next prompt after it."""
        start = len(self.output)
        self.send(line + "\r")
        echoed = self.wait_for(re.escape(line), start, timeout)
        return self.wait_for(re.escape(PROMPT), echoed, timeout)

    def finish(self, timeout=120):
        """Wait for exit; (status, stderr text)."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        status = self.proc.wait(timeout)
        self._reader.join(10)
        return status, self.proc.stderr.read().decode(errors="replace")

    def stderr_so_far(self):
        return "(read at exit)" if self.proc.poll() is None else self.proc.stderr.read().decode(errors="replace")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)


@pytest.fixture
def emulators():
    """Every emulator a test starts is gone when the test ends, pass or fail."""
    started = []

    def start(image, *extra):
        emu = Emulator(image, *extra)
        started.append(emu)
        return emu

    yield start
    for emu in started:
        emu.kill()


def copy_image(tmp_path, name="a.img"):
    path = tmp_path / name
    shutil.copyfile(image_path(IMAGE), path)
    return path


def mtype(img, name):
    return subprocess.run(["mtype", "-i", str(img), "::/" + name], check=True, capture_output=True).stdout


def mdir_names(img):
    out = subprocess.run(["mdir", "-b", "-i", str(img), "::/"], check=True, capture_output=True, text=True).stdout
    return {line.strip().upper().lstrip(":/").lstrip("/") for line in out.splitlines() if line.strip()}


def sha256(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


def assert_clean_exit(stderr):
    assert "Traceback" not in stderr, stderr


# Exit statuses the CLI gives for the two signals: 128 + the signal number, as a shell reports.
SIGNAL_STATUS = {signal.SIGTERM: 128 + signal.SIGTERM, signal.SIGINT: 128 + signal.SIGINT}


@needs_mtools
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_writes_survive_a_signal_while_the_guest_runs(signum, tmp_path, emulators):
    path = copy_image(tmp_path)
    emu = emulators(path)
    emu.wait_for(re.escape(PROMPT))
    emu.command("ECHO written before the signal> A:\\KEEP.TXT")
    emu.command("COPY A:\\KEEP.TXT A:\\KEEP2.TXT")
    # A batch file that loops for ever, so the guest is busy (reading the disk) when the signal comes.
    emu.command("ECHO :AGAIN> A:\\LOOP.BAT")
    emu.command("ECHO GOTO AGAIN>> A:\\LOOP.BAT")
    start = len(emu.output)
    emu.send("LOOP\r")
    # The batch echoes each line it runs: two GOTOs seen means the loop is going round.
    emu.wait_for(r"GOTO AGAIN[\s\S]*GOTO AGAIN", start)
    assert emu.proc.poll() is None, "the emulator ended before the signal"
    emu.proc.send_signal(signum)
    status, stderr = emu.finish()
    assert status == SIGNAL_STATUS[signum], stderr
    assert_clean_exit(stderr)
    assert mtype(path, "KEEP.TXT").decode().strip() == "written before the signal"
    assert mtype(path, "KEEP2.TXT").decode().strip().rstrip("\x1a") == "written before the signal"
    assert mtype(path, "LOOP.BAT").decode().split() == [":AGAIN", "GOTO", "AGAIN"]
    fsck = subprocess.run(["fsck.fat", "-n", str(path)], capture_output=True, text=True) \
        if shutil.which("fsck.fat") else None
    if fsck is not None:
        assert fsck.returncode == 0, fsck.stdout + fsck.stderr


@needs_mtools
def test_snapshot_leaves_the_image_unchanged(tmp_path, emulators):
    path = copy_image(tmp_path)
    before = sha256(path)
    emu = emulators(path, "--snapshot")
    emu.wait_for(re.escape(PROMPT))
    emu.command("ECHO only in the snapshot> A:\\SNAP.TXT")
    shown = emu.command("TYPE A:\\SNAP.TXT")
    out = emu.output
    typed = out.rindex("TYPE A:\\SNAP.TXT")
    assert "only in the snapshot" in out[typed:shown], out[typed:]
    status, stderr = emu.finish()
    assert status == 0, stderr
    assert_clean_exit(stderr)
    assert sha256(path) == before
    assert "SNAP.TXT" not in mdir_names(path)


def test_second_emulator_cannot_open_a_writable_image_in_use(tmp_path, emulators):
    path = copy_image(tmp_path, "shared-disk.img")
    first = emulators(path)
    first.wait_for(re.escape(PROMPT))
    second = subprocess.run(
        [sys.executable, "-m", "pcemu", "--disk=%s" % path, "--display=none", "--serial=stdio", "--clock=virtual"],
        stdin=subprocess.DEVNULL, capture_output=True, timeout=120, env=ENV, cwd=str(ROOT))
    err = second.stderr.decode()
    assert second.returncode == 1, err
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("pcemu: ") and "shared-disk.img" in lines[0], err
    assert "Traceback" not in err
    # The first emulator is unharmed and still works the disk.
    first.command("ECHO still mine> A:\\MINE.TXT")
    status, stderr = first.finish()
    assert status == 0, stderr
    if shutil.which("mtype"):
        assert mtype(path, "MINE.TXT").decode().strip() == "still mine"


def test_read_only_image_gives_dos_a_write_protect_error(tmp_path, emulators):
    path = copy_image(tmp_path, "readonly.img")
    os.chmod(str(path), 0o444)
    before = sha256(path)
    emu = emulators(path)
    emu.wait_for(re.escape(PROMPT))
    start = len(emu.output)
    emu.send("ECHO x > A:\\F.TXT\r")
    end = emu.wait_for(r"\(F\)ail\?", start)
    message = emu.output[start:end]
    assert re.search(r"write.prot", message, re.I), message
    # Fail the write: DOS reports it and carries on at the prompt.
    emu.send("F")
    emu.wait_for(re.escape(PROMPT), end)
    emu.command("VER")
    status, stderr = emu.finish()
    assert status == 0, stderr
    assert_clean_exit(stderr)
    assert sha256(path) == before
    if shutil.which("mdir"):
        assert "F.TXT" not in mdir_names(path)
