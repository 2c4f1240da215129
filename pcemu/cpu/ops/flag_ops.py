"""Flag instructions: CMC CLC STC CLI STI CLD STD, and HLT."""

from .flags import F_CF, F_DF, F_IF, materialize


def op_cmc(cpu):
    materialize(cpu)
    cpu.flags ^= F_CF


def op_clc(cpu):
    materialize(cpu)
    cpu.flags &= ~F_CF


def op_stc(cpu):
    materialize(cpu)
    cpu.flags |= F_CF


def op_cli(cpu):
    cpu.flags &= ~F_IF
    cpu.update_pending()


def op_sti(cpu):
    cpu.flags |= F_IF
    # interrupts stay off until after the next instruction
    cpu.set_shadow()


def op_cld(cpu):
    cpu.flags &= ~F_DF


def op_std(cpu):
    cpu.flags |= F_DF


def op_hlt(cpu):
    cpu.halted = True
    cpu.pending = True
