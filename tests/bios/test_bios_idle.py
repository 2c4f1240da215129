"""DOS idling at its prompt costs few guest instructions: a caller that polls INT 16h AH=01h/11h
densely (over 1,024 empty polls in a timer tick) is halted after 127 polls a tick from the next
tick on, and after 2 a tick once it has done so for a second (the 8254 at 18.2 Hz wakes it); a
key typed then is still taken at once. A caller polling for Ctrl+C while it works - FreeDOS's
kernel and FreeCOM reading CONFIG.SYS and AUTOEXEC.BAT, DIR over a cached directory, a program
checking for a key between frames - is not halted: those poll a few hundred times a tick."""
import subprocess

from pcemu.clock import NS_PER_INSN
from pcemu.machine import Machine

from conftest import image_path, require_tool

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


def halted_ns(m):
    """Guest time the virtual clock has skipped while the CPU halted."""
    return m.clock.now() - m.cpu.icount * NS_PER_INSN


def ticks(m):
    return m.mem.data[0x46C] | (m.mem.data[0x46D] << 8)


def test_the_boot_is_not_taken_for_idling():
    """FreeDOS's kernel and FreeCOM poll for Ctrl+C every 450-1,300 instructions while they read
    CONFIG.SYS and AUTOEXEC.BAT; halting them made a boot wait for timer ticks (0.06 s of the
    minimal floppy's 0.45 s of guest time, 7 halts and 0.3 s of a full floppy's realtime boot)."""
    with Machine(floppies=[image_path("freedos-minimal-1440k.img")], clock="virtual", snapshot=True) as m:
        assert m.run_until_text("A:\\>", timeout=120)
        # POST halts for 0.5 ms while the keyboard controller tests itself
        assert halted_ns(m) < 1_000_000, halted_ns(m)


def test_the_full_floppy_halts_only_while_its_kernel_waits_for_f5_f8():
    """The kernel of the full floppy waits two seconds (36 ticks) for F5/F8, polling AH=01h some
    4,500 times a tick: the BIOS halts it there, and nowhere else before the prompt."""
    with Machine(floppies=[image_path("freedos-full-1440k.img")], clock="virtual", snapshot=True) as m:
        assert m.run_until_text("F5", timeout=120)
        assert halted_ns(m) < 1_000_000
        shown = ticks(m)
        last = {"halted": halted_ns(m), "tick": shown}

        def at_prompt(m):
            if halted_ns(m) != last["halted"]:
                last["halted"], last["tick"] = halted_ns(m), ticks(m)
            return "A:\\>" in m.screen_text()

        assert m.run_until(at_prompt, timeout=120)
        assert last["tick"] - shown <= 37
        assert 1.5e9 < halted_ns(m) < 36 * 54_925_000, halted_ns(m)


# The boot sector of a 360K floppy: count in SI the empty AH=01h polls made, with WORK
# instructions of other work before each (a LOOP to itself with CX = WORK); with KEY_FIRST,
# only after waiting for a key on AH=01h and taking it.
POLLER = """
        org 7C00h
        mov word [0500h], 0B007h            ; (booted)
        sti
%if KEY_FIRST
for_key: mov ah, 01h
        int 16h
        jz for_key
        mov ah, 00h
        int 16h
%endif
        xor si, si
poll:   mov cx, WORK
        loop $
        mov ah, 01h
        int 16h
        inc si
        jmp poll
"""


def poller_floppy(tmp_path, work, key_first=False):
    require_tool("nasm")
    src = tmp_path / "poller.asm"
    src.write_text("WORK equ %d\n%%define KEY_FIRST %d\n" % (work, key_first) + POLLER)
    out = tmp_path / "poller.bin"
    subprocess.run(["nasm", "-f", "bin", "-o", str(out), str(src)], check=True)
    sector = bytearray(512)
    code = out.read_bytes()
    sector[:len(code)] = code
    sector[510:512] = b"\x55\xaa"
    floppy = tmp_path / "poller.img"
    floppy.write_bytes(bytes(sector) + bytes(360 * 1024 - 512))
    return floppy


def start_poller(m):
    """Run into the boot sector (it writes B007h to 0:0500); returns the halted time until then
    (POST halts for the keyboard controller's self test)."""
    assert m.run_until(lambda m: m.mem.data[0x500:0x502] == b"\x07\xb0", timeout=60)
    return halted_ns(m)


def run_ticks(m, count):
    end = ticks(m) + count
    assert m.run_until(lambda m: ticks(m) >= end, timeout=120)


def test_a_caller_polling_between_pieces_of_work_is_not_halted(tmp_path):
    """900 instructions of work a poll: ~590 polls a tick at the virtual clock's 10 MIPS, as
    FreeCOM reading AUTOEXEC.BAT. Before, the BIOS halted such a caller for the rest of every
    tick from its second on (it now does so only after a second of it, KB_SLOW_TICKS)."""
    with Machine(floppies=[poller_floppy(tmp_path, 900)], clock="virtual") as m:
        start = start_poller(m)
        run_ticks(m, 12)
        assert halted_ns(m) == start
        polls = m.cpu.regs[6]  # SI: polls made
        run_ticks(m, 1)
        assert 400 < (m.cpu.regs[6] - polls) & 0xFFFF < 1024


def assert_halted_after_127_polls_a_tick(tmp_path, work, after_ticks):
    """The poller with ``work`` is halted in each of the 4 ticks after its first
    ``after_ticks``, after 127 polls a tick at the most."""
    with Machine(floppies=[poller_floppy(tmp_path, work)], clock="virtual") as m:
        start_poller(m)
        run_ticks(m, after_ticks)
        start, polls = halted_ns(m), m.cpu.regs[6]
        run_ticks(m, 4)
        assert halted_ns(m) > start
        assert (m.cpu.regs[6] - polls) & 0xFFFF <= 4 * 127


def test_a_slow_spinner_is_halted_after_a_second(tmp_path):
    """A caller that ran out of polls in every tick for a second (KB_SLOW_TICKS) is taken for
    idle though it never polled densely: an interpreter that slow (CPython) idles too."""
    assert_halted_after_127_polls_a_tick(tmp_path, 900, 22)


def test_a_dense_spinner_is_halted_from_its_third_tick(tmp_path):
    """A bare AH=01h loop polls ~13,000 times a tick: halted after 127 polls from the tick after
    its first full one, so a waiting guest costs little long before it is sure to be idle."""
    assert_halted_after_127_polls_a_tick(tmp_path, 1, 3)


def test_a_caller_that_waited_for_a_key_and_then_works_is_not_halted(tmp_path):
    """A dense wait for a key (halted after 127 polls a tick), then work polling every 900
    instructions: the caller may nap in the tick of the key and the next (as DOS back at its
    prompt does), but no tick after them halts it (before, the caller stayed taken for idle
    until a video or disk call)."""
    with Machine(floppies=[poller_floppy(tmp_path, 900, key_first=True)], clock="virtual") as m:
        start = start_poller(m)
        run_ticks(m, 5)
        assert halted_ns(m) > start
        m.type_text("x")
        assert m.run_until(lambda m: m.cpu.regs[6] > 0 and m.cpu.sregs[1] == 0, timeout=60)
        run_ticks(m, 2)
        start = halted_ns(m)
        run_ticks(m, 12)
        assert halted_ns(m) == start
