"""Disassembly listings: the lines a debugger stop and a guest fault show.

Apart from the debugger so that a guest fault's report (registers and the
instructions at CS:IP) loads only the disassembler, not the debugger.
"""

from ..cpu.disasm import disassemble_at


def disassemble(read8, cs, ip, count, model):
    """[(cs, ip, bytes, text)] for ``count`` instructions from cs:ip, bytes read with
    ``read8(linear address)``; IP wraps within the segment."""
    out = []
    for _ in range(count):
        length, text = disassemble_at(read8, cs, ip, model)
        code = bytes(read8(((cs << 4) + ((ip + i) & 0xFFFF)) & 0xFFFFF) for i in range(length))
        out.append((cs, ip, code, text))
        ip = (ip + length) & 0xFFFF
    return out


def format_rows(rows):
    """``CS:IP  HEXBYTES  text`` for each row of disassemble()."""
    return ["%04X:%04X  %-14s  %s" % (cs, ip, "".join("%02X" % b for b in code), text)
            for cs, ip, code, text in rows]


def guest_report(machine):
    """The dump for a guest fault: registers, disassembly at CS:IP, and the history when
    one was recorded (a debugger attached, ``--history``)."""
    if machine.debugger is not None:
        return machine.debugger.report()
    cpu = machine.cpu
    lines = [cpu.dump(), "at CS:IP:"]
    rows = disassemble(machine.mem.read8, cpu.sregs[1], cpu.ip, 5, machine.cpu_model)
    lines.extend("  " + line for line in format_rows(rows))
    lines.append("(no instruction history: run with --history=N to record the last N instructions)")
    return "\n".join(lines)
