"""Intel 8259A programmable interrupt controllers, cascaded as in the PC/AT.

The master answers at 20h/21h, the slave at A0h/A1h; the slave's INT output
drives the master's IR2, so IRQ 8-15 reach the CPU through master IRQ2.

Covered, per the 8259A datasheet:

* ICW1-ICW4 initialisation (single/cascade, LTIM level mode, ICW4 AEOI and
  special fully nested mode, 8086 vector base from ICW2).
* OCW1: the interrupt mask register (IMR).
* OCW2: non-specific and specific EOI, rotate on non-specific/specific EOI,
  set priority, rotate-in-automatic-EOI set/clear.
* OCW3: read IRR / read ISR select, poll command, special mask mode.
* Priority resolution with rotation; automatic EOI; the default (spurious)
  IR7 when a request goes away before the acknowledge - vector base+7 with
  no ISR bit set; for the slave the master still puts IR2 in service.

Edge mode follows the datasheet's priority cell: a rising edge latches the
request, and the latch stays set only while the input is high, so a request
dropped before INTA is withdrawn. Devices therefore hold their line high until
the guest services them: a rise followed at once by a fall would be lost.
"""

# ICW1 bits (written to the even port with bit 4 set)
from .. import state

ICW1_IC4 = 0x01    # ICW4 will follow
ICW1_SNGL = 0x02   # single controller, no ICW3
ICW1_LTIM = 0x08   # level-triggered inputs
ICW1_INIT = 0x10

# ICW4 bits
ICW4_UPM = 0x01    # 8086 mode
ICW4_AEOI = 0x02
ICW4_SFNM = 0x10

# OCW3 bits (even port, bit 4 clear, bit 3 set)
OCW3_SELECT = 0x08
OCW3_RIS = 0x01    # read ISR (else IRR)
OCW3_RR = 0x02     # the RIS bit is valid
OCW3_POLL = 0x04
OCW3_SMM = 0x20    # special mask mode value
OCW3_ESMM = 0x40   # the SMM bit is valid

CASCADE_IR = 2     # the slave hangs on master IR2
NO_IRQ = -1


class Pic8259:
    """One 8259A. ``PicPair`` owns two and does the cascading and the INTA cycle."""

    STATE = state.Description("8259A", fields=[
        state.Int("irr"), state.Int("imr"), state.Int("isr"), state.Int("input_level"),
        state.Int("vector_base"), state.Int("lowest_priority"), state.Bool("read_isr"),
        state.Bool("poll_pending"), state.Bool("special_mask"), state.Bool("level_triggered"),
        state.Bool("auto_eoi"), state.Bool("rotate_on_aeoi"), state.Bool("special_fully_nested"),
        state.Bool("single"), state.Int("icw3"), state.Int("icw4"), state.Bool("expect_icw4"),
        state.Int("init_step"),
    ], wiring=["name", "is_master"])

    def __init__(self, name, is_master):
        self.name = name
        self.is_master = is_master
        self.reset()

    def reset(self):
        self.irr = 0
        self.imr = 0
        self.isr = 0
        self.input_level = 0       # current levels on IR0-7
        self.vector_base = 0x08 if self.is_master else 0x70
        self.lowest_priority = 7   # IR with the lowest priority (rotation)
        self.read_isr = False
        self.poll_pending = False
        self.special_mask = False
        self.level_triggered = False
        self.auto_eoi = False
        self.rotate_on_aeoi = False
        self.special_fully_nested = False
        self.single = False
        self.icw3 = 0x04 if self.is_master else 0x02
        self.icw4 = ICW4_UPM
        self.expect_icw4 = False
        self.init_step = 0         # 0: operational; 2/3/4: next ICW expected

    # -- inputs -----------------------------------------------------------------
    def set_input(self, ir, level):
        mask = 1 << ir
        was = self.input_level & mask
        if level:
            self.input_level |= mask
            if self.level_triggered or not was:
                self.irr |= mask
        else:
            self.input_level &= ~mask
            self.irr &= ~mask

    # -- priority ---------------------------------------------------------------
    def _highest(self, bits):
        """Highest-priority IR set in ``bits`` under the current rotation, or NO_IRQ."""
        if not bits:
            return NO_IRQ
        ir = (self.lowest_priority + 1) & 7
        for _ in range(8):
            if bits & (1 << ir):
                return ir
            ir = (ir + 1) & 7
        return NO_IRQ

    def _rank(self, ir):
        """0 for the highest priority IR, 7 for the lowest."""
        return (ir - self.lowest_priority - 1) & 7

    def pending(self):
        """The IR this chip would present to the CPU now, or NO_IRQ."""
        request = self._highest(self.irr & ~self.imr)
        if request == NO_IRQ:
            return NO_IRQ
        in_service = self.isr
        if self.special_mask:
            # Special mask mode: masked levels in service don't block others.
            in_service &= ~self.imr
        if self.is_master and self.special_fully_nested:
            # The slave may interrupt its own service routine with a higher level.
            in_service &= ~(1 << CASCADE_IR)
        blocking = self._highest(in_service)
        if blocking != NO_IRQ and self._rank(blocking) <= self._rank(request):
            return NO_IRQ
        return request

    def ack(self, ir):
        """The INTA cycle for ``ir``: move it from IRR to ISR (or auto-EOI it)."""
        mask = 1 << ir
        if not self.level_triggered:
            self.irr &= ~mask
        if self.auto_eoi:
            if self.rotate_on_aeoi:
                self.lowest_priority = ir
        else:
            self.isr |= mask

    # -- ports --------------------------------------------------------------------
    def read(self, offset):
        if self.poll_pending:
            self.poll_pending = False
            return None  # PicPair answers the poll; it knows about cascading
        if offset == 0:
            return self.isr if self.read_isr else self.irr
        return self.imr

    def write(self, offset, value):
        if offset == 0:
            if value & ICW1_INIT:
                self._icw1(value)
            elif value & OCW3_SELECT:
                self._ocw3(value)
            else:
                self._ocw2(value)
            return
        step = self.init_step
        if step == 2:
            self.vector_base = value & 0xF8
            if self.single:
                self.init_step = 4 if self.expect_icw4 else 0
            else:
                self.init_step = 3
        elif step == 3:
            self.icw3 = value
            self.init_step = 4 if self.expect_icw4 else 0
        elif step == 4:
            self.icw4 = value
            self.auto_eoi = bool(value & ICW4_AEOI)
            self.special_fully_nested = bool(value & ICW4_SFNM)
            self.init_step = 0
        else:
            self.imr = value

    def _icw1(self, value):
        # ICW1 clears the IMR, the ISR and the edge-sense latches; IR7 becomes
        # the lowest priority, special mask mode off, the IRR is selected.
        self.level_triggered = bool(value & ICW1_LTIM)
        self.single = bool(value & ICW1_SNGL)
        self.expect_icw4 = bool(value & ICW1_IC4)
        if not self.expect_icw4:
            self.icw4 = 0
            self.auto_eoi = False
            self.special_fully_nested = False
        self.imr = 0
        self.isr = 0
        self.irr = self.input_level if self.level_triggered else 0
        self.lowest_priority = 7
        self.special_mask = False
        self.read_isr = False
        self.poll_pending = False
        self.rotate_on_aeoi = False
        self.init_step = 2

    def _ocw2(self, value):
        command = value >> 5
        if command == 0:        # clear rotate in automatic EOI
            self.rotate_on_aeoi = False
        elif command == 4:      # set rotate in automatic EOI
            self.rotate_on_aeoi = True
        elif command in (1, 5):  # non-specific EOI (5: and rotate)
            ir = self._highest(self.isr)
            if ir != NO_IRQ:
                self.isr &= ~(1 << ir)
                if command == 5:
                    self.lowest_priority = ir
        elif command in (3, 7):  # specific EOI (7: and rotate)
            ir = value & 7
            self.isr &= ~(1 << ir)
            if command == 7:
                self.lowest_priority = ir
        elif command == 6:      # set priority: the given IR becomes the lowest
            self.lowest_priority = value & 7
        # command 2 is a no-op

    def _ocw3(self, value):
        if value & OCW3_RR:
            self.read_isr = bool(value & OCW3_RIS)
        if value & OCW3_POLL:
            self.poll_pending = True
        if value & OCW3_ESMM:
            self.special_mask = bool(value & OCW3_SMM)

    def debug_state(self):
        return {
            "irr": self.irr, "imr": self.imr, "isr": self.isr,
            "input": self.input_level, "vector_base": self.vector_base,
            "lowest_priority": self.lowest_priority, "auto_eoi": self.auto_eoi,
            "level_triggered": self.level_triggered, "special_mask": self.special_mask,
            "special_fully_nested": self.special_fully_nested, "init_step": self.init_step,
        }


class PicPair:
    """Master and slave 8259A; the sink for every ``IrqLine`` (IRQ 0-15)."""

    STATE = state.Description("8259A pair", fields=[
        state.Child("master", Pic8259.STATE), state.Child("slave", Pic8259.STATE),
        state.Bool("int_output"), state.IntList("irq_counts", 16), state.IntList("spurious", 2),
    ], wiring=["cpu_intr"])

    def __init__(self, io, cpu_intr=None):
        self.master = Pic8259("8259A master", True)
        self.slave = Pic8259("8259A slave", False)
        self.cpu_intr = cpu_intr or (lambda level: None)
        self.int_output = False
        self.irq_counts = [0] * 16     # interrupts acknowledged, per IRQ line (--stats)
        self.spurious = [0, 0]         # default IR7 on master, on slave
        io.register(0x20, 2, self._read_master, self._write_master, name="8259A master")
        io.register(0xA0, 2, self._read_slave, self._write_slave, name="8259A slave")

    # -- device side ----------------------------------------------------------------
    def set_irq(self, n, level):
        if n == CASCADE_IR:
            n = 9  # the AT wires the bus's IRQ2 pin to the slave's IR1 (IRQ9)
        if n < 8:
            self.master.set_input(n, level)
        else:
            self.slave.set_input(n - 8, level)
        self._update_irq()

    def _update_irq(self):
        self.master.set_input(CASCADE_IR, self.slave.pending() != NO_IRQ)
        out = self.master.pending() != NO_IRQ
        if out != self.int_output:
            self.int_output = out
            self.cpu_intr(out)

    def could_interrupt(self, n):
        """Would a request on IRQ ``n`` reach the CPU now? Not when it is masked, or
        when a level of the same or higher priority is in service (only an EOI from
        the CPU clears that). The machine asks this of a halted CPU."""
        if n == CASCADE_IR:
            n = 9
        master = self.master
        if n < 8:
            chip, ir = master, n
        else:
            chip, ir = self.slave, n - 8
        if not self._would_present(chip, ir):
            return False
        return chip is master or self._would_present(master, CASCADE_IR)

    @staticmethod
    def _would_present(chip, ir):
        saved = chip.irr
        chip.irr = saved | (1 << ir)
        try:
            return chip.pending() == ir
        finally:
            chip.irr = saved

    # -- CPU side ---------------------------------------------------------------------
    def acknowledge(self):
        """The two INTA pulses: returns the vector and updates IRR/ISR."""
        vector = self._inta()
        self._update_irq()
        return vector

    def _inta(self):
        master = self.master
        ir = master.pending()
        if ir == NO_IRQ:
            self.spurious[0] += 1
            return master.vector_base | 7
        master.ack(ir)
        if ir != CASCADE_IR or master.single:
            self.irq_counts[ir] += 1
            return master.vector_base | ir
        # The slave's INT drops during INTA; dropping the latched cascade input
        # lets a further slave request make a fresh edge on master IR2.
        master.input_level &= ~(1 << CASCADE_IR)
        slave = self.slave
        sir = slave.pending()
        if sir == NO_IRQ:
            self.spurious[1] += 1
            return slave.vector_base | 7
        slave.ack(sir)
        self.irq_counts[8 + sir] += 1
        return slave.vector_base | sir

    # -- ports ------------------------------------------------------------------------
    def _poll(self, chip):
        """OCW3 poll: the read acts as INTA; bit 7 = request present, bits 0-2 = level."""
        if chip is self.master:
            ir = chip.pending()
            if ir == NO_IRQ:
                return 0
            chip.ack(ir)
            if ir != CASCADE_IR:
                self.irq_counts[ir] += 1
            return 0x80 | ir
        ir = chip.pending()
        if ir == NO_IRQ:
            return 0
        chip.ack(ir)
        self.irq_counts[8 + ir] += 1
        return 0x80 | ir

    def _read(self, chip, offset):
        value = chip.read(offset)
        if value is None:
            value = self._poll(chip)
            self._update_irq()
        return value

    def _read_master(self, offset):
        return self._read(self.master, offset)

    def _read_slave(self, offset):
        return self._read(self.slave, offset)

    def _write_master(self, offset, value):
        self.master.write(offset, value)
        self._update_irq()

    def _write_slave(self, offset, value):
        self.slave.write(offset, value)
        self._update_irq()

    def debug_state(self):
        return {
            "int_output": self.int_output,
            "master": self.master.debug_state(),
            "slave": self.slave.debug_state(),
            "irq_counts": list(self.irq_counts),
            "spurious": list(self.spurious),
        }
