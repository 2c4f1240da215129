"""Port I/O: IN and OUT with an immediate port or DX."""

from .memory import fetch8
from .registers import AX, DX


def op_in_al_ib(cpu):
    port = fetch8(cpu)
    r = cpu.regs
    r[AX] = (r[AX] & 0xFF00) | cpu.io.in8(port)


def op_in_ax_ib(cpu):
    port = fetch8(cpu)
    cpu.regs[AX] = cpu.io.in16(port)


def op_out_ib_al(cpu):
    port = fetch8(cpu)
    cpu.io.out8(port, cpu.regs[AX] & 0xFF)


def op_out_ib_ax(cpu):
    port = fetch8(cpu)
    cpu.io.out16(port, cpu.regs[AX])


def op_in_al_dx(cpu):
    r = cpu.regs
    r[AX] = (r[AX] & 0xFF00) | cpu.io.in8(r[DX])


def op_in_ax_dx(cpu):
    r = cpu.regs
    r[AX] = cpu.io.in16(r[DX])


def op_out_dx_al(cpu):
    r = cpu.regs
    cpu.io.out8(r[DX], r[AX] & 0xFF)


def op_out_dx_ax(cpu):
    r = cpu.regs
    cpu.io.out16(r[DX], r[AX])
