"""IDE/ATA channel (ATA-1..3 register set, PIO only) with up to two drives.

Ports (primary channel; the secondary is 170h-177h / 376h, IRQ 15):

    1F0h  data (16-bit PIO)           1F1h  error (read) / features (write)
    1F2h  sector count                1F3h  sector number / LBA 7:0
    1F4h  cylinder low / LBA 15:8     1F5h  cylinder high / LBA 23:16
    1F6h  drive/head: LBA bit 6, DEV bit 4, head or LBA 27:24 in bits 3:0
    1F7h  status (read; clears INTRQ) / command (write)
    3F6h  alternate status (read; leaves INTRQ alone) / device control (write:
          nIEN bit 1 masks INTRQ, SRST bit 2 soft-resets both drives)

Commands: IDENTIFY DEVICE (ECh), READ SECTORS (20h/21h), WRITE SECTORS
(30h/31h), READ/WRITE MULTIPLE (C4h/C5h) with SET MULTIPLE MODE (C6h), READ
VERIFY SECTORS (40h/41h), INITIALIZE DEVICE PARAMETERS (91h), SET FEATURES
(EFh), RECALIBRATE (1xh), SEEK (7xh), EXECUTE DEVICE DIAGNOSTIC (90h), FLUSH
CACHE (E7h), and the power-management no-ops (E0h-E3h, E5h, 94h-98h).
Anything else ends with ABRT in the error register and ERR in status.

Interrupt protocol (ATA-3 section 9): a PIO read raises INTRQ each time a
block is ready (DRQ set); a PIO write raises it after each block the host has
written and once more at the end; non-data commands raise it at completion.
Reading the status register or writing a command clears the pending
interrupt. The line on the cable is driven by the selected drive only, and
nIEN releases it. Transfers take no emulated time, so BSY is never seen.

Choices where the ATA documents leave room:

* Write to a read-only image: the command ends at once with ERR in status
  and error = WP (40h, the removable-media write-protect bit) | ABRT (04h);
  the BIOS maps WP on a write command to INT 13h AH=03h.
* Probing an absent drive: with the other drive present, drive 0 answers
  for the missing drive 1 as ATA requires: status and alternate status read
  00h and commands to it are ignored (EXECUTE DEVICE DIAGNOSTIC excepted).
  With no drive at all every register reads FFh (a floating bus), so a BIOS
  gives up at its first status read.
* Addressing past the end of the image, CHS values outside the current
  translation, or sector number 0 in CHS mode: IDNF, checked before any
  data moves. A floppy-sized image reports the floppy's own geometry as the
  default CHS translation.
* INITIALIZE DEVICE PARAMETERS and SET MULTIPLE MODE settings survive a soft
  reset and are lost on ``reset()`` (power-on).
"""

from pcemu.disk import DiskError, SECTOR_SIZE
from pcemu import state

# status register
BSY = 0x80
DRDY = 0x40
DF = 0x20
DSC = 0x10
DRQ = 0x08
CORR = 0x04
IDX = 0x02
ERR = 0x01

# error register
WP = 0x40  # write commands: removable medium is write protected
UNC = 0x40  # read commands: uncorrectable data
IDNF = 0x10
ABRT = 0x04
DIAG_PASSED = 0x01

# device control register
NIEN = 0x02
SRST = 0x04

# drive/head register
DH_LBA = 0x40
DH_DEV = 0x10
DH_OBSOLETE = 0xA0

MAX_MULTIPLE = 16
LBA28_MAX = 0x0FFFFFFF

CMD_READ_SECTORS = (0x20, 0x21)
CMD_WRITE_SECTORS = (0x30, 0x31)
CMD_READ_VERIFY = (0x40, 0x41)
CMD_READ_MULTIPLE = 0xC4
CMD_WRITE_MULTIPLE = 0xC5
CMD_SET_MULTIPLE = 0xC6
CMD_IDENTIFY = 0xEC
CMD_INIT_PARAMS = 0x91
CMD_SET_FEATURES = 0xEF
CMD_DIAGNOSTIC = 0x90
CMD_FLUSH_CACHE = 0xE7
CMD_CHECK_POWER = (0xE5, 0x98)
CMD_POWER_NOOPS = (0xE0, 0xE1, 0xE2, 0xE3, 0x94, 0x95, 0x96, 0x97)

# SET FEATURES subcommands we accept (they change nothing an emulated drive has)
ACCEPTED_FEATURES = (0x02, 0x03, 0x44, 0x55, 0x66, 0x82, 0xAA, 0xBB, 0xCC)

MODEL_HDD = "PCEMU HARDDISK"
MODEL_FLOPPY = "PCEMU FLOPPY"
FIRMWARE = "0.1"

XFER_NONE = 0
XFER_READ = 1
XFER_WRITE = 2


class AtaDrive:
    """One drive on the cable: its image, its CHS translation and its status."""

    STATE = state.Description("ATA drive", fields=[
        state.Int("cur_cyl"), state.Int("cur_heads"), state.Int("cur_spt"), state.Int("multiple"),
        state.Int("status"), state.Int("error"), state.Bool("intrq"),
        state.Int("sectors_read"), state.Int("sectors_written"), state.Int("commands"),
    ], wiring=["image", "unit", "default_chs", "sectors", "serial"])

    def __init__(self, image, unit):
        self.image = image
        self.unit = unit
        cyl, heads, spt = image.geometry
        self.default_chs = (cyl, heads, spt)
        self.sectors = min(image.sectors, LBA28_MAX)
        self.power_on()
        self.sectors_read = 0
        self.sectors_written = 0
        self.commands = 0
        self.serial = "PCEMU%05d%d" % (image.sectors % 100000, unit)

    def power_on(self):
        self.cur_cyl, self.cur_heads, self.cur_spt = self.default_chs
        self.multiple = 0
        self.signature()

    def signature(self):
        self.status = DRDY | DSC
        self.error = DIAG_PASSED
        self.intrq = False

    def set_translation(self, heads, spt):
        self.cur_heads = heads
        self.cur_spt = spt
        self.cur_cyl = min(self.sectors // (heads * spt), 65535)

    def identify(self):
        """The 256-word IDENTIFY DEVICE block, as bytes (little-endian words)."""
        words = [0] * 256
        cyl, heads, spt = self.default_chs
        floppy = self.image.kind == "floppy"
        words[0] = 0x0080 if floppy else 0x0040  # removable vs fixed
        words[1] = cyl
        words[3] = heads
        words[4] = spt * SECTOR_SIZE
        words[5] = SECTOR_SIZE
        words[6] = spt
        _put_string(words, 10, 20, self.serial)
        words[20] = 3  # dual-ported buffer with read cache
        words[21] = 512  # buffer size in sectors
        words[22] = 4  # ECC bytes on READ/WRITE LONG
        _put_string(words, 23, 8, FIRMWARE)
        _put_string(words, 27, 40, MODEL_FLOPPY if floppy else MODEL_HDD)
        words[47] = 0x8000 | MAX_MULTIPLE
        words[49] = 0x0200  # LBA supported
        words[51] = 0x0200  # PIO mode 2 timing
        words[53] = 0x0001  # words 54-58 valid
        words[54] = self.cur_cyl
        words[55] = self.cur_heads
        words[56] = self.cur_spt
        current = min(self.cur_cyl * self.cur_heads * self.cur_spt, 0xFFFFFFFF)
        words[57] = current & 0xFFFF
        words[58] = current >> 16
        words[59] = (0x0100 | self.multiple) if self.multiple else 0
        words[60] = self.sectors & 0xFFFF
        words[61] = self.sectors >> 16
        words[80] = 0x000E  # ATA-1, ATA-2, ATA-3
        out = bytearray(512)
        for i, w in enumerate(words):
            out[2 * i] = w & 0xFF
            out[2 * i + 1] = w >> 8
        return out


def _put_string(words, first, length, text):
    """ATA strings: space padded, first character in the high byte of each word."""
    raw = text.ljust(length)[:length].encode("ascii")
    for i in range(length // 2):
        words[first + i] = (raw[2 * i] << 8) | raw[2 * i + 1]


class AtaChannel:
    """One IDE channel: a shared task file, a device control register, two drive slots."""

    STATE = state.Description("ATA channel", fields=[
        state.Children("drives", AtaDrive.STATE), state.Int("device_control"),
        state.Int("features"), state.Int("nsector"), state.Int("sector"), state.Int("lcyl"), state.Int("hcyl"),
        state.Int("select"),
        # a PIO transfer in flight: its buffer, where the guest is in it, what follows
        state.Int("_xfer"), state.Bytes("_buf"), state.Int("_pos"), state.Int("_end"),
        state.Member("_xfer_drive", "drives"), state.Int("_xfer_lba"), state.Int("_xfer_left"),
        state.Int("_xfer_block"), state.Int("_xfer_chunk"), state.Bool("_xfer_lba_mode"),
        state.IrqLevel("irq"),
    ], wiring=["base", "ctrl", "name"])

    def __init__(self, io, base=0x1F0, ctrl=0x3F6, irq=None, drives=(None, None), name="ATA primary"):
        self.base = base
        self.ctrl = ctrl
        self.irq = irq
        self.name = name
        drives = list(drives) + [None] * (2 - len(drives))
        self.drives = [AtaDrive(img, unit) if img is not None else None for unit, img in enumerate(drives[:2])]
        io.register(base, 8, self._read8, self._write8, name=name, read16=self._read16, write16=self._write16,
                    read16_block=self._read16_block, write16_block=self._write16_block)
        io.register(ctrl, 1, self._ctrl_read8, self._ctrl_write8, name=name + " control")
        self.reset()

    # -- state -------------------------------------------------------------------
    def reset(self):
        """Power-on / hardware reset: defaults restored, signatures loaded."""
        for drive in self.drives:
            if drive is not None:
                drive.power_on()
        self.device_control = 0
        self._signature_registers()
        self._stop_transfer()
        self._update_irq()

    def attach(self, unit, image):
        """Put ``image`` (or None) in slot 0/1, as after swapping a cable."""
        if self._xfer_drive is not None and self._xfer_drive is self.drives[unit]:
            self._stop_transfer()
        self.drives[unit] = AtaDrive(image, unit) if image is not None else None
        self._update_irq()

    def _signature_registers(self):
        self.features = 0
        self.nsector = 1
        self.sector = 1
        self.lcyl = 0
        self.hcyl = 0
        self.select = 0

    def _stop_transfer(self):
        self._xfer = XFER_NONE
        self._buf = bytearray(0)
        self._pos = 0
        self._end = 0
        self._xfer_drive = None
        self._xfer_lba = 0
        self._xfer_left = 0
        self._xfer_block = 1
        self._xfer_chunk = 0
        self._xfer_lba_mode = False

    @property
    def selected(self):
        return self.drives[(self.select >> 4) & 1]

    def _present(self):
        return self.drives[0] is not None or self.drives[1] is not None

    def _update_irq(self):
        if self.irq is None:
            return
        drive = self.selected
        self.irq.set(drive is not None and drive.intrq and not (self.device_control & NIEN))

    # -- task file -----------------------------------------------------------------
    def _read8(self, off):
        if not self._present():
            return 0xFF
        if off == 0:
            return self._data_read16() & 0xFF
        drive = self.selected
        if off == 7:
            if drive is None:
                return 0
            drive.intrq = False
            self._update_irq()
            return drive.status
        if off == 1:
            return drive.error if drive is not None else 0
        if off == 2:
            return self.nsector
        if off == 3:
            return self.sector
        if off == 4:
            return self.lcyl
        if off == 5:
            return self.hcyl
        return self.select | DH_OBSOLETE

    def _read16(self, off):
        if off == 0:
            if not self._present():
                return 0xFFFF
            return self._data_read16()
        high = self._read8(off + 1) if off < 7 else 0xFF
        return self._read8(off) | (high << 8)

    def _write8(self, off, value):
        if off == 0:
            pass  # byte-wide data port access is not used by PC guests
        elif off == 1:
            self.features = value
        elif off == 2:
            self.nsector = value
        elif off == 3:
            self.sector = value
        elif off == 4:
            self.lcyl = value
        elif off == 5:
            self.hcyl = value
        elif off == 6:
            self.select = value & 0x5F
            self._update_irq()  # INTRQ follows the selected drive
        else:
            self._command(value)

    def _write16(self, off, value):
        if off == 0:
            self._data_write16(value)
        else:
            self._write8(off, value & 0xFF)
            if off < 7:
                self._write8(off + 1, value >> 8)

    def _ctrl_read8(self, off):
        if not self._present():
            return 0xFF
        drive = self.selected
        return drive.status if drive is not None else 0

    def _ctrl_write8(self, off, value):
        was = self.device_control
        self.device_control = value & (NIEN | SRST)
        if value & SRST:
            self._stop_transfer()
            for drive in self.drives:
                if drive is not None:
                    drive.status = BSY
                    drive.intrq = False
        elif was & SRST:
            for drive in self.drives:
                if drive is not None:
                    drive.signature()
            self._signature_registers()
        self._update_irq()

    # -- PIO data port (the hot path: 256 calls per sector) ---------------------------
    def _data_read16(self):
        pos = self._pos
        if pos >= self._end or self._xfer != XFER_READ:
            return 0xFFFF
        buf = self._buf
        self._pos = pos + 2
        if pos + 2 >= self._end:
            value = buf[pos] | (buf[pos + 1] << 8)
            self._read_block_done()
            return value
        return buf[pos] | (buf[pos + 1] << 8)

    def _data_write16(self, value):
        pos = self._pos
        if pos >= self._end or self._xfer != XFER_WRITE:
            return
        buf = self._buf
        buf[pos] = value & 0xFF
        buf[pos + 1] = (value >> 8) & 0xFF
        self._pos = pos + 2
        if pos + 2 >= self._end:
            self._write_block_done()

    def read_data_block(self, count):
        """Up to ``count`` bytes of the current read block at once (a REP INSW fast path)."""
        if self._xfer != XFER_READ:
            return b""
        pos = self._pos
        end = min(self._end, pos + (count & ~1))
        if end <= pos:
            return b""
        data = bytes(self._buf[pos:end])
        self._pos = end
        if end >= self._end:
            self._read_block_done()
        return data

    def write_data_block(self, payload):
        """Take up to len(payload) bytes of the current write block at once (REP OUTSW); returns
        how many were taken."""
        if self._xfer != XFER_WRITE:
            return 0
        pos = self._pos
        end = min(self._end, pos + (len(payload) & ~1))
        if end <= pos:
            return 0
        self._buf[pos:end] = payload[:end - pos]
        self._pos = end
        if end >= self._end:
            self._write_block_done()
        return end - pos

    def _read16_block(self, off, words):
        if off != 0 or not self._present():
            return b""
        return self.read_data_block(2 * words)

    def _write16_block(self, off, payload):
        if off != 0:
            return 0
        return self.write_data_block(payload)

    # -- commands ---------------------------------------------------------------------
    def _command(self, cmd):
        drive = self.selected
        if cmd == CMD_DIAGNOSTIC:
            self._diagnostic()
            return
        if drive is None:
            return  # drive 0 ignores commands meant for an absent drive 1
        self._stop_transfer()
        drive.intrq = False
        drive.commands += 1
        drive.error = 0
        if cmd in CMD_READ_SECTORS:
            self._start_read(drive, 1)
        elif cmd == CMD_READ_MULTIPLE:
            if drive.multiple:
                self._start_read(drive, drive.multiple)
            else:
                self._abort(drive)
        elif cmd in CMD_WRITE_SECTORS:
            self._start_write(drive, 1)
        elif cmd == CMD_WRITE_MULTIPLE:
            if drive.multiple:
                self._start_write(drive, drive.multiple)
            else:
                self._abort(drive)
        elif cmd == CMD_IDENTIFY:
            self._begin_read_block(drive, drive.identify(), 0, 0)
        elif cmd in CMD_READ_VERIFY:
            span = self._address(drive)
            if span is not None:
                lba, count = span
                self._set_address(drive, lba + count - 1, self._xfer_lba_mode)
                self.nsector = 0
                self._complete(drive)
        elif (cmd & 0xF0) == 0x70:  # SEEK
            span = self._address(drive, need_count=False)
            if span is not None:
                self._complete(drive)
        elif (cmd & 0xF0) == 0x10:  # RECALIBRATE
            if not self.select & DH_LBA:
                self.lcyl = self.hcyl = 0
            self._complete(drive)
        elif cmd == CMD_SET_MULTIPLE:
            count = self.nsector
            if count == 0 or (count <= MAX_MULTIPLE and count & (count - 1) == 0):
                drive.multiple = count
                self._complete(drive)
            else:
                self._abort(drive)
        elif cmd == CMD_INIT_PARAMS:
            spt = self.nsector
            heads = (self.select & 0x0F) + 1
            if spt == 0:
                self._abort(drive)
            else:
                drive.set_translation(heads, spt)
                self._complete(drive)
        elif cmd == CMD_SET_FEATURES:
            if self.features in ACCEPTED_FEATURES:
                self._complete(drive)
            else:
                self._abort(drive)
        elif cmd == CMD_FLUSH_CACHE:
            try:
                drive.image.flush()
            except (OSError, DiskError):
                drive.error = ABRT
                drive.status = DRDY | DSC | ERR
                drive.intrq = True
                self._update_irq()
                return
            self._complete(drive)
        elif cmd in CMD_CHECK_POWER:
            self.nsector = 0xFF  # active or idle
            self._complete(drive)
        elif cmd in CMD_POWER_NOOPS:
            self._complete(drive)
        else:
            self._abort(drive)

    def _complete(self, drive):
        drive.status = DRDY | DSC
        drive.intrq = True
        self._update_irq()

    def _abort(self, drive, error=ABRT):
        drive.error = error
        drive.status = DRDY | DSC | ERR
        drive.intrq = True
        self._update_irq()

    def _diagnostic(self):
        self._stop_transfer()
        for drive in self.drives:
            if drive is not None:
                drive.signature()
        self._signature_registers()
        first = self.drives[0] or self.drives[1]
        if first is not None:
            first.intrq = True
        self._update_irq()

    def _address(self, drive, need_count=True):
        """(lba, count) from the task file, or None after reporting IDNF."""
        count = self.nsector or 256
        lba_mode = bool(self.select & DH_LBA)
        self._xfer_lba_mode = lba_mode
        if lba_mode:
            lba = ((self.select & 0x0F) << 24) | (self.hcyl << 16) | (self.lcyl << 8) | self.sector
        else:
            cyl = self.lcyl | (self.hcyl << 8)
            head = self.select & 0x0F
            sector = self.sector
            if (sector == 0 or sector > drive.cur_spt or head >= drive.cur_heads
                    or cyl >= drive.cur_cyl):
                self._abort(drive, IDNF)
                return None
            lba = (cyl * drive.cur_heads + head) * drive.cur_spt + sector - 1
        if lba + (count if need_count else 1) > drive.sectors:
            self._abort(drive, IDNF)
            return None
        return lba, count

    def _set_address(self, drive, lba, lba_mode):
        """Leave the task file pointing at ``lba`` (the last sector transferred)."""
        if lba_mode:
            self.sector = lba & 0xFF
            self.lcyl = (lba >> 8) & 0xFF
            self.hcyl = (lba >> 16) & 0xFF
            self.select = (self.select & 0xF0) | ((lba >> 24) & 0x0F)
        else:
            per_cyl = drive.cur_heads * drive.cur_spt
            cyl, rest = divmod(lba, per_cyl)
            head, sector = divmod(rest, drive.cur_spt)
            self.sector = sector + 1
            self.lcyl = cyl & 0xFF
            self.hcyl = (cyl >> 8) & 0xFF
            self.select = (self.select & 0xF0) | head

    def _start_read(self, drive, block):
        span = self._address(drive)
        if span is None:
            return
        lba, count = span
        self._xfer_block = block
        self._xfer_left = count
        self._load_read_block(drive, lba)

    def _load_read_block(self, drive, lba):
        chunk = min(self._xfer_block, self._xfer_left)
        try:
            data = drive.image.read(lba, chunk)
        except (OSError, DiskError):
            self._stop_transfer()
            self._abort(drive, UNC | ABRT)
            return
        self._begin_read_block(drive, data, lba, chunk)

    def _begin_read_block(self, drive, data, lba, chunk):
        self._xfer = XFER_READ
        self._xfer_drive = drive
        self._xfer_lba = lba
        self._xfer_chunk = chunk
        self._buf = data
        self._pos = 0
        self._end = len(data)
        drive.status = DRDY | DSC | DRQ
        drive.intrq = True
        self._update_irq()

    def _read_block_done(self):
        drive = self._xfer_drive
        chunk = self._xfer_chunk
        if chunk == 0:  # IDENTIFY
            self._stop_transfer()
            drive.status = DRDY | DSC
            return
        lba = self._xfer_lba
        drive.sectors_read += chunk
        self._set_address(drive, lba + chunk - 1, self._xfer_lba_mode)
        self.nsector = (self.nsector - chunk) & 0xFF
        self._xfer_left -= chunk
        if self._xfer_left > 0:
            self._load_read_block(drive, lba + chunk)
        else:
            self._stop_transfer()
            drive.status = DRDY | DSC

    def _start_write(self, drive, block):
        span = self._address(drive)
        if span is None:
            return
        if drive.image.read_only:
            self._abort(drive, WP | ABRT)
            return
        lba, count = span
        self._xfer_block = block
        self._xfer_left = count
        self._begin_write_block(drive, lba, raise_irq=False)

    def _begin_write_block(self, drive, lba, raise_irq):
        chunk = min(self._xfer_block, self._xfer_left)
        self._xfer = XFER_WRITE
        self._xfer_drive = drive
        self._xfer_lba = lba
        self._xfer_chunk = chunk
        self._buf = bytearray(chunk * SECTOR_SIZE)
        self._pos = 0
        self._end = chunk * SECTOR_SIZE
        drive.status = DRDY | DSC | DRQ
        if raise_irq:
            drive.intrq = True
        self._update_irq()

    def _write_block_done(self):
        drive = self._xfer_drive
        lba = self._xfer_lba
        chunk = self._xfer_chunk
        lba_mode = self._xfer_lba_mode
        try:
            drive.image.write(lba, bytes(self._buf))
        except (OSError, DiskError):
            self._stop_transfer()
            self._abort(drive, ABRT | (WP if drive.image.read_only else 0))
            return
        drive.sectors_written += chunk
        self._set_address(drive, lba + chunk - 1, lba_mode)
        self.nsector = (self.nsector - chunk) & 0xFF
        self._xfer_left -= chunk
        if self._xfer_left > 0:
            self._begin_write_block(drive, lba + chunk, raise_irq=True)
        else:
            self._stop_transfer()
            self._complete(drive)

    # -- introspection -------------------------------------------------------------------
    def debug_state(self):
        state = {
            "name": self.name, "features": self.features, "nsector": self.nsector, "sector": self.sector,
            "lcyl": self.lcyl, "hcyl": self.hcyl, "select": self.select,
            "device_control": self.device_control, "transfer": ("none", "read", "write")[self._xfer],
            "transfer_pos": self._pos, "transfer_end": self._end, "transfer_left": self._xfer_left,
        }
        for unit, drive in enumerate(self.drives):
            if drive is None:
                state["drive%d" % unit] = None
                continue
            state["drive%d" % unit] = {
                "image": drive.image.path, "status": drive.status, "error": drive.error,
                "intrq": drive.intrq, "chs": (drive.cur_cyl, drive.cur_heads, drive.cur_spt),
                "multiple": drive.multiple, "sectors_read": drive.sectors_read,
                "sectors_written": drive.sectors_written, "commands": drive.commands,
            }
        return state

    def stats(self):
        return {"%s drive%d" % (self.name, unit): (d.sectors_read, d.sectors_written)
                for unit, d in enumerate(self.drives) if d is not None}
