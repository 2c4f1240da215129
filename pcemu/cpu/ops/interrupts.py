"""Entering an interrupt, and the two exceptions the CPU raises itself (INT 0, INT 6)."""

from pcemu.hostjit import compile_apart

from .flags import FLAGS_FIXED, F_IF, F_TF, K_NONE, compute_flags
from .memory import push, rw
from .registers import CS


@compile_apart
def interrupt(cpu, vector, return_ip):
    """Enter interrupt ``vector``: push FLAGS, CS, IP; clear IF and TF."""
    if (cpu.resume_prefix_icount == cpu.icount and return_ip == cpu.insn_ip
            and not cpu.is186):
        return_ip = cpu.resume_prefix_ip  # see _prefixed: the 8086 keeps the last prefix only
    flags = compute_flags(cpu)
    cpu.lf_kind = K_NONE
    push(cpu, flags | FLAGS_FIXED)
    cpu.flags = flags & ~(F_IF | F_TF)
    push(cpu, cpu.sregs[CS])
    push(cpu, return_ip)
    cpu.ip = rw(cpu, 0, vector * 4)
    cpu.sregs[CS] = rw(cpu, 0, vector * 4 + 2)
    cpu.update_pending()


def divide_error(cpu):
    """INT 0. The 8086 returns after the divide; the 80186 (like later chips) to it."""
    interrupt(cpu, 0, cpu.insn_ip if cpu.is186 else cpu.ip)


def undefined_186(cpu):
    """80186 unused-opcode exception (INT 6); return address is the opcode itself."""
    interrupt(cpu, 6, cpu.insn_ip)
