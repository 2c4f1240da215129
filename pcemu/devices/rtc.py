"""Motorola MC146818A real-time clock with CMOS RAM (PC/AT ports 70h/71h).

Port 70h selects a register (bits 0-6) and masks NMI (bit 7); port 71h
reads or writes it.

Clock registers: 0 seconds, 1 seconds alarm, 2 minutes, 3 minutes alarm,
4 hours, 5 hours alarm, 6 day of week (1 = Sunday), 7 day of month, 8 month,
9 year - BCD, or binary when register B's DM bit is set; hours in 24-hour
mode or 12-hour mode with bit 7 = PM. An alarm byte of C0h-FFh matches any
value ("don't care").

* Register A: UIP (update in progress, read-only), DV2-0 divider (11x holds
  the divider in reset and stops the clock), RS3-0 periodic rate.
* Register B: SET (stop updates so the guest can set the time), PIE, AIE,
  UIE, SQWE (stored; there is no SQW pin), DM, 24/12, DSE (stored).
* Register C: IRQF, PF, AF, UF; reading it clears them and releases IRQ8.
* Register D: VRT (the battery is always good).

Registers 0Eh-7Fh are battery-backed RAM; ``cmos`` holds all 128 bytes and
the setters fill the standard PC/AT fields (floppy types 10h, hard disk
types 12h, equipment 14h, base memory 15h-16h, extended memory 17h-18h and
30h-31h, century 32h, checksum over 10h-2Dh at 2Eh-2Fh).

The time is a base epoch (seconds, broken down as local wall-clock time)
plus the emulated time since it was set: in realtime mode the epoch is the
host's clock at power-on, in virtual mode a fixed date (2000-01-01 00:00:00
unless ``epoch=`` says otherwise) so runs repeat. Updates happen once a
second from that base; the day of week is always derived from the date.
Flags are computed from the emulated time when the guest looks, and a clock
timer is armed only for the next flag whose interrupt is enabled. IRQ8
follows IRQF, so a guest that never reads register C gets no further
interrupts, as on the real chip.
"""

import time

from .. import floppy
from ..clock import NS_PER_SEC
from .. import state

REG_SECONDS = 0x00
REG_SECONDS_ALARM = 0x01
REG_MINUTES = 0x02
REG_MINUTES_ALARM = 0x03
REG_HOURS = 0x04
REG_HOURS_ALARM = 0x05
REG_WEEKDAY = 0x06
REG_DAY = 0x07
REG_MONTH = 0x08
REG_YEAR = 0x09
REG_A = 0x0A
REG_B = 0x0B
REG_C = 0x0C
REG_D = 0x0D

A_UIP = 0x80
A_DV_MASK = 0x70
A_RS_MASK = 0x0F

B_SET = 0x80
B_PIE = 0x40
B_AIE = 0x20
B_UIE = 0x10
B_SQWE = 0x08
B_DM_BINARY = 0x04
B_24H = 0x02
B_DSE = 0x01

C_IRQF = 0x80
C_PF = 0x40
C_AF = 0x20
C_UF = 0x10

D_VRT = 0x80

NMI_MASK = 0x80
ALARM_DONT_CARE = 0xC0

# CMOS RAM fields of the PC/AT
CMOS_FLOPPY_TYPES = 0x10
CMOS_HARD_DISK_TYPES = 0x12
CMOS_EQUIPMENT = 0x14
CMOS_BASE_MEM_LO = 0x15
CMOS_BASE_MEM_HI = 0x16
CMOS_EXT_MEM_LO = 0x17
CMOS_EXT_MEM_HI = 0x18
CMOS_HD0_EXT_TYPE = 0x19
CMOS_HD1_EXT_TYPE = 0x1A
CMOS_CHECKSUM_HI = 0x2E
CMOS_CHECKSUM_LO = 0x2F
CMOS_EXT_MEM2_LO = 0x30
CMOS_EXT_MEM2_HI = 0x31
CMOS_CENTURY = 0x32
CHECKSUM_FIRST = 0x10
CHECKSUM_LAST = 0x2D

CRYSTAL_HZ = 32768
UIP_WINDOW_NS = 244_000 + 1_984_000   # UIP rises 244 us before an update that lasts 1984 us
VIRTUAL_EPOCH = 946684800              # 2000-01-01 00:00:00
DAY = 86400

# Drive type codes by format name ("1.44m", "360k"...), from the one floppy table.
FLOPPY_TYPES = {"none": 0}
FLOPPY_TYPES.update((f.name.lower(), f.cmos_type) for f in floppy.FORMATS)


def _to_bcd(value):
    return (value // 10) << 4 | value % 10


def _from_bcd(value):
    return (value >> 4) * 10 + (value & 0x0F)



# Calendar arithmetic of our own: the calendar and datetime modules take ~20 ms to
# import under PyPy, on every start. Proleptic Gregorian, seconds since 1970 with no
# leap seconds (what calendar.timegm gives; the tests compare the two).
_DAYS_BEFORE_MONTH = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)


def _leap_years_through(year):
    """Leap years from year 1 up to and including ``year``."""
    return year // 4 - year // 100 + year // 400


def is_leap_year(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year, month):
    if month == 2:
        return 29 if is_leap_year(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def timegm(t):
    """(year, month, day, hour, minute, second, ...) as seconds since 1970-01-01 00:00."""
    year, month, day, hour, minute, sec = t[:6]
    days = ((year - 1970) * 365 + _leap_years_through(year - 1) - _leap_years_through(1969)
            + _DAYS_BEFORE_MONTH[month - 1] + (month > 2 and is_leap_year(year)) + day - 1)
    return ((days * 24 + hour) * 60 + minute) * 60 + sec


class Rtc146818:
    """The MC146818A and its 128 bytes of CMOS; interrupts on ``irq`` (IRQ8)."""

    STATE = state.Description("MC146818 RTC", fields=[
        state.Bytes("cmos", 128), state.Int("index"), state.Bool("nmi_masked"), state.Int("reg_a"),
        state.Int("reg_b"), state.Int("flags"), state.IntList("alarm", 3), state.Int("power_on_epoch"),
        state.Int("base_seconds"), state.Int("base_ns"), state.Int("periodic_origin_ns"), state.Bool("frozen"),
        state.IntMap("set_regs"), state.Int("checked_ns"), state.Int("interrupts"),
        state.Timer("_timer", "_on_timer"), state.IrqLevel("irq"),
    ], wiring=["clock"])

    def __init__(self, io, clock, irq=None, epoch=None):
        self.clock = clock
        self.irq = irq
        if epoch is None:
            epoch = VIRTUAL_EPOCH if clock.virtual else timegm(time.localtime())
        elif hasattr(epoch, "timetuple"):    # a datetime.datetime
            epoch = timegm(epoch.timetuple())
        self.power_on_epoch = int(epoch)
        self.cmos = bytearray(128)
        self._timer = None
        self.interrupts = 0
        self.reset()
        self.set_base_memory(640)
        self.set_extended_memory(0)
        io.register(0x70, 1, None, self._write_index, name="CMOS index")
        io.register(0x71, 1, self._read_data, self._write_data, name="MC146818 RTC")

    def reset(self):
        """Power-on state of the clock registers (the RAM keeps its contents)."""
        now = self.clock.now()
        self.index = REG_D
        self.nmi_masked = False
        self.reg_a = 0x26          # 32.768 kHz time base, 1024 Hz periodic rate
        self.reg_b = B_24H
        self.flags = 0             # register C
        self.alarm = [0, 0, 0]     # seconds, minutes, hours alarm bytes as written
        self.base_seconds = self.power_on_epoch
        self.base_ns = now         # updates happen at base_ns + k seconds
        self.periodic_origin_ns = now
        self.frozen = False
        self.set_regs = None       # the time registers while SET is 1
        self.checked_ns = now      # flags are up to date to here
        self.cmos[CMOS_CENTURY] = _to_bcd(self._fields(self.base_seconds)[0] // 100 % 100)
        self._rearm()

    # -- time arithmetic ------------------------------------------------------------
    def seconds(self, now=None):
        """The clock's time as seconds since 1970 (local wall-clock time)."""
        if self.frozen:
            return self.base_seconds
        if now is None:
            now = self.clock.now()
        return self.base_seconds + (now - self.base_ns) // NS_PER_SEC

    @staticmethod
    def _fields(seconds):
        t = time.gmtime(seconds)
        weekday = (t.tm_wday + 1) % 7 + 1   # Monday=0 in Python; Sunday=1 on the RTC
        return t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, weekday

    def _encode(self, value):
        return value if self.reg_b & B_DM_BINARY else _to_bcd(value)

    def _decode(self, value):
        return value if self.reg_b & B_DM_BINARY else _from_bcd(value)

    def _encode_hour(self, hour):
        if self.reg_b & B_24H:
            return self._encode(hour)
        pm = 0x80 if hour >= 12 else 0
        return self._encode(hour % 12 or 12) | pm

    def _decode_hour(self, value):
        if self.reg_b & B_24H:
            return self._decode(value & 0x3F)
        hour = self._decode(value & 0x7F) % 12
        return hour + 12 if value & 0x80 else hour

    def _time_registers(self, seconds):
        year, month, day, hour, minute, sec, weekday = self._fields(seconds)
        return {
            REG_SECONDS: self._encode(sec), REG_MINUTES: self._encode(minute),
            REG_HOURS: self._encode_hour(hour), REG_WEEKDAY: self._encode(weekday),
            REG_DAY: self._encode(day), REG_MONTH: self._encode(month),
            REG_YEAR: self._encode(year % 100),
        }

    def _seconds_from_registers(self, regs):
        century = _from_bcd(self.cmos[CMOS_CENTURY]) or 20
        year = century * 100 + min(self._decode(regs[REG_YEAR]), 99)
        month = min(max(self._decode(regs[REG_MONTH]), 1), 12)
        day = min(max(self._decode(regs[REG_DAY]), 1), days_in_month(year, month))
        hour = min(self._decode_hour(regs[REG_HOURS]), 23)
        minute = min(self._decode(regs[REG_MINUTES]), 59)
        sec = min(self._decode(regs[REG_SECONDS]), 59)
        return timegm((year, month, day, hour, minute, sec))

    def _update_index(self, t):
        """Number of update cycles since the base, at emulated time ``t``."""
        return (t - self.base_ns) // NS_PER_SEC

    def _periodic_ticks(self):
        """Period of the periodic interrupt in 32.768 kHz crystal ticks, or 0 when off."""
        rs = self.reg_a & A_RS_MASK
        if rs == 0 or self._divider_stopped():
            return 0
        if rs <= 2:
            return 1 << (rs + 6)    # RS 1, 2 repeat the 256 Hz and 128 Hz rates
        return 1 << (rs - 1)

    def _periodic_index(self, t, ticks):
        return (t - self.periodic_origin_ns) * CRYSTAL_HZ // (ticks * NS_PER_SEC)

    def _alarm_matches(self, seconds):
        regs = self._time_registers(seconds)
        for alarm, reg in zip(self.alarm, (REG_SECONDS, REG_MINUTES, REG_HOURS)):
            if alarm < ALARM_DONT_CARE and alarm != regs[reg]:
                return False
        return True

    # -- flags and IRQ8 ------------------------------------------------------------------
    def _catch_up(self, now):
        """Set PF/UF/AF for everything that happened since the last look."""
        before = self.checked_ns
        if now <= before:
            return
        self.checked_ns = now
        ticks = self._periodic_ticks()
        if ticks and self._periodic_index(now, ticks) > self._periodic_index(before, ticks):
            self.flags |= C_PF
        if not self.frozen:
            first = self._update_index(before) + 1
            last = self._update_index(now)
            if last >= first:
                self.flags |= C_UF
                # a day of updates covers every alarm pattern
                for k in range(max(first, last - DAY), last + 1):
                    if self._alarm_matches(self.base_seconds + k):
                        self.flags |= C_AF
                        break
        self._update_irq()

    def _update_irq(self):
        enabled = self.flags & self.reg_b & (C_PF | C_AF | C_UF)
        if enabled and not self.flags & C_IRQF:
            self.interrupts += 1
        if enabled:
            self.flags |= C_IRQF
        if self.irq is not None:
            self.irq.set(bool(self.flags & C_IRQF))

    def _rearm(self):
        self.clock.cancel(self._timer)
        self._timer = None
        now = self.clock.now()
        due = []
        ticks = self._periodic_ticks()
        if self.reg_b & B_PIE and ticks:
            j = self._periodic_index(now, ticks) + 1
            due.append(self.periodic_origin_ns - ((-j * ticks * NS_PER_SEC) // CRYSTAL_HZ))
        if not self.frozen and self.reg_b & (B_UIE | B_AIE):
            k = self._update_index(now) + 1
            if self.reg_b & B_UIE:
                due.append(self.base_ns + k * NS_PER_SEC)
            else:
                for step in range(DAY + 1):
                    if self._alarm_matches(self.base_seconds + k + step):
                        due.append(self.base_ns + (k + step) * NS_PER_SEC)
                        break
        if due:
            self._timer = self.clock.schedule(min(due), self._on_timer)

    def _on_timer(self, now):
        self._timer = None
        self._catch_up(now)
        self._rearm()

    # -- ports ------------------------------------------------------------------------------
    def _write_index(self, offset, value):
        self.nmi_masked = bool(value & NMI_MASK)
        self.index = value & 0x7F

    def _read_data(self, offset):
        return self.read_register(self.index)

    def _write_data(self, offset, value):
        self.write_register(self.index, value)

    def read_register(self, index):
        now = self.clock.now()
        if index <= REG_YEAR:
            if index in (REG_SECONDS_ALARM, REG_MINUTES_ALARM, REG_HOURS_ALARM):
                return self.alarm[index >> 1]
            if self.set_regs is not None:
                return self.set_regs[index]
            return self._time_registers(self.seconds(now))[index]
        if index == REG_A:
            uip = 0
            if not self.frozen:
                to_update = NS_PER_SEC - (now - self.base_ns) % NS_PER_SEC
                if to_update <= UIP_WINDOW_NS:
                    uip = A_UIP
            return self.reg_a | uip
        if index == REG_B:
            return self.reg_b
        if index == REG_C:
            self._catch_up(now)
            value = self.flags
            self.flags = 0
            self._update_irq()
            return value
        if index == REG_D:
            return D_VRT
        return self.cmos[index]

    def write_register(self, index, value):
        now = self.clock.now()
        if index <= REG_YEAR:
            if index in (REG_SECONDS_ALARM, REG_MINUTES_ALARM, REG_HOURS_ALARM):
                self.alarm[index >> 1] = value
                self._rearm()
            elif self.set_regs is not None:
                self.set_regs[index] = value
            elif index != REG_WEEKDAY:
                self._catch_up(now)
                regs = self._time_registers(self.seconds(now))
                regs[index] = value
                # Keep the phase of the update cycle: only the date/time moves.
                elapsed = 0 if self.frozen else (now - self.base_ns) // NS_PER_SEC
                self.base_seconds = self._seconds_from_registers(regs) - elapsed
                self._rearm()
        elif index == REG_A:
            self._catch_up(now)
            was_stopped = self._divider_stopped()
            self.reg_a = value & 0x7F
            stopped = self._divider_stopped()
            if stopped and not was_stopped:
                self._freeze(now)
            elif was_stopped and not stopped and self.set_regs is None:
                # Leaving divider reset: the first update comes half a second later.
                self._resume(now - NS_PER_SEC // 2)
            if was_stopped and not stopped:
                self.periodic_origin_ns = now
            self._rearm()
        elif index == REG_B:
            self._catch_up(now)
            old = self.reg_b
            if value & B_SET:
                value &= ~B_UIE
            if value & B_SET and not old & B_SET:
                self.set_regs = self._time_registers(self.seconds(now))
                self._freeze(now)
                self.reg_b = value
            elif old & B_SET and not value & B_SET:
                self.reg_b = value
                seconds = self._seconds_from_registers(self.set_regs)
                self.set_regs = None
                self.base_seconds = seconds
                if not self._divider_stopped():
                    self._resume(now)
            else:
                self.reg_b = value
            self._update_irq()
            self._rearm()
        elif index in (REG_C, REG_D):
            pass  # read-only
        else:
            self.cmos[index] = value

    def _divider_stopped(self):
        return (self.reg_a & A_DV_MASK) >> 4 >= 6

    def _freeze(self, now):
        if not self.frozen:
            self.base_seconds = self.seconds(now)
            self.frozen = True

    def _resume(self, base_ns):
        self.frozen = False
        self.base_ns = base_ns
        self.checked_ns = max(self.checked_ns, self.clock.now())

    # -- machine setup helpers --------------------------------------------------------------
    def set_floppy_types(self, drive_a=0, drive_b=0):
        """Drive types: 0 none, 1 360K, 2 1.2M, 3 720K, 4 1.44M, 5 2.88M (or names like "1.44m")."""
        a = FLOPPY_TYPES.get(drive_a, drive_a) if isinstance(drive_a, str) else drive_a
        b = FLOPPY_TYPES.get(drive_b, drive_b) if isinstance(drive_b, str) else drive_b
        if not (isinstance(a, int) and isinstance(b, int) and 0 <= a <= 15 and 0 <= b <= 15):
            raise ValueError("floppy types must be 0-15 or one of %s" % ", ".join(FLOPPY_TYPES))
        self.cmos[CMOS_FLOPPY_TYPES] = a << 4 | b
        self.update_checksum()

    def set_hard_disk_types(self, disk0=0, disk1=0):
        """AT drive types; 15 and above go to the extended type bytes 19h/1Ah."""
        nibbles = 0
        for shift, kind, ext in ((4, disk0, CMOS_HD0_EXT_TYPE), (0, disk1, CMOS_HD1_EXT_TYPE)):
            if not 0 <= kind <= 255:
                raise ValueError("hard disk type must be 0-255")
            if kind >= 15:
                nibbles |= 0xF << shift
                self.cmos[ext] = kind
            else:
                nibbles |= kind << shift
                self.cmos[ext] = 0
        self.cmos[CMOS_HARD_DISK_TYPES] = nibbles
        self.update_checksum()

    def set_equipment(self, value):
        self.cmos[CMOS_EQUIPMENT] = value & 0xFF
        self.update_checksum()

    def set_base_memory(self, kib=640):
        self.cmos[CMOS_BASE_MEM_LO] = kib & 0xFF
        self.cmos[CMOS_BASE_MEM_HI] = (kib >> 8) & 0xFF
        self.update_checksum()

    def set_extended_memory(self, kib=0):
        for lo in (CMOS_EXT_MEM_LO, CMOS_EXT_MEM2_LO):
            self.cmos[lo] = kib & 0xFF
            self.cmos[lo + 1] = (kib >> 8) & 0xFF
        self.update_checksum()

    def update_checksum(self):
        """Sum of bytes 10h-2Dh, big-endian at 2Eh-2Fh (the setters call it; call it after
        writing those bytes through ``cmos[...]``)."""
        total = sum(self.cmos[CHECKSUM_FIRST:CHECKSUM_LAST + 1]) & 0xFFFF
        self.cmos[CMOS_CHECKSUM_HI] = total >> 8
        self.cmos[CMOS_CHECKSUM_LO] = total & 0xFF

    def debug_state(self):
        now = self.clock.now()
        year, month, day, hour, minute, sec, _ = self._fields(self.seconds(now))
        return {
            "time": "%04d-%02d-%02d %02d:%02d:%02d" % (year, month, day, hour, minute, sec),
            "reg_a": self.reg_a, "reg_b": self.reg_b, "flags": self.flags,
            "index": self.index, "nmi_masked": self.nmi_masked, "frozen": self.frozen,
            "interrupts": self.interrupts,
        }
