"""Intel 8042 keyboard controller (PC/AT, PS/2 style) and the MF II keyboard behind it.

Ports: 60h data (output buffer / input buffer for data), 64h status (read)
and controller command (write).

Status register: OBF, IBF (always 0: commands complete at once), SYS flag,
A2 (last write went to 64h), INH (1 = keyboard not inhibited by the key
lock), AUX OBF (the byte came from the aux port), TIMEOUT, PARITY.

Controller commands: 20h-3Fh read RAM (20h = command byte), 60h-7Fh write
RAM (60h = command byte: IRQ1 enable, IRQ12 enable, SYS, disable keyboard,
disable aux, translation), A4h password check (none installed), A7h/A8h
disable/enable aux, A9h aux interface test, AAh self-test (55h), ABh
keyboard interface test (00h), ADh/AEh disable/enable keyboard, C0h read
input port, D0h/D1h read/write output port (bit 0 = 0 resets the CPU, bit
1 = A20 gate), D2h/D3h write keyboard/aux output buffer, D4h write to aux
(no mouse is attached: the byte times out and FEh comes back with TIMEOUT
set), DDh/DFh A20 off/on, E0h test inputs, F0h-FFh pulse output port (FEh
resets the CPU).

Keyboard commands (written to 60h): FFh reset (FAh, AAh), FEh resend, F6h
defaults, F5h/F4h disable/enable scanning, F3h typematic rate, F2h
identify (ABh 83h, or ABh 41h through the translator), F0h scancode set,
EEh echo, EDh LEDs (kept in ``leds`` for front ends); other commands are
acknowledged, unknown ones answered with resend (FEh).

The host side (front ends, Python API) queues scancode set 1 bytes with
``key_scancodes``; the guest always gets set 1 (what the translator
produces; the set chosen with F0h is remembered and reported, not
applied). The controller moves one byte into its output buffer only after
the guest has read the previous one, so nothing is overwritten; with a
clock it waits ``BYTE_GAP_NS`` first, as a real keyboard takes about a
millisecond per byte - chained INT 09h handlers that each read port 60h
then all see the same byte. IRQ1 follows OBF (when enabled in the command
byte), so each byte is a fresh rising edge.
"""

import collections
from .. import state

# status register
ST_OBF = 0x01
ST_IBF = 0x02
ST_SYS = 0x04
ST_A2 = 0x08        # last write was to 64h (command)
ST_INH = 0x10       # 1: keyboard not inhibited by the key lock
ST_AUX_OBF = 0x20
ST_TIMEOUT = 0x40
ST_PARITY = 0x80

# command byte
CB_IRQ1 = 0x01
CB_IRQ12 = 0x02
CB_SYS = 0x04
CB_KBD_DISABLED = 0x10
CB_AUX_DISABLED = 0x20
CB_TRANSLATE = 0x40

# output port
OP_RESET = 0x01     # 0 holds the CPU in reset
OP_A20 = 0x02
OP_IRQ1 = 0x10
OP_IRQ12 = 0x20
OP_KBD_CLOCK = 0x40
OP_KBD_DATA = 0x80

# input port: keyboard not inhibited, no manufacturing jumper, 512K on board, colour display
INPUT_PORT = 0x80 | 0x20 | 0x10

# keyboard replies
KBD_ACK = 0xFA
KBD_RESEND = 0xFE
KBD_BAT_OK = 0xAA
KBD_ECHO = 0xEE
KBD_ID = (0xAB, 0x83)
KBD_ID_TRANSLATED = (0xAB, 0x41)
# what F0h 00h reports for sets 1, 2, 3 (raw, and as the translator passes it on)
SET_REPORT = {1: 0x01, 2: 0x02, 3: 0x03}
SET_REPORT_TRANSLATED = {1: 0x43, 2: 0x41, 3: 0x3F}

BYTE_GAP_NS = 1_000_000   # one keyboard byte on the wire: 11 bits at ~10 kHz

# byte sources
FROM_CONTROLLER = 0
FROM_KEYBOARD = 1
FROM_AUX = 2
FROM_AUX_TIMEOUT = 3    # the controller's answer for an aux device that never replied

DEFAULT_TYPEMATIC = 0x2B  # 10.9 characters/s, 500 ms delay


class Kbc8042:
    """The 8042 and its keyboard; IRQ1 on ``irq``."""

    STATE = state.Description("8042", fields=[
        state.Int("status"), state.Int("command_byte"), state.Bytes("ram", 32), state.Int("output_port"),
        state.Bool("a20"), state.Int("output_buffer"), state.Int("output_source"), state.Deque("replies"),
        state.OptInt("pending_command"),
        # the keyboard behind it
        state.Bool("scanning"), state.Int("leds"), state.Int("typematic"), state.Int("scancode_set"),
        state.OptInt("keyboard_expects"), state.Int("last_sent"), state.Deque("host_queue"),
        state.Timer("_gap_timer", "_after_gap"), state.Int("bytes_delivered"), state.IrqLevel("irq"),
    ], wiring=["on_reset", "on_a20", "clock"])

    def __init__(self, io, irq=None, on_reset=None, on_a20=None, clock=None):
        self.irq = irq
        self.on_reset = on_reset
        self.on_a20 = on_a20
        self.clock = clock
        self.host_queue = collections.deque()   # set-1 bytes from the host, not yet sent
        self._gap_timer = None
        self.bytes_delivered = 0
        self.reset()
        io.register(0x60, 1, self._read_data, self._write_data, name="8042 data")
        io.register(0x64, 1, self._read_status, self._write_command, name="8042 status/command")

    def reset(self):
        """Power-on state of controller and keyboard (the host queue is kept)."""
        self.status = ST_INH
        self.command_byte = CB_IRQ1 | CB_TRANSLATE
        self.ram = bytearray(32)
        self.output_port = OP_RESET | OP_A20
        self.a20 = True
        self.output_buffer = 0
        self.output_source = FROM_CONTROLLER
        self.replies = collections.deque()      # (byte, source) ahead of host scancodes
        self.pending_command = None             # controller command waiting for its data byte
        self._reset_keyboard()
        self._cancel_gap()
        self._update_irq()

    def _reset_keyboard(self):
        self.scanning = True
        self.leds = 0                           # bit 0 Scroll, bit 1 Num, bit 2 Caps Lock
        self.typematic = DEFAULT_TYPEMATIC
        self.scancode_set = 2
        self.keyboard_expects = None            # keyboard command waiting for its parameter
        self.last_sent = KBD_ACK

    # -- host side -----------------------------------------------------------------
    def key_scancodes(self, data):
        """Queue set-1 bytes typed on the host (front ends, Python API)."""
        self.host_queue.extend(bytes(data))
        self._refill()

    def pending_input(self):
        """Bytes still waiting to reach the guest (not counting the output buffer)."""
        return len(self.host_queue) + len(self.replies)

    @property
    def translating(self):
        return bool(self.command_byte & CB_TRANSLATE)

    # -- output buffer ---------------------------------------------------------------
    def _keyboard_may_send(self):
        return not self.command_byte & CB_KBD_DISABLED

    def _refill(self):
        """Move the next byte into the empty output buffer."""
        if self.status & ST_OBF or self._gap_timer is not None:
            return
        replies = self.replies
        for i, (value, source) in enumerate(replies):
            if source != FROM_KEYBOARD or self._keyboard_may_send():
                del replies[i]
                self._load_output(value, source)
                return
        if self.host_queue and self.scanning and self._keyboard_may_send():
            self._load_output(self.host_queue.popleft(), FROM_KEYBOARD)

    def _load_output(self, value, source):
        self.output_buffer = value
        self.output_source = source
        self.status = (self.status & ~(ST_AUX_OBF | ST_TIMEOUT)) | ST_OBF
        if source >= FROM_AUX:
            self.status |= ST_AUX_OBF
            if source == FROM_AUX_TIMEOUT:
                self.status |= ST_TIMEOUT
        if source == FROM_KEYBOARD:
            self.last_sent = value
        self._update_irq()

    def _update_irq(self):
        if self.irq is not None:
            self.irq.set(bool(self.status & ST_OBF) and self.output_source < FROM_AUX
                          and bool(self.command_byte & CB_IRQ1))

    def _cancel_gap(self):
        if self._gap_timer is not None:
            self.clock.cancel(self._gap_timer)
            self._gap_timer = None

    def _after_gap(self, now):
        self._gap_timer = None
        self._refill()

    def _reply(self, value, source=FROM_CONTROLLER):
        self.replies.append((value, source))
        self._refill()

    def _controller_reply(self, value):
        """A controller answer overtakes keyboard bytes still queued."""
        index = 0
        for index, (_, source) in enumerate(self.replies):
            if source != FROM_CONTROLLER:
                break
        else:
            index = len(self.replies)
        self.replies.insert(index, (value, FROM_CONTROLLER))
        self._refill()

    # -- ports ------------------------------------------------------------------------
    def _read_data(self, offset):
        value = self.output_buffer
        if self.status & ST_OBF:
            self.status &= ~(ST_OBF | ST_AUX_OBF)
            self.bytes_delivered += 1
            self._update_irq()
            if self.clock is not None and self.pending_input():
                self._gap_timer = self.clock.schedule_in(BYTE_GAP_NS, self._after_gap)
            else:
                self._refill()
        return value

    def _read_status(self, offset):
        return self.status

    def _write_data(self, offset, value):
        self.status &= ~ST_A2
        command = self.pending_command
        if command is not None:
            self.pending_command = None
            self._controller_data(command, value)
        else:
            self._keyboard_byte(value)

    def _write_command(self, offset, value):
        self.status |= ST_A2
        self.pending_command = None
        if 0x20 <= value <= 0x3F:
            self._controller_reply(self.command_byte if value == 0x20 else self.ram[value & 0x1F])
        elif 0x60 <= value <= 0x7F or value in (0xD1, 0xD2, 0xD3, 0xD4):
            self.pending_command = value
        elif value == 0xA4:
            self._controller_reply(0xF1)          # no password installed
        elif value == 0xA7:
            self.command_byte |= CB_AUX_DISABLED
        elif value == 0xA8:
            self.command_byte &= ~CB_AUX_DISABLED
        elif value == 0xA9:
            self._controller_reply(0x00)          # the port's lines test fine; nothing answers on it
        elif value == 0xAA:
            self.status |= ST_SYS
            self._controller_reply(0x55)
        elif value == 0xAB:
            self._controller_reply(0x00)
        elif value == 0xAD:
            self.command_byte |= CB_KBD_DISABLED
        elif value == 0xAE:
            self.command_byte &= ~CB_KBD_DISABLED
            self._refill()
        elif value == 0xC0:
            self._controller_reply(INPUT_PORT)
        elif value == 0xD0:
            self._controller_reply(self._output_port_value())
        elif value == 0xDD:
            self._set_output_port(self.output_port & ~OP_A20)
        elif value == 0xDF:
            self._set_output_port(self.output_port | OP_A20)
        elif value == 0xE0:
            self._controller_reply(0x00)
        elif value >= 0xF0:
            # Pulse the output port lines whose bits are 0; only bit 0 (reset) matters.
            if not value & OP_RESET:
                self._request_reset()
        self._update_irq()

    def _controller_data(self, command, value):
        if command == 0x60:
            self.command_byte = value & 0x7F
            self.status = (self.status & ~ST_SYS) | (ST_SYS if value & CB_SYS else 0)
            self._update_irq()
            self._refill()
        elif command < 0x80:
            self.ram[command & 0x1F] = value
        elif command == 0xD1:
            self._set_output_port(value)
        elif command == 0xD2:
            self._reply(value, FROM_KEYBOARD)
        elif command == 0xD3:
            self._reply(value, FROM_AUX)
        elif command == 0xD4:
            # No mouse: the transmission times out.
            self._reply(KBD_RESEND, FROM_AUX_TIMEOUT)

    def _output_port_value(self):
        value = (self.output_port & (OP_RESET | OP_A20)) | OP_KBD_CLOCK | OP_KBD_DATA
        if self.status & ST_OBF:
            value |= OP_IRQ12 if self.output_source >= FROM_AUX else OP_IRQ1
        return value

    def _set_output_port(self, value):
        self.output_port = value & (OP_RESET | OP_A20)
        a20 = bool(value & OP_A20)
        if a20 != self.a20:
            self.a20 = a20
            if self.on_a20 is not None:
                self.on_a20(a20)
        if not value & OP_RESET:
            self.output_port |= OP_RESET      # the reset line is released again once the CPU restarts
            self._request_reset()

    def _request_reset(self):
        if self.on_reset is not None:
            self.on_reset()

    # -- the keyboard -------------------------------------------------------------------
    def _keyboard_byte(self, value):
        # Sending to the keyboard re-enables its interface, as the 8042 firmware does.
        self.command_byte &= ~CB_KBD_DISABLED
        expects = self.keyboard_expects
        if expects is not None:
            self.keyboard_expects = None
            if expects == 0xED:
                self.leds = value & 0x07
                self._kbd_reply(KBD_ACK)
                return
            if expects == 0xF3:
                self.typematic = value & 0x7F
                self._kbd_reply(KBD_ACK)
                return
            if expects == 0xF0:
                self._kbd_reply(KBD_ACK)
                if value == 0:
                    table = SET_REPORT_TRANSLATED if self.translating else SET_REPORT
                    self._kbd_reply(table[self.scancode_set])
                elif value in (1, 2, 3):
                    self.scancode_set = value
                return
        if value == 0xFF:
            self._reset_keyboard()
            self.replies = collections.deque(r for r in self.replies if r[1] != FROM_KEYBOARD)
            self._kbd_reply(KBD_ACK)
            self._kbd_reply(KBD_BAT_OK)
        elif value == 0xFE:
            self._kbd_reply(self.last_sent)
        elif value == 0xF6:
            self.typematic = DEFAULT_TYPEMATIC
            self.leds = 0
            self._kbd_reply(KBD_ACK)
        elif value == 0xF5:
            self.scanning = False
            self.typematic = DEFAULT_TYPEMATIC
            self._kbd_reply(KBD_ACK)
        elif value == 0xF4:
            self.scanning = True
            self._kbd_reply(KBD_ACK)
        elif value in (0xED, 0xF3, 0xF0):
            self.keyboard_expects = value
            self._kbd_reply(KBD_ACK)
        elif value == 0xF2:
            self._kbd_reply(KBD_ACK)
            for b in (KBD_ID_TRANSLATED if self.translating else KBD_ID):
                self._kbd_reply(b)
        elif value == 0xEE:
            self._kbd_reply(KBD_ECHO)
        elif 0xF7 <= value <= 0xFD:
            self._kbd_reply(KBD_ACK)             # set-3 key attributes: accepted, no effect
        else:
            self._kbd_reply(KBD_RESEND)

    def _kbd_reply(self, value):
        self.replies.append((value, FROM_KEYBOARD))
        self._refill()

    def debug_state(self):
        return {
            "status": self.status, "command_byte": self.command_byte,
            "output_buffer": self.output_buffer, "output_port": self._output_port_value(),
            "a20": self.a20, "leds": self.leds, "scanning": self.scanning,
            "scancode_set": self.scancode_set, "pending_input": self.pending_input(),
            "bytes_delivered": self.bytes_delivered,
        }
