"""Ctrl+Alt+W in the window saves the machine's state to the --save-state file."""
from conftest import require_module

pygame = require_module("pygame")

from pcemu import freedos  # noqa: E402
from pcemu.frontends.window import Window  # noqa: E402
from pcemu.machine import Machine  # noqa: E402


def test_ctrl_alt_w_saves_the_state(tmp_path):
    pygame.display.init()
    try:
        path = tmp_path / "win.state"
        machine = Machine(floppies=[freedos.open_disk()], clock="virtual")
        machine.run(insns=500000)
        win = Window(machine, scale=1, pygame=pygame, screenshot_dir=str(tmp_path), state_path=str(path))
        win.open()
        ctrl_alt = pygame.KMOD_LCTRL | pygame.KMOD_LALT
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_w, scancode=0x1A, mod=ctrl_alt))
        for e in pygame.event.get():
            win.handle_event(e, 1.0)
        assert path.exists()
        restored = Machine.from_state(path)
        assert restored.icount == machine.icount
        assert bytes(restored.mem.data) == bytes(machine.mem.data)
        restored.close()
        machine.close()
        pygame.event.clear()
    finally:
        pygame.display.quit()
