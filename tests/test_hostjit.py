"""PyPy's JIT is held off while a machine runs POST (pcemu.hostjit), and only then; after
POST it compiles without loop unrolling while the guest runs cold code, with it while
translated code runs.

A stand-in for the ``pypyjit`` module records what the machine asks of it, so these
run the same under CPython and PyPy; the speed it buys is measured by the race
(README, speed table), not here.
"""

import pytest

from pcemu import hostjit
from pcemu.machine import Machine
from test_package import MESSAGE, boot_floppy

POST_FIRST, POST_BOOT = 0x01, 0x0F
JIT_ON = "threshold=1039,function_threshold=1619"
COLD = "enable_opts=" + hostjit.COLD_OPTS
HOT = "enable_opts=all"


class RecordingJit:
    defaults = {"threshold": 1039, "function_threshold": 1619, "enable_opts": "all"}

    def __init__(self):
        self.calls = []
        self.machine = None
        self.at = []  # the machine's instruction count at each call

    def set_param(self, text):
        self.calls.append(text)
        self.at.append(self.machine.cpu.icount if self.machine is not None else None)


@pytest.fixture
def jit(monkeypatch):
    fake = RecordingJit()
    monkeypatch.setattr(hostjit, "pypyjit", fake)
    monkeypatch.setattr(hostjit, "_holders", set())
    monkeypatch.setattr(hostjit, "_unrolling", [True])
    return fake


@pytest.fixture
def floppy(tmp_path):
    return boot_floppy(tmp_path / "hello.img")


def run_through_post(m, step=500):
    """Run in small steps to the boot sector; returns whether the JIT was held at every
    step that ended inside POST."""
    held_inside = []
    while MESSAGE.decode() not in m.screen_text():
        m.run(insns=step)
        code = m.sysports.post_code
        if POST_FIRST <= code < POST_BOOT:
            held_inside.append(hostjit.held())
    return held_inside


def test_held_from_the_first_post_code_to_the_boot(jit, floppy):
    with Machine(floppies=[floppy], snapshot=True) as m:
        held_inside = run_through_post(m)
        assert len(held_inside) > 10 and all(held_inside)
        assert not hostjit.held()
        assert jit.calls == ["off", JIT_ON, COLD]


def test_a_post_that_never_ends_gives_the_jit_back(jit, floppy, monkeypatch):
    monkeypatch.setattr(hostjit, "HOLD_LIMIT_INSNS", 2000)
    with Machine(floppies=[floppy], snapshot=True) as m:
        m.run(insns=1000)
        assert hostjit.held()
        m.run(insns=3000)
        assert m.sysports.post_code < POST_BOOT       # still in POST, yet
        assert not hostjit.held()
        assert jit.calls == ["off", JIT_ON]


def test_closing_a_machine_in_post_gives_the_jit_back(jit, floppy):
    m = Machine(floppies=[floppy], snapshot=True)
    m.run(insns=1000)
    assert hostjit.held()
    m.close()
    assert not hostjit.held()


def test_held_while_any_machine_is_in_post(jit, floppy):
    with Machine(floppies=[floppy], snapshot=True) as a, Machine(floppies=[floppy], snapshot=True) as b:
        a.run(insns=1000)
        b.run(insns=1000)
        run_through_post(a)
        assert hostjit.held()            # b is still in POST
        run_through_post(b)
        assert not hostjit.held()
        assert jit.calls == ["off", COLD, JIT_ON]


def test_a_reset_runs_post_held_again(jit, floppy):
    with Machine(floppies=[floppy], snapshot=True) as m:
        run_through_post(m)
        m.io.out8(0x64, 0xFE)            # the 8042 pulses the reset line
        m.run(insns=1000)
        assert hostjit.held()
        assert jit.calls == ["off", JIT_ON, COLD, "off"]


# After the boot sector's first instruction: a hot loop (196,608 instructions, translated),
# then cold code (INT 1Ah reading the clock chip: port I/O, interpreted) until it halts.
HOT_THEN_COLD = bytes([
    0x31, 0xC9,        # xor cx, cx
    0x48,              # hot: dec ax
    0x43,              # inc bx
    0xE2, 0xFC,        # loop hot
    0xBE, 0x2C, 0x01,  # mov si, 300
    0xB4, 0x02,        # cold: mov ah, 02h
    0xCD, 0x1A,        # int 1Ah
    0x4E,              # dec si
    0x75, 0xF9,        # jnz cold
])


def test_loops_unrolled_only_while_translated_code_runs(jit, tmp_path):
    from pcemu.machine import COLD_SLICE_INSNS

    floppy = boot_floppy(tmp_path / "loop.img", before=HOT_THEN_COLD)
    with Machine(floppies=[floppy], snapshot=True, translate="auto") as m:
        jit.machine = m
        translator = m.cpu.translator
        translate = translator.translate
        made_at = []

        def noting_translate(*args, **kwargs):
            made_at.append(m.cpu.icount)
            return translate(*args, **kwargs)

        translator.translate = noting_translate
        m.run_until_text(MESSAGE.decode(), timeout=120)
    assert len(made_at) == 1  # the loop
    post_end = jit.calls.index(JIT_ON)
    assert jit.calls[post_end + 1:] == [COLD, HOT, COLD]
    cold, hot, cold_again = jit.at[post_end + 1:]
    # unrolled from the loop's region on, before PyPy has counted its loop often enough to
    # trace it (1039 passes, over 3,000 instructions here)
    assert cold < made_at[0] <= hot <= made_at[0] + COLD_SLICE_INSNS
    # and no longer once the clock reading runs
    assert cold_again > hot + HOT_LOOP_INSNS // 2


HOT_LOOP_INSNS = 3 * 65536
