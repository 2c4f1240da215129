"""The Machine API front ends and scripts use: waiting, timeouts, what the screen and keyboard show."""

import time

import pytest

import pcemu
from pcemu.machine import Machine
from test_package import MESSAGE, boot_floppy


@pytest.fixture
def hello(tmp_path):
    return boot_floppy(tmp_path / "hello.img")


def test_sleep_duration_follows_the_guest(hello):
    with Machine(floppies=[hello], clock="realtime") as m:
        assert m.sleep_duration(1.0) == 0.0  # just reset: the CPU has work
        m.run_until_text(MESSAGE.decode(), timeout=30)
        # The boot sector ends in STI; HLT: the host may wait until the PIT's next tick
        # (18.2 Hz: at most 55 ms away), and never longer than asked.
        # Right after a tick the IRQ is still pending (0 then); one of the next steps waits.
        end = time.monotonic() + 5
        wait = 0.0
        while wait == 0.0 and time.monotonic() < end:
            m.step_quantum(sleep=False)
            wait = m.sleep_duration(1.0)
        assert m.halted
        assert 0.0 < wait <= 0.056, wait
        assert m.sleep_duration(0.001) <= 0.001
        m.type_text("x")  # input queued: no waiting
        assert m.sleep_duration(1.0) == 0.0


def test_virtual_clock_never_asks_the_host_to_wait(hello):
    with Machine(floppies=[hello], clock="virtual") as m:
        m.run_until_text(MESSAGE.decode(), timeout=30)
        m.run(insns=100000)
        assert m.halted
        assert m.sleep_duration(1.0) == 0.0


def test_run_until_text_raises_a_timeout_with_the_screen(hello):
    with Machine(floppies=[hello]) as m:
        with pytest.raises(pcemu.Timeout) as caught:
            m.run_until_text("NEVER SHOWN", timeout=2)
        assert "NEVER SHOWN" in str(caught.value)
        assert MESSAGE.decode() in caught.value.screen
        assert MESSAGE.decode() in str(caught.value)
        assert m.run_until_text("NEVER SHOWN", timeout=0.5, check=False) is False


def test_run_until_idle_raises_a_timeout(hello):
    with Machine(floppies=[hello]) as m:
        # Nothing reads the keyboard: typed keys stay queued, so the guest never counts as idle.
        m.run_until_text(MESSAGE.decode(), timeout=30)
        m.type_text("abc")
        with pytest.raises(pcemu.Timeout, match="idle"):
            m.run_until_idle(timeout=1)
        assert m.run_until_idle(timeout=0.5, check=False) is False


def test_screen_cursor_and_leds_through_the_api(hello):
    with Machine(floppies=[hello]) as m:
        m.run_until_text(MESSAGE.decode(), timeout=30)
        screen = m.text_screen()
        assert (screen.cols, screen.rows) == (80, 25)
        row = [l for l in m.screen_lines()].index(MESSAGE.decode())
        assert m.cursor() == (row + 1, 0)
        assert (screen.cursor_row, screen.cursor_col) == m.cursor()
        assert m.keyboard_leds() == 0


def test_keyboard_ring_addresses_match_the_bios_source():
    # The machine reads the BIOS's keyboard ring pointers (to pace typing); the addresses
    # must be the ones bios/bda.inc gives the assembler.
    import re

    from conftest import ROOT
    from pcemu import machine

    source = (ROOT / "bios" / "bda.inc").read_text()
    equ = {name: int(value, 16) for name, value in re.findall(r"^(\w+)\s+equ\s+([0-9A-F]+)h", source, re.M)}
    assert machine.BDA_KBD_HEAD == 0x400 + equ["BDA_KB_HEAD"]
    assert machine.BDA_KBD_TAIL == 0x400 + equ["BDA_KB_TAIL"]
    assert machine.BDA_KBD_START == 0x400 + equ["BDA_KB_START"]
    assert machine.BDA_KBD_END == 0x400 + equ["BDA_KB_END"]
    assert machine.BDA_VIDEO_MODE == 0x400 + equ["BDA_VID_MODE"]
