"""The FreeDOS floppy built into the package: its contents against mtools' view of the
FreeDOS Boot Disks floppy it is made from, the licence notice beside it, `pcemu` booting it
with no disk, and `pcemu-img create --freedos`."""

import hashlib
import os
import subprocess
import sys


from conftest import BUILTIN_IMAGE, ROOT, image_path, require_tool
from pcemu import freedos

ENV = dict(os.environ, PYTHONPATH=str(ROOT))
FILES = ["KERNEL.SYS", "COMMAND.COM", "CONFIG.SYS", "AUTOEXEC.BAT", "README.TXT"]


def mtype(img, name):
    return subprocess.run(["mtype", "-i", str(img), "::/" + name], check=True, capture_output=True).stdout


def test_image_is_small_and_a_floppy():
    data = freedos.image_bytes()
    assert len(data) == 1474560
    packed = (ROOT / "pcemu" / "data" / "freedos.img.gz").stat().st_size
    assert packed < 110 * 1024
    assert data[3:11] == b"FreeDOS " and data[510:512] == b"\x55\xaa"


def test_files_and_filesystem_checked_by_mtools_and_fsck():
    require_tool("mdir", "mtype", "fsck.fat")
    img = image_path(BUILTIN_IMAGE)
    listing = subprocess.run(["mdir", "-b", "-i", str(img), "::/"], check=True, capture_output=True,
                             text=True).stdout.split()
    assert sorted(n.lstrip(":/") for n in listing) == sorted(FILES)
    assert b"FreeDOS" in mtype(img, "KERNEL.SYS") or len(mtype(img, "KERNEL.SYS")) == 45450
    fsck = require_tool("fsck.fat")
    r = subprocess.run([fsck, "-n", str(img)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_files_equal_the_source_floppy_and_the_build_is_reproducible():
    require_tool("mtype", "mformat", "mcopy")
    src = image_path("freedos-minimal-1440k.img")
    img = image_path(BUILTIN_IMAGE)
    for name in FILES:
        assert mtype(img, name) == mtype(src, name), name
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "make_freedos_image.py"), str(src), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_licence_notice_names_the_gpl_and_the_sources():
    notice = freedos.notice_text()
    assert "GNU General Public License, version 2" in notice
    assert "https://github.com/FDOS/kernel" in notice and "https://github.com/FDOS/freecom" in notice
    gpl = (ROOT / "pcemu" / "data" / "GPL-2.txt").read_text()
    assert "GNU GENERAL PUBLIC LICENSE" in gpl and "Version 2, June 1991" in gpl
    readme = (ROOT / "README.md").read_text()
    assert "GPL" in readme and "FREEDOS.txt" in readme
    declared = (ROOT / "pyproject.toml").read_text()
    assert '"data/*"' in declared


def test_pcemu_without_a_disk_boots_the_builtin_floppy():
    r = subprocess.run([sys.executable, "-m", "pcemu", "--display=none", "--serial=stdio", "--clock=virtual"],
                       input=b"VER /R\r", capture_output=True, env=ENV, timeout=300)
    out = r.stdout.decode("cp437")
    err = r.stderr.decode()
    assert r.returncode == 0, err
    assert len(err.splitlines()) == 1 and "built-in FreeDOS" in err and "memory" in err, err
    assert "FreeCom version 0.82 pl 3" in out and "FreeDOS kernel version 0.0.40" in out, out


def test_builtin_writes_stay_in_memory(dos):
    # The dos fixture (pcemu's pytest plugin) runs on the built-in floppy: a restore, not a boot.
    packed = ROOT / "pcemu" / "data" / "freedos.img.gz"
    before = hashlib.sha256(packed.read_bytes()).hexdigest()
    disk = dos.machine.floppy_drives[0]
    assert disk.builtin and disk.snapshot
    assert dos.run("ECHO HELLO>A:\\NEW.TXT") == ""
    assert dos.run("TYPE A:\\NEW.TXT") == "HELLO\n"
    assert disk.sectors_written > 0
    assert disk.read(0, 2880) != freedos.image_bytes()  # the guest sees its write...
    assert hashlib.sha256(packed.read_bytes()).hexdigest() == before  # ...the package's file does not


def test_pcemu_img_create_freedos(tmp_path):
    require_tool("mtype")
    dst = tmp_path / "mine.img"
    r = subprocess.run([sys.executable, "-m", "pcemu.img", "create", "--freedos", str(dst)], capture_output=True,
                       text=True, env=ENV)
    assert r.returncode == 0, r.stderr
    assert dst.read_bytes() == freedos.image_bytes()
    assert os.access(str(dst), os.W_OK)
    assert mtype(dst, "CONFIG.SYS") == mtype(image_path(BUILTIN_IMAGE), "CONFIG.SYS")
    again = subprocess.run([sys.executable, "-m", "pcemu.img", "create", "--freedos", str(dst)],
                           capture_output=True, text=True, env=ENV)
    assert again.returncode == 1 and len(again.stderr.splitlines()) == 1 and "exists" in again.stderr
    bad = subprocess.run([sys.executable, "-m", "pcemu.img", "create", str(tmp_path / "x.img")],
                         capture_output=True, text=True, env=ENV)
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1
