"""DOS idling at its prompt costs few guest instructions: after a second in which every timer
tick ran out of empty INT 16h AH=01h/11h polls, the BIOS halts the CPU after a few polls per tick
(the 8254 at 18.2 Hz wakes it); a key typed then is still taken at once, and a command that polls
for Ctrl+C while it works (DIR over a cached directory) is not mistaken for idling."""
from pcemu.machine import Machine

from conftest import image_path

# FreeDOS's prompt loop is ~230 instructions a poll: 127 polls a tick (the limit before a
# caller is known to spin) would be ~530,000 instructions a second; 2 are ~10,000 (8, before,
# were ~36,000 and cost 5-7% of a host core under PyPy; 2 cost about 3.5%).
IDLE_INSNS_PER_SECOND = 15_000


def test_idle_prompt_is_cheap_and_still_answers_keys():
    with Machine(floppies=[image_path("freedos-minimal-360k.img")], clock="virtual", snapshot=True) as m:
        assert m.run_until_text("A:\\>", timeout=120)
        assert m.run_until_idle(timeout=60)
        m.run(seconds=1.5)  # a second of 127 polls a tick before the BIOS is sure
        start = m.cpu.icount
        m.run(seconds=2.0)
        per_second = (m.cpu.icount - start) / 2.0
        assert per_second < IDLE_INSNS_PER_SECOND, per_second
        m.type_text("VER\r")
        assert m.run_until_text("FreeCom version", timeout=60, max_insns=5_000_000)
        m.type_text("DIR\r")
        assert m.run_until_idle(timeout=60)
        assert "bytes free" in m.screen_text()


def test_the_boot_is_not_taken_for_idling():
    """FreeDOS's kernel polls the keyboard in bursts while it boots (its console driver,
    checking for Ctrl+C); halting it there made the boot wait for timer ticks. With the virtual
    clock the time a boot takes shows in the BIOS tick count at the prompt."""
    with Machine(floppies=[image_path("freedos-minimal-1440k.img")], clock="virtual", snapshot=True) as m:
        assert m.run_until_text("A:\\>", timeout=120)
        ticks = m.mem.data[0x46C] | (m.mem.data[0x46D] << 8)
        # 3.9M instructions: 6 ticks of virtual time without halts; 23 halting after 64 polls
        # in a tick, 10 after 127
        assert ticks <= 8, ticks
