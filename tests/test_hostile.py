"""A hostile user and hostile guests, through the command line as a user runs it.

Every path ends in one line on stderr (a guest fault adds its register dump),
with the documented exit status, no traceback, and disk writes on the image.
Guests are boot sectors assembled with NASM (the source is beside each one).
"""
import os
import re
import resource
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import ROOT

ENV = dict(os.environ, PYTHONPATH=str(ROOT))
FLOPPY_360K = 368640


def pcemu(*args, stdin=b"", timeout=120, env=None, **popen):
    return subprocess.run([sys.executable, "-m", "pcemu"] + list(args), input=stdin, capture_output=True,
                          timeout=timeout, env=env or ENV, cwd=str(ROOT), **popen)


def assert_one_line_error(result, status, *words):
    err = result.stderr.decode(errors="replace")
    assert result.returncode == status, err
    assert "Traceback" not in err
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("pcemu: "), err
    for w in words:
        assert w in lines[0], err


def assert_guest_fault(result, *words):
    err = result.stderr.decode(errors="replace")
    assert result.returncode == 3, err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert lines[0].startswith("pcemu: guest fault: "), err
    for w in words:
        assert w in lines[0], err
    assert re.search(r"AX=[0-9A-F]{4}", err) and re.search(r"CS=[0-9A-F]{4}", err) and "FLAGS=" in err, err
    return lines[0]


def boot_floppy(tmp_path, code, name="guest.img"):
    """A blank 360K floppy whose boot sector is ``code`` (run at 0000:7C00)."""
    sector = bytearray(512)
    sector[:len(code)] = code
    sector[510:512] = b"\x55\xaa"
    path = tmp_path / name
    path.write_bytes(bytes(sector) + bytes(FLOPPY_360K - 512))
    return path


# mov al,0FFh / out 21h,al / out 0A1h,al / sti / hlt / jmp $-1: every IRQ masked.
ALL_MASKED_STI_HLT = bytes.fromhex("b0ffe621e6a1fbf4ebfd")
# in al,21h / or al,1 / out 21h,al / sti / hlt / jmp $-1: the PIT masked, IRQ1 (keyboard) still open.
PIT_MASKED_STI_HLT = bytes.fromhex("e4210c01e621fbf4ebfd")
# xor ax,ax / mov ds,ax / mov es,ax / mov ax,0301h / mov cx,0002h / xor dh,dh / mov bx,msg / int 13h
# spin: out 80h,al / jmp spin / msg: db "WRITTEN BEFORE THE TRACE FAILED"
# (writes its own tail to sector 2 of the boot drive, then writes port 80h for ever)
WRITE_THEN_SPIN = bytes.fromhex("31c08ed88ec0b80103b9020030f6bb177ccd13e680ebfc") + b"WRITTEN BEFORE THE TRACE FAILED"
# mov ax,1000h / mov es,ax / xor di,di / mov cx,8000h / mov ax,2E2Eh / cld / rep stosw / jmp 1000:0000
# fills segment 1000h with CS: prefixes and jumps into it.
PREFIX_SEGMENT = bytes.fromhex("b800108ec031ffb90080b82e2efcf3abea00000010")
# xor ax,ax / mov ds,ax / mov si,msg / next: lodsb / test al,al / jz done / out 0E9h,al / jmp next
# done: cli / hlt / msg: ESC "[2J" BEL, 300 x "A", 0
DEBUGCON_GARBAGE = (bytes.fromhex("31c08ed8be127cac84c07404e6e9ebf7faf4") + b"\x1b[2J\x07" + b"A" * 300 + b"\x00")


# --- 1. prefixes ---------------------------------------------------------------------

@pytest.mark.parametrize("tier", ["interp", "auto"])
@pytest.mark.parametrize("cpu", ["8086", "80186"])
def test_a_segment_full_of_prefixes_is_a_guest_fault(tmp_path, cpu, tier):
    p = boot_floppy(tmp_path, PREFIX_SEGMENT)
    r = pcemu("--disk=%s" % p, "--display=none", "--clock=virtual", "--cpu=" + cpu, "--cpu-tier=" + tier,
              "--timeout=60")
    assert_guest_fault(r, "prefix", "1000:")


# --- 2. serial file ------------------------------------------------------------------

@pytest.mark.parametrize("where", ["missing-folder/out.txt", "."])
def test_serial_file_that_cannot_be_opened(tmp_path, where):
    p = boot_floppy(tmp_path, ALL_MASKED_STI_HLT)
    target = tmp_path / where
    r = pcemu("--disk=%s" % p, "--display=none", "--serial=file:%s" % target)
    assert_one_line_error(r, 1, "serial")


# --- 3. traces -----------------------------------------------------------------------

@pytest.mark.parametrize("option", ["--trace", "--trace-ports"])
@pytest.mark.parametrize("where", ["missing-folder/t.txt", ".", "/dev/full"])
def test_trace_that_cannot_be_written(tmp_path, option, where):
    p = boot_floppy(tmp_path, ALL_MASKED_STI_HLT)
    target = where if where.startswith("/") else str(tmp_path / where)
    r = pcemu("--disk=%s" % p, "--display=none", "--clock=virtual", "--timeout=60", "%s=%s" % (option, target))
    assert_one_line_error(r, 1, "trace file")


def _limit_file_size():
    # Writes past 2 MB fail with EFBIG instead of killing the process with SIGXFSZ.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (2 << 20, 2 << 20))


def test_trace_failing_mid_run_keeps_the_guests_disk_writes(tmp_path):
    # The guest writes sector 2 early (the port trace is about 0.3 MB by then), then
    # fills the trace until the file size limit stops it.
    p = boot_floppy(tmp_path, WRITE_THEN_SPIN)
    r = pcemu("--disk=%s" % p, "--display=none", "--clock=virtual", "--timeout=300",
              "--trace-ports=%s" % (tmp_path / "ports.txt"), preexec_fn=_limit_file_size, timeout=400)
    assert_one_line_error(r, 1, "trace file", "ports.txt")
    assert sector_2(p) == b"WRITTEN BEFORE THE TRACE FAILED"


# --- 4. timeout values ---------------------------------------------------------------

@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e308", "1e400", "0", "-1"])
def test_timeout_must_be_finite_and_positive(tmp_path, value):
    p = boot_floppy(tmp_path, ALL_MASKED_STI_HLT)
    r = pcemu("--disk=%s" % p, "--display=none", "--timeout=" + value)
    assert_one_line_error(r, 2, "--timeout")


# --- 5. the serial console's stdin/stdout --------------------------------------------

def test_console_on_a_full_device_ends_the_run_with_one_line(tmp_path):
    p = boot_floppy(tmp_path, PIT_MASKED_STI_HLT)
    with open("/dev/full", "wb") as full:
        proc = subprocess.run([sys.executable, "-m", "pcemu", "--disk=%s" % p, "--display=none", "--serial=stdio",
                               "--clock=virtual", "--timeout=60"], stdin=subprocess.DEVNULL, stdout=full,
                              stderr=subprocess.PIPE, env=ENV, cwd=str(ROOT), timeout=120)
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and "standard output" in lines[0] and "No space" in lines[0], err


def _shell(tmp_path, redirect, *args):
    command = " ".join([sys.executable, "-m", "pcemu"] + list(args)) + " " + redirect
    return subprocess.run(["sh", "-c", command], capture_output=True, env=ENV, cwd=str(ROOT), timeout=120)


def test_console_with_stdout_closed_is_refused_with_one_line(tmp_path):
    p = boot_floppy(tmp_path, PIT_MASKED_STI_HLT)
    r = _shell(tmp_path, ">&-", "--disk=%s" % p, "--display=none", "--serial=stdio", "--clock=virtual",
               "--timeout=60")
    assert_one_line_error(r, 1, "standard output")


def test_console_with_stdin_closed_reads_end_of_file(tmp_path):
    # No input can come: once the guest waits for it, the run ends normally.
    p = boot_floppy(tmp_path, bytes.fromhex("fbf4ebfd"))  # sti / hlt / jmp $-1, the PIT ticking
    r = _shell(tmp_path, "<&-", "--disk=%s" % p, "--display=none", "--serial=stdio", "--clock=virtual",
               "--timeout=60")
    err = r.stderr.decode()
    assert r.returncode == 0, err
    assert "Traceback" not in err and err.strip() == "", err


# --- 6. BIOS images that are not files ------------------------------------------------

def test_bios_from_a_device_is_refused(tmp_path):
    p = boot_floppy(tmp_path, ALL_MASKED_STI_HLT)
    r = pcemu("--disk=%s" % p, "--display=none", "--bios=/dev/zero", timeout=60)
    assert_one_line_error(r, 1, "/dev/zero", "regular file")


def test_bios_from_a_fifo_is_refused(tmp_path):
    p = boot_floppy(tmp_path, ALL_MASKED_STI_HLT)
    fifo = tmp_path / "bios.fifo"
    os.mkfifo(str(fifo))
    r = pcemu("--disk=%s" % p, "--display=none", "--bios=%s" % fifo, timeout=60)
    assert_one_line_error(r, 1, "bios.fifo", "regular file")


def test_bios_of_the_wrong_size_is_refused(tmp_path):
    p = boot_floppy(tmp_path, ALL_MASKED_STI_HLT)
    bios = tmp_path / "short.bin"
    bios.write_bytes(bytes(1000))
    r = pcemu("--disk=%s" % p, "--display=none", "--bios=%s" % bios, timeout=60)
    assert_one_line_error(r, 1, "short.bin", "65536")


# --- 7. signals outside the run loop ---------------------------------------------------

# Loaded by Python at start-up (sitecustomize on PYTHONPATH): stalls pcemu at one point of
# its start-up or exit, after writing a marker file, so the test can signal it right there.
STALL_HOOK = textwrap.dedent('''
    import os, sys, time
    WHERE = os.environ["PCEMU_TEST_STALL"]
    MARK = os.environ["PCEMU_TEST_MARK"]

    def stall():
        with open(MARK, "w") as f:
            f.write("here")
        time.sleep(20)

    if WHERE == "import":
        class StallFinder:
            def find_spec(self, name, path=None, target=None):
                if name == "pcemu.machine":
                    sys.meta_path.remove(self)
                    stall()
                return None
        sys.meta_path.insert(0, StallFinder())
    elif WHERE == "open":
        real_open = os.open
        def slow_open(path, *args, **kwargs):
            if str(path).endswith(".img"):
                stall()
            return real_open(path, *args, **kwargs)
        os.open = slow_open
    elif WHERE == "fsync":
        real_fsync = os.fsync
        def slow_fsync(fd):
            stall()
            return real_fsync(fd)
        os.fsync = slow_fsync
''')


def start_stalled(tmp_path, where, image):
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(STALL_HOOK)
    mark = tmp_path / "mark"
    env = dict(ENV, PYTHONPATH="%s%s%s" % (hooks, os.pathsep, ROOT), PCEMU_TEST_STALL=where,
               PCEMU_TEST_MARK=str(mark))
    proc = subprocess.Popen([sys.executable, "-m", "pcemu", "--disk=%s" % image, "--display=none",
                             "--clock=virtual", "--timeout=120"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=str(ROOT))
    return proc, mark


def wait_for_mark(proc, mark, timeout=120):
    deadline = time.monotonic() + timeout
    while not mark.exists():
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "the hook never ran"
        time.sleep(0.02)


@pytest.mark.parametrize("where", ["import", "open"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_during_start_up(tmp_path, where, signum):
    p = boot_floppy(tmp_path, ALL_MASKED_STI_HLT)
    proc, mark = start_stalled(tmp_path, where, p)
    try:
        wait_for_mark(proc, mark)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
        proc.wait()
    err = err.decode()
    assert proc.returncode == 128 + signum, err
    assert "Traceback" not in err, err


def test_second_signal_during_the_final_fsync(tmp_path):
    # The guest writes sector 2, then spins; SIGTERM ends the run, and the exit's
    # fsync stalls; a SIGINT then must neither cut it short nor print a traceback.
    p = boot_floppy(tmp_path, WRITE_THEN_SPIN)
    proc, mark = start_stalled(tmp_path, "fsync", p)
    try:
        deadline = time.monotonic() + 120
        while sector_2(p) != b"WRITTEN BEFORE THE TRACE FAILED":  # written, not yet synced
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the guest never wrote"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        wait_for_mark(proc, mark)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
        proc.wait()
    err = err.decode()
    assert proc.returncode == 143, err
    assert "Traceback" not in err, err
    assert sector_2(p) == b"WRITTEN BEFORE THE TRACE FAILED"


def sector_2(path):
    with open(str(path), "rb") as f:
        f.seek(512)
        return f.read(31)


# --- 9. a halted guest nothing can wake ------------------------------------------------

@pytest.mark.parametrize("clock", ["virtual", "realtime"])
@pytest.mark.parametrize("code", [ALL_MASKED_STI_HLT, PIT_MASKED_STI_HLT], ids=["all-masked", "pit-masked"])
def test_halted_guest_that_nothing_can_wake_is_a_guest_fault(tmp_path, clock, code):
    # Headless, no serial console: no key and no byte can ever arrive.
    p = boot_floppy(tmp_path, code)
    t0 = time.monotonic()
    r = pcemu("--disk=%s" % p, "--display=none", "--clock=" + clock, "--timeout=100")
    assert_guest_fault(r, "interrupts enabled", "0000:7C")
    assert time.monotonic() - t0 < 90  # not the timeout


API_SCRIPT = textwrap.dedent('''
    import sys
    from pcemu import Machine
    from pcemu.machine import GuestFault

    path, case = sys.argv[1], sys.argv[2]
    with Machine(floppies=[path], clock=sys.argv[3], snapshot=True) as m:
        try:
            m.run(insns=10000000)
        except GuestFault as e:
            print("fault", e.message)
            sys.exit(0)
        print("returned", m.cpu.halted, m.waiting_for_input, m.cpu.icount < 10000000)
        before = m.cpu.icount
        m.type_text("a")
        m.run(insns=100000)
        print("key", m.cpu.icount > before + 20, m.waiting_for_input)
''')


@pytest.mark.parametrize("clock", ["virtual", "realtime"])
def test_api_run_returns_when_only_a_key_can_wake_the_guest(tmp_path, clock):
    p = boot_floppy(tmp_path, PIT_MASKED_STI_HLT)
    r = subprocess.run([sys.executable, "-c", API_SCRIPT, str(p), "pit", clock], capture_output=True,
                       env=ENV, cwd=str(ROOT), timeout=120)
    assert r.returncode == 0, r.stderr.decode()
    lines = r.stdout.decode().splitlines()
    # The keyboard's IRQ1 is open: a key may come, so run() returns instead of spinning;
    # the key then runs the BIOS keyboard handler and the guest halts again.
    assert lines == ["returned True True True", "key True True"], r.stdout.decode()


@pytest.mark.parametrize("clock", ["virtual", "realtime"])
def test_api_run_raises_a_guest_fault_when_nothing_can_wake_the_guest(tmp_path, clock):
    p = boot_floppy(tmp_path, ALL_MASKED_STI_HLT)
    r = subprocess.run([sys.executable, "-c", API_SCRIPT, str(p), "all", clock], capture_output=True,
                       env=ENV, cwd=str(ROOT), timeout=120)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode().startswith("fault guest halted at 0000:7C"), r.stdout.decode()


# --- 10. guest bytes in our messages --------------------------------------------------

def test_debug_line_in_a_fault_message_is_escaped_and_bounded(tmp_path):
    p = boot_floppy(tmp_path, DEBUGCON_GARBAGE)
    r = pcemu("--disk=%s" % p, "--display=none", "--clock=virtual", "--timeout=60")
    first = assert_guest_fault(r, "interrupts disabled")
    assert "\\x1b[2J\\x07AAA" in first, first
    assert all(" " <= ch <= "~" for ch in first), repr(first)
    assert len(first) < 250, first
    assert "A" * 50 in first and "A" * 250 not in first


# --- 11. an explicit window without a display -----------------------------------------

def test_explicit_window_without_a_display_is_a_usage_error(tmp_path):
    p = boot_floppy(tmp_path, ALL_MASKED_STI_HLT)
    env = {k: v for k, v in ENV.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}
    r = pcemu("--disk=%s" % p, "--display=window", "--timeout=30", env=env)
    assert_one_line_error(r, 2, "--display=window")
