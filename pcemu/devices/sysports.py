"""PC/AT system control ports and the two debugging ports.

* 61h - system control port B (the 8255 PPI port B of the PC, kept by AT
  chipsets): bit 0 GATE2 of the 8254, bit 1 speaker data enable, bits 2-3
  parity/IO-check enables (stored), bit 4 refresh request toggle (flips on
  every read, so BIOS delay loops that wait for it make progress), bit 5 OUT2
  of the 8254, bits 6-7 IO-check/parity error (always 0 here).
* 92h - system control port A (PS/2 "fast A20"): bit 1 A20 gate, bit 0 fast
  reset (a 0 -> 1 transition resets the CPU).
* 80h - POST diagnostic code: the last byte written and a short history;
  ``on_post_code(code)`` is told of each one.
* E9h - debug console (Bochs/QEMU debugcon): bytes written are collected into
  lines; reading it returns E9h so a BIOS can detect it.
"""

import collections
from .. import state

PORTB_GATE2 = 0x01
PORTB_SPEAKER = 0x02
PORTB_WRITABLE = 0x0F
PORTB_REFRESH = 0x10
PORTB_OUT2 = 0x20

PORTA_RESET = 0x01
PORTA_A20 = 0x02

DEBUGCON_ID = 0xE9
POST_HISTORY = 256
DEBUG_LINES_KEPT = 200
DEBUG_LINE_MAX = 1024   # a line without newline is cut here, so a runaway loop can't eat memory


class SystemPorts:
    """Ports 61h, 92h, 80h and E9h."""

    STATE = state.Description("system ports", fields=[
        state.Int("port_b"), state.Int("refresh_toggle"), state.Int("port_a"), state.Bool("a20"),
        state.Int("post_code"), state.Deque("post_history"), state.Deque("debug_lines"), state.Bytes("_line"),
    ], wiring=["pit", "on_reset", "on_a20", "on_debug_line", "on_post_code"])

    def __init__(self, io, pit=None, on_reset=None, on_a20=None, on_debug_line=None, on_post_code=None):
        self.pit = pit
        self.on_post_code = on_post_code
        self.on_reset = on_reset
        self.on_a20 = on_a20
        self.on_debug_line = on_debug_line
        self.post_history = collections.deque(maxlen=POST_HISTORY)
        self.debug_lines = collections.deque(maxlen=DEBUG_LINES_KEPT)
        self.reset()
        io.register(0x61, 1, self._read_portb, self._write_portb, name="system control B")
        io.register(0x92, 1, self._read_porta, self._write_porta, name="system control A")
        io.register(0x80, 1, self._read_post, self._write_post, name="POST code")
        io.register(0xE9, 1, self._read_debugcon, self._write_debugcon, name="debug console")

    def reset(self):
        self.port_b = 0
        self.refresh_toggle = 0
        self.port_a = 0
        self.a20 = False
        self.post_code = 0
        self.post_history.clear()
        self._line = bytearray()
        if self.pit is not None:
            self.pit.set_gate(2, False)

    # -- 61h --------------------------------------------------------------------
    @property
    def speaker_on(self):
        """True while the speaker follows OUT2 (both GATE2 and speaker data set)."""
        return (self.port_b & (PORTB_GATE2 | PORTB_SPEAKER)) == (PORTB_GATE2 | PORTB_SPEAKER)

    def _read_portb(self, offset):
        self.refresh_toggle ^= PORTB_REFRESH
        value = (self.port_b & PORTB_WRITABLE) | self.refresh_toggle
        if self.pit is not None and self.pit.output(2):
            value |= PORTB_OUT2
        return value

    def _write_portb(self, offset, value):
        self.port_b = value & PORTB_WRITABLE
        if self.pit is not None:
            self.pit.set_gate(2, bool(value & PORTB_GATE2))

    # -- 92h --------------------------------------------------------------------
    def _read_porta(self, offset):
        return self.port_a

    def _write_porta(self, offset, value):
        old = self.port_a
        self.port_a = value & ~PORTA_RESET & 0xFF
        a20 = bool(value & PORTA_A20)
        if a20 != self.a20:
            self.a20 = a20
            if self.on_a20 is not None:
                self.on_a20(a20)
        if value & PORTA_RESET and not old & PORTA_RESET:
            if self.on_reset is not None:
                self.on_reset()

    # -- 80h --------------------------------------------------------------------
    def _read_post(self, offset):
        return self.post_code

    def _write_post(self, offset, value):
        self.post_code = value
        self.post_history.append(value)
        if self.on_post_code is not None:
            self.on_post_code(value)

    # -- E9h --------------------------------------------------------------------
    def _read_debugcon(self, offset):
        return DEBUGCON_ID

    def _write_debugcon(self, offset, value):
        if value == 0x0A:
            self._end_line()
        elif value != 0x0D:
            self._line.append(value)
            if len(self._line) >= DEBUG_LINE_MAX:
                self._end_line()

    def _end_line(self):
        line = self._line.decode("latin-1")
        self._line = bytearray()
        self.debug_lines.append(line)
        if self.on_debug_line is not None:
            self.on_debug_line(line)

    def last_debug_line(self):
        """The line being written, or the last complete one: for fatal-error messages."""
        if self._line:
            return self._line.decode("latin-1")
        return self.debug_lines[-1] if self.debug_lines else ""

    def debug_state(self):
        return {
            "port_61h": self.port_b, "port_92h": self.port_a, "a20": self.a20,
            "speaker_on": self.speaker_on, "post_code": self.post_code,
            "post_history": list(self.post_history)[-16:],
            "last_debug_line": self.last_debug_line(),
        }
