"""Saved machine states: a machine restored from a file, in a new process, goes on exactly
as the machine that never stopped (screen and instruction count, virtual clock); a state
taken in the middle of a disk transfer finishes it; bad files are refused whole.

The referee is the uninterrupted machine itself: the same run with no save in between."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT
from pcemu import freedos, state
from pcemu.devices.ata import XFER_NONE
from pcemu.machine import Machine

PROMPT = "A:\\>"
ENV = dict(os.environ, PYTHONPATH=str(ROOT))


def boot_builtin(**kw):
    m = Machine(floppies=[freedos.open_disk()], clock="virtual", **kw)
    assert m.run_until_text(PROMPT, timeout=240), m.screen_text()
    assert m.run_until_idle(timeout=120)
    return m


def command(m, text):
    m.type_text(text + "\r")
    assert m.run_until_idle(timeout=120), m.screen_text()
    return m.screen_text()


@pytest.fixture(scope="module")
def at_prompt(tmp_path_factory):
    """A state file saved at the A:\\> prompt, and what DIR then shows on the machine that
    went on without stopping."""
    path = tmp_path_factory.mktemp("state") / "prompt.state"
    m = boot_builtin()
    m.save_state(path)
    screen = command(m, "DIR")
    result = {"screen": screen, "icount": m.icount, "cursor": list(m.cursor())}
    m.close()
    return path, result


RESTORE_AND_DIR = """
import json, sys
from pcemu.machine import Machine
m = Machine.from_state(sys.argv[1])
m.type_text("DIR\\r")
assert m.run_until_idle(timeout=120)
print(json.dumps({"screen": m.screen_text(), "icount": m.icount, "cursor": list(m.cursor())}))
"""


def test_restored_in_a_new_process_goes_on_like_the_machine_that_never_stopped(at_prompt):
    path, expected = at_prompt
    r = subprocess.run([sys.executable, "-c", RESTORE_AND_DIR, str(path)], capture_output=True, text=True,
                       env=ENV, timeout=300)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert "KERNEL   SYS" in got["screen"]
    assert got == expected


def test_a_fresh_process_shows_the_saved_prompt(at_prompt):
    """A new process shows the saved prompt straight from the state, with no boot. How fast is
    a benchmark, not a test (README: the restore figure and the command that measures it)."""
    path, _ = at_prompt
    code = ("import sys; from pcemu.machine import Machine; m = Machine.from_state(sys.argv[1]); "
            "print(m.icount); print(m.screen_text())")
    r = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, env=ENV)
    assert r.returncode == 0 and PROMPT in r.stdout, r.stderr
    assert int(r.stdout.split()[0]) > 1000000  # the instructions of the boot the state holds


def test_a_state_saved_mid_disk_transfer_resumes_it(tmp_path):
    m = boot_builtin()
    m.type_text("COPY COMMAND.COM NEW.COM\r")
    channel = m.ata_secondary
    for _ in range(2000000):
        m.step_quantum(97)
        # A READ/WRITE command still transferring (REP INSW/OUTSW move a sector per
        # instruction chunk, so a state may fall between sectors rather than inside one).
        if channel._xfer != XFER_NONE and m.floppy_drives[0].sectors_written:
            break
    else:
        pytest.fail("never caught a transfer in flight")
    saved_at = (channel._xfer, channel._pos, channel._xfer_left)
    path = tmp_path / "mid.state"
    m.save_state(path)
    assert m.run_until_idle(timeout=120)
    screen = command(m, "DIR NEW.COM")
    expected = (screen, m.icount, m.floppy_drives[0].read(0, 2880))
    m.close()

    r = Machine.from_state(path)
    assert (r.ata_secondary._xfer, r.ata_secondary._pos, r.ata_secondary._xfer_left) == saved_at
    assert r.run_until_idle(timeout=120)
    screen = command(r, "DIR NEW.COM")
    assert "66,090" in screen or "66090" in screen.replace(".", "").replace(",", ""), screen
    assert (screen, r.icount, r.floppy_drives[0].read(0, 2880)) == expected
    r.close()


def test_snapshot_overlay_travels_with_the_state(tmp_path):
    m = boot_builtin()
    command(m, "ECHO kept in the state>NOTE.TXT")
    path = tmp_path / "overlay.state"
    m.save_state(path)
    m.close()
    r = Machine.from_state(path)
    assert r.floppy_drives[0].builtin
    screen = command(r, "TYPE NOTE.TXT")
    assert "kept in the state" in screen.split("TYPE NOTE.TXT", 1)[1]
    r.close()


def test_every_device_attribute_is_state_or_wiring():
    m = Machine(floppies=[freedos.open_disk()], clock="virtual")
    m.run(insns=200000)
    parts = [(k, o) for k, o in m.state_devices() if k != "machine"]
    parts += [("pic.master", m.pic.master), ("pic.slave", m.pic.slave)]
    parts += [("pit.counters", c) for c in m.pit.counters]
    parts += [("ata.drive", d) for d in m.ata_secondary.drives if d is not None]
    for key, obj in parts:
        assert obj.STATE.unlisted(obj) == [], "%s: attributes missing from its STATE description" % key
    m.close()


def test_a_timer_no_description_holds_is_refused(tmp_path):
    m = Machine(floppies=[freedos.open_disk()], clock="virtual")
    m.clock.schedule_in(1000, lambda now: None)
    with pytest.raises(state.StateError, match="timer"):
        m.save_state(tmp_path / "x.state")
    assert not (tmp_path / "x.state").exists()
    m.close()


def _fingerprint(m):
    return (m.icount, m.screen_text(), bytes(m.mem.data), m.clock.now(), m.pit.debug_state())


def test_bad_files_are_refused_whole(at_prompt, tmp_path):
    path, _ = at_prompt
    good = path.read_bytes()
    m = Machine(floppies=[freedos.open_disk()], clock="virtual")
    m.run(insns=300000)
    before = _fingerprint(m)
    cases = {
        "truncated": (good[:len(good) // 2], "truncated"),
        "foreign": (freedos.image_bytes()[:4096], "not a pcemu state file"),
        "empty": (b"", "not a pcemu state file"),
        "damaged": (good[:-10] + bytes(b ^ 0xFF for b in good[-10:]), "damaged"),
        "format": (good[:12] + b"\x63\x00\x00\x00" + good[16:], "format 99"),
        "trailing": (good + b"x", "trailing"),
    }
    for name, (data, words) in cases.items():
        bad = tmp_path / (name + ".state")
        bad.write_bytes(data)
        with pytest.raises(state.StateError) as e:
            m.load_state(bad)
        assert words in str(e.value) and "\n" not in str(e.value), (name, e.value)
        assert _fingerprint(m) == before, name
    with pytest.raises(state.StateError, match="no such state file"):
        m.load_state(tmp_path / "missing.state")
    m.close()


def test_a_state_for_other_disks_is_refused(at_prompt, tmp_path):
    path, _ = at_prompt
    other = tmp_path / "other.img"
    data = bytearray(freedos.image_bytes())
    data[-1] ^= 1  # one byte in an unused sector: another disk
    other.write_bytes(bytes(data))
    m = Machine(floppies=[other], clock="virtual")
    before = _fingerprint(m)
    with pytest.raises(state.StateError, match="other disks"):
        m.load_state(path)
    assert _fingerprint(m) == before
    m.close()
    same = tmp_path / "same.img"
    same.write_bytes(freedos.image_bytes())
    with Machine(floppies=[same], clock="virtual", snapshot=True) as m:
        m.load_state(path)  # the same bytes under another name: accepted
        assert PROMPT in m.screen_text()
    with Machine(floppies=[same], hdds=[], clock="virtual", cpu="8086") as m:
        with pytest.raises(state.StateError, match="80186"):
            m.load_state(path)


def pcemu(*args, stdin=b""):
    return subprocess.run([sys.executable, "-m", "pcemu"] + list(args), input=stdin, capture_output=True,
                          env=ENV, timeout=300)


def test_command_line_saves_at_exit_and_loads(tmp_path):
    saved = tmp_path / "cli.state"
    r = pcemu("--display=none", "--serial=stdio", "--clock=virtual", "--save-state=%s" % saved,
              stdin=b"ECHO first run>RUN.TXT\r")
    assert r.returncode == 0, r.stderr
    assert saved.exists()
    r = pcemu("--display=none", "--serial=stdio", "--clock=virtual", "--load-state=%s" % saved,
              stdin=b"TYPE RUN.TXT\r")
    assert r.returncode == 0, r.stderr
    assert b"first run" in r.stdout, r.stdout
    assert b"built-in" not in r.stderr  # the state's disk, not a fresh boot of the built-in floppy

    bad = tmp_path / "bad.state"
    bad.write_bytes(b"PCEMU-STATE\n")
    r = pcemu("--display=none", "--load-state=%s" % bad)
    err = r.stderr.decode()
    assert r.returncode == 1 and len(err.splitlines()) == 1 and "truncated" in err, err
    other = tmp_path / "other.img"
    other.write_bytes(b"\0" * 1474560)
    r = pcemu("--display=none", "--disk=%s" % other, "--load-state=%s" % saved)
    err = r.stderr.decode()
    assert r.returncode == 1 and len(err.splitlines()) == 1 and "other disks" in err, err
