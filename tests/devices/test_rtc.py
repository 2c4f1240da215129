"""MC146818A RTC and CMOS RAM through ports 70h/71h, against the Motorola datasheet.

Calendar facts (weekdays, leap days) are checked against Python's calendar
module as the outside referee, and the PC/AT CMOS layout against the IBM AT
Technical Reference (base memory 15h-16h, checksum over 10h-2Dh at 2Eh-2Fh).
"""
import calendar
import datetime

import pytest

from pcemu.bus import IoPorts
from pcemu.clock import Clock
from pcemu.devices.rtc import Rtc146818
from pcemu.irq import IrqRecorder

SEC = 1_000_000_000
MS = 1_000_000


class Rig:
    def __init__(self, epoch=None):
        self.io = IoPorts()
        self.clock = Clock("virtual")
        self.rec = IrqRecorder()
        self.rtc = Rtc146818(self.io, self.clock, irq=self.rec.line(8), epoch=epoch)
        self.irqs = 0
        self.ack_irqs = False

    def rd(self, index):
        self.io.out8(0x70, index)
        return self.io.in8(0x71)

    def wr(self, index, value):
        self.io.out8(0x70, index)
        self.io.out8(0x71, value)

    def advance(self, ns):
        """Run emulated time forward, firing timers; count IRQ8 and optionally service it."""
        target = self.clock.now() + ns
        while True:
            deadline = self.clock.next_deadline()
            if deadline is None or deadline > target:
                break
            self.clock.skip_to(deadline)
            self.clock.run_due()
            self._service()
        self.clock.skip_to(target)
        self.clock.run_due()
        self._service()

    def _service(self):
        if self.rec.levels.get(8):
            self.irqs += 1
            if self.ack_irqs:
                self.rd(0x0C)

    def time(self):
        return [self.rd(i) for i in (9, 8, 7, 4, 2, 0)]


def test_virtual_epoch_is_2000_01_01():
    rig = Rig()
    assert rig.time() == [0x00, 0x01, 0x01, 0x00, 0x00, 0x00]
    assert rig.rd(0x32) == 0x20                     # century
    assert rig.rd(6) == 7                           # 1 Jan 2000 was a Saturday


def test_time_advances_with_emulated_clock():
    rig = Rig()
    rig.advance(61 * SEC + 500 * MS)
    assert rig.time() == [0x00, 0x01, 0x01, 0x00, 0x01, 0x01]


def test_leap_day_rollover_and_weekday():
    rig = Rig(epoch=datetime.datetime(2024, 2, 29, 23, 59, 58))
    rig.advance(2 * SEC)
    assert rig.time() == [0x24, 0x03, 0x01, 0x00, 0x00, 0x00]
    expected = (calendar.weekday(2024, 3, 1) + 1) % 7 + 1   # RTC: Sunday = 1
    assert rig.rd(6) == expected


def test_binary_mode():
    rig = Rig(epoch=datetime.datetime(1999, 12, 31, 23, 59, 45))
    rig.wr(0x0B, 0x02 | 0x04)
    assert rig.time() == [99, 12, 31, 23, 59, 45]


def test_12_hour_mode():
    rig = Rig(epoch=datetime.datetime(2021, 6, 1, 13, 5, 0))
    rig.wr(0x0B, 0x00)                               # BCD, 12-hour
    assert rig.rd(4) == 0x81                         # 1 PM
    rig2 = Rig(epoch=datetime.datetime(2021, 6, 1, 0, 30, 0))
    rig2.wr(0x0B, 0x00)
    assert rig2.rd(4) == 0x12                        # 12 AM
    rig3 = Rig(epoch=datetime.datetime(2021, 6, 1, 12, 30, 0))
    rig3.wr(0x0B, 0x00)
    assert rig3.rd(4) == 0x92                        # 12 PM


def test_set_bit_freezes_and_writes_time():
    rig = Rig()
    rig.wr(0x0B, 0x82)
    rig.wr(0x32, 0x19)
    for index, value in ((9, 0x99), (8, 0x12), (7, 0x31), (4, 0x23), (2, 0x59), (0, 0x58)):
        rig.wr(index, value)
    rig.advance(5 * SEC)
    assert rig.time() == [0x99, 0x12, 0x31, 0x23, 0x59, 0x58]   # no updates while SET
    rig.wr(0x0B, 0x02)
    rig.advance(1 * SEC + 1 * MS)
    assert rig.time() == [0x99, 0x12, 0x31, 0x23, 0x59, 0x59]
    rig.advance(1 * SEC)
    assert rig.time() == [0x00, 0x01, 0x01, 0x00, 0x00, 0x00]   # the year register wraps


def test_set_clears_uie():
    rig = Rig()
    rig.wr(0x0B, 0x12)
    rig.wr(0x0B, 0x92)
    assert rig.rd(0x0B) == 0x82


def test_time_write_without_set_keeps_running():
    rig = Rig()
    rig.wr(2, 0x30)
    assert rig.rd(2) == 0x30
    rig.advance(60 * SEC)
    assert rig.rd(2) == 0x31


def test_uip_only_just_before_an_update():
    rig = Rig()
    rig.advance(500 * MS)
    assert not rig.rd(0x0A) & 0x80
    rig.advance(500 * MS - 100_000)                  # 100 us before the update
    assert rig.rd(0x0A) & 0x80
    rig.advance(200_000)
    assert not rig.rd(0x0A) & 0x80


def test_register_d_and_a_defaults():
    rig = Rig()
    assert rig.rd(0x0D) == 0x80                      # VRT: battery good
    assert rig.rd(0x0A) & 0x7F == 0x26


def test_periodic_interrupt_1024hz():
    rig = Rig()
    rig.ack_irqs = True
    rig.wr(0x0B, 0x42)
    rig.advance(SEC)
    assert rig.irqs in (1023, 1024, 1025)


def test_periodic_rate_select_2hz():
    rig = Rig()
    rig.ack_irqs = True
    rig.wr(0x0A, 0x2F)                               # RS = 1111: 2 Hz
    rig.wr(0x0B, 0x42)
    rig.advance(5 * SEC)
    assert rig.irqs == 10


def test_periodic_flag_without_interrupt_enable():
    rig = Rig()
    rig.advance(10 * MS)
    assert rig.rd(0x0C) & 0xC0 == 0x40               # PF set, IRQF not
    assert rig.rd(0x0C) == 0x00                      # read clears
    assert not rig.rec.levels.get(8)


def test_irq8_holds_until_register_c_read():
    rig = Rig()
    rig.wr(0x0B, 0x42)
    rig.advance(5 * MS)
    assert rig.rec.levels[8] is True
    rises = sum(1 for n, level in rig.rec.events if level)
    rig.advance(20 * MS)
    assert sum(1 for n, level in rig.rec.events if level) == rises   # no new edge
    value = rig.rd(0x0C)
    assert value & 0xC0 == 0xC0
    assert rig.rec.levels[8] is False


def test_update_ended_interrupt_each_second():
    rig = Rig()
    rig.ack_irqs = True
    rig.wr(0x0B, 0x12)
    rig.advance(3 * SEC + 10 * MS)
    assert rig.irqs == 3


def test_alarm_interrupt():
    rig = Rig()
    rig.wr(1, 0x05)
    rig.wr(3, 0x00)
    rig.wr(5, 0x00)
    rig.wr(0x0B, 0x22)
    rig.advance(4 * SEC + 500 * MS)
    assert not rig.rec.levels.get(8)
    rig.advance(1 * SEC)
    assert rig.rec.levels[8]
    assert rig.rd(0x0C) & 0xA0 == 0xA0               # IRQF + AF


def test_alarm_dont_care_matches_every_minute():
    rig = Rig()
    rig.ack_irqs = True
    rig.wr(1, 0x10)
    rig.wr(3, 0xFF)
    rig.wr(5, 0xC0)
    rig.wr(0x0B, 0x22)
    rig.advance(3 * 60 * SEC)
    assert rig.irqs == 3


def test_divider_reset_stops_clock_and_restarts_half_second_later():
    rig = Rig()
    rig.wr(0x0A, 0x76)
    rig.advance(10 * SEC)
    assert rig.rd(0) == 0x00
    rig.wr(0x0A, 0x26)
    rig.advance(400 * MS)
    assert rig.rd(0) == 0x00
    rig.advance(200 * MS)
    assert rig.rd(0) == 0x01


def test_nmi_mask_bit_and_index():
    rig = Rig()
    rig.io.out8(0x70, 0x80 | 0x0D)
    assert rig.rtc.nmi_masked
    assert rig.io.in8(0x71) == 0x80
    rig.io.out8(0x70, 0x0D)
    assert not rig.rtc.nmi_masked


def test_cmos_ram_and_pc_fields():
    rig = Rig()
    rig.wr(0x50, 0xA5)
    assert rig.rd(0x50) == 0xA5
    rig.rtc.cmos[0x51] = 0x3C
    assert rig.rd(0x51) == 0x3C
    assert rig.rd(0x15) == 0x80 and rig.rd(0x16) == 0x02   # 640 KiB
    assert rig.rd(0x17) == 0 and rig.rd(0x18) == 0
    rig.rtc.set_floppy_types("1.44m", "360k")
    assert rig.rd(0x10) == 0x41
    rig.rtc.set_hard_disk_types(47, 2)
    assert rig.rd(0x12) == 0xF2 and rig.rd(0x19) == 47
    rig.rtc.set_equipment(0x41)
    total = sum(rig.rd(i) for i in range(0x10, 0x2E))
    assert rig.rd(0x2E) << 8 | rig.rd(0x2F) == total


def test_bad_floppy_type_is_a_clear_error():
    rig = Rig()
    with pytest.raises(ValueError, match="floppy types"):
        rig.rtc.set_floppy_types("5.25 inch")


def test_realtime_epoch_follows_host_clock():
    io = IoPorts()
    rtc = Rtc146818(io, Clock("realtime"))
    now = datetime.datetime.now()
    io.out8(0x70, 4)
    hour = io.in8(0x71)
    assert hour in (int("%02d" % now.hour, 16), int("%02d" % ((now.hour + 1) % 24), 16),
                    int("%02d" % ((now.hour - 1) % 24), 16))


def test_debug_state():
    rig = Rig()
    assert rig.rtc.debug_state()["time"] == "2000-01-01 00:00:00"


# The RTC's own calendar arithmetic (it does not import calendar/datetime, for start-up
# time) against Python's calendar module, over the years the RTC and its century byte reach.
from hypothesis import given, settings, strategies as st  # noqa: E402

from pcemu.devices import rtc as rtc_module  # noqa: E402


@settings(max_examples=400, deadline=None)
@given(st.integers(1900, 2199), st.integers(1, 12), st.integers(1, 31), st.integers(0, 23),
       st.integers(0, 59), st.integers(0, 59))
def test_own_calendar_arithmetic_matches_python_calendar(year, month, day, hour, minute, sec):
    assert rtc_module.days_in_month(year, month) == calendar.monthrange(year, month)[1]
    day = min(day, calendar.monthrange(year, month)[1])
    t = (year, month, day, hour, minute, sec)
    assert rtc_module.timegm(t) == calendar.timegm(t + (0, 0, 0))


@pytest.mark.parametrize("when", [datetime.datetime(1970, 1, 1), datetime.datetime(2000, 2, 29, 12, 0, 1),
                                  datetime.datetime(2100, 3, 1), datetime.datetime(1999, 12, 31, 23, 59, 59)])
def test_datetime_epoch_is_the_same_second(when):
    assert Rig(epoch=when).rtc.power_on_epoch == calendar.timegm(when.timetuple())
