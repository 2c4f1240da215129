"""Ctrl+\\ on the serial console's terminal stops the guest and opens the monitor there."""

import os
import pty
import re
import select
import subprocess
import sys
import time

from conftest import ROOT, image_path

ENV = dict(os.environ, PYTHONPATH=str(ROOT))


def read_until(fd, text, timeout=120):
    data = b""
    end = time.monotonic() + timeout
    while text not in data:
        left = end - time.monotonic()
        assert left > 0, data[-2000:]
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    assert text in data, data[-2000:]
    return data


def read_until_quiet(fd, quiet=1.0, timeout=60):
    """Read until nothing more comes for ``quiet`` seconds (the guest waits at its prompt)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], quiet)
        if not r or not os.read(fd, 4096):
            return
    raise AssertionError("the screen kept changing for %d s" % timeout)


def test_ctrl_backslash_opens_the_monitor_on_the_console(tmp_path):
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "pcemu", "--disk=%s" % image_path("freedos-minimal-1440k.img"),
                             "--snapshot", "--display=none", "--serial=stdio", "--timeout=200"],
                            stdin=slave, stdout=slave, stderr=slave, env=ENV, cwd=str(ROOT))
    os.close(slave)
    try:
        read_until(master, b"A:\\>")
        os.write(master, b"\x1c")
        out = read_until(master, b"(pcemu) ")
        assert b"paused at " in out
        os.write(master, b"r\n")
        ax = re.search(rb"AX=([0-9A-F]{4})", read_until(master, b"IP=")).group(1)
        os.write(master, b"r ax=4243\n")
        read_until(master, b"AX=4243")
        # AX back as it was: the guest was stopped anywhere (in the shell's keyboard poll,
        # say), and an AX it did not expect there can end the shell
        os.write(master, b"r ax=" + ax + b"\n")
        read_until(master, b"AX=" + ax)
        os.write(master, b"b int 21\nc\n")
        read_until(master, b"breakpoint 1 at ")  # DOS's shell polls INT 21h soon enough
        os.write(master, b"bd all\nc\n")
        time.sleep(1)
        os.write(master, b"ver\r")  # back in raw mode: keys go to DOS again
        read_until(master, b"FreeCom version")
        os.write(master, b"\x1d.")  # Ctrl+] then .: quit
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)


def test_ctrl_backslash_in_the_curses_display(tmp_path):
    master, slave = pty.openpty()
    env = dict(ENV, TERM="xterm", LINES="30", COLUMNS="100")
    proc = subprocess.Popen([sys.executable, "-m", "pcemu", "--disk=%s" % image_path("freedos-minimal-1440k.img"),
                             "--snapshot", "--display=curses", "--timeout=200"],
                            stdin=slave, stdout=slave, stderr=slave, env=env, cwd=str(ROOT))
    os.close(slave)
    try:
        read_until(master, b"A:\\")  # a prompt, drawn by curses
        # AUTOEXEC.BAT's first line shows one (A:\>ECHO OFF) before its CLS: wait for the
        # screen to settle at the last one
        read_until_quiet(master)
        os.write(master, b"\x1c")
        out = read_until(master, b"(pcemu) ")
        assert b"paused at " in out
        os.write(master, b"screen\n")
        read_until(master, b"|A:\\>")  # the monitor's own view of the text screen
        os.write(master, b"q\n")
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
