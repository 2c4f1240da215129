#!/usr/bin/env python3
"""Build pcemu/data/freedos.img.gz, the FreeDOS floppy built into pcemu.

Source: freedos-minimal-1440k.img, the FreeDOS Boot Disks project's 1.44M
boot floppy (see ../shared/images/README.md). The built image holds the same
five files (KERNEL.SYS, COMMAND.COM, CONFIG.SYS, AUTOEXEC.BAT, README.TXT),
copied unchanged with mtools onto a freshly formatted floppy that carries the
source's boot sector code, the same cluster size, volume label and serial
number. Every sector no file uses is zero, so the image compresses to about
100 KB instead of carrying whatever the source's free space held.

Reproducible: mformat and mcopy take their timestamps from SOURCE_DATE_EPOCH
(set to the files' own date) and gzip gets mtime 0, so the same source gives
the same bytes; ``--check`` rebuilds and compares with the committed file.

Usage: python3 tools/make_freedos_image.py [SOURCE_IMAGE] [--check]
Needs mtools (mformat, mcopy).
"""

import gzip
import hashlib
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "images" / "freedos-minimal-1440k.img"
OUTPUT = ROOT / "pcemu" / "data" / "freedos.img.gz"

# Order matters to nobody but the reader of a hex dump: the kernel first, as on the source.
FILES = ["KERNEL.SYS", "COMMAND.COM", "CONFIG.SYS", "AUTOEXEC.BAT", "README.TXT"]
SOURCE_DATE_EPOCH = "1539948384"  # 2018-10-19 11:26:24 UTC, the files' date on the source
LABEL = "FREEDOS"
SERIAL = "A60512FC"
SECTORS_PER_CLUSTER = "2"


def build(source):
    env = dict(os.environ, SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH, MTOOLS_SKIP_CHECK="1")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        boot = tmp / "boot.bin"
        with open(source, "rb") as f:
            boot.write_bytes(f.read(512))
        files = tmp / "files"
        files.mkdir()
        subprocess.run(["mcopy", "-m", "-i", str(source)] + ["::/" + n for n in FILES] + [str(files)],
                       check=True, env=env)
        image = tmp / "freedos.img"
        subprocess.run(["mformat", "-C", "-f", "1440", "-c", SECTORS_PER_CLUSTER, "-B", str(boot),
                        "-v", LABEL, "-N", SERIAL, "-i", str(image), "::"], check=True, env=env)
        subprocess.run(["mcopy", "-m", "-i", str(image)] + [str(files / n) for n in FILES] + ["::/"],
                       check=True, env=env)
        raw = image.read_bytes()
    out = tempfile.SpooledTemporaryFile()
    with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=out, mtime=0) as gz:
        gz.write(raw)
    out.seek(0)
    return raw, out.read()


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    source = pathlib.Path(args[0]) if args else DEFAULT_SOURCE
    if not source.exists():
        sys.stderr.write("make_freedos_image: %s not found\n" % source)
        return 1
    raw, packed = build(source)
    if check:
        same = OUTPUT.exists() and OUTPUT.read_bytes() == packed
        print("%s: %s" % (OUTPUT, "matches a fresh build" if same else "DIFFERS from a fresh build"))
        return 0 if same else 1
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_bytes(packed)
    print("wrote %s: %d bytes (image %d bytes, sha256 %s)"
          % (OUTPUT, len(packed), len(raw), hashlib.sha256(raw).hexdigest()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
