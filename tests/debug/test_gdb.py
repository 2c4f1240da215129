"""The GDB stub against Debian's gdb (batch mode), and the magic breakpoint and fault dump.

The guest is a boot sector we assemble with NASM; what it computes is known
from its source, and gdb's own disassembler and expression evaluator are the
referees for what the stub reports.
"""

import os
import re
import socket
import subprocess
import sys
import time

from conftest import ROOT, require_tool

ENV = dict(os.environ, PYTHONPATH=str(ROOT))

BOOT_ASM = """
        org 0x7c00
start:  xor ax, ax              ; 7c00
        mov ds, ax              ; 7c02
        mov ss, ax              ; 7c04
        mov sp, 0x7c00          ; 7c06
        mov cx, 10              ; 7c09
        xor bx, bx              ; 7c0c
sum:    add bx, cx              ; 7c0e
        loop sum                ; 7c10
after:  mov [0x600], bx         ; 7c12: 1+2+...+10 = 55
        mov ax, 0x1234          ; 7c16
        mov dx, 0x5678          ; 7c19
        mov si, 0xb800          ; 7c1c
        mov es, si              ; 7c1f
        mov word [es:0], 0x1f41 ; 7c21: 'A', white on blue, top left
        xchg bx, bx             ; 7c28: the magic breakpoint
        nop                     ; 7c2a
        %ifdef FAULT
        cli
        %endif
done:   hlt
        jmp done
        times 510-($-$$) db 0
        dw 0xaa55
"""


def need(*tools):
    require_tool(*tools)


def boot_floppy(tmp_path, *defines):
    need("nasm")
    (tmp_path / "boot.asm").write_text(BOOT_ASM)
    subprocess.run(["nasm", "-f", "bin"] + ["-D" + d for d in defines]
                   + ["-o", str(tmp_path / "boot.bin"), str(tmp_path / "boot.asm")], check=True)
    img = tmp_path / "boot.img"
    img.write_bytes((tmp_path / "boot.bin").read_bytes() + bytes(1474560 - 512))
    return img


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_pcemu(img, port, *extra):
    """Start pcemu with the stub and return once it listens (it says so on stderr)."""
    import select

    proc = subprocess.Popen([sys.executable, "-m", "pcemu", "--disk=%s" % img, "--display=none", "--clock=virtual",
                             "--timeout=120", "--gdb=%d" % port] + list(extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, cwd=str(ROOT))
    r, _, _ = select.select([proc.stderr], [], [], 60)
    line = proc.stderr.readline() if r else b""
    assert b"waiting for gdb on 127.0.0.1:%d" % port in line, line
    return proc


def test_gdb_batch_session(tmp_path):
    need("gdb")
    img = boot_floppy(tmp_path)
    port = free_port()
    proc = start_pcemu(img, port)
    try:
        r = subprocess.run(
            ["gdb", "-nx", "-batch",
             "-ex", "target remote 127.0.0.1:%d" % port,
             "-ex", "break *0x7c00", "-ex", "continue",
             "-ex", "x/10i $pc",
             "-ex", "stepi", "-ex", "info registers",
             "-ex", "hbreak *0x7c12", "-ex", "continue",
             "-ex", "stepi", "-ex", "info registers", "-ex", "x/2xb 0x600",
             "-ex", "set var $cx = 0x4321", "-ex", "p/x $cx", "-ex", "p/x $bl",
             "-ex", "watch *(short*)0xb8000", "-ex", "continue",
             "-ex", "p/x $ax", "-ex", "p/x $dx", "-ex", "p/x $es", "-ex", "p/x $pc", "-ex", "x/2xb 0xb8000",
             "-ex", "set *(char*)0x601 = 0x7e", "-ex", "x/2xb 0x600",
             "-ex", "kill"],
            capture_output=True, timeout=180)
        out = r.stdout.decode()
        assert proc.wait(60) == 0, proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "Breakpoint 1, 0x00007c00" in out, out
    # gdb's own 16-bit disassembly of what NASM assembled (AT&T syntax).
    listing = re.findall(r"0x7c[0-9a-f]{2}:\s+(.*)", out)[:10]
    assert listing == ["xor    %ax,%ax", "mov    %ax,%ds", "mov    %ax,%ss", "mov    $0x7c00,%sp",
                       "mov    $0xa,%cx", "xor    %bx,%bx", "add    %cx,%bx", "loop   0x7c0e",
                       "mov    %bx,0x600", "mov    $0x1234,%ax"], out
    # stepi went one instruction: $pc is linear CS*16+IP.
    blocks = re.findall(r"(^eax .*?^gs .*?$)", out, re.S | re.M)
    assert len(blocks) == 2, out
    first, second = blocks

    def reg(block, name):
        return int(re.search(r"^%s\s+(0x[0-9a-f]+)" % name, block, re.M).group(1), 16)

    assert reg(first, "eip") == 0x7c02 and reg(first, "cs") == 0 and reg(first, "eax") == 0
    # After the loop and the store: BX = 55, CX = 0, SP as set, DS = SS = 0.
    assert reg(second, "eip") == 0x7c16
    assert reg(second, "ebx") == 55 and reg(second, "ecx") == 0 and reg(second, "esp") == 0x7c00
    assert reg(second, "ds") == 0 and reg(second, "ss") == 0
    assert "0x600:\t0x37\t0x00" in out
    assert "$1 = 0x4321" in out and "$2 = 0x37" in out
    # The watchpoint stops after the store into text memory.
    assert "Hardware watchpoint 3: *(short*)0xb8000" in out
    assert re.search(r"New value = 8001", out), out  # 0x1f41
    assert "$3 = 0x1234" in out and "$4 = 0x5678" in out and "$5 = 0xb800" in out
    assert "$6 = 0x7c28" in out
    assert "0xb8000:\t0x41\t0x1f" in out
    assert "0x600:\t0x37\t0x7e" in out


def test_gdb_ctrl_c_and_protocol(tmp_path):
    """Ctrl+C (0x03) pauses a running guest; the stop reply says SIGINT."""
    img = boot_floppy(tmp_path)
    port = free_port()
    proc = start_pcemu(img, port)
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=30)

        def packet(text):
            s.sendall(b"$%s#%02x" % (text, sum(text) & 0xFF))
            return reply()

        buf = [b""]

        def reply():
            while True:
                m = re.search(rb"\$([^#]*)#..", buf[0])
                if m:
                    buf[0] = buf[0][m.end():]
                    return m.group(1)
                buf[0] += s.recv(4096)

        xml = packet(b"qXfer:features:read:target.xml:0,3ff")
        assert b"<architecture>i8086</architecture>" in xml
        assert packet(b"?") == b"S02"
        s.sendall(b"$c#63")
        time.sleep(1.0)
        s.sendall(b"\x03")
        assert reply() == b"S02"
        # It stopped in the boot sector's HLT loop (or the IRQ handler it wakes to).
        regs = bytes.fromhex(packet(b"g").decode())
        pc = int.from_bytes(regs[16:20], "little")
        assert pc > 0x400, hex(pc)
        s.sendall(b"$k#6b")
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_magic_break_and_fault_dump_with_history(tmp_path):
    """Headless: --magic-break prints a report at xchg bx,bx and goes on; the guest's final
    CLI;HLT is a guest fault whose dump has the disassembly at CS:IP and the history."""
    img = boot_floppy(tmp_path, "FAULT")
    r = subprocess.run([sys.executable, "-m", "pcemu", "--disk=%s" % img, "--display=none", "--clock=virtual",
                        "--timeout=60", "--magic-break", "--history=50"],
                       capture_output=True, timeout=120, env=ENV, cwd=str(ROOT))
    err = r.stderr.decode()
    assert r.returncode == 3, err
    assert "Traceback" not in err
    magic, fault = err.split("pcemu: guest fault:")
    assert "magic breakpoint (xchg bx,bx) at 0000:7C28" in magic
    assert "0000:7C2A  90              nop" in magic  # at CS:IP: the instruction after xchg bx,bx
    hist = magic.split("oldest first):")[1].strip().splitlines()
    assert hist[-1].strip() == "0000:7C28  87DB            xchg bx,bx"
    assert hist[-2].strip() == "0000:7C21  26C7060000411F  mov word [es:0x0],0x1f41"
    assert "halted with interrupts disabled at 0000:7C2D" in fault
    assert "0000:7C2D  EBFD            jmp short 0x7c2c" in fault.split("oldest first")[0]
    fhist = [l.strip() for l in fault.split("oldest first):")[1].strip().splitlines()]
    assert fhist[-4:] == ["0000:7C28  87DB            xchg bx,bx", "0000:7C2A  90              nop",
                          "0000:7C2B  FA              cli", "0000:7C2C  F4              hlt"]


def test_fault_dump_without_history_says_how(tmp_path):
    img = boot_floppy(tmp_path, "FAULT")
    r = subprocess.run([sys.executable, "-m", "pcemu", "--disk=%s" % img, "--display=none", "--clock=virtual",
                        "--timeout=60"], capture_output=True, timeout=120, env=ENV, cwd=str(ROOT))
    err = r.stderr.decode()
    assert r.returncode == 3, err
    assert "0000:7C2D  EBFD            jmp short 0x7c2c" in err
    assert "--history" in err
