"""Decimal adjust: DAA DAS AAA AAS AAM AAD, and the 8086's SALC."""

from .alu import alu_add
from .flags import F_AF, F_CF, F_OF, get_af, get_cf, set_szp_eager
from .interrupts import divide_error
from .memory import fetch8
from .registers import AX


def op_daa(cpu):
    r = cpu.regs
    al = r[AX] & 0xFF
    cf = get_cf(cpu)
    af = get_af(cpu)
    old = al
    others = 0
    if (al & 0x0F) > 9 or af:
        al = (al + 6) & 0xFF
        others |= F_AF
    if old > (0x9F if af else 0x99) or cf:
        al = (al + 0x60) & 0xFF
        others |= F_CF
    # OF is undefined; the 8086 leaves it as the adds would set it
    if (old ^ al) & (al ^ (al - old)) & 0x80 and not (old & 0x80):
        others |= F_OF
    r[AX] = (r[AX] & 0xFF00) | al
    set_szp_eager(cpu, al, 0xFF, others)


def op_das(cpu):
    r = cpu.regs
    al = r[AX] & 0xFF
    cf = get_cf(cpu)
    af = get_af(cpu)
    old = al
    others = 0
    if (al & 0x0F) > 9 or af:
        al = (al - 6) & 0xFF
        others |= F_AF
    if old > (0x9F if af else 0x99) or cf:
        al = (al - 0x60) & 0xFF
        others |= F_CF
    if (old & 0x80) and not (al & 0x80):
        others |= F_OF
    r[AX] = (r[AX] & 0xFF00) | al
    set_szp_eager(cpu, al, 0xFF, others)


def op_aaa(cpu):
    r = cpu.regs
    al = r[AX] & 0xFF
    ah = r[AX] >> 8
    if (al & 0x0F) > 9 or get_af(cpu):
        al = (al + 6) & 0xFF
        ah = (ah + 1) & 0xFF
        others = F_AF | F_CF
    else:
        others = 0
    res = al
    al &= 0x0F
    r[AX] = (ah << 8) | al
    set_szp_eager(cpu, res, 0xFF, others)


def op_aas(cpu):
    r = cpu.regs
    al = r[AX] & 0xFF
    ah = r[AX] >> 8
    if (al & 0x0F) > 9 or get_af(cpu):
        al = (al - 6) & 0xFF
        ah = (ah - 1) & 0xFF
        others = F_AF | F_CF
    else:
        others = 0
    res = al
    al &= 0x0F
    r[AX] = (ah << 8) | al
    set_szp_eager(cpu, res, 0xFF, others)


def op_aam(cpu):
    base = fetch8(cpu)
    r = cpu.regs
    if base == 0:
        set_szp_eager(cpu, 0, 0xFF, 0)
        divide_error(cpu)
        return
    al = r[AX] & 0xFF
    ah, al = divmod(al, base)
    r[AX] = (ah << 8) | al
    set_szp_eager(cpu, al, 0xFF, 0)


def op_aad(cpu):
    base = fetch8(cpu)
    r = cpu.regs
    al = r[AX] & 0xFF
    ah = r[AX] >> 8
    prod = (ah * base) & 0xFF
    res = alu_add(cpu, al, prod, 0xFF)
    r[AX] = res


def op_salc(cpu):
    r = cpu.regs
    r[AX] = (r[AX] & 0xFF00) | (0xFF if get_cf(cpu) else 0)
