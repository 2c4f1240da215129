"""A host folder as a DOS hard disk (``--mount=DIR``): built before the run, written back after.

``HostFolder(path).build(image)`` makes a sparse hard disk image with one
primary FAT16 partition (formatted here: MBR, boot sector with its BPB, two
FATs, root directory) and copies the folder into it with ``pcemu.fat``.
The guest sees it as C:. After the run, ``write_back()`` compares every file
of the volume with what was put in:

* a file the guest created or changed is written to the folder (atomically:
  a temporary file renamed over the old one); a directory it made is made;
* a file the guest did not change is not touched (not even its timestamp);
* a file the guest deleted stays on the host and is listed (deleting host
  files is not something a DOS program should be able to do by accident).

What FAT cannot hold is never dropped silently: names that are not 8.3
(``a long name.txt``), two host names that are the same name to DOS
(``a.txt`` and ``A.TXT``), links and special files are listed as not
visible in the guest; a folder too big for a 2 GiB FAT16 volume, or a file
over FAT's 4 GiB - 1 limit, is refused before the machine starts.
"""

import hashlib
import os
import struct

from . import fat, mbr

SECTOR = 512
PARTITION_START = 63          # the first track, as DOS's FDISK leaves it
ROOT_ENTRIES = 512
RESERVED_SECTORS = 1
FAT_COPIES = 2
MEDIA_FIXED = 0xF8
MAX_CLUSTERS_FAT16 = 65524
MIN_CLUSTERS_FAT16 = 4085
MIN_IMAGE = 32 << 20
MAX_IMAGE = 2047 << 20        # FAT16 with 32 KiB clusters
FREE_SPACE = 16 << 20         # room for what the guest writes
VOLUME_SERIAL = 0x50434D55    # "PCMU": fixed, so the same folder gives the same image
LABEL = b"HOSTFOLDER "

# The boot sector's code: the volume is not bootable; INT 18h tells the BIOS so.
BOOT_CODE = bytes([0xCD, 0x18, 0xF4, 0xEB, 0xFD])  # int 18h; hlt; jmp $-1


class MountError(Exception):
    """The folder cannot be mounted; the message is one line for the user."""


def format_fat16(path, total_bytes, min_cluster_bytes=SECTOR):
    """Create ``path``: a sparse hard disk image of ``total_bytes`` holding one primary
    FAT16 partition, formatted empty, its clusters at least ``min_cluster_bytes`` (a power
    of two). Returns the partition's byte offset."""
    total = total_bytes // SECTOR
    part = total - PARTITION_START
    spc = max(1, min_cluster_bytes // SECTOR)
    while True:
        root = ROOT_ENTRIES * 32 // SECTOR
        fat_sectors = 1
        for _ in range(8):  # the FAT's size depends on the cluster count, which depends on it
            clusters = (part - RESERVED_SECTORS - FAT_COPIES * fat_sectors - root) // spc
            fat_sectors = -(-(clusters + 2) * 2 // SECTOR)
        clusters = (part - RESERVED_SECTORS - FAT_COPIES * fat_sectors - root) // spc
        if clusters <= MAX_CLUSTERS_FAT16:
            break
        spc *= 2
        if spc > 64:
            raise MountError("a %d-byte volume is too big for FAT16" % total_bytes)
    if clusters < MIN_CLUSTERS_FAT16:
        raise MountError("a %d-byte volume is too small for FAT16" % total_bytes)
    _, heads, spt = mbr.bios_geometry(total)
    boot = bytearray(SECTOR)
    boot[0:3] = b"\xEB\x3C\x90"
    boot[3:11] = b"PCEMU   "
    struct.pack_into("<HBHBHHBHHHII", boot, 11, SECTOR, spc, RESERVED_SECTORS, FAT_COPIES, ROOT_ENTRIES,
                     part if part < 65536 else 0, MEDIA_FIXED, fat_sectors, spt, heads, PARTITION_START,
                     part if part >= 65536 else 0)
    struct.pack_into("<BBBI11s8s", boot, 36, 0x80, 0, 0x29, VOLUME_SERIAL, LABEL, b"FAT16   ")
    boot[62:62 + len(BOOT_CODE)] = BOOT_CODE
    boot[510:512] = b"\x55\xaa"
    fat_start = bytearray(SECTOR)
    fat_start[0:4] = bytes([MEDIA_FIXED, 0xFF, 0xFF, 0xFF])
    ptype = 0x04 if part < 65536 else 0x06
    with open(path, "wb") as f:
        f.truncate(total_bytes)
        f.write(mbr.build_mbr([(ptype, PARTITION_START, part, False)], total))
        base = PARTITION_START * SECTOR
        f.seek(base)
        f.write(boot)
        for copy in range(FAT_COPIES):
            f.seek(base + (RESERVED_SECTORS + copy * fat_sectors) * SECTOR)
            f.write(fat_start)
        # The root directory starts with the volume label entry.
        f.seek(base + (RESERVED_SECTORS + FAT_COPIES * fat_sectors) * SECTOR)
        f.write(fat.make_entry(LABEL, fat.ATTR_VOLUME_LABEL, 0, 0, 0))
    return PARTITION_START * SECTOR


def _digest(data):
    return hashlib.sha256(data).hexdigest()


class HostFolder:
    """One mounted folder: what went into the image, so write_back() knows what changed."""

    def __init__(self, folder):
        self.folder = os.path.abspath(os.fspath(folder))
        if not os.path.isdir(self.folder):
            raise MountError("%s: no such folder" % folder)
        self.put = {}          # DOS path (upper case, /-separated) -> (host path, sha256)
        self.dirs = {"": self.folder}  # DOS directory path -> host directory
        self.skipped = []      # host paths the guest cannot see, with why
        self.image = None

    # -- building ------------------------------------------------------------------
    def _scan(self):
        files = []
        total = 0
        stack = [("", self.folder)]
        while stack:
            dos_dir, host_dir = stack.pop()
            seen = {}
            try:
                names = sorted(os.listdir(host_dir))
            except OSError as e:
                raise MountError("%s: cannot read folder: %s" % (host_dir, e.strerror))
            for name in names:
                host = os.path.join(host_dir, name)
                rel = os.path.relpath(host, self.folder)
                if os.path.islink(host):
                    self.skipped.append((rel, "a symbolic link"))
                    continue
                try:
                    fat.short_name(name)
                except fat.FatError:
                    self.skipped.append((rel, "not an 8.3 name"))
                    continue
                upper = name.upper()
                if upper in seen:
                    self.skipped.append((rel, "the same DOS name as %s" % seen[upper]))
                    continue
                seen[upper] = rel
                dos = (dos_dir + "/" + upper) if dos_dir else upper
                if os.path.isdir(host):
                    self.dirs[dos] = host
                    stack.append((dos, host))
                elif os.path.isfile(host):
                    size = os.path.getsize(host)
                    if size > 0xFFFFFFFF:
                        raise MountError("%s: %d bytes is more than a FAT file can hold" % (rel, size))
                    files.append((dos, host))
                    total += size
                else:
                    self.skipped.append((rel, "not a regular file"))
        return files, total

    def build(self, image):
        """Write the image; returns the lines to tell the user (names the guest will not see)."""
        files, total = self._scan()
        clusters_overhead = (len(files) + len(self.dirs)) * 32 * 1024  # worst-case cluster slack
        size = max(MIN_IMAGE, total + clusters_overhead + FREE_SPACE)
        size = -(-size // (1 << 20)) << 20
        if size > MAX_IMAGE:
            raise MountError("%s: %d bytes of files is too much for a FAT16 drive (2 GiB)" % (self.folder, total))
        offset = format_fat16(image, size)
        self.image = image
        volume = fat.Volume(image, offset)
        try:
            for dos in sorted(d for d in self.dirs if d):
                volume.mkdir(dos, timestamp=os.path.getmtime(self.dirs[dos]))
            for dos, host in files:
                with open(host, "rb") as f:
                    data = f.read()
                volume.write_file(dos, data, timestamp=os.path.getmtime(host))
                self.put[dos] = (host, _digest(data))
        except OSError as e:
            raise MountError("%s: %s" % (getattr(e, "filename", None) or self.folder, e.strerror or e))
        except fat.FatError as e:
            raise MountError("%s: %s" % (self.folder, e))
        finally:
            volume.close()
        return ["not visible in the guest (%s): %s" % (why, rel) for rel, why in self.skipped]

    # -- writing back ------------------------------------------------------------------
    def _walk(self, volume, path=""):
        for entry in volume.listdir("/" + path if path else "/"):
            name = entry.name
            if name in (".", "..") or entry.attr & fat.ATTR_VOLUME_LABEL:
                continue
            dos = (path + "/" + name) if path else name
            if entry.is_dir:
                yield dos, None
                for item in self._walk(volume, dos):
                    yield item
            else:
                yield dos, volume.read_file(dos)

    def write_back(self):
        """Copy what the guest created or changed into the folder. Returns report lines."""
        report = []
        volume = fat.Volume(self.image, PARTITION_START * SECTOR)
        try:
            found = set()
            for dos, data in self._walk(volume):
                found.add(dos)
                parent, _, name = dos.rpartition("/")
                host_parent = self.dirs.get(parent)
                if host_parent is None:
                    continue  # inside a directory we could not create; reported there
                if data is None:
                    if dos not in self.dirs:
                        host = os.path.join(host_parent, name)
                        if os.path.exists(host) and not os.path.isdir(host):
                            report.append("kept on the host: %s (the guest made a directory of that name)"
                                          % os.path.relpath(host, self.folder))
                            continue
                        os.makedirs(host, exist_ok=True)
                        self.dirs[dos] = host
                        report.append("new directory: %s" % os.path.relpath(host, self.folder))
                    continue
                known = self.put.get(dos)
                if known is not None and known[1] == _digest(data):
                    continue  # unchanged: not touched
                host = known[0] if known is not None else os.path.join(host_parent, name)
                if known is None and os.path.exists(host):
                    # A host file the guest could not see (an alias) must not be overwritten.
                    report.append("kept on the host: %s (the guest wrote %s; saved as %s.PCEMU)"
                                  % (os.path.relpath(host, self.folder), dos, name))
                    host = host + ".PCEMU"
                tmp = host + ".pcemu-tmp"
                with open(tmp, "wb") as f:
                    f.write(data)
                os.replace(tmp, host)
                report.append("%s: %s" % ("changed" if known is not None else "new", os.path.relpath(host, self.folder)))
            for dos, (host, _) in sorted(self.put.items()):
                if dos not in found and os.path.exists(host):
                    report.append("deleted in the guest, kept on the host: %s" % os.path.relpath(host, self.folder))
        finally:
            volume.close()
        return report
