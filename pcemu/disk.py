"""Host disk images: raw sector files that back the emulated floppy and hard disks.

No guest logic lives here (no controller registers, no INT 13h): a
``DiskImage`` is a flat array of 512-byte sectors in a host file, with a
geometry for the BIOS and the ATA IDENTIFY data.

How ``DiskImage.open(path, kind=None)`` decides what an image is:

1. The size must be a positive multiple of 512 bytes, else the image is
   truncated (``DiskError``).
2. A size in the standard floppy table (160K, 180K, 320K, 360K, 720K, 1.2M,
   1.44M, 2.88M) is a floppy, unless sector 0 carries a partition table (55AAh
   signature, no FAT boot-sector BPB, a sane partition entry): that is a small
   hard disk.
3. A size up to 8 KiB short of a floppy size is a floppy that lost its tail:
   refused as truncated (a hard disk image is whole cylinders or at least 1 MiB).
4. Anything else of at least 1 MiB, or smaller with a partition table in
   sector 0, is a hard disk.

``kind`` forces the choice: "floppy" refuses sizes outside the table,
"hdd" accepts any whole number of sectors.

Geometry (cylinders, heads, sectors per track): a floppy takes it from the
size table, cross-checked with the BPB in its boot sector (a BPB whose
heads x sectors x cylinders equals the image size wins, so odd formats that
share a size are read as their creator meant). A hard disk gets the ATA
default physical translation: 16 heads, 63 sectors, up to 16383 cylinders.

Writes are positioned writes straight to the file (``os.pwrite``; the file is
never extended or pre-allocated, so sparse images stay sparse) and reach the
disk at ``flush()``/``close()``. A file nobody may write (no write permission
bits, or a read-only file system) opens read-only and the guest sees write
protection. ``snapshot=True`` keeps writes in memory and drops them at close.
A writable image is locked (``flock`` exclusive, non-blocking) so two
emulators cannot corrupt one image; read-only and snapshot opens take a
shared lock, so they only conflict with a writer.
"""

import errno
import fcntl
import os
import stat

from . import floppy

SECTOR_SIZE = 512

# bytes -> (cylinders, heads, sectors per track)
FLOPPY_GEOMETRIES = floppy.GEOMETRIES

HDD_MIN_BYTES = 1 << 20
HDD_HEADS = 16
HDD_SECTORS_PER_TRACK = 63
HDD_MAX_CYLINDERS = 16383
TRUNCATED_FLOPPY_SLACK = 8192


_DIGESTS = {}  # content_digest() of unwritten images, by (device, inode, size, mtime)


class DiskError(Exception):
    """A disk image that cannot be used; the message is one line for the user."""


def _has_bpb(boot):
    """True when sector 0 looks like a FAT boot sector (jump + sane BPB)."""
    if len(boot) < 512 or boot[0] not in (0xEB, 0xE9):
        return False
    bytes_per_sector = boot[11] | (boot[12] << 8)
    spt = boot[24] | (boot[25] << 8)
    heads = boot[26] | (boot[27] << 8)
    return bytes_per_sector == 512 and 1 <= spt <= 63 and 1 <= heads <= 255


def _bpb_geometry(boot, sectors):
    """(cyl, heads, spt) from a floppy BPB when it agrees with the image size, else None."""
    if not _has_bpb(boot):
        return None
    spt = boot[24] | (boot[25] << 8)
    heads = boot[26] | (boot[27] << 8)
    total = boot[19] | (boot[20] << 8)
    if total == 0:
        total = int.from_bytes(boot[32:36], "little")
    if total != sectors or sectors % (spt * heads):
        return None
    return (sectors // (spt * heads), heads, spt)


def _has_partition_table(boot):
    """Sector 0 is an MBR: 55AAh, no BPB, and a partition entry that makes sense."""
    if len(boot) < 512 or boot[510] != 0x55 or boot[511] != 0xAA or _has_bpb(boot):
        return False
    found = False
    for entry in range(446, 510, 16):
        status, ptype = boot[entry], boot[entry + 4]
        if status not in (0x00, 0x80):
            return False
        if ptype:
            found = True
    return found


def hdd_geometry(sectors):
    """The ATA default translation for a hard disk of ``sectors`` sectors."""
    cylinders = sectors // (HDD_HEADS * HDD_SECTORS_PER_TRACK)
    return (max(1, min(cylinders, HDD_MAX_CYLINDERS)), HDD_HEADS, HDD_SECTORS_PER_TRACK)


class DiskImage:
    """A raw image file of 512-byte sectors. Build one with ``DiskImage.open``."""

    builtin = False  # True for pcemu's own FreeDOS floppy (pcemu.freedos), which has no host file

    def __init__(self, path, fd, size, kind, geometry, read_only, snapshot):
        self.path = path
        self._fd = fd
        self.size = size
        self.sectors = size // SECTOR_SIZE
        self.kind = kind
        self.geometry = geometry
        self.read_only = read_only
        self.snapshot = snapshot
        self._overlay = {} if snapshot else None
        self._dirty = False
        self.sectors_read = 0
        self.sectors_written = 0

    # -- opening ---------------------------------------------------------------
    @classmethod
    def open(cls, path, kind=None, snapshot=False, read_only=False):
        path = os.fspath(path)
        if kind not in (None, "floppy", "hdd"):
            raise DiskError("%s: disk kind must be 'floppy' or 'hdd', not %r" % (path, kind))
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise DiskError("%s: no such disk image" % path) from None
        except OSError as exc:
            raise DiskError("%s: cannot open disk image: %s" % (path, exc.strerror)) from None
        if not stat.S_ISREG(st.st_mode) and not stat.S_ISBLK(st.st_mode):
            raise DiskError("%s: not a regular file" % path)

        # Write-protected for everyone means write-protected for us too, even as root.
        want_write = not snapshot and not read_only and (st.st_mode & 0o222) != 0
        fd = None
        if want_write:
            try:
                fd = os.open(path, os.O_RDWR)
            except OSError as exc:
                if exc.errno not in (errno.EACCES, errno.EROFS, errno.EPERM):
                    raise DiskError("%s: cannot open disk image: %s" % (path, exc.strerror)) from None
        writable = fd is not None
        if fd is None:
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError as exc:
                raise DiskError("%s: cannot open disk image: %s" % (path, exc.strerror)) from None
        try:
            size = os.lseek(fd, 0, os.SEEK_END)
            kind, geometry = cls._classify(path, fd, size, kind)
            try:
                fcntl.flock(fd, (fcntl.LOCK_EX if writable else fcntl.LOCK_SH) | fcntl.LOCK_NB)
            except OSError:
                raise DiskError("%s: image is in use by another emulator (locked)" % path) from None
        except BaseException:
            os.close(fd)
            raise
        return cls(path, fd, size, kind, geometry, read_only=not writable and not snapshot, snapshot=snapshot)

    @classmethod
    def from_bytes(cls, data, name, kind=None):
        """An image held in memory (the built-in FreeDOS floppy): a private unlinked
        temporary file holds ``data``; guest writes stay in the snapshot overlay."""
        import tempfile

        f = tempfile.TemporaryFile()
        try:
            f.write(data)
            f.flush()
            fd = os.dup(f.fileno())
        finally:
            f.close()
        try:
            size = os.lseek(fd, 0, os.SEEK_END)
            kind, geometry = cls._classify(name, fd, size, kind)
        except BaseException:
            os.close(fd)
            raise
        return cls(name, fd, size, kind, geometry, read_only=False, snapshot=True)

    def content_digest(self):
        """SHA-256 of the image file as it is on the host (without a snapshot's overlay):
        what a saved machine state checks to know it is given the same disk."""
        import hashlib

        if self._fd is None:
            raise DiskError("%s: disk image is closed" % self.path)
        # A file nobody writes through us (snapshot, read-only) is hashed once per process
        # while it keeps its inode, size and modification time.
        key = None
        if self.snapshot or self.read_only:
            st = os.fstat(self._fd)
            key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
            if key in _DIGESTS:
                return _DIGESTS[key]
        h = hashlib.sha256()
        chunk = 1 << 20
        for offset in range(0, self.size, chunk):
            h.update(os.pread(self._fd, min(chunk, self.size - offset), offset))
        if key is not None:
            _DIGESTS[key] = h.hexdigest()
        return h.hexdigest()

    @staticmethod
    def _classify(path, fd, size, kind):
        if size == 0:
            raise DiskError("%s: disk image is empty" % path)
        if size % SECTOR_SIZE and not _short_floppy(size) and os.pread(fd, 2, 510) != b"\x55\xaa":
            raise DiskError("%s: not a disk image (%d bytes, not whole 512-byte sectors, and no boot "
                            "sector signature)" % (path, size))
        if size % SECTOR_SIZE:
            raise DiskError("%s: disk image is truncated (%d bytes is not a whole number of 512-byte sectors)"
                            % (path, size))
        sectors = size // SECTOR_SIZE
        boot = os.pread(fd, SECTOR_SIZE, 0)
        table = FLOPPY_GEOMETRIES.get(size)
        if kind is None:
            if table is not None and not _has_partition_table(boot):
                kind = "floppy"
            elif table is None and _short_floppy(size):
                raise DiskError("%s: disk image is truncated (%d bytes, just short of a %s floppy)"
                                % (path, size, _floppy_name(_short_floppy(size))))
            elif size >= HDD_MIN_BYTES or _has_partition_table(boot):
                kind = "hdd"
            else:
                raise DiskError("%s: %d bytes fits no floppy geometry and is too small for a hard disk"
                                % (path, size))
        if kind == "floppy":
            if table is None:
                raise DiskError("%s: %d bytes fits no floppy geometry (160K-2.88M)" % (path, size))
            return kind, _bpb_geometry(boot, sectors) or table
        return kind, hdd_geometry(sectors)

    # -- sector access -----------------------------------------------------------
    def read(self, lba, count=1):
        """``count`` sectors from ``lba`` as bytes."""
        self._check_range(lba, count)
        self.sectors_read += count
        data = os.pread(self._fd, count * SECTOR_SIZE, lba * SECTOR_SIZE)
        if self._overlay:
            overlay = self._overlay
            parts = bytearray(data)
            for i in range(count):
                sector = overlay.get(lba + i)
                if sector is not None:
                    parts[i * SECTOR_SIZE:(i + 1) * SECTOR_SIZE] = sector
            data = bytes(parts)
        return data

    def write(self, lba, data):
        """Write whole sectors starting at ``lba``."""
        if len(data) % SECTOR_SIZE:
            raise DiskError("%s: write of %d bytes is not whole sectors" % (self.path, len(data)))
        count = len(data) // SECTOR_SIZE
        self._check_range(lba, count)
        if self.read_only:
            raise DiskError("%s: disk image is read-only" % self.path)
        if self.snapshot:
            for i in range(count):
                self._overlay[lba + i] = bytes(data[i * SECTOR_SIZE:(i + 1) * SECTOR_SIZE])
        else:
            self._dirty = True  # first: a signal right after the write must still see it synced
            os.pwrite(self._fd, data, lba * SECTOR_SIZE)
        self.sectors_written += count

    def flush(self):
        """Make written sectors durable (no-op for snapshots and clean images)."""
        if self._dirty and self._fd is not None:
            os.fsync(self._fd)
            self._dirty = False

    def close(self):
        if self._fd is None:
            return
        try:
            self.flush()
        finally:
            os.close(self._fd)  # also drops the flock
            self._fd = None
            self._overlay = {} if self.snapshot else None

    @property
    def closed(self):
        return self._fd is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _check_range(self, lba, count):
        if self._fd is None:
            raise DiskError("%s: disk image is closed" % self.path)
        if lba < 0 or count < 0 or lba + count > self.sectors:
            raise DiskError("%s: sectors %d-%d are outside the image (%d sectors)"
                            % (self.path, lba, lba + count - 1, self.sectors))

    def debug_state(self):
        return {
            "path": self.path, "kind": self.kind, "sectors": self.sectors,
            "geometry": self.geometry, "read_only": self.read_only, "snapshot": self.snapshot,
            "sectors_read": self.sectors_read, "sectors_written": self.sectors_written,
        }

    def __repr__(self):
        return "<DiskImage %s %s %d sectors CHS=%s%s>" % (
            self.path, self.kind, self.sectors, self.geometry,
            " ro" if self.read_only else " snapshot" if self.snapshot else "")


def _short_floppy(size):
    for floppy in FLOPPY_GEOMETRIES:
        if floppy - TRUNCATED_FLOPPY_SLACK <= size < floppy:
            return floppy
    return 0


def _floppy_name(size):
    return floppy.BY_SIZE[size].name
