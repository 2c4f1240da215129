"""8042 keyboard controller and keyboard, through ports 60h/64h.

Referee: IBM PC AT Technical Reference (8042 status register, command byte,
commands AAh/ABh/ADh/AEh/C0h/D0h/D1h, keyboard commands FFh/F2h/EDh/EEh/F0h
and their FAh/AAh/ABh 83h answers) and the documented translator behaviour
(ID reads AB 41 and F0 00 reports 41h for set 2 through the translator).
"""
import pytest

from pcemu.bus import IoPorts
from pcemu.clock import Clock
from pcemu.devices.kbc import Kbc8042, BYTE_GAP_NS
from pcemu.irq import IrqRecorder

OBF, SYS, A2, INH, AUX_OBF, TIMEOUT = 0x01, 0x04, 0x08, 0x10, 0x20, 0x40


class Rig:
    def __init__(self, clock=None):
        self.io = IoPorts()
        self.rec = IrqRecorder()
        self.resets = []
        self.a20 = []
        self.kbc = Kbc8042(self.io, irq=self.rec.line(1), on_reset=lambda: self.resets.append(1),
                           on_a20=self.a20.append, clock=clock)

    def status(self):
        return self.io.in8(0x64)

    def command(self, value, data=None):
        self.io.out8(0x64, value)
        if data is not None:
            self.io.out8(0x60, data)

    def read_all(self):
        out = []
        while self.status() & OBF:
            out.append(self.io.in8(0x60))
        return out

    def irq_rises(self):
        return sum(1 for n, level in self.rec.events if n == 1 and level)


@pytest.fixture
def rig():
    return Rig()


def test_power_on_status(rig):
    st = rig.status()
    assert not st & OBF
    assert st & INH
    assert not st & 0x02                    # IBF: never busy


def test_self_test_and_interface_test(rig):
    rig.command(0xAA)
    assert rig.status() & OBF
    assert rig.io.in8(0x60) == 0x55
    assert rig.status() & SYS
    rig.command(0xAB)
    assert rig.read_all() == [0x00]


def test_command_byte_read_write_and_sys_flag(rig):
    rig.command(0x60, 0x65)
    rig.command(0x20)
    assert rig.read_all() == [0x65]
    assert rig.status() & SYS
    rig.command(0x60, 0x61)
    assert not rig.status() & SYS


def test_a2_flag_tracks_last_port_written(rig):
    rig.io.out8(0x64, 0xAD)
    assert rig.status() & A2
    rig.io.out8(0x64, 0x60)
    rig.io.out8(0x60, 0x45)
    assert not rig.status() & A2


def test_output_port_a20_and_reset(rig):
    rig.command(0xD0)
    port = rig.read_all()[0]
    assert port & 0x03 == 0x03
    rig.command(0xD1, 0xDD)                 # A20 off, reset line high
    assert rig.a20 == [False]
    assert rig.kbc.a20 is False
    rig.command(0xD0)
    assert rig.read_all()[0] & 0x02 == 0
    rig.command(0xD1, 0xDF)
    assert rig.a20 == [False, True]
    assert rig.resets == []
    rig.command(0xD1, 0xDE)                 # bit 0 clear: CPU reset
    assert rig.resets == [1]


def test_pulse_reset_command(rig):
    rig.command(0xFE)
    assert rig.resets == [1]
    rig.command(0xFF)                       # pulses nothing
    assert rig.resets == [1]


def test_input_port_and_password_and_test_inputs(rig):
    rig.command(0xC0)
    assert rig.read_all()[0] & 0x80        # keyboard not inhibited
    rig.command(0xA4)
    assert rig.read_all() == [0xF1]


def test_host_bytes_one_at_a_time_with_irq_edge_each(rig):
    rig.kbc.key_scancodes(b"\x1e\x9e\x30")
    assert rig.kbc.pending_input() == 2     # one is already in the output buffer
    assert rig.irq_rises() == 1
    got = []
    for _ in range(3):
        assert rig.status() & OBF
        got.append(rig.io.in8(0x60))
    assert got == [0x1E, 0x9E, 0x30]
    assert rig.irq_rises() == 3
    assert not rig.status() & OBF
    assert rig.rec.levels[1] is False


def test_irq1_disabled_in_command_byte(rig):
    rig.command(0x60, 0x44)
    rig.kbc.key_scancodes(b"\x1e")
    assert rig.status() & OBF
    assert rig.irq_rises() == 0


def test_disable_keyboard_holds_bytes(rig):
    rig.command(0xAD)
    rig.kbc.key_scancodes(b"\x10\x90")
    assert not rig.status() & OBF
    rig.command(0x20)
    assert rig.read_all()[0] & 0x10        # command byte shows keyboard disabled
    rig.command(0xAE)
    assert rig.read_all() == [0x10, 0x90]


def test_controller_reply_goes_before_queued_keys(rig):
    rig.kbc.key_scancodes(b"\x10\x90")
    rig.command(0x20)
    assert rig.read_all() == [0x10, 0x41, 0x90]


def test_keyboard_reset(rig):
    rig.io.out8(0x60, 0xFF)
    assert rig.read_all() == [0xFA, 0xAA]


def test_keyboard_identify_through_translator_and_raw(rig):
    rig.io.out8(0x60, 0xF2)
    assert rig.read_all() == [0xFA, 0xAB, 0x41]
    rig.command(0x60, 0x01)                 # translation off
    rig.io.out8(0x60, 0xF2)
    assert rig.read_all() == [0xFA, 0xAB, 0x83]


def test_keyboard_leds(rig):
    rig.io.out8(0x60, 0xED)
    assert rig.read_all() == [0xFA]
    rig.io.out8(0x60, 0x06)
    assert rig.read_all() == [0xFA]
    assert rig.kbc.leds == 0x06


def test_keyboard_echo_typematic_and_unknown(rig):
    rig.io.out8(0x60, 0xEE)
    assert rig.read_all() == [0xEE]
    rig.io.out8(0x60, 0xF3)
    rig.io.out8(0x60, 0x20)
    assert rig.read_all() == [0xFA, 0xFA]
    assert rig.kbc.typematic == 0x20
    rig.io.out8(0x60, 0x01)
    assert rig.read_all() == [0xFE]


def test_scancode_set_query(rig):
    rig.io.out8(0x60, 0xF0)
    rig.io.out8(0x60, 0x00)
    # ACK for the command, ACK for the parameter, then set 2 as the translator reports it
    assert rig.read_all() == [0xFA, 0xFA, 0x41]
    rig.io.out8(0x60, 0xF0)
    rig.io.out8(0x60, 0x01)
    assert rig.read_all() == [0xFA, 0xFA]
    assert rig.kbc.scancode_set == 1


def test_scanning_disable_enable(rig):
    rig.io.out8(0x60, 0xF5)
    assert rig.read_all() == [0xFA]
    rig.kbc.key_scancodes(b"\x1e")
    assert not rig.status() & OBF
    rig.io.out8(0x60, 0xF4)
    assert rig.read_all() == [0xFA, 0x1E]


def test_write_keyboard_output_buffer(rig):
    rig.command(0xD2, 0x5A)
    assert rig.irq_rises() == 1
    assert rig.read_all() == [0x5A]


def test_aux_commands_with_no_mouse(rig):
    rig.command(0xA8)
    rig.command(0x20)
    assert not rig.read_all()[0] & 0x20
    rig.command(0xA7)
    rig.command(0x20)
    assert rig.read_all()[0] & 0x20
    rig.command(0xA9)
    assert rig.read_all() == [0x00]
    before = rig.irq_rises()
    rig.command(0xD4, 0xFF)                 # reset the mouse that isn't there
    st = rig.status()
    assert st & OBF and st & AUX_OBF and st & TIMEOUT
    assert rig.io.in8(0x60) == 0xFE
    assert rig.irq_rises() == before        # aux bytes don't raise IRQ1


def test_chained_handlers_see_the_same_byte_with_a_clock():
    t = [0]
    clock = Clock("virtual", insn_count=lambda: t[0])
    rig = Rig(clock)
    rig.kbc.key_scancodes(b"\x1e\x9e")
    assert rig.io.in8(0x60) == 0x1E
    assert rig.io.in8(0x60) == 0x1E        # a second read sees the same data
    assert not rig.status() & OBF
    clock.skip_to(clock.now() + BYTE_GAP_NS)
    clock.run_due()
    assert rig.status() & OBF
    assert rig.io.in8(0x60) == 0x9E
    assert rig.irq_rises() == 2


def test_debug_state(rig):
    rig.kbc.key_scancodes(b"\x1e\x9e")
    state = rig.kbc.debug_state()
    assert state["pending_input"] == 1
    assert state["status"] & OBF
