"""National Semiconductor PC16550D UART (the 16550A of PC serial ports COM1-COM4).

Registers at base+0..7 (DLAB is LCR bit 7):

    +0  RBR (read) / THR (write); DLL when DLAB=1
    +1  IER: ERBFI 0, ETBEI 1, ELSI 2, EDSSI 3; DLM when DLAB=1
    +2  IIR (read) / FCR (write: FIFO enable, RX/TX FIFO reset, trigger level)
    +3  LCR (word length, stop bits, parity, break, DLAB)
    +4  MCR: DTR, RTS, OUT1, OUT2, LOOP
    +5  LSR: DR, OE, PE, FE, BI, THRE, TEMT, RX FIFO error
    +6  MSR: delta CTS/DSR/DCD, trailing-edge RI, CTS, DSR, RI, DCD
    +7  SCR

Interrupt identification follows the datasheet's priority order: receiver
line status (06h) > received data available (04h) / character timeout (0Ch)
> THR empty (02h) > modem status (00h); bits 7:6 read 11b with the FIFOs on.

Emulation choices:

* Transmission takes no time: a THR write goes straight to the back end and
  THR empty comes back at once. The THRE interrupt is still the datasheet's:
  raised when THR empties (or when ETBEI is switched on with THR empty, or
  the TX FIFO is reset), cleared by a THR write or by reading IIR while it is the reported source.
* Host input is queued outside the chip (``receive``) and moved into the
  16-byte RX FIFO (one holding byte with FIFOs off) as space frees up, so
  nothing is lost; ``rx_pending()`` counts queue plus FIFO.
* Character timeout: with a clock, four character times (from the divisor
  and LCR) after the last FIFO activity, as on the chip; without one, at once
  whenever data sits below the trigger level, so drivers still see it.
* The interrupt reaches the bus only while MCR OUT2 is set, as the PC's
  serial adapters wire it; in loopback the chip forces its modem outputs
  (OUT2 among them) inactive, so loopback interrupts stay inside IIR.
* MSR's CTS, DSR and DCD follow the back end's ``connected`` attribute.
"""

from collections import deque

from pcemu.clock import NS_PER_SEC
from pcemu import state

# IER
ERBFI = 0x01
ETBEI = 0x02
ELSI = 0x04
EDSSI = 0x08

# IIR
IIR_NO_INT = 0x01
IIR_MODEM = 0x00
IIR_THRE = 0x02
IIR_RDA = 0x04
IIR_RLS = 0x06
IIR_TIMEOUT = 0x0C
IIR_FIFO_ON = 0xC0

# FCR
FCR_ENABLE = 0x01
FCR_RX_RESET = 0x02
FCR_TX_RESET = 0x04
FCR_DMA_MODE = 0x08
TRIGGER_LEVELS = (1, 4, 8, 14)

# LCR
LCR_DLAB = 0x80
LCR_BREAK = 0x40

# MCR
MCR_DTR = 0x01
MCR_RTS = 0x02
MCR_OUT1 = 0x04
MCR_OUT2 = 0x08
MCR_LOOP = 0x10

# LSR
LSR_DR = 0x01
LSR_OE = 0x02
LSR_PE = 0x04
LSR_FE = 0x08
LSR_BI = 0x10
LSR_THRE = 0x20
LSR_TEMT = 0x40
LSR_FIFO_ERR = 0x80
LSR_ERRORS = LSR_OE | LSR_PE | LSR_FE | LSR_BI

# MSR
MSR_DCTS = 0x01
MSR_DDSR = 0x02
MSR_TERI = 0x04
MSR_DDCD = 0x08
MSR_CTS = 0x10
MSR_DSR = 0x20
MSR_RI = 0x40
MSR_DCD = 0x80
MSR_DELTAS = 0x0F

FIFO_SIZE = 16
UART_CLOCK_DIVIDED = 115200  # 1.8432 MHz / 16: the baud rate at divisor 1


class NullSerial:
    """A port with nothing plugged in: output vanishes, modem lines are low."""

    connected = False

    def write(self, data):
        pass

    def close(self):
        pass


class BufferSerial:
    """Collects everything the guest sends; for the Python API and tests."""

    connected = True

    def __init__(self):
        self.output = bytearray()

    def write(self, data):
        self.output += data

    @property
    def data(self):
        """Everything sent so far (since the last take())."""
        return bytes(self.output)

    def take(self):
        """Bytes sent since the last take()."""
        data = bytes(self.output)
        del self.output[:]
        return data

    def text(self):
        return self.output.decode("latin-1")

    def close(self):
        pass


class FileSerial:
    """Appends the guest's output to a host file (a log, a FIFO, a pty path)."""

    connected = True

    def __init__(self, path):
        self.path = path
        try:
            self._file = open(path, "ab", buffering=0)
        except OSError as exc:
            raise ValueError("serial output %s: %s" % (path, exc.strerror)) from None

    def write(self, data):
        self._file.write(data)

    def close(self):
        self._file.close()


class Uart16550:
    STATE = state.Description("16550A UART", fields=[
        state.Int("DLL"), state.Int("DLM"), state.Int("IER"), state.Int("FCR"), state.Int("LCR"),
        state.Int("MCR"), state.Int("SCR"), state.Deque("_fifo"), state.Int("_lsr_errors"),
        state.Bool("_thre_pending"), state.Bool("_timeout_pending"), state.Int("_msr_lines"),
        state.Int("_msr_deltas"), state.Deque("_host_queue"), state.Timer("_timeout_timer", "_timeout_expired"),
        state.Int("bytes_in"), state.Int("bytes_out"), state.IrqLevel("irq"),
    ], wiring=["base", "backend", "name", "clock"])

    def __init__(self, io, base=0x3F8, irq=None, backend=None, name="COM1", clock=None):
        self.base = base
        self.irq = irq
        self.backend = backend if backend is not None else NullSerial()
        self.name = name
        self.clock = clock
        self._host_queue = deque()
        self._timeout_timer = None
        self.bytes_in = 0
        self.bytes_out = 0
        io.register(base, 8, self._read8, self._write8, name=name)
        self.reset()

    # -- state -------------------------------------------------------------------
    def reset(self):
        """Master reset: the datasheet's reset values (the host queue survives)."""
        self.DLL = 0x0C  # 9600 baud, what most BIOSes leave behind anyway
        self.DLM = 0x00
        self.IER = 0
        self.FCR = 0
        self.LCR = 0
        self.MCR = 0
        self.SCR = 0
        self._fifo = deque()
        self._lsr_errors = 0
        self._thre_pending = False
        self._timeout_pending = False
        self._msr_lines = 0
        self._msr_deltas = 0
        self._cancel_timeout()
        self._msr_lines = self._modem_inputs()
        self._update_irq()

    def _capacity(self):
        return FIFO_SIZE if self.FCR & FCR_ENABLE else 1

    def _trigger(self):
        return TRIGGER_LEVELS[self.FCR >> 6] if self.FCR & FCR_ENABLE else 1

    @property
    def divisor(self):
        return (self.DLM << 8) | self.DLL

    @property
    def baud(self):
        return UART_CLOCK_DIVIDED / (self.divisor or 0x10000)

    # -- interrupt logic -------------------------------------------------------------
    def _interrupt_id(self):
        """The IIR source code (bits 3:0) of the highest-priority pending interrupt."""
        ier = self.IER
        if ier & ELSI and self._lsr_errors:
            return IIR_RLS
        if ier & ERBFI and self._fifo:
            if len(self._fifo) >= self._trigger():
                return IIR_RDA
            if self._timeout_pending or (self.clock is None and self.FCR & FCR_ENABLE):
                return IIR_TIMEOUT
        if ier & ETBEI and self._thre_pending:
            return IIR_THRE
        if ier & EDSSI and self._msr_deltas:
            return IIR_MODEM
        return IIR_NO_INT

    def _update_irq(self):
        if self.irq is None:
            return
        gated = (self.MCR & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2
        self.irq.set(gated and self._interrupt_id() != IIR_NO_INT)

    # -- host side ----------------------------------------------------------------
    def receive(self, data):
        """Host input for the guest; queued and fed to the RX FIFO as it has room."""
        if data:
            self._host_queue.extend(data)
            self._refill()
            self._update_irq()

    def rx_pending(self):
        """Bytes of host input not yet read by the guest (FIFO included)."""
        return len(self._host_queue) + len(self._fifo)

    def carrier_changed(self):
        """Call after the back end's ``connected`` flips, so MSR deltas are raised."""
        self._sample_modem_inputs()
        self._update_irq()

    def _refill(self):
        if self.MCR & MCR_LOOP:
            return  # the serial input pin is disconnected in loopback
        queue = self._host_queue
        fifo = self._fifo
        room = self._capacity() - len(fifo)
        moved = 0
        while queue and moved < room:
            fifo.append(queue.popleft())
            moved += 1
        if moved:
            self.bytes_in += moved
            self._rx_activity()

    def _rx_activity(self):
        """A byte entered or left the RX FIFO: restart the character timeout."""
        self._timeout_pending = False
        if self.clock is None:
            return
        self._cancel_timeout()
        if self._fifo and self.FCR & FCR_ENABLE:
            self._timeout_timer = self.clock.schedule(self.clock.now() + 4 * self._char_time_ns(),
                                                      self._timeout_expired)

    def _char_time_ns(self):
        lcr = self.LCR
        bits = 1 + 5 + (lcr & 3) + (1 if lcr & 0x04 else 0) + 1 + (1 if lcr & 0x08 else 0)
        return int(bits * NS_PER_SEC / self.baud)

    def _timeout_expired(self, now):
        self._timeout_timer = None
        if self._fifo and self.FCR & FCR_ENABLE:
            self._timeout_pending = True
            self._update_irq()

    def _cancel_timeout(self):
        if self._timeout_timer is not None:
            self.clock.cancel(self._timeout_timer)
            self._timeout_timer = None

    def _modem_inputs(self):
        """CTS/DSR/RI/DCD as the chip sees them (MSR bits 7:4)."""
        mcr = self.MCR
        if mcr & MCR_LOOP:
            lines = 0
            if mcr & MCR_RTS:
                lines |= MSR_CTS
            if mcr & MCR_DTR:
                lines |= MSR_DSR
            if mcr & MCR_OUT1:
                lines |= MSR_RI
            if mcr & MCR_OUT2:
                lines |= MSR_DCD
            return lines
        return (MSR_CTS | MSR_DSR | MSR_DCD) if getattr(self.backend, "connected", False) else 0

    def _sample_modem_inputs(self):
        new = self._modem_inputs()
        old = self._msr_lines
        changed = old ^ new
        if changed & MSR_CTS:
            self._msr_deltas |= MSR_DCTS
        if changed & MSR_DSR:
            self._msr_deltas |= MSR_DDSR
        if changed & MSR_DCD:
            self._msr_deltas |= MSR_DDCD
        if old & MSR_RI and not new & MSR_RI:
            self._msr_deltas |= MSR_TERI
        self._msr_lines = new

    # -- guest side -----------------------------------------------------------------------
    def _read8(self, off):
        if off == 0:
            if self.LCR & LCR_DLAB:
                return self.DLL
            return self._read_rbr()
        if off == 1:
            return self.DLM if self.LCR & LCR_DLAB else self.IER
        if off == 2:
            return self._read_iir()
        if off == 3:
            return self.LCR
        if off == 4:
            return self.MCR
        if off == 5:
            return self._read_lsr()
        if off == 6:
            value = self._msr_lines | self._msr_deltas
            self._msr_deltas = 0
            self._update_irq()
            return value
        return self.SCR

    def _read_rbr(self):
        fifo = self._fifo
        if not fifo:
            return 0
        value = fifo.popleft()
        self._rx_activity()
        self._refill()
        self._update_irq()
        return value

    def _read_iir(self):
        source = self._interrupt_id()
        if source == IIR_THRE:
            self._thre_pending = False
            self._update_irq()
        return source | (IIR_FIFO_ON if self.FCR & FCR_ENABLE else 0)

    def _read_lsr(self):
        value = LSR_THRE | LSR_TEMT | self._lsr_errors
        if self._fifo:
            value |= LSR_DR
        if self._lsr_errors:
            self._lsr_errors = 0
            self._update_irq()
        return value

    def _write8(self, off, value):
        if off == 0:
            if self.LCR & LCR_DLAB:
                self.DLL = value
            else:
                self._write_thr(value)
        elif off == 1:
            if self.LCR & LCR_DLAB:
                self.DLM = value
            else:
                was = self.IER
                self.IER = value & 0x0F
                if self.IER & ETBEI and not was & ETBEI:
                    self._thre_pending = True  # THR is always empty here
                self._update_irq()
        elif off == 2:
            self._write_fcr(value)
        elif off == 3:
            self.LCR = value
        elif off == 4:
            was_loop = self.MCR & MCR_LOOP
            self.MCR = value & 0x1F
            self._sample_modem_inputs()
            if was_loop and not self.MCR & MCR_LOOP:
                self._refill()
            self._update_irq()
        elif off == 7:
            self.SCR = value
        # LSR and MSR writes are factory-test only

    def _write_thr(self, value):
        # The write empties the interrupt; the byte leaves at once and THR empties again,
        # which the PIC sees as a fresh edge.
        self._thre_pending = False
        self._update_irq()
        if self.MCR & MCR_LOOP:
            if len(self._fifo) < self._capacity():
                self._fifo.append(value)
                self._rx_activity()
            elif self.FCR & FCR_ENABLE:
                self._lsr_errors |= LSR_OE  # the shift register's byte is lost, FIFO kept
            else:
                self._fifo[-1] = value  # RBR overwritten
                self._lsr_errors |= LSR_OE
        else:
            self.backend.write(bytes((value,)))
            self.bytes_out += 1
        self._thre_pending = True
        self._update_irq()

    def _write_fcr(self, value):
        was_on = self.FCR & FCR_ENABLE
        on = value & FCR_ENABLE
        if on != was_on or value & FCR_RX_RESET:
            if on != was_on:
                self._fifo.clear()  # changing FIFO mode clears both FIFOs
            elif value & FCR_RX_RESET:
                self._fifo.clear()
            self._timeout_pending = False
            self._cancel_timeout()
        if on and value & FCR_TX_RESET:
            self._thre_pending = True  # the emptied transmitter counts as a fresh THR empty (as QEMU's 16550)
        self.FCR = (value & (0xC0 | FCR_DMA_MODE | FCR_ENABLE)) if on else 0
        self._refill()
        self._update_irq()

    # -- introspection ---------------------------------------------------------------------
    def debug_state(self):
        return {
            "name": self.name, "base": self.base, "DLL": self.DLL, "DLM": self.DLM, "baud": self.baud,
            "IER": self.IER, "FCR": self.FCR, "LCR": self.LCR, "MCR": self.MCR, "SCR": self.SCR,
            "rx_fifo": len(self._fifo), "host_queue": len(self._host_queue),
            "lsr_errors": self._lsr_errors, "thre_pending": self._thre_pending,
            "msr": self._msr_lines | self._msr_deltas, "iir": self._interrupt_id(),
            "bytes_in": self.bytes_in, "bytes_out": self.bytes_out,
        }

    def stats(self):
        return {self.name: (self.bytes_in, self.bytes_out)}
