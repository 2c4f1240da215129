"""Master boot record partition tables and the disk geometry the BIOS reports.

``bios_geometry`` is the reference for the BIOS's INT 13h AH=08h answer: the
assembly in bios/ implements the same LBA-assisted translation, and
whole-machine tests compare the two.
"""
import collections
import os
import struct

from . import floppy

SECTOR_SIZE = 512
LBA28_LIMIT = 1 << 28           # sectors addressable with ATA 28-bit LBA
SECTORS_PER_TRACK = 63          # LBA-assisted translation always uses 63
MAX_BIOS_CYLINDERS = 1024       # INT 13h has 10 bits of cylinder number

# Standard floppy formats by image size (pcemu/floppy.py): (cylinders, heads, sectors per track).
FLOPPY_GEOMETRIES = floppy.GEOMETRIES
FLOPPY_NAMES = {size: f.name for size, f in floppy.BY_SIZE.items()}

# Partition type bytes whose contents are a FAT12/FAT16 volume (hidden variants too).
FAT_PARTITION_TYPES = frozenset([0x01, 0x04, 0x06, 0x0E, 0x11, 0x14, 0x16, 0x1E])

PARTITION_TYPE_NAMES = {
    0x00: "empty", 0x01: "FAT12", 0x04: "FAT16 <32M", 0x05: "extended",
    0x06: "FAT16", 0x07: "NTFS/exFAT", 0x0B: "FAT32 CHS", 0x0C: "FAT32 LBA",
    0x0E: "FAT16 LBA", 0x0F: "extended LBA", 0x11: "hidden FAT12",
    0x14: "hidden FAT16 <32M", 0x16: "hidden FAT16", 0x1E: "hidden FAT16 LBA",
    0x82: "Linux swap", 0x83: "Linux",
}

PARTITION_TABLE_OFFSET = 0x1BE
BOOT_SIGNATURE = b"\x55\xaa"


class MbrError(Exception):
    """The partition table is missing, malformed or does not fit the disk."""


Partition = collections.namedtuple(
    "Partition",
    "number bootable type start_lba sectors chs_start chs_end",
)
Partition.__doc__ = """One primary partition entry; number is 1..4 as in the table.

chs_start/chs_end are the (cylinder, head, sector) tuples stored in the entry,
decoded as they are, not recomputed.
"""


def bios_geometry(total_sectors):
    """(cylinders, heads, sectors per track) the BIOS reports for a hard disk.

    LBA-assisted translation: heads are doubled from 16 until the cylinder count
    would fit in 1024, stopping at 255; the cylinder count is then capped at 1024
    (anything beyond is reachable only through the INT 13h extensions).
    """
    if total_sectors < 0:
        raise ValueError("negative sector count")
    for heads in (16, 32, 64, 128):
        if total_sectors <= MAX_BIOS_CYLINDERS * heads * SECTORS_PER_TRACK:
            break
    else:
        heads = 255
    cylinders = min(MAX_BIOS_CYLINDERS, total_sectors // (heads * SECTORS_PER_TRACK))
    return cylinders, heads, SECTORS_PER_TRACK


def floppy_geometry(size_bytes):
    """Standard (cylinders, heads, sectors) for a floppy image size, else None."""
    return FLOPPY_GEOMETRIES.get(size_bytes)


def lba_to_chs(lba, geometry):
    """CHS tuple for an LBA under a geometry; past the last cylinder, the
    conventional "use LBA" marker (1023, heads-1, sectors)."""
    _, heads, sectors = geometry
    cylinder, rest = divmod(lba, heads * sectors)
    if cylinder > 1023:
        return 1023, heads - 1, sectors
    head, sector = divmod(rest, sectors)
    return cylinder, head, sector + 1


def encode_chs(chs):
    """The three bytes of a partition entry's CHS field."""
    cylinder, head, sector = chs
    return bytes([head & 0xFF, (sector & 0x3F) | ((cylinder >> 2) & 0xC0), cylinder & 0xFF])


def decode_chs(raw):
    head, sector_cyl, cyl_low = raw[0], raw[1], raw[2]
    return ((sector_cyl & 0xC0) << 2) | cyl_low, head, sector_cyl & 0x3F


def looks_like_boot_sector(sector):
    """True when a sector carries a plausible FAT BIOS parameter block.

    Superfloppies (and partition boot sectors) end in 55AA too, so the BPB is
    what tells a volume boot record from a partition table.
    """
    if len(sector) < 512 or sector[0] not in (0xEB, 0xE9):
        return False
    bytes_per_sector, sectors_per_cluster, reserved, fats = struct.unpack_from("<HBHB", sector, 11)
    media = sector[21]
    return (bytes_per_sector in (512, 1024, 2048, 4096)
            and sectors_per_cluster in (1, 2, 4, 8, 16, 32, 64, 128)
            and reserved >= 1 and 1 <= fats <= 4
            and (media == 0xF0 or media >= 0xF8))


def parse_partition_table(sector, total_sectors=None):
    """The non-empty primary partitions of an MBR sector.

    Raises MbrError when the sector has no 55AA signature or an entry is
    malformed (bad boot flag, past the end of the disk when total_sectors is known).
    """
    if len(sector) < 512 or sector[510:512] != BOOT_SIGNATURE:
        raise MbrError("no partition table (sector 0 lacks the 55AA signature)")
    partitions = []
    for index in range(4):
        raw = sector[PARTITION_TABLE_OFFSET + 16 * index:PARTITION_TABLE_OFFSET + 16 * (index + 1)]
        flag, ptype = raw[0], raw[4]
        start, count = struct.unpack_from("<II", raw, 8)
        if ptype == 0 and count == 0:
            continue
        if flag not in (0x00, 0x80):
            raise MbrError("partition %d has an invalid boot flag 0x%02X" % (index + 1, flag))
        if count == 0 or start == 0:
            raise MbrError("partition %d is malformed (start %d, %d sectors)" % (index + 1, start, count))
        if total_sectors is not None and start + count > total_sectors:
            raise MbrError("partition %d (sectors %d..%d) extends past the end of the disk (%d sectors)"
                           % (index + 1, start, start + count - 1, total_sectors))
        partitions.append(Partition(index + 1, flag == 0x80, ptype, start, count,
                                    decode_chs(raw[1:4]), decode_chs(raw[5:8])))
    return partitions


def read_partition_table(path):
    """Partitions of the image at path, or None when sector 0 is not an MBR
    (a superfloppy's boot sector, a blank disk)."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        sector = f.read(SECTOR_SIZE)
    if len(sector) < SECTOR_SIZE or sector[510:512] != BOOT_SIGNATURE or looks_like_boot_sector(sector):
        return None
    return parse_partition_table(sector, size // SECTOR_SIZE)


def find_partition(path, number):
    """The Partition numbered 1..4 in the image's MBR; MbrError if there is none."""
    if not 1 <= number <= 4:
        raise MbrError("partition number must be 1..4, not %d" % number)
    partitions = read_partition_table(path)
    if partitions is None:
        raise MbrError("%s has no partition table" % path)
    for partition in partitions:
        if partition.number == number:
            return partition
    raise MbrError("%s has no partition %d" % (path, number))


def partition_offset(path, number):
    """Byte offset of partition 1..4, as mtools wants it in ``IMAGE@@OFFSET``."""
    return find_partition(path, number).start_lba * SECTOR_SIZE


def build_mbr(partitions, total_sectors, boot_code=b"", disk_signature=0):
    """A 512-byte MBR sector.

    partitions: up to four (type, start_lba, sectors, bootable) tuples, placed
    in entries 1, 2, ... The CHS fields follow bios_geometry(total_sectors).
    """
    if len(partitions) > 4:
        raise MbrError("an MBR holds at most 4 primary partitions")
    if len(boot_code) > 440:
        raise MbrError("boot code is longer than 440 bytes")
    geometry = bios_geometry(total_sectors)
    sector = bytearray(SECTOR_SIZE)
    sector[:len(boot_code)] = boot_code
    struct.pack_into("<I", sector, 440, disk_signature)
    used = []
    for index, (ptype, start, count, bootable) in enumerate(partitions):
        if not 0 < ptype <= 0xFF:
            raise MbrError("partition %d: type must be 1..255" % (index + 1))
        if start < 1 or count < 1 or start + count > total_sectors:
            raise MbrError("partition %d (start %d, %d sectors) does not fit a %d-sector disk"
                           % (index + 1, start, count, total_sectors))
        for other_start, other_end in used:
            if start < other_end and other_start < start + count:
                raise MbrError("partition %d overlaps another partition" % (index + 1))
        used.append((start, start + count))
        entry = (bytes([0x80 if bootable else 0x00]) + encode_chs(lba_to_chs(start, geometry))
                 + bytes([ptype]) + encode_chs(lba_to_chs(start + count - 1, geometry))
                 + struct.pack("<II", start, count))
        offset = PARTITION_TABLE_OFFSET + 16 * index
        sector[offset:offset + 16] = entry
    sector[510:512] = BOOT_SIGNATURE
    return bytes(sector)


def write_partition_table(path, partitions, boot_code=b""):
    """Write an MBR with the given (type, start, sectors, bootable) partitions
    into sector 0 of an existing image, leaving every other sector alone."""
    total = os.path.getsize(path) // SECTOR_SIZE
    sector = build_mbr(partitions, total, boot_code)
    with open(path, "r+b") as f:
        f.write(sector)
