"""The Debugger from Python: breakpoint kinds, step over CALL/INT/REP/LOOP, watchpoints,
port breakpoints, the history, and the machine's choice of run path."""

import subprocess

import pytest
from conftest import require_tool

from pcemu import Machine
from pcemu.debug import Debugger
from pcemu.debug.expr import compile_condition

PROGRAM = """
        org 0x7c00
        xor ax, ax              ; 7c00
        mov ds, ax              ; 7c02
        mov es, ax              ; 7c04
        mov cx, 5               ; 7c06
spin:   nop                     ; 7c09
        loop spin               ; 7c0a
        mov si, src             ; 7c0c
        mov di, 0x700           ; 7c0f
        mov cx, 8               ; 7c12
        cld                     ; 7c15
        rep movsb               ; 7c16
        call sub                ; 7c18
        int 0x12                ; 7c1b
        mov al, [0x650]         ; 7c1d
        in al, 0x61             ; 7c20
        jmp 0x0000:far_target   ; 7c22
far_target:
        mov dx, 0xbeef          ; 7c27
done:   hlt                     ; 7c2a
        jmp done
sub:    mov bx, 0x99
        ret
src:    db "ABCDEFGH"
        times 510-($-$$) db 0
        dw 0xaa55
"""


@pytest.fixture
def machine(tmp_path):
    require_tool("nasm")
    (tmp_path / "p.asm").write_text(PROGRAM)
    subprocess.run(["nasm", "-f", "bin", "-o", str(tmp_path / "p.bin"), str(tmp_path / "p.asm")], check=True)
    img = tmp_path / "p.img"
    img.write_bytes((tmp_path / "p.bin").read_bytes() + bytes(1474560 - 512))
    m = Machine(floppies=[str(img)], clock="virtual")
    yield m
    m.close()


def at(m):
    return m.cpu.sregs[1], m.cpu.ip


def test_fast_path_until_debugging_is_active(machine):
    d = Debugger(machine)
    assert machine._debug_run is None  # attached but idle: the CPU's own run()
    bp = d.break_at(linear=0x7c00)
    assert machine._debug_run == d.run
    d.delete(bp.number)
    assert machine._debug_run is None


def test_seg_off_matches_cs_and_ip_linear_matches_any(machine):
    d = Debugger(machine)
    d.break_at(seg=0x07C0, off=0x0000)  # same linear address, other CS: must not fire
    lin = d.break_at(linear=0x7C00)
    stop = d.run_until_stop(timeout=60)
    assert stop.kind == "break" and stop.breakpoint is lin and at(machine) == (0, 0x7C00)


def test_step_over_loop_rep_call_int_and_history(machine):
    d = Debugger(machine)
    d.break_at(seg=0, off=0x7C0A)
    assert d.run_until_stop(timeout=60).kind == "break"
    d.delete(None)
    d.set_history(True, 100)
    cpu = machine.cpu
    assert cpu.regs[1] == 5
    d.step_over()  # LOOP: runs the remaining rounds
    assert d.run_until_stop().kind == "step" and at(machine) == (0, 0x7C0C) and cpu.regs[1] == 0
    for _ in range(4):
        d.step()
        d.run_until_stop()
    assert at(machine) == (0, 0x7C16)
    d.step_over()  # REP MOVSB: all 8 bytes
    d.run_until_stop()
    assert at(machine) == (0, 0x7C18) and cpu.regs[1] == 0 and d.peek(0x700, 8) == b"ABCDEFGH"
    d.step_over()  # CALL
    d.run_until_stop()
    assert at(machine) == (0, 0x7C1B) and cpu.regs[3] == 0x99
    d.step_over()  # INT 12h: the BIOS's conventional memory size
    d.run_until_stop()
    assert at(machine) == (0, 0x7C1D) and cpu.regs[0] == 640
    d.step()  # a plain step goes into nothing: one instruction
    d.run_until_stop()
    assert at(machine) == (0, 0x7C20)
    entries = d.history.entries()
    assert (0, 0x7C1B, 0) not in entries  # marked far: INT changes CS
    assert any(e[:2] == (0, 0x7C1B) and e[2] == 1 for e in entries)
    assert any(e[0] == 0xF000 for e in entries)  # the BIOS's INT 12h handler ran under the step-over
    text = "\n".join(d.format_history(100))
    assert "0000:7C16  F3A4            rep movsb" in text
    assert "0000:7C1B  CD12            int 0x12  ; far" in text


def test_read_watch_port_break_and_far_mark(machine):
    d = Debugger(machine)
    w = d.watch(0x650, 1, "r")
    stop = d.run_until_stop(timeout=60)
    assert stop.kind == "watch" and stop.breakpoint is w and stop.address == 0x650
    assert at(machine) == (0, 0x7C20)  # after the instruction that read it
    d.delete(None)
    p = d.break_port(0x61, "r")
    stop = d.run_until_stop()
    assert stop.kind == "io" and stop.breakpoint is p and at(machine) == (0, 0x7C22)
    assert "IN from port 0061h" in stop.message
    d.delete(None)
    d.break_at(linear=0x7C27)
    d.run_until_stop()
    assert at(machine) == (0, 0x7C27)
    last = d.history.entries(1)[0]
    assert last == (0, 0x7C22, 1)  # the far jump, marked
    # Watched pages go back to what they were once the watchpoint is deleted.
    assert machine.mem.kind[0] == 0 and machine.mem.devices[0] is None


def test_condition_breakpoint_and_expressions(machine):
    d = Debugger(machine)
    d.break_if(compile_condition("dx==beef"), "dx==beef")
    stop = d.run_until_stop(timeout=60)
    assert stop.kind == "break" and at(machine) == (0, 0x7C2A)
    cond = compile_condition("bh==0 && bl==99 || ax==1")
    assert cond(machine.cpu)
    with pytest.raises(ValueError):
        compile_condition("ax=")
