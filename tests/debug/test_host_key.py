"""Ctrl+Alt+D in the window stops the guest and opens the monitor on the terminal."""

import io
import sys

import pytest

from conftest import image_path, require_module  # noqa: E402

pygame = require_module("pygame")

from pcemu import Machine  # noqa: E402
from pcemu.frontends.window import Window  # noqa: E402


def test_ctrl_alt_d_opens_the_monitor(tmp_path, monkeypatch, capsys):
    pygame.display.init()
    m = Machine(floppies=[str(image_path("freedos-minimal-1440k.img"))], clock="virtual", snapshot=True)
    try:
        w = Window(m, scale=1, pygame=pygame, screenshot_dir=str(tmp_path))
        w.open()
        m.run(insns=200000)
        monkeypatch.setattr(sys, "stdin", io.StringIO("r\nbl\nq\n"))
        mods = pygame.KMOD_LCTRL | pygame.KMOD_LALT
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_d, scancode=0x07, mod=mods))
        before = m.cpu.icount
        with pytest.raises(SystemExit) as e:
            for _ in range(50):
                w.frame_step()
        assert e.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith("paused at ")
        assert "(pcemu) r\nAX=" in out and "(pcemu) bl\nno breakpoints" in out
        assert out.rstrip().endswith("(pcemu) q\nquit")
        # Paused at once: not one instruction ran between the key and the monitor.
        assert m.cpu.icount == before
        assert out.startswith("paused at %04X:%04X" % (m.cpu.sregs[1], m.cpu.ip))
    finally:
        m.close()
        pygame.display.quit()
