"""Interrupt request lines: how a device signals the interrupt controller.

A device never sees the PIC. It is handed an ``IrqLine`` and drives its level;
the line forwards to any sink with ``set_irq(number, level)`` (the 8259 pair,
or a recorder in tests). The PIC does the edge detection, as the 8259A does on
the ISA bus.
"""


class IrqLine:
    __slots__ = ("sink", "number", "level")

    def __init__(self, sink, number):
        self.sink = sink
        self.number = number
        self.level = False

    def set(self, level):
        level = bool(level)
        if level != self.level:
            self.level = level
            self.sink.set_irq(self.number, level)



class IrqRecorder:
    """A sink that remembers every level change; for device tests."""

    def __init__(self):
        self.events = []
        self.levels = {}

    def set_irq(self, number, level):
        self.events.append((number, level))
        self.levels[number] = level

    def line(self, number):
        return IrqLine(self, number)
