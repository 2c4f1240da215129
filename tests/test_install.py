"""Installing FreeDOS onto a blank IDE hard disk, inside the emulator, as a user would.

For each disk size: ``pcemu-img create`` a blank image; boot the FreeDOS floppy
with the blank disk as C:, partition it with FDISK's command-line mode; reboot
(a new Machine on the same files), ``FORMAT C: /S`` answering its prompts and
copy files over; put a file in from the host with ``pcemu-img put``; then boot
the hard disk alone. The results are judged on the host by mtools and
fsck.fat (dosfstools), and the geometry the BIOS hands to DOS (INT 13h AH=08h
and AH=48h run under DEBUG, and FDISK's own display) is compared with
``pcemu-img info``.

600 MiB is beyond the 504 MiB that plain CHS (16 heads x 1024 cylinders x 63)
reaches, so that disk needs the BIOS's LBA-assisted translation (32 heads) and
offers the INT 13h extensions.
"""

import re
import shutil
import struct
import subprocess
import sys

import pytest

import test_freedos
from conftest import ROOT, image_path
from pcemu.machine import Machine

FLOPPY = "freedos-full-1440k.img"
SIZES = {"32M": 32 << 20, "600M": 600 << 20}
LABEL = "PCEMUDISK"
HOST_TEXT = b"put in from the host\r\n"
DOS_TEXT = "written by DOS on C"
needs_mtools = pytest.mark.tools("mdir", "mtype", "mlabel")


def pcemu_img(*args):
    result = subprocess.run([sys.executable, "-m", "pcemu.img"] + [str(a) for a in args],
                            capture_output=True, cwd=str(ROOT))
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout


def wait_idle(m, what, timeout=240):
    assert m.run_until_idle(timeout=timeout), "still busy after %s; screen:\n%s" % (what, m.screen_text())


def command(m, line, timeout=240):
    """Clear the screen, run ``line``, return the screen it leaves."""
    m.type_text("CLS\r")
    wait_idle(m, "CLS")
    m.type_text(line + "\r")
    wait_idle(m, line, timeout)
    return m.screen_text()


def boot(floppy, disk, prompt):
    m = Machine(floppies=[floppy] if floppy else [], hdds=[disk], clock="virtual")
    assert m.run_until_text(prompt, timeout=240), "no %s; screen:\n%s" % (prompt, m.screen_text())
    wait_idle(m, "boot")
    return m


def debug_int13(m, setup, dump=None):
    """Run INT 13h under DEBUG after the ``setup`` instructions; (registers, carry, dump bytes).

    The program ends in INT 3, so DEBUG stops right after the BIOS call and shows
    the registers as the BIOS left them.
    """
    m.type_text("CLS\r")
    wait_idle(m, "CLS")
    for line in ["DEBUG", "A 100"] + setup + ["INT 13", "INT 3", "", "G=100"]:
        m.type_text(line + "\r")
        wait_idle(m, "DEBUG " + line)
    screen = m.screen_text()
    lines = [l for l in screen.splitlines() if l.startswith("AX=")]
    assert lines, screen
    regs = dict(re.findall(r"([A-Z]{2})=([0-9A-F]{4})", lines[-1]))
    regs = {k: int(v, 16) for k, v in regs.items()}
    flags_line = screen.splitlines()[screen.splitlines().index(lines[-1]) + 1]
    carry = " CY" in flags_line
    data = b""
    if dump is not None:
        m.type_text("D %X L %X\r" % dump)
        wait_idle(m, "DEBUG dump")
        rows = re.findall(r"^[0-9A-F]{4}:[0-9A-F]{4}  ((?:[0-9A-F]{2}[ -]){1,16})", m.screen_text(), re.M)
        data = bytes(int(b, 16) for row in rows for b in re.findall(r"[0-9A-F]{2}", row))[-dump[1]:]
        assert len(data) == dump[1], m.screen_text()
    m.type_text("Q\r")
    wait_idle(m, "DEBUG Q")
    return regs, carry, data


def bios_reports(m):
    """What the BIOS tells software about hard disk 80h: AH=08h CHS, AH=41h, AH=48h."""
    regs, carry, _ = debug_int13(m, ["MOV AH,8", "MOV DL,80"])
    assert not carry, regs
    cx, dx = regs["CX"], regs["DX"]
    chs = (((cx & 0xC0) << 2 | cx >> 8) + 1, (dx >> 8) + 1, cx & 0x3F)
    regs, carry, _ = debug_int13(m, ["MOV AH,41", "MOV BX,55AA", "MOV DL,80"])
    extensions = (not carry and regs["BX"] == 0xAA55, regs["CX"])
    regs, carry, packet = debug_int13(m, ["MOV SI,200", "MOV WORD [200],1A", "MOV AH,48", "MOV DL,80"],
                                      dump=(0x200, 0x1A))
    assert not carry, regs
    total = struct.unpack_from("<Q", packet, 16)[0]
    return {"chs": chs, "drives": dx & 0xFF, "extensions": extensions, "edd_total_sectors": total,
            "edd_sector_bytes": struct.unpack_from("<H", packet, 24)[0]}


class Installed:
    """Everything the install left behind: the disk, what the screens said."""


@pytest.fixture(scope="module", params=sorted(SIZES), ids=lambda s: s)
def installed(request, tmp_path_factory):
    size = request.param
    work = tmp_path_factory.mktemp("install-%s" % size)
    floppy = work / "a.img"
    shutil.copyfile(image_path(FLOPPY), floppy)
    disk = work / ("c-%s.img" % size)
    pcemu_img("create", disk, size)
    r = Installed()
    r.size, r.disk, r.floppy, r.work = size, disk, floppy, work

    # 1. Partition the blank disk: one primary FAT16 partition over all of it, active, with boot code.
    m = boot(floppy, disk, "A:\\>")
    try:
        for line in ["FDISK /PRIO:100,100 1", "FDISK /ACTIVATE:1 1", "FDISK /MBR 1"]:
            command(m, line)
    finally:
        m.close()

    # 2. Reboot so DOS sees the new partition; format it with the system and copy files.
    m = boot(floppy, disk, "A:\\>")
    try:
        r.fdisk_info = command(m, "FDISK /INFO /TECH 1")
        m.type_text("CLS\rFORMAT C: /S\r")
        assert m.run_until_text("(YES/NO)?", timeout=120), m.screen_text()
        wait_idle(m, "FORMAT question")
        m.type_text("YES\r")
        assert m.run_until_text("volume label", timeout=240), m.screen_text()
        wait_idle(m, "FORMAT label question")
        m.type_text(LABEL + "\r")
        wait_idle(m, "FORMAT", timeout=600)
        r.format_screen = m.screen_text()
        for line in ["MD C:\\FDOS",
                     "COPY A:\\FREEDOS\\BIN\\DEBUG.COM C:\\FDOS",
                     "COPY A:\\FREEDOS\\BIN\\FDISK.EXE C:\\FDOS",
                     "COPY A:\\AUTOEXEC.BAT C:\\FDOS\\AUTOEXEC.OLD",
                     "ECHO @ECHO OFF> C:\\AUTOEXEC.BAT",
                     "ECHO PATH C:\\FDOS>> C:\\AUTOEXEC.BAT"]:
            command(m, line)
        r.bios_with_floppy = bios_reports(m)
    finally:
        m.close()

    # 3. A file in from the host side.
    (work / "host.txt").write_bytes(HOST_TEXT)
    pcemu_img("put", disk, work / "host.txt", "FDOS/HOST.TXT")

    # 4. The hard disk alone: no floppy at all.
    m = boot(None, disk, "C:\\>")
    try:
        r.boot_screen = m.screen_text()
        r.type_screen = command(m, "TYPE C:\\FDOS\\HOST.TXT")
        command(m, "ECHO %s> C:\\FDOS\\DOSFILE.TXT" % DOS_TEXT)
        r.dir_screen = command(m, "DIR C:\\")
        r.fdos_dir_screen = command(m, "DIR C:\\FDOS")
        r.bios_alone = bios_reports(m)
    finally:
        m.close()
    r.info = pcemu_img("info", disk).decode()
    yield r


def partition_entry(disk):
    """(bootable, type, start LBA, sectors) of MBR entry 1, read with struct here, not pcemu.mbr."""
    with open(str(disk), "rb") as f:
        sector = f.read(512)
    assert sector[510:512] == b"\x55\xaa"
    status, ptype, start, count = struct.unpack_from("<B3xB3xII", sector, 0x1BE)
    return status, ptype, start, count


def info_geometry(info):
    found = re.search(r"BIOS geometry: (\d+) cylinders, (\d+) heads, (\d+) sectors", info)
    assert found, info
    return tuple(int(n) for n in found.groups())


def test_fdisk_made_one_active_partition(installed):
    status, ptype, start, count = partition_entry(installed.disk)
    assert status == 0x80
    assert ptype in (0x04, 0x06, 0x0E), hex(ptype)
    assert start >= 1 and start + count <= SIZES[installed.size] // 512
    # The partition covers the disk but for what FDISK rounds to cylinders: under one cylinder lost.
    heads, spt = info_geometry(installed.info)[1:]
    assert SIZES[installed.size] // 512 - (start + count) < heads * spt + start
    assert "System transferred" in installed.format_screen, installed.format_screen


def test_bios_geometry_is_what_pcemu_img_reports(installed):
    cyls, heads, spt = info_geometry(installed.info)
    for seen in (installed.bios_with_floppy, installed.bios_alone):
        assert seen["chs"] == (cyls, heads, spt), (seen, installed.info)
        assert seen["drives"] == 1
        assert seen["edd_total_sectors"] == SIZES[installed.size] // 512
        assert seen["edd_sector_bytes"] == 512
    # FDISK's technical view: TC = cylinders, TH = the highest head number, TS = sectors per track.
    found = re.search(r"TC:\s*(\d+)\s+TH:\s*(\d+)\s+TS:\s*(\d+)", installed.fdisk_info)
    assert found, installed.fdisk_info
    tc, th, ts = (int(n) for n in found.groups())
    assert (tc, th + 1, ts) == (cyls, heads, spt), installed.fdisk_info


def test_large_disk_gets_translation_and_extensions(installed):
    cyls, heads, spt = info_geometry(installed.info)
    sectors = SIZES[installed.size] // 512
    assert cyls <= 1024 and spt == 63
    if sectors > 1024 * 16 * 63:
        # Past 504 MiB plain 16-head CHS cannot reach the end: the translation doubles the heads.
        assert heads > 16
        assert cyls * heads * spt > 1024 * 16 * 63
    for seen in (installed.bios_with_floppy, installed.bios_alone):
        present, features = seen["extensions"]
        assert present, seen
        assert features & 1, seen  # the packet functions 42h-44h, 47h, 48h


def test_hard_disk_boots_alone(installed):
    # No floppy was attached, so this prompt came from the hard disk's own system.
    assert "Booting from C:" in installed.boot_screen, installed.boot_screen
    names = {(n, e) for n, e, _ in test_freedos.dir_entries_from_screen(installed.dir_screen)}
    assert {("KERNEL", "SYS"), ("COMMAND", "COM"), ("FDOS", ""), ("AUTOEXEC", "BAT")} <= names, \
        installed.dir_screen
    assert LABEL in installed.dir_screen
    assert HOST_TEXT.decode().strip() in installed.type_screen, installed.type_screen


def partition_spec(installed):
    status, ptype, start, count = partition_entry(installed.disk)
    return "%s@@%d" % (installed.disk, start * 512)


@needs_mtools
def test_dos_listing_matches_mtools(installed):
    spec = partition_spec(installed)
    assert sorted(test_freedos.dir_entries_from_screen(installed.dir_screen)) == \
        sorted(test_freedos.mdir_entries(spec)), installed.dir_screen
    fdos = test_freedos.dir_entries_from_screen(installed.fdos_dir_screen)
    assert sorted(e for e in fdos if e[0] not in (".", "..")) == \
        sorted(e for e in test_freedos.mdir_entries(spec, "::/FDOS") if e[0] not in (".", "..")), \
        installed.fdos_dir_screen
    label = subprocess.run(["mlabel", "-s", "-i", spec, "::"], capture_output=True, text=True).stdout
    assert LABEL in label, label


@needs_mtools
def test_files_read_back_on_the_host(installed):
    spec = partition_spec(installed)
    floppy = str(installed.floppy)
    for on_floppy, on_disk in [("FREEDOS/BIN/DEBUG.COM", "FDOS/DEBUG.COM"),
                               ("FREEDOS/BIN/FDISK.EXE", "FDOS/FDISK.EXE"),
                               ("AUTOEXEC.BAT", "FDOS/AUTOEXEC.OLD"),
                               ("KERNEL.SYS", "KERNEL.SYS"),
                               ("COMMAND.COM", "COMMAND.COM")]:
        original = test_freedos.mtype(floppy, on_floppy)
        assert test_freedos.mtype(spec, on_disk) == original, on_disk
        assert pcemu_img("get", installed.disk, on_disk, "-") == original, on_disk
    assert test_freedos.mtype(spec, "FDOS/HOST.TXT") == HOST_TEXT
    written = test_freedos.mtype(spec, "FDOS/DOSFILE.TXT")
    assert written.decode().strip() == DOS_TEXT
    assert pcemu_img("get", installed.disk, "FDOS/DOSFILE.TXT", "-") == written
    autoexec = test_freedos.mtype(spec, "AUTOEXEC.BAT").decode().split()
    assert autoexec == ["@ECHO", "OFF", "PATH", "C:\\FDOS"]


@pytest.mark.tools("fsck.fat")
def test_fsck_finds_no_error(installed):
    status, ptype, start, count = partition_entry(installed.disk)
    volume = installed.work / "partition.img"
    # fsck.fat wants the volume as a file of its own; copy it sparsely (the disk is mostly zeros).
    with open(str(installed.disk), "rb") as src, open(str(volume), "wb") as dst:
        src.seek(start * 512)
        remaining = count * 512
        while remaining:
            chunk = src.read(min(remaining, 1 << 20))
            assert chunk, "image ends inside the partition"
            if chunk.count(0) == len(chunk):
                dst.seek(len(chunk), 1)
            else:
                dst.write(chunk)
            remaining -= len(chunk)
        dst.truncate(count * 512)
    try:
        result = subprocess.run(["fsck.fat", "-n", str(volume)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
    finally:
        volume.unlink()
