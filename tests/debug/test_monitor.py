"""The monitor as a user drives it: pcemu in a subprocess, commands from a script file and stdin.

The guest is FreeDOS with a small program we assemble with NASM and put on the
floppy with mtools (both outside referees): what the program prints, where
its INT instructions are and what DOS returns are known from its source.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time

import pytest

from conftest import ROOT, image_path, require_tool

ENV = dict(os.environ, PYTHONPATH=str(ROOT))

HELLO_ASM = """
        org 0x100
        mov ah, 0x09            ; 0100
        mov dx, msg             ; 0102
        int 0x21                ; 0105
        mov ah, 0x09            ; 0107
        mov dx, second          ; 0109
        int 0x21                ; 010C
        mov ax, 0x4c00          ; 010E
        int 0x21                ; 0111
msg:    db "Hello from the debugger test", 13, 10, "$"
second: db "Second line", 13, 10, "$"
"""


def need(*tools):
    require_tool(*tools)


@pytest.fixture
def hello_floppy(tmp_path):
    """A FreeDOS floppy with HELLO.COM on it."""
    need("nasm", "mcopy")
    (tmp_path / "hello.asm").write_text(HELLO_ASM)
    subprocess.run(["nasm", "-f", "bin", "-o", str(tmp_path / "hello.com"), str(tmp_path / "hello.asm")],
                   check=True)
    img = tmp_path / "fd.img"
    shutil.copyfile(image_path("freedos-minimal-1440k.img"), img)
    subprocess.run(["mcopy", "-i", str(img), str(tmp_path / "hello.com"), "::/HELLO.COM"], check=True)
    return img


def pcemu(img, *args, stdin=b"", timeout=300):
    return subprocess.run([sys.executable, "-m", "pcemu", "--disk=%s" % img, "--snapshot", "--display=none",
                           "--clock=virtual", "--timeout=240"] + list(args),
                          input=stdin, capture_output=True, timeout=timeout, env=ENV, cwd=str(ROOT))


def blocks(out):
    """Split the monitor's transcript into {command: output lines} in order."""
    result = []
    for chunk in out.split("(pcemu) ")[1:]:
        cmd, _, body = chunk.partition("\n")
        result.append((cmd.strip(), body))
    return result


SCRIPT = """\
# wait for the prompt (keys typed during the boot are eaten by the kernel's F5/F8 check)
until A:\\>
# break on DOS's print-string call, then run the program
b int 21 ah=09
type hello\\r
c
str ds:dx
d ds:dx 10
r
u cs:ip 3
p
"""

STDIN = b"""\
r
bd all
w b8000 fa0 w
c
hist 5
b if ax==4c00
bd 3
c
r ax=1234
r
ivt 21
screen
"""


def test_script_then_stdin_session(hello_floppy, tmp_path):
    script = tmp_path / "session.txt"
    script.write_text(SCRIPT)
    r = pcemu(hello_floppy, "--monitor=stdio", "--monitor-script=%s" % script, stdin=STDIN)
    out = r.stdout.decode("utf-8", "replace")
    assert r.returncode == 0, out + r.stderr.decode()
    assert "Traceback" not in out + r.stderr.decode()
    # The guest starts stopped at the reset vector.
    assert out.startswith("paused at FFFF:0000")
    b = [(c, body) for c, body in blocks(out) if not c.startswith("#")]
    cmds = [c for c, _ in b]
    assert cmds == [l for l in SCRIPT.splitlines() + STDIN.decode().splitlines() if not l.startswith("#")]
    out_of = dict(b)
    continues = [body for c, body in b if c == "c"]
    regs = [body for c, body in b if c == "r"]

    # INT 21h AH=09h stops before the INT at offset 0105 of the program; DS:DX is msg.
    m = re.search(r"breakpoint 1 at ([0-9A-F]{4}):0105 \(INT 21h AH=09h, AX=09..\)", continues[0])
    assert m, continues[0]
    psp = m.group(1)
    assert "int 0x21" in continues[0]
    assert out_of["str ds:dx"].strip() == "%s:0113: 'Hello from the debugger test\\r\\n'" % psp
    assert out_of["d ds:dx 10"].startswith(
        "%s:0113  48 65 6C 6C 6F 20 66 72 6F 6D 20 74 68 65 20 64  Hello from the d" % psp)
    assert "DS=%s" % psp in regs[0] and "DX=0113" in regs[0]
    # ndisasm's reading of the same bytes (the disassembler's referee) is in the test's source comments.
    u = out_of["u cs:ip 3"].splitlines()
    assert u[0] == "=> %s:0105  CD21            int 0x21" % psp
    assert u[1] == "   %s:0107  B409            mov ah,0x9" % psp
    assert u[2] == "   %s:0109  BA3201          mov dx,0x132" % psp

    # Step over the INT: DOS printed the line and returned to the next instruction, AL='$'.
    assert "stepped over to %s:0107" % psp in out_of["p"]
    assert re.search(r"AX=0924", out_of["p"])

    # The watchpoint catches the 'S' of "Second line" going into text memory, written by
    # the BIOS (INT 10h) on DOS's behalf, one row below the first line.
    wm = re.search(r"watchpoint (\d+): write 53h to (B[0-9A-F]{4}) by the instruction at "
                   r"([0-9A-F]{4}):([0-9A-F]{4})", continues[1])
    assert wm, out
    screen = out.split("(pcemu) screen\n", 1)[1].splitlines()
    rows = [l[1:] for l in screen if l.startswith("|")]
    first = [i for i, l in enumerate(rows) if l == "Hello from the debugger test"]
    assert first, rows
    assert int(wm.group(2), 16) == 0xB8000 + (first[0] + 1) * 160
    assert rows[first[0] + 1] == "Second line"
    # The history's newest entry is the instruction that wrote.
    hist = out_of["hist 5"].strip().splitlines()
    assert len(hist) == 5
    assert hist[-1].startswith("%s:%s" % (wm.group(3), wm.group(4))), hist

    # The register condition stops before the exit call, at 0111.
    assert re.search(r"breakpoint \d+ at %s:0111 \(ax==4c00\)" % psp, continues[2]), continues[2]
    assert "AX=1234" in regs[2] and "AX=1234" in out_of["r ax=1234"]
    # ivt 21 shows where INT 21h goes: DOS's handler, somewhere other than the BIOS.
    assert re.match(r"INT 21h  [0-9A-F]{4}:[0-9A-F]{4}", out_of["ivt 21"])
    # End of stdin quits with status 0.
    assert out.rstrip().endswith("end of monitor input: quitting")


def test_port_breakpoint_step_and_views(hello_floppy, tmp_path):
    r = pcemu(hello_floppy, "--monitor=stdio", stdin=b"""\
until A:\\>
bda
b out 20
c
hist 200
bd 1
s 3
dev pic pit uart ata
help
bl
q
""")
    out = r.stdout.decode("utf-8", "replace")
    assert r.returncode == 0, out + r.stderr.decode()
    b = dict(blocks(out))
    # At the idle prompt the next write to the master PIC's command port is the timer
    # interrupt handler's end-of-interrupt (20h); the history shows the IRQ (vector 08h) before it.
    m = re.search(r"port breakpoint 1: OUT to port 0020h, value 20h, by the instruction at "
                  r"([0-9A-F]{4}):([0-9A-F]{4})", b["c"])
    assert m, b["c"]
    hist = b["hist 200"].strip().splitlines()
    assert hist[-1].startswith("%s:%s" % (m.group(1), m.group(2))) and "out " in hist[-1]
    irq = [i for i, l in enumerate(hist) if l.strip() == "---- hardware interrupt, vector 08h ----"]
    assert irq, hist
    assert "stepped to" in b["s 3"]
    assert "40:13  0280  memory size (KiB)" in b["bda"]  # 640 KiB, from the CMOS the machine filled
    assert "pic (PicPair):" in b["dev pic pit uart ata"] and "ata (AtaChannel):" in b["dev pic pit uart ata"]
    assert "irq_counts" in b["dev pic pit uart ata"] and "counters" in b["dev pic pit uart ata"]
    for cmd in ("b ADDR", "w ADDR", "hist", "ivt", "bda", "dev", "screen", "p ", "q "):
        assert cmd in b["help"]
    assert b["bl"].strip() == "no breakpoints"


def test_monitor_over_tcp(hello_floppy, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "pcemu", "--disk=%s" % hello_floppy, "--snapshot",
                             "--display=none", "--clock=virtual", "--timeout=120", "--monitor=tcp:%d" % port],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, cwd=str(ROOT))
    try:
        conn = None
        for _ in range(200):
            try:
                conn = socket.create_connection(("127.0.0.1", port), timeout=60)
                break
            except OSError:
                time.sleep(0.1)
        assert conn is not None, proc.stderr.read()
        data = b""
        while b"(pcemu) " not in data:
            chunk = conn.recv(4096)
            assert chunk, data
            data += chunk
        # The reset vector's far jump (the first instruction shown) is where the breakpoint goes.
        target = re.search(rb"jmp 0xf000:0x([0-9a-f]+)", data)
        assert target, data
        conn.sendall(b"b f000:%s\nc\nr\nq\n" % target.group(1))
        while True:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        conn.close()
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    text = data.decode()
    assert text.startswith("paused at FFFF:0000")
    assert "breakpoint 1 at F000:%04X" % int(target.group(1), 16) in text, text
    assert "quit" in text


def test_bad_monitor_options(hello_floppy, tmp_path):
    r = pcemu(hello_floppy, "--monitor=serial")
    assert r.returncode == 1 and "unknown --monitor value" in r.stderr.decode()
    assert len(r.stderr.decode().strip().splitlines()) == 1
    r = pcemu(hello_floppy, "--monitor-script=%s" % (tmp_path / "missing.txt"))
    assert r.returncode == 1 and "missing.txt" in r.stderr.decode()
    r = pcemu(hello_floppy, "--monitor=stdio", "--serial=stdio")
    assert r.returncode == 1 and "--monitor=tcp:PORT" in r.stderr.decode()


def test_script_alone_reports_stops_and_lets_the_guest_run(hello_floppy, tmp_path):
    """A script with no interactive source: after its last line, a stop prints the full report
    (registers, disassembly at CS:IP, the history) and the guest goes on."""
    script = tmp_path / "s.txt"
    script.write_text("until A:\\>\nb int 21 ah=4c\ntype hello\\r\nc\n")
    r = pcemu(hello_floppy, "--monitor-script=%s" % script, "--timeout=60")
    out = r.stdout.decode("utf-8", "replace")
    assert r.returncode == 124, out  # ran on after the stop, until the timeout
    report = out.split("(pcemu) c\n", 1)[1]
    assert re.match(r"breakpoint 1 at ([0-9A-F]{4}):0111 \(INT 21h AH=4Ch, AX=4C00\)", report), report
    assert ":0111  CD21            int 0x21" in report
    assert "last 20 instructions executed (oldest first):" in report
    assert ":010E  B8004C          mov ax,0x4c00" in report


def test_bad_ports(hello_floppy):
    for opt in ("--gdb=70000", "--monitor=tcp:0", "--monitor=tcp:x"):
        r = pcemu(hello_floppy, opt)
        err = r.stderr.decode()
        assert r.returncode == 1 and "port number" in err and len(err.strip().splitlines()) == 1, err
