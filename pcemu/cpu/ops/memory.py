"""Memory and stack access for the handlers: RAM fast path, MMIO through the bus, code fetch.

RAM is read from ``mem.data`` directly unless the page is MMIO; writes go
straight to ``data`` for RAM pages, and for CODE pages (RAM holding translated code,
see pcemu.bus) where the byte written is not part of a translation: data next to
code stays on the fast path. Words wrap inside their segment, as on the 8086.
"""

from pcemu.bus import CODE, MMIO, RAM
from .registers import SP, SS


def rb(cpu, a):
    """Byte at linear address ``a`` (already wrapped to 20 bits)."""
    if cpu.kind[a >> 12] == MMIO:
        return cpu.mem.read8(a)
    return cpu.data[a]


def wb(cpu, a, v):
    if cpu.kind[a >> 12] == RAM:
        cpu.data[a] = v
    elif cpu.kind[a >> 12] == CODE and not cpu.mem.codemap[a]:
        cpu.data[a] = v
    else:
        cpu.mem.write8(a, v)


def rw(cpu, seg, off):
    """Word at seg:off; the high byte wraps inside the segment, as on the 8086."""
    a = (seg + off) & 0xFFFFF
    b = (seg + ((off + 1) & 0xFFFF)) & 0xFFFFF
    kind = cpu.kind
    if kind[a >> 12] == MMIO or kind[b >> 12] == MMIO:
        return cpu.mem.read8(a) | (cpu.mem.read8(b) << 8)
    data = cpu.data
    return data[a] | (data[b] << 8)


def ww(cpu, seg, off, v):
    a = (seg + off) & 0xFFFFF
    b = (seg + ((off + 1) & 0xFFFF)) & 0xFFFFF
    kind = cpu.kind
    if kind[a >> 12] == RAM and kind[b >> 12] == RAM:
        data = cpu.data
        data[a] = v & 0xFF
        data[b] = v >> 8
    else:
        wb(cpu, a, v & 0xFF)
        wb(cpu, b, v >> 8)


def fetch8(cpu):
    ip = cpu.ip
    cpu.ip = (ip + 1) & 0xFFFF
    return cpu.data[(cpu.csb + ip) & 0xFFFFF]


def fetch16(cpu):
    ip = cpu.ip
    base = cpu.csb
    data = cpu.data
    cpu.ip = (ip + 2) & 0xFFFF
    return data[(base + ip) & 0xFFFFF] | (data[(base + ((ip + 1) & 0xFFFF)) & 0xFFFFF] << 8)


def fetch_s8(cpu):
    # sign-extended without a branch (which PyPy would compile as two paths of each caller)
    return (fetch8(cpu) ^ 0x80) - 0x80


def push(cpu, v):
    r = cpu.regs
    sp = (r[SP] - 2) & 0xFFFF
    r[SP] = sp
    ww(cpu, cpu.sregs[SS] << 4, sp, v)


def pop(cpu):
    r = cpu.regs
    sp = r[SP]
    v = rw(cpu, cpu.sregs[SS] << 4, sp)
    r[SP] = (sp + 2) & 0xFFFF
    return v
