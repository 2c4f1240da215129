"""The PC: wires the CPU, memory, ports and chips into one machine, and runs it.

This module is the schematic. Reading ``Machine._build`` top to bottom gives
the hardware: 640 KiB RAM, the 64 KiB BIOS ROM at F0000h, the 8259A pair on
the CPU's INTR pin, the 8254 on IRQ0, the 8042 on IRQ1, COM1 on IRQ4, the
MC146818 on IRQ8, the primary ATA channel (hard disks) on IRQ14 and the
secondary channel (floppy images, which the BIOS presents as A:/B:) on IRQ15.

It also owns the run loop: the CPU runs in quanta bounded by the next timer
deadline; between quanta the clock fires due timers and host input is
delivered. When the guest halts with interrupts enabled, time skips to the
next timer (virtual clock) or the host sleeps until it (realtime clock).

The Python API (``Machine``) is what the tests and the front ends use: run
for a number of instructions or until text shows, type keys, read the screen
and the serial output. Keys go in as scancodes through the 8042 and bytes
through the UART, exactly as hardware would deliver them. The one place it
looks into guest memory is the pacing of typed input, see ``_deliver_input``.

Front ends own their loop (TinyEMU's shape): call ``step_quantum(sleep=False)``,
then wait on their own input for at most ``sleep_duration(limit)`` seconds,
and read what to show through ``text_screen()``, ``cursor()``,
``keyboard_leds()``, ``halted`` and ``icount``; nothing else of the machine.
"""

import os
import pathlib
import time
from collections import namedtuple

from .bus import IoPorts, Memory
from .clock import NS_PER_INSN, NS_PER_SEC, Clock
from .cpu import CPU
from .devices.ata import AtaChannel
from .devices.kbc import Kbc8042
from .devices.keymap import tap, text_to_scancodes
from .devices.pic import PicPair
from .devices.pit import Pit8254
from .devices.rtc import Rtc146818
from .devices.sysports import SystemPorts
from .devices.uart import BufferSerial, Uart16550
from .devices.vga import Vga
from .disk import DiskError, DiskImage
from .errors import Timeout
from .irq import IrqLine
from .resources import BIOS_IMAGE_NAME, data_file
from .screenshot import picture, write_png

# The BIOS ROM built from bios/ by bios/build.sh, shipped inside the package.
BIOS_IMAGE = data_file(BIOS_IMAGE_NAME)
BIOS_BASE = 0xF0000

# CMOS byte 50h is pcemu's own configuration byte, read by our BIOS at POST.
CMOS_PCEMU_CONFIG = 0x50
CONFIG_SERIAL_CONSOLE = 0x01

# CMOS floppy drive type codes (register 10h nibbles), by image size in KiB.
FLOPPY_CMOS_TYPE = {360: 1, 1200: 2, 720: 3, 1440: 4, 2880: 5, 160: 1, 180: 1, 320: 1}

# BIOS data area (segment 40h): the keyboard ring buffer's head/tail and bounds,
# at the addresses every PC BIOS keeps them (ours: bios/bda.inc). Read only to pace
# typed input, see Machine._deliver_input.
BDA_KBD_HEAD = 0x41A
BDA_KBD_TAIL = 0x41C
BDA_KBD_START = 0x480
BDA_KBD_END = 0x482

BDA_VIDEO_MODE = 0x449

QUANTUM_INSNS = 20000  # realtime mode: instructions between looks at the host clock


class VideoMode(namedtuple("VideoMode", "number graphics width height colours")):
    """``width`` x ``height`` are pixels in graphics modes, columns x rows in text modes."""


class GuestFault(Exception):
    """The guest can no longer make progress (halted with interrupts off, reset loop...)."""

    def __init__(self, message, dump=""):
        Exception.__init__(self, message)
        self.message = message
        self.dump = dump


class Machine:
    """An IBM PC/AT-compatible machine in real mode.

    Disks: ``floppies`` and ``hdds`` are lists of image paths (or DiskImage
    objects); ``disks`` are classified by size and boot sector. ``serial`` is a
    back end object with ``write(bytes)``; by default a BufferSerial whose
    bytes ``serial_output()`` returns. ``serial_console`` tells our BIOS to
    mirror the console to COM1 and take COM1 input as keystrokes.
    """

    def __init__(self, disks=(), floppies=(), hdds=(), cpu="80186", clock="virtual",
                 serial=None, serial_console=False, snapshot=False, bios=None,
                 rtc_epoch=None):
        if cpu not in ("8086", "80186"):
            raise ValueError("unknown CPU model %r (use 8086 or 80186)" % (cpu,))
        self.cpu_model = cpu
        self.serial_backend = serial if serial is not None else BufferSerial()
        self.serial_console = serial_console
        self.disk_images = []
        self.floppy_drives = []
        self.hdd_drives = []
        self.reset_requested = False
        self._typed = []  # pending host keystrokes: list of scancode byte strings
        self._serial_in = bytearray()  # pending host serial input
        self._host_start = time.monotonic()
        self._host_cpu_start = time.process_time()
        self._trace_files = []
        self._insn_trace = None
        self.debugger = None  # a pcemu.debug.Debugger once one is attached
        self._debug_run = None  # its run method while debugging is active (see pcemu.debug)
        self.debug_sink = None  # callable(line) for the BIOS debug console (port E9h)
        try:
            self._attach_disks(disks, floppies, hdds, snapshot)
            self._build(clock, bios, rtc_epoch)
        except Exception:
            self.close()
            raise

    # ------------------------------------------------------------------ wiring
    def _attach_disks(self, disks, floppies, hdds, snapshot):
        for spec, kind in ([(d, None) for d in disks] + [(d, "floppy") for d in floppies]
                           + [(d, "hdd") for d in hdds]):
            image = spec if isinstance(spec, DiskImage) else DiskImage.open(spec, kind=kind, snapshot=snapshot)
            self.disk_images.append(image)
            (self.floppy_drives if image.kind == "floppy" else self.hdd_drives).append(image)
        if len(self.floppy_drives) > 2:
            raise DiskError("at most two floppy images (A: and B:) can be attached")
        if len(self.hdd_drives) > 2:
            raise DiskError("at most two hard disk images (C: and D:) can be attached")

    def _build(self, clock_mode, bios, rtc_epoch):
        self.mem = Memory()
        self.io = IoPorts()
        bios_path = pathlib.Path(bios) if bios else BIOS_IMAGE
        try:
            rom = bios_path.read_bytes()
        except OSError as e:
            raise DiskError("cannot read BIOS image %s: %s" % (bios_path, e.strerror))
        if len(rom) != 0x10000:
            raise DiskError("BIOS image %s is %d bytes, expected 65536" % (bios_path, len(rom)))
        self.mem.load_rom(BIOS_BASE, rom)

        self.cpu = CPU(self.mem, self.io, model=self.cpu_model)
        self.clock = Clock(clock_mode, insn_count=lambda: self.cpu.icount)

        self.pic = PicPair(self.io, cpu_intr=self.cpu.set_intr)
        self.cpu.intc = self.pic

        def irq(n):
            return IrqLine(self.pic, n)

        self.pit = Pit8254(self.io, self.clock, irq0=irq(0))
        self.kbc = Kbc8042(self.io, irq1=irq(1), on_reset=self._request_reset, clock=self.clock)
        self.sysports = SystemPorts(self.io, pit=self.pit, on_reset=self._request_reset,
                                    on_debug_line=self._on_debug_line)
        self.rtc = Rtc146818(self.io, self.clock, irq8=irq(8), epoch=rtc_epoch)
        self.uart = Uart16550(self.io, base=0x3F8, irq=irq(4), backend=self.serial_backend, name="COM1",
                              clock=self.clock)
        self.vga = Vga(self.io, self.mem, clock=self.clock)
        hdds = self.hdd_drives + [None] * (2 - len(self.hdd_drives))
        fdds = self.floppy_drives + [None] * (2 - len(self.floppy_drives))
        self.ata_primary = AtaChannel(self.io, base=0x1F0, ctrl=0x3F6, irq=irq(14), drives=hdds,
                                      name="ATA primary (hard disks)")
        self.ata_secondary = AtaChannel(self.io, base=0x170, ctrl=0x376, irq=irq(15), drives=fdds,
                                        name="ATA secondary (floppy images)")
        self._fill_cmos()
        self.cpu.reset()

    def _fill_cmos(self):
        cmos = self.rtc.cmos
        types = [FLOPPY_CMOS_TYPE.get(d.sectors // 2, 4) for d in self.floppy_drives] + [0, 0]
        cmos[0x10] = (types[0] << 4) | types[1]
        cmos[0x12] = (0xF0 if len(self.hdd_drives) > 0 else 0) | (0x0F if len(self.hdd_drives) > 1 else 0)
        nfloppy = len(self.floppy_drives)
        equipment = 0x20  # 80x25 colour
        if nfloppy:
            equipment |= 0x01 | ((nfloppy - 1) << 6)
        cmos[0x14] = equipment
        cmos[0x15], cmos[0x16] = 640 & 0xFF, 640 >> 8
        cmos[0x17] = cmos[0x18] = cmos[0x30] = cmos[0x31] = 0
        cmos[CMOS_PCEMU_CONFIG] = CONFIG_SERIAL_CONSOLE if self.serial_console else 0
        total = sum(cmos[0x10:0x2E])
        cmos[0x2E], cmos[0x2F] = total >> 8, total & 0xFF

    def _on_debug_line(self, line):
        if self.debug_sink is not None:
            self.debug_sink(line)

    def _request_reset(self):
        self.reset_requested = True
        self.cpu.request_stop()

    def _do_reset(self):
        """The 8042's or port 92h's reset line: the CPU restarts, RAM and chips keep their state
        as on a warm reset (the BIOS reads the warm-boot flag in the BDA)."""
        self.reset_requested = False
        self.cpu.reset()

    # ------------------------------------------------------------------ running
    @property
    def icount(self):
        return self.cpu.icount

    def step_quantum(self, max_insns=QUANTUM_INSNS, sleep=True):
        """Run the CPU for at most ``max_insns`` instructions, bounded by the next timer,
        then fire due timers and deliver pending host input. Returns instructions executed.

        While the guest halts under the realtime clock, ``sleep=True`` sleeps the host until
        the next timer (at most 50 ms); front ends with input of their own pass ``sleep=False``
        and wait on their input for ``sleep_duration()`` instead."""
        cpu = self.cpu
        clock = self.clock
        self._deliver_input()
        if self.reset_requested:
            self._do_reset()
        executed = 0
        if_set = cpu.get_flags() & 0x200
        if cpu.halted and not (cpu.nmi_latched or (cpu.intr and if_set)):
            if not if_set:
                self._fault_halted()
            deadline = clock.next_deadline()
            if deadline is not None:
                if clock.virtual:
                    clock.skip_to(deadline)
                else:
                    delay = (deadline - clock.now()) / NS_PER_SEC
                    if delay > 0 and sleep:
                        time.sleep(min(delay, 0.05))
        else:
            budget = max_insns
            if clock.virtual:
                deadline = clock.next_deadline()
                if deadline is not None:
                    until = (deadline - clock.now()) // NS_PER_INSN + 1
                    if until < budget:
                        budget = max(1, until)
            if self._debug_run is not None:
                executed = self._debug_run(budget)
            elif self._insn_trace is None:
                executed = cpu.run(budget)
            else:
                executed = cpu.run_traced(budget, self._insn_trace)
        clock.run_due()
        if self.reset_requested:
            self._do_reset()
        if self.debugger is not None:
            self.debugger.after_quantum()
        return executed

    def sleep_duration(self, max_seconds):
        """How long (host seconds, at most ``max_seconds``) the host may wait before the next
        ``step_quantum``: 0 while the CPU has work or input is queued; while the guest halts
        under the realtime clock, the time to its next timer. A front end waits that long on
        its own input (select on stdin, window events), like TinyEMU's get_sleep_duration."""
        cpu = self.cpu
        if (not cpu.halted or self.clock.virtual or self._typed or self._serial_in or self.reset_requested
                or cpu.nmi_latched or (cpu.intr and cpu.get_flags() & 0x200)):
            return 0.0
        deadline = self.clock.next_deadline()
        if deadline is None:
            return max(0.0, max_seconds)
        return max(0.0, min(max_seconds, (deadline - self.clock.now()) / NS_PER_SEC))

    def _fault_halted(self):
        last = self.sysports.last_debug_line()
        msg = "guest halted with interrupts disabled at %04X:%04X" % (self.cpu.sregs[1], self.cpu.ip)
        if last:
            msg += " (BIOS: %s)" % last
        from .debug.debugger import guest_report

        raise GuestFault(msg, guest_report(self))

    def run(self, insns=None, seconds=None):
        """Run for ``insns`` guest instructions or ``seconds`` of emulated time (whichever given)."""
        if insns is not None:
            target = self.cpu.icount + insns
            while self.cpu.icount < target:
                self.step_quantum(min(QUANTUM_INSNS, target - self.cpu.icount))
        elif seconds is not None:
            end = self.clock.now() + int(seconds * NS_PER_SEC)
            while self.clock.now() < end:
                self.step_quantum()
        else:
            raise ValueError("run() needs insns= or seconds=")

    def run_until(self, predicate, timeout=60.0, max_insns=None, check=True, what=None):
        """Run until ``predicate(machine)`` is true, and return True. If ``timeout`` host
        seconds (or ``max_insns`` instructions) pass first, raise ``pcemu.Timeout`` (its
        message holds the screen), or with ``check=False`` return False."""
        end = time.monotonic() + timeout
        limit = None if max_insns is None else self.cpu.icount + max_insns
        while not predicate(self):
            if time.monotonic() > end or (limit is not None and self.cpu.icount >= limit):
                return self._timed_out(what or "the condition %r" % (predicate,), timeout, check)
            self.step_quantum()
        return True

    def _timed_out(self, what, timeout, check):
        if check:
            raise Timeout(what, timeout, self.screen_text())
        return False

    def run_until_text(self, text, timeout=60.0, max_insns=None, check=True):
        """Run until ``text`` shows anywhere on the text screen (True), else raise
        ``pcemu.Timeout`` (``check=False``: return False)."""
        return self.run_until(lambda m: text in m.screen_text(), timeout, max_insns, check,
                              what="the text %r on the screen" % (text,))

    def run_until_idle(self, timeout=60.0, settle_insns=200000, check=True):
        """Run until the guest waits for input with nothing left to deliver: all typed keys
        and serial bytes consumed, the keyboard buffer empty, the CPU halted (True). Else
        raise ``pcemu.Timeout`` after ``timeout`` host seconds (``check=False``: return False)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.is_idle():
                # Stay idle across a few timer ticks: DOS may still be between steps.
                start = self.cpu.icount
                ok = True
                for _ in range(4):
                    self.step_quantum()
                    if not self.is_idle():
                        ok = False
                        break
                if ok and self.cpu.icount - start < settle_insns:
                    return True
            else:
                self.step_quantum()
        return self._timed_out("an idle guest (all input taken, CPU halted)", timeout, check)

    def is_idle(self):
        return (self.cpu.halted and not self._typed and not self._serial_in
                and self.kbc.pending_input() == 0 and self.uart.rx_pending() == 0
                and self.keyboard_buffer_count() == 0)

    # ------------------------------------------------------------------ input
    def keyboard_buffer_count(self):
        """Keystrokes waiting in the BIOS keyboard buffer (the ring at 40:1Ah-40:83h)."""
        data = self.mem.data
        head = data[BDA_KBD_HEAD] | (data[BDA_KBD_HEAD + 1] << 8)
        tail = data[BDA_KBD_TAIL] | (data[BDA_KBD_TAIL + 1] << 8)
        start = data[BDA_KBD_START] | (data[BDA_KBD_START + 1] << 8)
        end = data[BDA_KBD_END] | (data[BDA_KBD_END + 1] << 8)
        size = (end - start) if end > start else 32
        return ((tail - head) % size) // 2

    def _deliver_input(self):
        # Like a typist who waits when the guest falls behind: the next key goes to
        # the 8042 only when the guest has taken the previous one and its buffer has room.
        # This is the one place the machine reads guest memory, on purpose: the 8042
        # holds one byte, so the hardware cannot tell whether the BIOS's 16-key ring
        # behind it is full, and typed-ahead text (a pasted command, a test script)
        # would be dropped with a beep. The ring's pointers sit at addresses fixed
        # since the IBM PC (40:1Ah/1Ch/80h/82h), kept by every BIOS and by DOS
        # programs that stuff keys; the alternatives (a fixed delay per key, waiting
        # for HLT) either lose keys under load or stall programs that poll INT 16h.
        if self._typed and self.kbc.pending_input() == 0 and self.keyboard_buffer_count() < 8:
            self.kbc.key_scancodes(self._typed.pop(0))
        if self._serial_in and self.uart.rx_pending() == 0 and self.keyboard_buffer_count() < 8:
            self.uart.receive(bytes(self._serial_in[:1]))
            del self._serial_in[:1]

    def type_text(self, text):
        """Type US-layout text through the keyboard (scancodes via the 8042). "\\r"/"\\n" press Enter."""
        for ch in text:
            self.queue_keystroke(text_to_scancodes(ch))

    def press_key(self, name):
        """Press and release a key by name (see pcemu.devices.keymap.KEY_NAMES), e.g. "f1", "up"."""
        self.queue_keystroke(tap(name))

    def queue_keystroke(self, data):
        """One keystroke's set-1 bytes (press and release), delivered at the guest's pace
        like type_text(): for front ends that cannot send key-up events (terminals)."""
        self._typed.append(bytes(data))

    def send_scancodes(self, data):
        """Raw set-1 bytes, delivered in order (front ends with a real keyboard use this)."""
        self.kbc.key_scancodes(bytes(data))

    def send_serial(self, data):
        """Bytes arriving on COM1 from the host side."""
        self._serial_in += data

    def input_pending(self):
        """True while typed keys or serial bytes still wait to be delivered."""
        return bool(self._typed or self._serial_in)

    # ------------------------------------------------------------------ output
    def screen_lines(self):
        return self.vga.text_lines()

    def screen_text(self):
        return "\n".join(self.vga.text_lines())

    def text_screen(self):
        """The VGA text screen now: ``cols``, ``rows``, ``cells`` (bytes: code, attribute per
        cell), ``cursor_row``/``cursor_col``/``cursor_visible``/``cursor_start``/``cursor_end``
        (CRTC scanlines), ``blink_enabled``, ``palette`` (16 RGB triples). What front ends draw."""
        return self.vga.text_screen()

    def cursor(self):
        """(row, column) of the CRTC cursor."""
        s = self.vga.text_screen()
        return s.cursor_row, s.cursor_col

    def video_mode(self):
        """The video mode on screen: a VideoMode with the BIOS mode number (BDA 40:49h, what
        the guest last set through INT 10h), whether the VGA is in a graphics mode, and its
        size (pixels, or text columns and rows) and colours, as the VGA's registers say."""
        vga = self.vga
        number = self.mem.data[BDA_VIDEO_MODE]
        if vga.graphics:
            return VideoMode(number, True, *vga.graphics_geometry())
        s = vga.text_screen()
        return VideoMode(number, False, s.cols, s.rows, 2 if s.mono else 16)

    def screenshot(self, path):
        """Save what the display shows as a PNG (any mode; no pygame needed)."""
        width, height, rows = picture(self.vga)
        write_png(path, width, height, rows)
        return width, height

    def in_graphics_mode(self):
        """True while the VGA shows a graphics mode (text front ends cannot show it)."""
        return self.vga.graphics

    def graphics_frame(self):
        """In a graphics mode, the picture (a pcemu.devices.vga_scanout.GraphicsFrame:
        DAC indices at the monitor's raster, the DAC as RGB); None in text modes."""
        return self.vga.graphics_frame() if self.vga.graphics else None

    def picture_key(self):
        """A value that changes whenever the graphics picture may have: front ends redraw
        when it does (the CGA modes' memory is plain RAM, so its bytes are part of it)."""
        vga = self.vga
        if (vga.gc[0x06] >> 2) & 3 == 3:
            return vga.picture_changes(), bytes(self.mem.data[0xB8000:0xBC000])
        return vga.picture_changes(), None

    def keyboard_leds(self):
        """The lock LEDs the guest last set on the keyboard: bit 0 Scroll, 1 Num, 2 Caps Lock."""
        return self.kbc.leds

    @property
    def halted(self):
        """True while the CPU sits in HLT (the guest is waiting for an interrupt)."""
        return self.cpu.halted

    def guest_ns(self):
        """Emulated time since power-on, in nanoseconds."""
        return self.clock.now()

    def serial_bytes_out(self):
        """Bytes the guest has sent out of COM1 so far."""
        return self.uart.bytes_out

    def serial_output(self):
        data = getattr(self.serial_backend, "data", None)
        return bytes(data) if data is not None else b""

    # ------------------------------------------------------------------ debugging
    def trace_ports(self, path):
        """Log every port access (with the device that owns the port) to ``path``."""
        out = open(path, "w")
        self._trace_files.append(out)
        io = self.io
        cpu = self.cpu

        def trace(kind, port, value):
            width = 4 if kind.endswith("16") else 2
            out.write("%10d %04X:%04X %-5s %04X %0*X  %s\n" % (
                cpu.icount, cpu.sregs[1], cpu.ip, kind, port, width, value, io.name_of(port) or "unclaimed"))

        io.trace = trace

    def trace_instructions(self, path):
        """Write every executed instruction, disassembled, with registers, to ``path``."""
        from .cpu.disasm import disassemble_at, format_trace_line

        out = open(path, "w")
        self._trace_files.append(out)
        mem = self.mem
        model = self.cpu_model

        def trace(cpu):
            cs, ip = cpu.sregs[1], cpu.ip
            length, text = disassemble_at(mem.read8, cs, ip, model)
            code = bytes(mem.read8((cs << 4) + ((ip + i) & 0xFFFF)) for i in range(length))
            r = cpu.regs
            out.write("%s  AX=%04X BX=%04X CX=%04X DX=%04X SP=%04X BP=%04X SI=%04X DI=%04X "
                      "DS=%04X ES=%04X SS=%04X F=%04X\n" % (
                          format_trace_line(cs, ip, code, text), r[0], r[3], r[1], r[2], r[4], r[5], r[6],
                          r[7], cpu.sregs[3], cpu.sregs[0], cpu.sregs[2], cpu.get_flags()))

        self._insn_trace = trace

    def debug_pause(self, around=None):
        """Stop the guest at the next instruction and open the debugger's monitor: the one
        configured (--monitor, --gdb), else one on this process's terminal (pcemu.debug).
        ``around``: (before, after) callables for a front end that shares the terminal."""
        from .debug.session import pause_into_monitor

        pause_into_monitor(self, around=around)

    # ------------------------------------------------------------------ stats
    def stats(self):
        host = time.monotonic() - self._host_start
        icount = self.cpu.icount
        drives = []
        for letter, img in zip("AB", self.floppy_drives):
            drives.append((letter + ":", img))
        for letter, img in zip("CD", self.hdd_drives):
            drives.append((letter + ":", img))
        return {
            "instructions": icount,
            "host_seconds": host,
            "host_cpu_seconds": time.process_time() - self._host_cpu_start,
            "mips": icount / host / 1e6 if host > 0 else 0.0,
            "irqs": list(getattr(self.pic, "irq_counts", [])),
            "disks": [(name, os.path.basename(str(img.path)), img.sectors_read, img.sectors_written)
                      for name, img in drives],
            "serial_in": getattr(self.uart, "bytes_in", 0),
            "serial_out": getattr(self.uart, "bytes_out", 0),
        }

    def format_stats(self):
        s = self.stats()
        lines = [
            "instructions  %d" % s["instructions"],
            "host time     %.2f s (CPU %.2f s)" % (s["host_seconds"], s["host_cpu_seconds"]),
            "speed         %.2f MIPS" % s["mips"],
            "interrupts    " + (" ".join("IRQ%d=%d" % (n, c) for n, c in enumerate(s["irqs"]) if c) or "none"),
        ]
        for name, fname, rd, wr in s["disks"]:
            lines.append("disk %s        %s: %d sectors read, %d written" % (name, fname, rd, wr))
        lines.append("serial COM1   %d bytes in, %d bytes out" % (s["serial_in"], s["serial_out"]))
        return "\n".join(lines)

    # ------------------------------------------------------------------ shutdown
    def flush(self):
        for img in self.disk_images:
            try:
                img.flush()
            except OSError:
                pass

    def close(self):
        for out in self._trace_files:
            out.close()
        self._trace_files = []
        for img in self.disk_images:
            try:
                img.close()
            except OSError:
                pass
        self.disk_images = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
