"""Benchmarks of the whole machine, as users run it.

    python -m pcemu.bench [--runs N] [--passes N] [--cpu 8086|80186]
    python -m pcemu.bench --bare [--runs N]
    python -m pcemu.bench --boot [--runs N] [--idle SECONDS] [--qemu] [IMAGE ...]
    python -m pcemu.bench --boot-profile [--clock realtime|virtual] [IMAGE]
    python -m pcemu.bench --command "CHKDSK" [--runs N] [--qemu] [IMAGE]

Default (whole machine): builds a 1.44M floppy from a boot sector
(tools/bench_boot.asm) and the benchmark guest (tools/bench.asm: a sieve,
a checksum, a REP MOVSW copy and a compare, PASSES rounds), then for each
run boots it through our BIOS in a fresh process and reports guest MIPS
from the guest's first instruction to its final HLT (on host CPU time), and
the whole process's wall and CPU seconds (interpreter start, BIOS, disk and
JIT warm-up included). The boot sector announces the guest's start on the
POST-code port 80h. The results the guest leaves in memory are checked
against values computed here in plain Python, so a broken CPU cannot post a
fast number. The last line printed is ``<median> MIPS``.

``--bare``: the guest alone on a bare CPU (no BIOS, no devices) after a
warm-up run in the same process: the interpreter's best case, not what a
user sees.

``--boot``: for each FreeDOS image, host wall seconds from starting a fresh
interpreter to the ``A:\\>`` prompt (realtime clock, median of N), the host
CPU share while DOS then sits idle at the prompt (measured after 2 s of
idling: see bios/int16.asm), and with ``--qemu`` the
same boot in qemu-system-i386 (its own BIOS, TCG; the prompt found by
reading its text screen through the monitor every 20 ms).

``--command``: a DOS program as a user at the keyboard meets it: boot the image
(default: the full FreeDOS floppy) in a fresh process, realtime clock, clear the
screen, type the command line, and time from its Enter to the prompt alone on
the screen's last line (host wall and CPU seconds, guest instructions; median
of N); with ``--qemu`` the same in qemu-system-i386, the keys sent through its
monitor and its screen read every 20 ms. The command must end at the prompt
without asking for keys.

``--boot-profile``: one boot split into phases - POST (reset to the boot
sector at 0000:7C00), boot sector (to the first far jump below 7C00h: the
kernel's entry), kernel (to the first program entered at a PSP), shell (to
the prompt) - with guest instructions, host seconds and MIPS per phase,
each split into instructions run in the BIOS ROM and outside it.
"""
# The children (--boot-child, --guest-child) stand for a user's `python -m pcemu`: what only
# the parent uses (subprocess, statistics, json, tempfile, shutil...: 75 ms of a start under
# PyPy, statistics alone bringing decimal and fractions) is imported where it is used.
import argparse
import os
import sys
import time

from pcemu import hostjit
from pcemu.bus import IoPorts, Memory
from pcemu.cpu import CPU, MODELS

LOAD_SEGMENT = 0x1000
RESULTS = 0x3F00
SIEVE_SIZE = 8192
PASSES = 32
MAX_INSNS = 50_000_000
FLOPPY_BYTES = 1474560
GUEST_START_CODE = 0xBE  # what tools/bench_boot.asm writes to port 80h before jumping to the guest
GUEST_SECTORS = 4  # what tools/bench_boot.asm loads
BOOT_INSNS_LIMIT = 5_000_000  # a boot sector that has not started the guest by then never will
PROMPT = "A:\\>"
IDLE_SETTLE_SECONDS = 2.0  # the BIOS is sure DOS idles after a second of empty keyboard polls

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_IMAGE_DIR = os.environ.get("PCEMU_IMAGES", os.path.join(os.path.dirname(ROOT), "shared", "images"))
DEFAULT_IMAGES = ["freedos-minimal-360k.img", "freedos-minimal-720k.img",
                  "freedos-minimal-1440k.img", "freedos-full-1440k.img"]
COMMAND_IMAGE = "freedos-full-1440k.img"
COMMAND_TIMEOUT = 600.0


def bench_path():
    return os.path.join(HERE, "bench.bin")


def boot_sector_path():
    return os.path.join(HERE, "bench_boot.bin")


# --- the guest and its expected results ----------------------------------------------
def expected_results(passes=PASSES):
    """What the guest must compute, worked out independently of the CPU."""
    flags = [1] * SIEVE_SIZE
    flags[0] = flags[1] = 0
    for i in range(2, SIEVE_SIZE):
        if flags[i]:
            for j in range(2 * i, SIEVE_SIZE, i):
                flags[j] = 0
    primes = sum(flags)
    checksum = 0
    for i in range(0, SIEVE_SIZE, 2):
        word = flags[i] | (flags[i + 1] << 8)
        checksum = ((checksum << 1) | (checksum >> 15)) & 0xFFFF
        checksum = (checksum + word) & 0xFFFF
    return {"primes": (primes * passes) & 0xFFFF, "checksum": checksum, "mismatches": 0, "done": 0xBEEF}


def with_passes(program, passes):
    """The guest with its round count (the one ``mov bp, PASSES``) set to ``passes``."""
    if not 1 <= passes <= 0xFFFF:
        raise ValueError("passes must be 1..65535")
    pattern = bytes([0xBD, PASSES & 0xFF, PASSES >> 8])
    at = program.find(pattern)
    if at < 0 or program.find(pattern, at + 1) >= 0:
        raise ValueError("the guest has no single 'mov bp, %d' to patch" % PASSES)
    out = bytearray(program)
    out[at + 1] = passes & 0xFF
    out[at + 2] = passes >> 8
    return bytes(out)


def results_at(data, base):
    def word(off):
        return data[base + off] | (data[base + off + 1] << 8)
    return {"primes": word(RESULTS), "checksum": word(RESULTS + 2),
            "mismatches": word(RESULTS + 4), "done": word(RESULTS + 6)}


def read_file(path, what):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise SystemExit("error: cannot read %s: %s" % (what, exc))


# --- bare CPU ------------------------------------------------------------------------
def run_once(program, model):
    """Load and run the guest to its HLT on a bare CPU. Returns (instructions, seconds, results)."""
    mem = Memory()
    io = IoPorts()
    cpu = CPU(mem, io, model=model)
    base = LOAD_SEGMENT << 4
    mem.data[base:base + len(program)] = program
    cpu.sregs[:] = [LOAD_SEGMENT] * 4
    cpu.ip = 0
    t0 = time.process_time()  # CPU time: the shared build machine makes wall time noisy
    executed = 0
    while not cpu.halted and executed < MAX_INSNS:
        executed += cpu.run(MAX_INSNS - executed)
    elapsed = time.process_time() - t0
    if not cpu.halted:
        raise RuntimeError("benchmark guest did not halt within %d instructions" % MAX_INSNS)
    return executed, elapsed, results_at(mem.data, base)


def bare_main(args, program, want):
    import statistics

    print("pcemu bare-CPU benchmark (no BIOS, no devices, warm JIT): %s model, %s %s"
          % (args.cpu, sys.implementation.name, sys.version.split()[0]))
    run_once(program, args.cpu)  # warm-up (lets PyPy's JIT compile the loop)
    rates = []
    for i in range(args.runs):
        n, secs, results = run_once(program, args.cpu)
        if results != want:
            print("error: the guest computed %r, expected %r - the CPU is broken" % (results, want),
                  file=sys.stderr)
            return 1
        mips = n / secs / 1e6
        rates.append(mips)
        print("run %d: %d instructions in %.3f s = %.1f MIPS" % (i + 1, n, secs, mips))
    print("%.1f MIPS" % statistics.median(rates))
    return 0


# --- whole machine: the guest booted from a floppy --------------------------------------
def build_floppy(path, program):
    boot = read_file(boot_sector_path(), "the benchmark boot sector")
    if len(boot) != 512 or boot[510:] != b"\x55\xAA":
        raise SystemExit("error: %s is not a boot sector" % boot_sector_path())
    if len(program) > GUEST_SECTORS * 512:
        raise SystemExit("error: the guest is %d bytes; the boot sector loads %d" % (len(program), GUEST_SECTORS * 512))
    img = bytearray(FLOPPY_BYTES)
    img[0:512] = boot
    img[512:512 + len(program)] = program
    with open(path, "wb") as f:
        f.write(img)


def guest_insns_limit(passes):
    """More than the guest needs (about 221,000 instructions a pass): a guest past it is stuck."""
    return 300_000 * passes + 1_000_000


def guest_child(image, model, passes):
    """In a fresh process: boot ``image``, run the guest to its HLT, print one JSON line."""
    import json

    from pcemu.errors import GuestFault
    from pcemu.machine import Machine

    m = Machine(floppies=[image], cpu=model, clock="virtual", snapshot=True)
    cpu = m.cpu
    start = {}

    def watch_post_port(kind, port, value):
        if kind == "out8" and port == 0x80 and value == GUEST_START_CODE:
            # icount already counts this OUT; the far JMP follows, then the guest
            start["icount"] = cpu.icount + 2
            start["cpu"] = time.process_time()
            start["wall"] = time.perf_counter()
            m.io.trace = None

    m.io.trace = watch_post_port
    fault = None
    try:
        limit = guest_insns_limit(passes)
        while True:
            if start:
                if cpu.icount - start["icount"] > limit:
                    break
            elif cpu.icount > BOOT_INSNS_LIMIT:
                break
            m.step_quantum()
    except GuestFault as exc:
        fault = exc.message
    end_cpu, end_wall = time.process_time(), time.perf_counter()
    out = {"total_insns": cpu.icount, "fault": fault, "cs": cpu.sregs[1],
           "results": results_at(m.mem.data, LOAD_SEGMENT << 4)}
    if start:
        out.update(guest_insns=cpu.icount - start["icount"] + 1, guest_cpu=end_cpu - start["cpu"],
                   guest_wall=end_wall - start["wall"])
    m.close()
    print(json.dumps(out))


def run_child(cmd):
    """Run ``cmd``; returns (stdout, wall seconds, CPU seconds, exit status)."""
    import resource
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       env=hostjit.child_environment())
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return p.stdout, wall, cpu, p.returncode, p.stderr


def machine_main(args, program, want):
    import json
    import shutil
    import statistics
    import tempfile

    print("pcemu whole-machine benchmark: tools/bench.asm, %d passes, booted from a floppy through "
          "our BIOS, %s model, %s %s, a fresh process per run"
          % (args.passes, args.cpu, sys.implementation.name, sys.version.split()[0]))
    work = tempfile.mkdtemp(prefix="pcemu-bench")
    try:
        image = os.path.join(work, "bench.img")
        build_floppy(image, program)
        rates = []
        for i in range(args.runs):
            out, wall, cpu, status, err = run_child(
                [sys.executable, "-m", "pcemu.bench", "--guest-child", image, "--cpu", args.cpu,
                 "--passes", str(args.passes)])
            try:
                rec = json.loads(out.strip().splitlines()[-1])
            except (ValueError, IndexError):
                print("error: the benchmark process failed (status %d): %s"
                      % (status, (err.strip().splitlines() or ["no output"])[-1]), file=sys.stderr)
                return 1
            if "guest_insns" not in rec:
                print("error: the guest never started (the boot sector did not reach it): %s"
                      % (rec["fault"] or "no fault"), file=sys.stderr)
                return 1
            if rec["fault"] is None or rec["cs"] != LOAD_SEGMENT:
                print("error: the guest did not end at its final HLT (%s)"
                      % (rec["fault"] or "still running after %d instructions" % rec["guest_insns"]), file=sys.stderr)
                return 1
            if rec["results"] != want:
                print("error: the guest computed %r, expected %r - the CPU is broken" % (rec["results"], want),
                      file=sys.stderr)
                return 1
            mips = rec["guest_insns"] / rec["guest_cpu"] / 1e6
            rates.append(mips)
            print("run %d: guest %d instructions in %.2f s CPU (%.2f s wall) = %.1f MIPS; "
                  "whole process %.2f s wall, %.2f s CPU, %d instructions"
                  % (i + 1, rec["guest_insns"], rec["guest_cpu"], rec["guest_wall"], mips, wall, cpu,
                     rec["total_insns"]))
        print("%.1f MIPS" % statistics.median(rates))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- boot to the prompt --------------------------------------------------------------
def boot_child(image, clock):
    """In a fresh process: boot a copy of ``image`` to the prompt, print its instruction count."""
    from pcemu.machine import Machine

    m = Machine(floppies=[image], clock=clock, snapshot=True)
    try:
        if not m.run_until_text(PROMPT, timeout=300, check=False):
            raise SystemExit("%s: no prompt within 300 s" % image)
        print(m.cpu.icount)
    finally:
        m.close()


def idle_cpu_share(image, seconds):
    """Host CPU share (of one core) while DOS sits at an idle prompt, realtime clock."""
    from pcemu.machine import Machine

    m = Machine(floppies=[image], clock="realtime", snapshot=True)
    try:
        m.run_until_text(PROMPT, timeout=300)
        m.run_until_idle(timeout=60, check=False)
        settle = time.monotonic() + IDLE_SETTLE_SECONDS
        while time.monotonic() < settle:
            m.step_quantum()
        wall0, cpu0 = time.monotonic(), time.process_time()
        while time.monotonic() - wall0 < seconds:
            m.step_quantum()
        return (time.process_time() - cpu0) / (time.monotonic() - wall0)
    finally:
        m.close()


# --- qemu, driven through its monitor --------------------------------------------------
def _last_line(lines):
    """The screen's last line that is not blank."""
    for line in reversed(lines):
        if line.strip():
            return line.rstrip()
    return ""


# qemu's monitor names the keys of a US keyboard: ``sendkey shift-a``
_QEMU_KEYS = {" ": "spc", "\\": "backslash", "/": "slash", ".": "dot", ",": "comma", "-": "minus",
              "=": "equal", ";": "semicolon", "'": "apostrophe", "[": "bracket_left",
              "]": "bracket_right", "`": "grave_accent"}
_QEMU_SHIFTED = {":": "semicolon", '"': "apostrophe", "_": "minus", "+": "equal", "<": "comma",
                 ">": "dot", "?": "slash", "|": "backslash", "!": "1", "@": "2", "#": "3", "$": "4",
                 "%": "5", "^": "6", "&": "7", "*": "8", "(": "9", ")": "0"}


def qemu_key(ch):
    """The qemu monitor's ``sendkey`` name for the character ``ch``."""
    if ch.isalpha():
        return ("shift-" + ch.lower()) if ch.isupper() else ch
    if ch.isdigit():
        return ch
    if ch in _QEMU_KEYS:
        return _QEMU_KEYS[ch]
    if ch in _QEMU_SHIFTED:
        return "shift-" + _QEMU_SHIFTED[ch]
    raise ValueError("no key for %r" % (ch,))


class QemuText:
    """qemu-system-i386 (SeaBIOS, TCG) on a copy of a floppy, driven through its human monitor:
    keys in (``sendkey``), the text screen out (``pmemsave`` of B8000h)."""

    def __init__(self, image, timeout=120.0):
        """``timeout``: host seconds qemu may take to answer one monitor command."""
        import shutil
        import subprocess
        import tempfile

        self.work = tempfile.mkdtemp(prefix="pcemu-qemu")
        disk = os.path.join(self.work, "a.img")
        shutil.copyfile(image, disk)
        self.dump = os.path.join(self.work, "screen.bin")
        self.timeout = timeout
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(["qemu-system-i386", "-accel", "tcg", "-m", "16", "-display", "none",
                                   "-drive", "file=%s,format=raw,if=floppy" % disk, "-boot", "a",
                                   "-serial", "none", "-monitor", "stdio", "-snapshot"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.buf = b""
        self.prompts = 0
        try:
            self.monitor("")
        except BaseException:
            self.close()
            raise

    def monitor(self, line):
        """Send one monitor command and wait for the monitor's next prompt."""
        import select

        if line:
            self.p.stdin.write(line.encode() + b"\n")
            self.p.stdin.flush()
        self.prompts += 1
        end = time.monotonic() + self.timeout
        while self.buf.count(b"(qemu)") < self.prompts:
            if time.monotonic() > end:
                raise TimeoutError("qemu did not answer")
            r, _, _ = select.select([self.p.stdout], [], [], 1.0)
            if r:
                chunk = os.read(self.p.stdout.fileno(), 65536)
                if not chunk:
                    raise EOFError("qemu exited")
                self.buf += chunk

    def screen_lines(self):
        self.monitor('pmemsave 0xb8000 4000 "%s"' % self.dump)
        with open(self.dump, "rb") as f:
            text = f.read()[0::2].decode("latin-1")
        return [text[i:i + 80] for i in range(0, 2000, 80)]

    def wait_screen(self, done, timeout):
        """Read the screen every 20 ms until ``done(lines)``; False after ``timeout`` seconds."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if done(self.screen_lines()):
                return True
            time.sleep(0.02)
        return False

    def wait_last_line(self, want, timeout):
        return self.wait_screen(lambda lines: _last_line(lines) == want, timeout)

    def type(self, text):
        for ch in text:
            self.monitor("sendkey " + ("ret" if ch == "\r" else qemu_key(ch)))

    def close(self):
        import shutil

        self.p.kill()
        self.p.wait()
        shutil.rmtree(self.work, ignore_errors=True)


def qemu_boot_seconds(image, timeout=120.0):
    """Wall seconds for qemu-system-i386 (SeaBIOS, TCG) to show the prompt, from its start,
    or None. The text screen is read every 20 ms, so the figure includes that polling."""
    try:
        q = QemuText(image, timeout)
    except (TimeoutError, EOFError):
        return None
    try:
        if not q.wait_screen(lambda lines: PROMPT in "".join(lines), timeout - (time.monotonic() - q.t0)):
            return None
        return time.monotonic() - q.t0
    except (TimeoutError, EOFError):
        return None
    finally:
        q.close()


def qemu_column(walls, qemu):
    """The QEMU part of a result line: its median wall seconds (runs that never showed the
    prompt, None, left out) and pcemu's median over it."""
    import statistics

    got = [q for q in qemu if q is not None]
    if not got:
        return "   qemu no prompt"
    return "   qemu %.2f s wall   ratio %.1fx" % (statistics.median(got), statistics.median(walls) / statistics.median(got))


def boot_main(args):
    import shutil
    import statistics

    images = args.images or [os.path.join(DEFAULT_IMAGE_DIR, n) for n in DEFAULT_IMAGES]
    if args.qemu and shutil.which("qemu-system-i386") is None:
        print("error: --qemu needs qemu-system-i386 on PATH", file=sys.stderr)
        return 2
    print("cold boot to %s: fresh process each run (%s %s), %s clock, median of %d"
          % (PROMPT, sys.implementation.name, sys.version.split()[0], args.clock, args.runs))
    status = 0
    for image in images:
        if not os.path.exists(image):
            print("error: no image %s" % image, file=sys.stderr)
            status = 1
            continue
        walls, cpus, insns = [], [], 0
        qemu = []
        for _ in range(args.runs):
            out, wall, cpu, rc, err = run_child([sys.executable, "-m", "pcemu.bench", "--boot-child", image,
                                                 "--clock", args.clock])
            if rc != 0:
                print("error: %s: boot failed (status %d): %s" % (os.path.basename(image), rc, err.strip()[-300:]),
                      file=sys.stderr)
                return 1
            walls.append(wall)
            cpus.append(cpu)
            insns = int(out.split()[-1])
            if args.qemu:
                qemu.append(qemu_boot_seconds(image))
        line = "%-26s pcemu %6.2f s wall %6.2f s CPU (%.2fM instructions)" % (
            os.path.basename(image), statistics.median(walls), statistics.median(cpus), insns / 1e6)
        if args.qemu:
            line += qemu_column(walls, qemu)
        if args.idle > 0:
            line += "   idle at prompt %.1f%% of a core" % (100 * idle_cpu_share(image, args.idle))
        print(line)
    return status


# --- one DOS command ------------------------------------------------------------------
def command_child(image, command):
    """In a fresh process: boot ``image`` (realtime clock), type ``command`` at the prompt and
    print the wall and CPU seconds and guest instructions from its Enter to the next prompt."""
    from pcemu.machine import Machine

    m = Machine(floppies=[image], clock="realtime", snapshot=True)
    try:
        if not m.run_until_text(PROMPT, timeout=300, check=False):
            raise SystemExit("%s: no prompt within 300 s" % image)
        m.type_text("CLS\r")
        _run_until(m, lambda: _last_line(m.screen_lines()) == PROMPT, 60, "no screen for CLS")
        m.type_text(command)
        _run_until(m, lambda: _last_line(m.screen_lines()) == PROMPT + command, 60,
                   "no screen for the command line")
        wall0, cpu0, insns0 = time.monotonic(), time.process_time(), m.cpu.icount
        m.type_text("\r")
        # the prompt alone on the last line again: the command's output is above it
        _run_until(m, lambda: _last_line(m.screen_lines()) == PROMPT and m.cpu.icount - insns0 >= 1000,
                   COMMAND_TIMEOUT, "%s: no prompt" % command)
        print("%.3f %.3f %d" % (time.monotonic() - wall0, time.process_time() - cpu0, m.cpu.icount - insns0))
    finally:
        m.close()


def _run_until(m, done, seconds, failure):
    """Run ``m`` until ``done()``; exit with ``failure`` after ``seconds`` of host time."""
    end = time.monotonic() + seconds
    while not done():
        if time.monotonic() > end:
            raise SystemExit("%s within %d s" % (failure, seconds))
        m.step_quantum()


def qemu_command_seconds(image, command):
    """Wall seconds qemu takes from the command's Enter to the prompt, or None."""
    try:
        q = QemuText(image)
    except (TimeoutError, EOFError):
        return None
    try:
        if not q.wait_last_line(PROMPT, 120):
            return None
        q.type("CLS\r")
        if not q.wait_last_line(PROMPT, 60):
            return None
        q.type(command)
        if not q.wait_last_line(PROMPT + command, 60):
            return None
        t0 = time.monotonic()
        q.type("\r")
        if not q.wait_last_line(PROMPT, COMMAND_TIMEOUT):
            return None
        return time.monotonic() - t0
    except (TimeoutError, EOFError):
        return None
    finally:
        q.close()


def command_main(args):
    import shutil
    import statistics

    command = args.command
    if not command or any(not (" " <= ch <= "~") for ch in command):
        print("error: --command needs a printable ASCII command line", file=sys.stderr)
        return 2
    if args.qemu:
        if shutil.which("qemu-system-i386") is None:
            print("error: --qemu needs qemu-system-i386 on PATH", file=sys.stderr)
            return 2
        try:
            for ch in command:
                qemu_key(ch)
        except ValueError as exc:
            print("error: --qemu: %s" % exc, file=sys.stderr)
            return 2
    if len(args.images) > 1:
        print("error: --command takes one image", file=sys.stderr)
        return 2
    image = args.images[0] if args.images else os.path.join(DEFAULT_IMAGE_DIR, COMMAND_IMAGE)
    if not os.path.exists(image):
        print("error: no image %s" % image, file=sys.stderr)
        return 1
    print("%s on %s: from its Enter to the prompt, fresh process each run (%s %s), realtime clock, median of %d"
          % (command, os.path.basename(image), sys.implementation.name, sys.version.split()[0], args.runs))
    walls, cpus, insns, qemu = [], [], 0, []
    for _ in range(args.runs):
        out, _, _, rc, err = run_child([sys.executable, "-m", "pcemu.bench", "--command-child", image, command])
        if rc != 0:
            print("error: %s: %s" % (command, err.strip()[-300:]), file=sys.stderr)
            return 1
        wall, cpu, insns = out.split()[-3:]
        walls.append(float(wall))
        cpus.append(float(cpu))
        if args.qemu:
            qemu.append(qemu_command_seconds(image, command))
    line = "pcemu %.2f s wall %.2f s CPU (%.2fM instructions)" % (
        statistics.median(walls), statistics.median(cpus), int(insns) / 1e6)
    if args.qemu:
        line += qemu_column(walls, qemu)
    print(line)
    return 0


# --- boot profile -------------------------------------------------------------------
PHASES = ("POST", "boot sector", "kernel", "shell")


class BootProfile:
    """Splits a boot into phases by watching far control transfers.

    The CPU's handler table is swapped (for this machine only) for one whose
    far JMP/CALL/RET/IRET/INT and group-5 entries note every change of CS,
    and the interrupt controller's acknowledge notes every IRQ entry; between
    two such events all instructions ran in one code segment, so counts per
    segment kind (BIOS ROM or not) are exact.
    """

    def __init__(self, machine, stop_at=None):
        self.m = machine
        self.stop_at = stop_at  # phase number: ask the CPU to stop as it begins
        cpu = machine.cpu
        self.phase = 0
        self.marks = [(0, time.perf_counter(), time.process_time())]
        self.in_bios = cpu.sregs[1] >= 0xF000
        self.last_icount = 0
        self.last_time = time.perf_counter()
        # [phase][0 = outside the BIOS, 1 = BIOS] -> [instructions, seconds]
        self.split = [[[0, 0.0], [0, 0.0]] for _ in PHASES]
        # BIOS work by how it was entered ("INT 13h AH=02h", "IRQ 0"...) -> [calls, instructions, seconds]
        self.services = {}
        self.service = None
        table = list(cpu.table)
        for op in (0x9A, 0xCA, 0xCB, 0xCC, 0xCD, 0xCE, 0xCF, 0xEA, 0xFF):
            table[op] = self._wrap(table[op], {0xCC: 3, 0xCD: -1, 0xCE: 4}.get(op))
        cpu.set_table(tuple(table))
        pic = cpu.intc
        ack = pic.acknowledge

        def acknowledge():
            vector = ack()
            if vector is not None:
                data = machine.mem.data
                seg = data[vector * 4 + 2] | (data[vector * 4 + 3] << 8)
                self._account(seg >= 0xF000, "IRQ vector %02Xh" % vector)
            return vector

        pic.acknowledge = acknowledge

    def _wrap(self, handler, vector):
        profile = self

        def traced(cpu):
            cs = cpu.sregs[1]
            ah = cpu.regs[0] >> 8
            v = cpu.data[(cpu.csb + cpu.ip) & 0xFFFFF] if vector == -1 else vector
            handler(cpu)
            if cpu.sregs[1] != cs:
                profile._transfer(cs, cpu, ah, v)
        return traced

    def _account(self, now_in_bios, entry=None):
        icount = self.m.cpu.icount
        now = time.perf_counter()
        cell = self.split[self.phase][1 if self.in_bios else 0]
        cell[0] += icount - self.last_icount
        cell[1] += now - self.last_time
        if self.in_bios and self.service is not None:
            svc = self.services[self.service]
            svc[1] += icount - self.last_icount
            svc[2] += now - self.last_time
        self.last_icount = icount
        self.last_time = now
        if now_in_bios and not self.in_bios:
            self.service = entry or "far call"
            self.services.setdefault(self.service, [0, 0, 0.0])[0] += 1
        self.in_bios = now_in_bios

    def _next_phase(self):
        self._account(self.in_bios)
        self.phase += 1
        self.marks.append((self.m.cpu.icount, time.perf_counter(), time.process_time()))
        if self.phase == self.stop_at:
            self.m.cpu.request_stop()

    def _transfer(self, old_cs, cpu, ah, vector):
        new_cs = cpu.sregs[1]
        target = ((new_cs << 4) + cpu.ip) & 0xFFFFF
        if self.phase == 0 and target == 0x7C00:
            self._next_phase()
        elif self.phase == 1 and old_cs < 0xF000 and 0x500 <= target < 0x7C00:
            self._next_phase()
        elif self.phase == 2 and old_cs < 0xF000 and self._program_entry(new_cs, cpu.ip):
            self._next_phase()
        entry = None
        if new_cs >= 0xF000 and old_cs < 0xF000:
            if vector is not None:
                entry = "INT %02Xh AH=%02Xh" % (vector, ah) if vector in (0x10, 0x13, 0x15, 0x16, 0x1A) \
                    else "INT %02Xh" % vector
        self._account(new_cs >= 0xF000, entry)

    def _program_entry(self, cs, ip):
        """True at a program's entry as DOS starts it: DS = ES = its PSP (CD 20, and the far
        CALL 9Ah at offset 5), code at PSP:0100 (.COM) or above the PSP (.EXE)."""
        sregs = self.m.cpu.sregs
        psp = sregs[3]
        if sregs[0] != psp or not (cs > psp or (cs == psp and ip == 0x100)):
            return False
        data = self.m.mem.data
        base = psp << 4
        return data[base] == 0xCD and data[base + 1] == 0x20 and data[base + 5] == 0x9A

    def finish(self):
        self._account(self.in_bios)
        self.marks.append((self.m.cpu.icount, time.perf_counter(), time.process_time()))

    def report(self):
        lines = ["%-12s %12s %9s %9s %7s   %s" % ("phase", "instructions", "wall s", "CPU s", "MIPS",
                                                  "BIOS ROM share: instructions, wall")]
        reached = len(self.marks) - 1
        for i in range(reached):
            name = PHASES[i] if reached == len(PHASES) or i < reached - 1 else " + ".join(PHASES[i:])
            (n0, w0, c0), (n1, w1, c1) = self.marks[i], self.marks[i + 1]
            n = n1 - n0
            cells = self.split[i:] if name != PHASES[i] else [self.split[i]]
            bios_n = sum(c[1][0] for c in cells)
            bios_s = sum(c[1][1] for c in cells)
            lines.append("%-12s %12d %9.2f %9.2f %7.2f   %3.0f%%, %3.0f%%" % (
                name, n, w1 - w0, c1 - c0, n / max(c1 - c0, 1e-9) / 1e6,
                100.0 * bios_n / max(n, 1), 100.0 * bios_s / max(w1 - w0, 1e-9)))
        n, w, c = self.marks[-1][0], self.marks[-1][1] - self.marks[0][1], self.marks[-1][2] - self.marks[0][2]
        lines.append("%-12s %12d %9.2f %9.2f %7.2f" % ("total", n, w, c, n / max(c, 1e-9) / 1e6))
        lines.append("BIOS work by entry (top 12): calls, instructions, wall seconds")
        top = sorted(self.services.items(), key=lambda kv: -kv[1][1])[:12]
        for name, (calls, insns, secs) in top:
            lines.append("  %-20s %7d %10d %7.2f  (%d per call)" % (name, calls, insns, secs, insns // max(calls, 1)))
        return "\n".join(lines)


def profile_main(args):
    from pcemu.machine import Machine

    image = (args.images or [os.path.join(DEFAULT_IMAGE_DIR, "freedos-minimal-1440k.img")])[0]
    t0 = time.perf_counter()
    m = Machine(floppies=[image], clock=args.clock, snapshot=True)
    try:
        profile = BootProfile(m)
        ok = m.run_until_text(PROMPT, timeout=300, check=False)
        profile.finish()
    finally:
        m.close()
    print("boot profile of %s (%s clock, %s %s; machine built in %.2f s)" % (
        os.path.basename(image), args.clock, sys.implementation.name, sys.version.split()[0],
        profile.marks[0][1] - t0))
    print(profile.report())
    if not ok:
        print("error: no %s prompt within 300 s" % PROMPT, file=sys.stderr)
        return 1
    return 0


# --- command line ----------------------------------------------------------------------
def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m pcemu.bench", description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--bare", action="store_true", help="bare CPU, warm JIT, no BIOS or devices")
    mode.add_argument("--boot", action="store_true", help="cold boot seconds to the prompt per image")
    mode.add_argument("--boot-profile", action="store_true", help="one boot split into phases")
    mode.add_argument("--command", metavar="LINE", help="time one DOS command line (default image: the full floppy)")
    mode.add_argument("--guest-child", metavar="IMAGE", help=argparse.SUPPRESS)
    mode.add_argument("--boot-child", metavar="IMAGE", help=argparse.SUPPRESS)
    mode.add_argument("--command-child", nargs=2, metavar=("IMAGE", "LINE"), help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=None, help="runs (default 5 bare, 3 otherwise)")
    parser.add_argument("--passes", type=int, default=PASSES, help="benchmark rounds in the guest (default %d)" % PASSES)
    parser.add_argument("--guest", metavar="FILE", help="guest program (default pcemu/bench.bin)")
    parser.add_argument("--cpu", choices=MODELS, default="80186", help="CPU model (default 80186)")
    parser.add_argument("--clock", choices=("realtime", "virtual"), default="realtime",
                        help="--boot/--boot-profile clock (default realtime, as users run it)")
    parser.add_argument("--idle", type=float, default=5.0, help="--boot: seconds measured at the idle prompt (0: skip)")
    parser.add_argument("--qemu", action="store_true", help="--boot, --command: also time qemu-system-i386")
    parser.add_argument("images", nargs="*", help="--boot/--boot-profile images (default: the shared FreeDOS floppies)")
    args = parser.parse_args(argv)
    if args.guest_child:
        guest_child(args.guest_child, args.cpu, args.passes)
        return 0
    if args.boot_child:
        boot_child(args.boot_child, args.clock)
        return 0
    if args.command_child:
        command_child(*args.command_child)
        return 0
    if args.runs is None:
        args.runs = 5 if args.bare else 3
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.boot:
        return boot_main(args)
    if args.boot_profile:
        return profile_main(args)
    if args.command is not None:
        return command_main(args)
    if args.images:
        parser.error("images are for --boot and --boot-profile")
    program = read_file(args.guest or bench_path(), "the benchmark program")
    try:
        program = with_passes(program, args.passes)
    except ValueError as exc:
        parser.error(str(exc))
    want = expected_results(args.passes)
    if args.bare:
        return bare_main(args, program, want)
    return machine_main(args, program, want)


if __name__ == "__main__":
    sys.exit(main())
