"""Bounded fuzzing (seeded, so a failure repeats; about half a minute in all).

* Random boot sectors on both CPU models: whatever the guest does, the
  Machine API returns or raises GuestFault (one line and a register dump),
  never any other Python exception.
* Random pcemu-img operations on randomly damaged FAT12/FAT16 images made by
  mkfs.fat and mtools: every call returns an exit status (0, 1 or 2) with at
  most one line on stderr, never an exception; an image fsck.fat finds clean
  stays clean after any operation, and a file put into a clean image reads
  back the same through mtools. fsck.fat is the referee throughout.

PCEMU_FUZZ_SEED picks another seed; PCEMU_FUZZ_SCALE multiplies the case counts.
"""
import contextlib
import io
import os
import random
import subprocess

import pytest

from conftest import require_tool
from pcemu import img
from pcemu.machine import GuestFault, Machine

SEED = int(os.environ.get("PCEMU_FUZZ_SEED", "9"))
SCALE = float(os.environ.get("PCEMU_FUZZ_SCALE", "1"))
MTOOLS_ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1", MTOOLSRC="/dev/null")

# Fragments a hostile boot sector is made of, besides plain random bytes.
FRAGMENTS = [
    bytes([0x2E] * 40), bytes([0xF3, 0x26, 0xF2] * 10),          # prefix runs
    b"\xfb\xf4", b"\xfa\xf4", b"\xf4",                          # STI/CLI + HLT
    b"\xb0\xff\xe6\x21", b"\xb0\xff\xe6\xa1", b"\xb0\x00\xe6\x21",  # PIC masks
    b"\xb0\x34\xe6\x43\xb0\x01\xe6\x40\xe6\x40",                 # PIT counter 0 = 1
    b"\xf3\xa4", b"\xf3\xab", b"\xf2\xae", b"\xf3\x6c", b"\xf3\x6f",  # REP string ops
    b"\xb9\xff\xff", b"\xbe\x00\x00", b"\xbf\xff\xff",           # CX, SI, DI
    b"\xcd\x13", b"\xcd\x10", b"\xcd\x16", b"\xcd\x19", b"\xcc", b"\xce",  # INTs
    b"\xb0\xfe\xe6\x64", b"\xb0\x01\xe6\x92",                    # 8042 / port 92h reset
    b"\xba\xf7\x01\xb0\x20\xee", b"\xba\xf0\x01\xed",            # ATA command / data
    b"\xe6\xe9", b"\x0f\x0b", b"\x8e\xd0", b"\x9d", b"\xcf",     # debugcon, UD, MOV SS, POPF, IRET
    b"\xeb\xfe", b"\xe9\x00\x80", b"\xea\x00\x00\x00\xf0",       # jumps
    b"\xf7\xf0", b"\xd4\x00",                                    # DIV AX, AAM 0
]


def hostile_sector(rng):
    code = bytearray()
    while len(code) < 510:
        if rng.random() < 0.5:
            code += rng.choice(FRAGMENTS)
        else:
            code += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 12)))
    sector = bytearray(code[:510]) + b"\x55\xaa"
    return bytes(sector)


@pytest.mark.parametrize("cpu", ["8086", "80186"])
def test_random_boot_sectors(tmp_path, cpu):
    rng = random.Random("%s-%s" % (SEED, cpu))
    outcomes = {"ran": 0, "waiting": 0, "fault": 0}
    for case in range(int(10 * SCALE)):
        sector = hostile_sector(rng)
        path = tmp_path / ("case%d.img" % case)
        path.write_bytes(sector + bytes(368640 - 512))
        try:
            with Machine(floppies=[str(path)], cpu=cpu, clock="virtual", snapshot=True) as m:
                m.run(insns=150000)
                outcomes["waiting" if m.waiting_for_input else "ran"] += 1
        except GuestFault as e:
            assert "\n" not in e.message and e.dump, (case, sector.hex())
            assert all(" " <= ch <= "~" for ch in e.message), repr(e.message)
            outcomes["fault"] += 1
        except Exception as e:
            raise AssertionError("case %d (%s): %s: %s\nboot sector: %s"
                                 % (case, cpu, type(e).__name__, e, sector.hex()))
    assert sum(outcomes.values()) == int(10 * SCALE), outcomes


# --- pcemu-img on damaged volumes ---------------------------------------------------



def run(*args):
    return subprocess.run([str(a) for a in args], capture_output=True, env=MTOOLS_ENV)


def fsck_clean(path):
    return run("fsck.fat", "-n", path).returncode == 0


def make_base(tmp_path, name, mkfs_args, rng):
    path = tmp_path / name
    r = run("mkfs.fat", "-C", *(mkfs_args[:-1] + [path, mkfs_args[-1]]))
    assert r.returncode == 0, r.stderr
    host = tmp_path / "host"
    host.mkdir(exist_ok=True)
    files = []
    for n in range(6):
        f = host / ("F%d.TXT" % n)
        f.write_bytes(bytes(rng.randrange(256) for _ in range(rng.choice([0, 10, 600, 1500, 5000]))))
        files.append(f)
    assert run("mmd", "-i", path, "::/SUB").returncode == 0
    assert run("mmd", "-i", path, "::/SUB/DEEP").returncode == 0
    for n, f in enumerate(files):
        where = ["::/", "::/SUB/", "::/SUB/DEEP/"][n % 3]
        r = run("mcopy", "-i", path, f, where + f.name)
        assert r.returncode == 0, r.stderr
    assert fsck_clean(path)
    return path


NAMES = ["F0.TXT", "SUB/F1.TXT", "SUB/DEEP/F2.TXT", "F3.TXT", "SUB", "SUB/DEEP", "NEW.BIN",
         "SUB/NEW2.BIN", "NODIR/X", "bad*name", "A.B.C", "..", "SUB/DEEP/NEW3"]


def damage(rng, data):
    """Flip a few bytes where FAT volumes keep their structure (or anywhere)."""
    data = bytearray(data)
    bps = data[11] | (data[12] << 8)
    reserved = data[14] | (data[15] << 8)
    fats = data[16]
    fat_sectors = data[22] | (data[23] << 8)
    root = (reserved + fats * fat_sectors) * bps
    for _ in range(rng.randrange(1, 6)):
        region = rng.choice(["bpb", "fat", "fat", "root", "root", "data", "anywhere"])
        if region == "bpb":
            at = rng.randrange(11, 62)
        elif region == "fat":
            at = reserved * bps + rng.randrange(min(4 * bps, fats * fat_sectors * bps))
        elif region == "root":
            at = root + rng.randrange(6 * 32)
        elif region == "data":
            at = root + 14 * bps + rng.randrange(64 * bps)
        else:
            at = rng.randrange(len(data))
        data[at] = rng.choice([0, 0xFF, 0xE5, 0x2E, 0x10, rng.randrange(256)])
    return bytes(data)


def random_op(rng, image, tmp_path):
    op = rng.choice(["ls", "get", "put", "put", "put", "mkdir", "rm", "rmdir", "info"])
    name = rng.choice(NAMES)
    if op == "ls":
        return [op, image] + ([name] if rng.random() < 0.7 else []), None
    if op == "get":
        return [op, image, name, str(tmp_path / "got")], None
    if op == "put":
        data = bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 512, 2000, 9000])))
        host = tmp_path / "PUT.BIN"
        host.write_bytes(data)
        return [op, image, str(host), name], data
    if op == "info":
        return [op, image], None
    return [op, image, name], None


def call_img(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = img.main(argv)
    return status, err.getvalue()


@pytest.mark.parametrize("kind, mkfs_args", [("fat12", ["-s", "1", "1440"]),
                                             ("fat16", ["-F", "16", "-s", "2", "16384"])])
def test_random_img_operations_on_damaged_volumes(tmp_path, kind, mkfs_args):
    require_tool("mkfs.fat", "fsck.fat", "mcopy", "mmd", "mtype")
    rng = random.Random("%s-%s" % (SEED, kind))
    base = make_base(tmp_path, kind + ".img", mkfs_args, rng).read_bytes()
    image = tmp_path / "work.img"
    seen = {"clean": 0, "damaged": 0}
    for case in range(int(20 * SCALE)):
        image.write_bytes(base if rng.random() < 0.25 else damage(rng, base))
        clean = fsck_clean(image)
        seen["clean" if clean else "damaged"] += 1
        for _ in range(rng.randrange(1, 4)):
            argv, data = random_op(rng, str(image), tmp_path)
            try:
                status, err = call_img(argv)
            except BaseException as e:
                raise AssertionError("case %d: pcemu-img %s raised %s: %s"
                                     % (case, " ".join(argv), type(e).__name__, e))
            assert status in (0, 1, 2), (argv, status, err)
            assert err.count("\n") <= 1 and (status == 0 or err.startswith("pcemu-img: ")), (argv, err)
            if clean:
                assert fsck_clean(image), ("case %d: pcemu-img %s damaged a clean image:\n%s"
                                           % (case, " ".join(argv), run("fsck.fat", "-n", image).stdout.decode()))
                if argv[0] == "put" and status == 0:
                    # DEST may name a directory: the file then keeps its host name there.
                    inside = run("mtype", "-i", image, "::/%s/PUT.BIN" % argv[3])
                    got = inside if inside.returncode == 0 else run("mtype", "-i", image, "::/" + argv[3])
                    assert got.returncode == 0 and got.stdout == data, (case, argv)
    assert seen["damaged"] > 0, seen
