"""What a real-mode developer types: numbers, registers, addresses and conditions.

* Numbers are hexadecimal, as in DOS DEBUG: ``7c00``, ``0x7c00`` and ``7c00h``
  are the same; ``#100`` is decimal.
* Registers: ``ax bx cx dx sp bp si di``, their halves ``al ah ... dh``, the
  segments ``cs ds es ss``, ``ip`` and ``flags`` (case does not matter).
* An address is ``SEG:OFF`` (each a number or a register: ``ds:dx``,
  ``f000:fff0``) or one number, which is a linear (physical) address.
* A condition compares registers and numbers: ``ax==4c00``,
  ``ah==9 && ds!=0`` (operators ``== != < <= > >=``, joined by ``&&`` / ``||``).
"""

import re

REG16 = {"ax": 0, "cx": 1, "dx": 2, "bx": 3, "sp": 4, "bp": 5, "si": 6, "di": 7}
REG8 = {"al": (0, 0), "cl": (1, 0), "dl": (2, 0), "bl": (3, 0),
        "ah": (0, 8), "ch": (1, 8), "dh": (2, 8), "bh": (3, 8)}
SREG = {"es": 0, "cs": 1, "ss": 2, "ds": 3}
REGISTER_NAMES = tuple(REG16) + tuple(REG8) + tuple(SREG) + ("ip", "flags")


class ExprError(ValueError):
    """Input the debugger cannot read; the message says what was expected."""


def parse_number(text):
    t = text.strip().lower()
    try:
        if t.startswith("#"):
            return int(t[1:], 10)
        if t.startswith("0x"):
            return int(t[2:], 16)
        if t.endswith("h") and len(t) > 1:
            return int(t[:-1], 16)
        return int(t, 16)
    except ValueError:
        raise ExprError("not a number: %r (numbers are hexadecimal; #N is decimal)" % text)


def get_reg(cpu, name):
    n = name.lower()
    if n in REG16:
        return cpu.regs[REG16[n]]
    if n in REG8:
        i, shift = REG8[n]
        return (cpu.regs[i] >> shift) & 0xFF
    if n in SREG:
        return cpu.sregs[SREG[n]]
    if n == "ip":
        return cpu.ip
    if n == "flags":
        return cpu.get_flags()
    raise ExprError("no register %r" % name)


def set_reg(cpu, name, value):
    n = name.lower()
    if n in REG16:
        cpu.regs[REG16[n]] = value & 0xFFFF
    elif n in REG8:
        i, shift = REG8[n]
        cpu.regs[i] = (cpu.regs[i] & ~(0xFF << shift) & 0xFFFF) | ((value & 0xFF) << shift)
    elif n in SREG:
        cpu.sregs[SREG[n]] = value & 0xFFFF
    elif n == "ip":
        cpu.ip = value & 0xFFFF
    elif n == "flags":
        cpu.set_flags(value & 0xFFFF)
    else:
        raise ExprError("no register %r" % name)


def value_of(cpu, text):
    """A register's value or a number."""
    t = text.strip()
    if t.lower() in REGISTER_NAMES:
        return get_reg(cpu, t)
    return parse_number(t)


class Address(object):
    """A segmented (seg, off) or linear (seg None) address."""

    def __init__(self, seg, off):
        self.seg = seg
        self.off = off

    @property
    def linear(self):
        if self.seg is None:
            return self.off & 0xFFFFF
        return ((self.seg << 4) + self.off) & 0xFFFFF

    def advanced(self, n):
        if self.seg is None:
            return Address(None, (self.off + n) & 0xFFFFF)
        return Address(self.seg, (self.off + n) & 0xFFFF)

    def __str__(self):
        if self.seg is None:
            return "%05X" % self.off
        return "%04X:%04X" % (self.seg, self.off)


def parse_address(cpu, text):
    t = text.strip()
    if ":" in t:
        seg, _, off = t.partition(":")
        return Address(value_of(cpu, seg) & 0xFFFF, value_of(cpu, off) & 0xFFFF)
    if t.lower() in REGISTER_NAMES:
        raise ExprError("%r alone is ambiguous: write seg:off (e.g. ds:%s) or a linear address" % (t, t))
    return Address(None, parse_number(t) & 0xFFFFF)


_COMPARE = re.compile(r"^\s*([0-9a-zA-Z#]+)\s*(==|!=|<=|>=|<|>|=)\s*([0-9a-zA-Z#]+)\s*$")
_OPS = {
    "==": lambda a, b: a == b, "=": lambda a, b: a == b, "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def _term(text):
    t = text.strip()
    if t.lower() in REGISTER_NAMES:
        name = t.lower()
        return lambda cpu: get_reg(cpu, name)
    value = parse_number(t)
    return lambda cpu: value


def compile_condition(text):
    """``"ah==9 && ds!=0"`` -> a function of the CPU that returns True when it holds."""
    alternatives = []
    for alt in re.split(r"\|\||\bor\b", text):
        terms = []
        for part in re.split(r"&&|\band\b", alt):
            m = _COMPARE.match(part)
            if not m:
                raise ExprError("cannot read condition %r (e.g. ax==4c00 && ds!=0)" % part.strip())
            lhs, op, rhs = _term(m.group(1)), _OPS[m.group(2)], _term(m.group(3))
            terms.append((lhs, op, rhs))
        alternatives.append(terms)

    def check(cpu):
        for terms in alternatives:
            for lhs, op, rhs in terms:
                if not op(lhs(cpu), rhs(cpu)):
                    break
            else:
                return True
        return False

    return check
