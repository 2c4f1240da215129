"""pcemu-img: create and inspect disk images, and copy files in and out of
their FAT12/FAT16 volumes.

    pcemu-img create FILE SIZE [--force]     sparse raw image (1440K, 32M, 2G, bytes)
    pcemu-img create --freedos FILE          a copy of the built-in FreeDOS boot floppy
    pcemu-img info FILE                      size, kind, BIOS geometry, partitions, volumes
    pcemu-img ls IMAGE [PATH]                list a directory, like mdir
    pcemu-img get IMAGE SRC [DEST|-]         copy a file out (- for stdout)
    pcemu-img put IMAGE HOSTFILE [DEST]      copy a file in, creating or replacing it
    pcemu-img mkdir IMAGE PATH               make a directory
    pcemu-img rm IMAGE PATH                  delete a file (directories: rmdir)
    pcemu-img rmdir IMAGE PATH               delete an empty directory

IMAGE is FILE (a floppy, or the first FAT partition of a hard disk), FILE@N or
``--partition N`` for MBR partition N (1..4), or FILE@@OFFSET for the volume at
a byte offset, as mtools writes it. Names inside the volume are 8.3, case does
not matter, and / or \\ separate directories.

Errors print one line, ``pcemu-img: <message>``, and exit with status 1 (2 for
a malformed command line).
"""
import argparse
import os
import re
import sys
import time

from . import fat
from . import mbr

PROG = "pcemu-img"

_SIZE_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


class UsageError(Exception):
    """A malformed command line: exit status 2."""


class Failure(Exception):
    """A refused operation: exit status 1."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def parse_size(text):
    """Bytes for '1440K', '32M', '2G', '512', '32MiB'; UsageError otherwise."""
    match = re.match(r"^\s*(\d+)\s*([KMGT]?)(?:I?B)?\s*$", text.upper())
    if not match:
        raise UsageError("invalid size %r (use a number of bytes or a suffix K, M, G: 1440K, 32M)" % text)
    return int(match.group(1)) * _SIZE_UNITS[match.group(2)]


def human_size(size):
    for unit, factor in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if size >= factor and size % factor == 0:
            return "%d%s" % (size // factor, unit)
    return "%d bytes" % size


def parse_image(spec, partition):
    """(path, partition number, byte offset) from FILE, FILE@N or FILE@@OFFSET."""
    path, offset = spec, None
    if not os.path.exists(spec):
        match = re.match(r"^(.+)@@(\d+)$", spec)
        if match:
            path, offset = match.group(1), int(match.group(2))
        else:
            match = re.match(r"^(.+)@(\d+)$", spec)
            if match:
                if partition is not None:
                    raise UsageError("give the partition either as %s or with --partition, not both" % spec)
                path, partition = match.group(1), int(match.group(2))
    if offset is not None and partition is not None:
        raise UsageError("give either a partition or a byte offset, not both")
    if not os.path.exists(path):
        raise Failure("%s: no such image file" % path)
    return path, partition, offset


def open_image_volume(args):
    path, partition, offset = parse_image(args.image, args.partition)
    return fat.open_volume(path, partition=partition, offset=offset)


# --- create --------------------------------------------------------------

def cmd_create(args):
    if args.freedos:
        return _create_freedos(args)
    if args.size is None:
        raise UsageError("create needs a SIZE (or --freedos for a copy of the built-in FreeDOS floppy)")
    size = parse_size(args.size)
    if size == 0 or size % mbr.SECTOR_SIZE:
        raise Failure("size %d is not a positive multiple of %d bytes" % (size, mbr.SECTOR_SIZE))
    if size // mbr.SECTOR_SIZE > mbr.LBA28_LIMIT:
        raise Failure("size %d is beyond the ATA LBA28 limit of %d sectors (128 GiB)"
                      % (size, mbr.LBA28_LIMIT))
    if os.path.exists(args.file) and not args.force:
        raise Failure("%s already exists (use --force to overwrite it)" % args.file)
    with open(args.file, "wb" if args.force else "xb") as f:
        f.truncate(size)
    print("created %s: %d bytes (%s, %d sectors)" % (args.file, size, human_size(size),
                                                     size // mbr.SECTOR_SIZE))


def _create_freedos(args):
    from . import freedos

    if args.size is not None:
        raise UsageError("create --freedos takes no SIZE (the floppy is 1.44M)")
    if os.path.exists(args.file) and not args.force:
        raise Failure("%s already exists (use --force to overwrite it)" % args.file)
    data = freedos.image_bytes()
    with open(args.file, "wb" if args.force else "xb") as f:
        f.write(data)
    print("created %s: the built-in FreeDOS 1.44M boot floppy (FreeDOS is GPL v2: see %s in the pcemu "
          "package)" % (args.file, freedos.NOTICE))


# --- info ----------------------------------------------------------------

def _volume_lines(volume, indent):
    boot = volume.boot
    lines = [
        "filesystem: FAT%d" % volume.fat_type,
        "label: %s" % (volume.label or "(none)"),
        "boot sector label: %s" % (boot.label or "(none)"),
        "OEM id: %r" % boot.oem,
        "serial: %s" % ("%04X-%04X" % (boot.serial >> 16, boot.serial & 0xFFFF)
                        if boot.serial is not None else "(none)"),
        "media byte: 0x%02X" % boot.media,
        "cluster size: %d bytes (%d sectors)" % (volume.cluster_bytes, boot.sectors_per_cluster),
        "clusters: %d" % volume.cluster_count,
        "root directory entries: %d" % boot.root_entries,
        "total space: %d bytes" % volume.total_bytes,
        "free space: %d bytes" % volume.free_bytes,
    ]
    return [indent + line for line in lines]


def cmd_info(args):
    path = args.file
    if not os.path.isfile(path):
        raise Failure("%s: no such image file" % path)
    size = os.path.getsize(path)
    sectors = size // mbr.SECTOR_SIZE
    print("image: %s" % path)
    print("size: %d bytes (%s, %d sectors)" % (size, human_size(size), sectors))
    floppy = mbr.floppy_geometry(size)
    if floppy:
        print("kind: floppy %s" % mbr.FLOPPY_NAMES[size])
        print("BIOS geometry: %d cylinders, %d heads, %d sectors/track" % floppy)
    else:
        print("kind: hard disk")
        print("BIOS geometry: %d cylinders, %d heads, %d sectors/track (LBA-assisted translation)"
              % mbr.bios_geometry(sectors))
        if sectors > mbr.LBA28_LIMIT:
            print("warning: larger than the ATA LBA28 limit (%d sectors)" % mbr.LBA28_LIMIT)
    failures = []
    try:
        partitions = mbr.read_partition_table(path)
    except mbr.MbrError as error:
        print("partition table: invalid (%s)" % error)
        failures.append(str(error))
        partitions = []
    if partitions is None:
        with open(path, "rb") as f:
            sector = f.read(mbr.SECTOR_SIZE)
        if mbr.looks_like_boot_sector(sector):
            print("partition table: none (the whole image is one volume)")
            try:
                with fat.Volume(path, 0) as volume:
                    print("\n".join(_volume_lines(volume, "")))
            except fat.FatError as error:
                print("volume: unusable (%s)" % error)
                failures.append(str(error))
        else:
            print("partition table: none; no FAT volume")
    elif partitions is not None:
        print("partitions: %d" % len(partitions))
        for part in partitions:
            print("partition %d: type 0x%02X (%s)%s, start LBA %d, %d sectors (%d bytes at offset %d), "
                  "CHS %d/%d/%d - %d/%d/%d"
                  % ((part.number, part.type, mbr.PARTITION_TYPE_NAMES.get(part.type, "unknown"),
                      ", active" if part.bootable else "", part.start_lba, part.sectors,
                      part.sectors * mbr.SECTOR_SIZE, part.start_lba * mbr.SECTOR_SIZE)
                     + part.chs_start + part.chs_end))
            if part.type in mbr.FAT_PARTITION_TYPES:
                try:
                    with fat.Volume(path, part.start_lba * mbr.SECTOR_SIZE,
                                    part.sectors * mbr.SECTOR_SIZE) as volume:
                        print("\n".join(_volume_lines(volume, "  ")))
                except fat.FatError as error:
                    print("  volume: unusable (%s)" % error)
                    failures.append("partition %d: %s" % (part.number, error))
    if failures:
        raise Failure(failures[0])


# --- file commands -------------------------------------------------------

def _listing_line(entry):
    base, _, ext = entry.name.partition(".") if entry.name not in (".", "..") else (entry.name, "", "")
    size = " <DIR>    " if entry.is_dir else "%10d" % entry.size
    year, month, day = entry.date
    hour, minute, _ = entry.time
    return "%-8s %-3s%s %04d-%02d-%02d  %2d:%02d" % (base, ext, size, year, month, day, hour, minute)


def cmd_ls(args):
    with open_image_volume(args) as volume:
        path = args.path or "/"
        shown = "/" + "/".join(fat.split_path(path)).upper()
        if not volume.is_dir(path):
            volume.stat(path)  # reports a missing path
            entries = [volume.stat(path)]
        else:
            entries = volume.listdir(path)
        print(" Volume label: %s" % (volume.label or "(none)"))
        print("Directory of %s" % shown)
        print("")
        files = total = 0
        for entry in entries:
            print(_listing_line(entry))
            if not entry.is_dir:
                files += 1
                total += entry.size
        print("%9d files %16d bytes" % (files, total))
        print("%32d bytes free" % volume.free_bytes)


def cmd_get(args):
    with open_image_volume(args) as volume:
        data = volume.read_file(args.src)
        name = volume.stat(args.src).name
    dest = args.dest if args.dest is not None else name
    if dest == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    if os.path.isdir(dest):
        dest = os.path.join(dest, name)
    with open(dest, "wb") as f:
        f.write(data)


def cmd_put(args):
    with open(args.hostfile, "rb") as f:
        data = f.read()
    mtime = os.stat(args.hostfile).st_mtime
    with open_image_volume(args) as volume:
        dest = args.dest if args.dest is not None else "/"
        if dest.endswith(("/", "\\")) or volume.is_dir(dest):
            dest = dest.rstrip("/\\") + "/" + os.path.basename(args.hostfile)
        volume.write_file(dest, data, mtime)


def cmd_mkdir(args):
    with open_image_volume(args) as volume:
        volume.mkdir(args.path)


def cmd_rm(args):
    with open_image_volume(args) as volume:
        volume.remove(args.path)


def cmd_rmdir(args):
    with open_image_volume(args) as volume:
        volume.rmdir(args.path)


def build_parser():
    parser = _Parser(
        prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Create and inspect pcemu disk images and copy files "
                    "in and out of their FAT12/FAT16 volumes.",
        epilog="IMAGE is FILE (a floppy, or the first FAT partition of a hard disk), FILE@N or\n"
               "--partition N for MBR partition N (1..4), or FILE@@OFFSET for the volume at a\n"
               "byte offset. Names inside the volume are 8.3 (no long names), case-insensitive.\n"
               "rm deletes files only; rmdir deletes empty directories.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    def image_command(name, help_text, handler):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("image", metavar="IMAGE", help="FILE, FILE@N (partition N) or FILE@@OFFSET")
        sub.add_argument("--partition", "-p", type=int, metavar="N", help="MBR partition 1..4")
        sub.set_defaults(handler=handler)
        return sub

    sub = commands.add_parser("create", help="create a sparse raw image")
    sub.add_argument("file", metavar="FILE")
    sub.add_argument("size", metavar="SIZE", nargs="?", help="bytes, or with a suffix: 1440K, 32M, 2G")
    sub.add_argument("--force", "-f", action="store_true", help="overwrite an existing file")
    sub.add_argument("--freedos", action="store_true",
                     help="write a copy of the built-in FreeDOS boot floppy (no SIZE)")
    sub.set_defaults(handler=cmd_create)

    sub = commands.add_parser("info", help="describe an image: geometry, partitions, volumes")
    sub.add_argument("file", metavar="FILE")
    sub.set_defaults(handler=cmd_info)

    sub = image_command("ls", "list a directory", cmd_ls)
    sub.add_argument("path", metavar="PATH", nargs="?")
    sub = image_command("get", "copy a file out of the image", cmd_get)
    sub.add_argument("src", metavar="SRC")
    sub.add_argument("dest", metavar="DEST", nargs="?", help="host file or directory; - for stdout")
    sub = image_command("put", "copy a host file into the image (creates or replaces)", cmd_put)
    sub.add_argument("hostfile", metavar="HOSTFILE")
    sub.add_argument("dest", metavar="DEST", nargs="?", help="path or directory in the image")
    sub = image_command("mkdir", "make a directory", cmd_mkdir)
    sub.add_argument("path", metavar="PATH")
    sub = image_command("rm", "delete a file (use rmdir for directories)", cmd_rm)
    sub.add_argument("path", metavar="PATH")
    sub = image_command("rmdir", "delete an empty directory", cmd_rmdir)
    sub.add_argument("path", metavar="PATH")
    return parser


def _fail(message, status):
    sys.stderr.write("%s: %s\n" % (PROG, message))
    return status


def main(argv=None):
    try:
        args = build_parser().parse_args(argv)
        args.handler(args)
    except UsageError as error:
        return _fail(error, 2)
    except (Failure, fat.FatError, mbr.MbrError) as error:
        return _fail(error, 1)
    except BrokenPipeError:
        return 1
    except OSError as error:
        where = error.filename if error.filename else ""
        return _fail("%s%s" % (where + ": " if where else "", error.strerror or error), 1)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    return 0


if __name__ == "__main__":
    sys.exit(main())
