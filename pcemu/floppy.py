"""The standard PC floppy disk formats, in one table.

An image's size says which format it is; the format gives the geometry the
BIOS reports (cylinders, heads, sectors per track), the drive type code the
CMOS setup bytes carry (register 10h: 1 = 360K 5.25", 2 = 1.2M, 3 = 720K
3.5", 4 = 1.44M, 5 = 2.88M; the single-sided and 8-sector 5.25" formats go in
a 360K drive) and the name people call it by. ``disk.py``, ``mbr.py``,
``machine.py`` (CMOS) and ``pcemu-img`` all read it from here; the BIOS
derives the geometry from the CMOS type and the size the ATA device reports.
"""

import collections

FloppyFormat = collections.namedtuple("FloppyFormat", "size name cylinders heads sectors cmos_type")

FORMATS = (
    FloppyFormat(160 * 1024, "160K", 40, 1, 8, 1),
    FloppyFormat(180 * 1024, "180K", 40, 1, 9, 1),
    FloppyFormat(320 * 1024, "320K", 40, 2, 8, 1),
    FloppyFormat(360 * 1024, "360K", 40, 2, 9, 1),
    FloppyFormat(720 * 1024, "720K", 80, 2, 9, 3),
    FloppyFormat(1200 * 1024, "1.2M", 80, 2, 15, 2),
    FloppyFormat(1440 * 1024, "1.44M", 80, 2, 18, 4),
    FloppyFormat(2880 * 1024, "2.88M", 80, 2, 36, 5),
)

BY_SIZE = collections.OrderedDict((f.size, f) for f in FORMATS)

# bytes -> (cylinders, heads, sectors per track)
GEOMETRIES = collections.OrderedDict((f.size, (f.cylinders, f.heads, f.sectors)) for f in FORMATS)
