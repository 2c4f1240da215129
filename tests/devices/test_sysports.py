"""System control ports 61h/92h, POST port 80h and debug console E9h.

Referee: IBM PC/AT Technical Reference (port 61h bit layout, speaker gating)
and the PS/2 port 92h definition; the 8254 behind 61h is a real counter.
"""
from pcemu.bus import IoPorts
from pcemu.clock import Clock
from pcemu.devices.pit import Pit8254, tick_at, time_of_tick
from pcemu.devices.sysports import SystemPorts


def make(**kw):
    io = IoPorts()
    clock = Clock("virtual")
    pit = Pit8254(io, clock)
    ports = SystemPorts(io, pit=pit, **kw)
    return io, clock, pit, ports


def test_refresh_bit_toggles_on_every_read():
    io, clock, pit, ports = make()
    bits = [io.in8(0x61) & 0x10 for _ in range(4)]
    assert bits[0] != bits[1] and bits[0] == bits[2] and bits[1] == bits[3]


def test_gate2_and_speaker_bits_read_back():
    io, clock, pit, ports = make()
    io.out8(0x61, 0x03)
    assert io.in8(0x61) & 0x0F == 0x03
    assert ports.speaker_on
    assert pit.counters[2].gate
    io.out8(0x61, 0x00)
    assert not pit.counters[2].gate
    assert not ports.speaker_on


def test_out2_readback_follows_a_mode0_delay():
    # The classic BIOS delay: counter 2 mode 0, gate via 61h bit 0, poll bit 5.
    io, clock, pit, ports = make()
    io.out8(0x61, 0x00)
    io.out8(0x43, 0xB0)
    io.out8(0x42, 100)
    io.out8(0x42, 0)
    start = tick_at(clock.now())
    io.out8(0x61, 0x01)
    assert not io.in8(0x61) & 0x20
    clock.skip_to(time_of_tick(start + 50))
    assert not io.in8(0x61) & 0x20
    clock.skip_to(time_of_tick(start + 105))
    assert io.in8(0x61) & 0x20


def test_port92_a20_and_fast_reset():
    a20_calls, resets = [], []
    io, clock, pit, ports = make(on_a20=a20_calls.append, on_reset=lambda: resets.append(1))
    io.out8(0x92, 0x02)
    assert a20_calls == [True]
    assert io.in8(0x92) & 0x02
    io.out8(0x92, 0x02)
    assert a20_calls == [True]          # no change, no call
    io.out8(0x92, 0x03)
    assert resets == [1]
    io.out8(0x92, 0x00)
    assert a20_calls == [True, False]


def test_post_codes_kept_in_order():
    io, clock, pit, ports = make()
    for code in (0x01, 0x10, 0x55):
        io.out8(0x80, code)
    assert ports.post_code == 0x55
    assert list(ports.post_history) == [0x01, 0x10, 0x55]
    assert io.in8(0x80) == 0x55


def test_debug_console_lines():
    lines = []
    io, clock, pit, ports = make(on_debug_line=lines.append)
    assert io.in8(0xE9) == 0xE9
    for b in b"pcemu BIOS\r\nboot fail":
        io.out8(0xE9, b)
    assert lines == ["pcemu BIOS"]
    assert ports.last_debug_line() == "boot fail"
    io.out8(0xE9, 0x0A)
    assert list(ports.debug_lines) == ["pcemu BIOS", "boot fail"]
    assert ports.debug_state()["last_debug_line"] == "boot fail"
