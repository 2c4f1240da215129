"""PyPy's JIT is held off while a machine runs POST (pcemu.hostjit), and only then.

A stand-in for the ``pypyjit`` module records what the machine asks of it, so these
run the same under CPython and PyPy; the speed it buys is measured by the race
(README, speed table), not here.
"""

import os

import pytest

from pcemu import hostjit
from pcemu.machine import Machine
from test_package import MESSAGE, boot_floppy

POST_FIRST, POST_BOOT = 0x01, 0x0F
JIT_ON = "threshold=1039,function_threshold=1619,trace_eagerness=%d" % hostjit.TRACE_EAGERNESS


class RecordingJit:
    defaults = {"threshold": 1039, "function_threshold": 1619}

    def __init__(self):
        self.calls = []

    def set_param(self, text):
        self.calls.append(text)

    def dont_trace_here(self, pc, profiled, code):
        pass


@pytest.fixture
def jit(monkeypatch):
    fake = RecordingJit()
    monkeypatch.setattr(hostjit, "pypyjit", fake)
    monkeypatch.setattr(hostjit, "_holders", set())
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
        assert jit.calls == ["off", JIT_ON]


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
        assert jit.calls == ["off", JIT_ON]


def test_a_reset_runs_post_held_again(jit, floppy):
    with Machine(floppies=[floppy], snapshot=True) as m:
        run_through_post(m)
        m.io.out8(0x64, 0xFE)            # the 8042 pulses the reset line
        m.run(insns=1000)
        assert hostjit.held()
        assert jit.calls == ["off", JIT_ON, "off"]


def test_the_interpreter_loops_run_each_instruction_through_a_function_kept_apart(floppy, monkeypatch):
    """Both interpreter loops (CPU.run and the translating tier's) run every instruction they
    interpret through CPU._exec_one, whose dispatch tree PyPy compiles on its own and calls
    from the loops' traces without inlining it; _exec_one itself is a prologue PyPy inlines
    (kept apart too, the tree was compiled twice: see pcemu.hostjit). All but Jcc, which the
    loops run themselves, without that call (ops.control.run_jcc)."""
    from pcemu.cpu import core, translate
    from pcemu.cpu.core import CPU

    assert CPU._exec_one.__code__ not in hostjit.kept_apart
    run_jcc = core.run_jcc
    for tier in ("interp", "auto"):
        with Machine(floppies=[floppy], snapshot=True, translate=tier) as m:
            calls = []
            jumps = []
            exec_one = m.cpu._exec_one

            def counting():
                if m.cpu.insn_ip == m.cpu.ip:    # not the rest of a prefixed instruction
                    calls.append(1)
                exec_one()

            def counting_jcc(cpu, ip, csb):
                assert 0x70 <= cpu.data[csb + ip] <= 0x7F
                jumps.append(1)
                run_jcc(cpu, ip, csb)

            m.cpu._exec_one = counting
            monkeypatch.setattr(core, "run_jcc", counting_jcc)
            monkeypatch.setattr(translate, "run_jcc", counting_jcc)
            m.run(insns=5000)
            interpreted = m.cpu.icount - (m.cpu.translator.translated_insns if m.cpu.translator else 0)
            # all but the few run at a boundary (the instruction after STI or MOV SS, or
            # after a trap)
            assert interpreted * 0.98 <= len(calls) + len(jumps) <= interpreted and interpreted > 4000
            assert len(jumps) > 300       # POST's loops
            assert m.cpu.dispatch_traced.__code__ in hostjit.kept_apart


class MarkingJit:
    def __init__(self):
        self.marked = []

    def dont_trace_here(self, pc, profiled, code):
        self.marked.append((pc, profiled, code))


def test_compile_apart_marks_the_function_entry_dont_trace_here(monkeypatch):
    fake = MarkingJit()
    monkeypatch.setattr(hostjit, "pypyjit", fake)

    def handler(x):
        return x + 1

    assert hostjit.compile_apart(handler) is handler
    assert fake.marked == [(0, False, handler.__code__)]
    assert handler(1) == 2


def test_post_dispatches_by_table_lookup_while_the_jit_is_held(jit, floppy):
    """Held off, PyPy interprets every instruction: the CPU indexes its handler table then,
    and goes back to the decision tree (what traces want) when the hold ends."""
    with Machine(floppies=[floppy], snapshot=True) as m:
        cpu = m.cpu
        assert cpu.dispatch is cpu.dispatch_traced
        m.run(insns=1000)
        assert hostjit.held() and cpu.dispatch is cpu.dispatch_lookup
        run_through_post(m)
        assert not hostjit.held() and cpu.dispatch is cpu.dispatch_traced


class _Exec(Exception):
    pass


@pytest.mark.parametrize("argv0, expect", [
    ("__main__.py", ["-m", "pcemu"]),       # python -m pcemu
    ("pcemu", None),                         # the console script: run as it was
])
def test_an_oversized_pypy_nursery_restarts_the_command_with_4mb(monkeypatch, tmp_path, argv0, expect):
    """PyPy takes half the biggest CPU cache for its nursery (150 MB on a 300 MiB L3): the
    command starts itself again with PYPY_GC_NURSERY=4MB, the user's choice standing."""
    script = tmp_path / argv0
    script.write_text("")
    calls = []

    def fake_execve(path, args, env):
        calls.append((path, args, env))
        raise _Exec()

    monkeypatch.setattr(hostjit.os, "execve", fake_execve)
    monkeypatch.setattr(hostjit, "nursery_bytes", lambda: 150 << 20)
    monkeypatch.setattr(hostjit.sys, "argv", [str(script), "--disk=a.img", "--stats"])
    monkeypatch.delenv("PYPY_GC_NURSERY", raising=False)
    with pytest.raises(_Exec):
        hostjit.fit_gc_nursery()
    path, args, env = calls[0]
    assert path == hostjit.sys.executable and env["PYPY_GC_NURSERY"] == "4MB"
    assert args == [path] + (expect or [str(script)]) + ["--disk=a.img", "--stats"]

    monkeypatch.setenv("PYPY_GC_NURSERY", "6MB")        # the user's own: left alone
    hostjit.fit_gc_nursery()
    monkeypatch.delenv("PYPY_GC_NURSERY")
    monkeypatch.setattr(hostjit, "nursery_bytes", lambda: 8 << 20)   # a sane size: left alone
    hostjit.fit_gc_nursery()
    monkeypatch.setattr(hostjit, "nursery_bytes", lambda: 150 << 20)
    monkeypatch.setattr(hostjit.sys, "argv", ["-c", "--stats"])       # python -c: no script to restart
    hostjit.fit_gc_nursery()
    assert len(calls) == 1


def test_benchmark_children_get_the_nursery_the_command_would(monkeypatch):
    """pcemu.bench times machines in child processes: they get the nursery the ``pcemu``
    command restarts itself with, unless the user set one."""
    import subprocess

    from pcemu import bench

    seen = []

    class Done:
        stdout, returncode, stderr = "", 0, ""

    def run(cmd, **kw):
        seen.append(kw["env"])
        return Done()

    monkeypatch.setattr(subprocess, "run", run)   # bench imports it where it runs a child
    monkeypatch.delenv("PYPY_GC_NURSERY", raising=False)
    monkeypatch.setattr(hostjit, "nursery_bytes", lambda: 150 << 20)
    bench.run_child(["true"])
    monkeypatch.setattr(hostjit, "nursery_bytes", lambda: 8 << 20)
    bench.run_child(["true"])
    monkeypatch.setenv("PYPY_GC_NURSERY", "6MB")
    monkeypatch.setattr(hostjit, "nursery_bytes", lambda: 150 << 20)
    bench.run_child(["true"])
    assert [env.get("PYPY_GC_NURSERY") for env in seen] == ["4MB", None, "6MB"]


def test_helpers_with_many_paths_are_compiled_apart():
    """The helpers many handlers share, with many paths of their own (see pcemu.hostjit for
    what each saved), are compiled apart."""
    from pcemu.cpu.ops import flags, interrupts, modrm

    for fn in (modrm.ea, modrm.rm_read8, modrm.rm_read16, modrm.rm_write8, modrm.rm_write16,
               interrupts.interrupt, flags.compute_flags):
        assert fn.__code__ in hostjit.kept_apart, fn.__name__


def test_helpers_on_every_instruction_path_do_not_branch():
    """Effective addresses, byte registers, sign-extended bytes, eagerly set SZP flags, the
    flags of SHL, SHR and the rotates, the ALU's eight operations (the carry of ADC and SBB
    included), and CF, ZF, SF and PF read from a pending result, are
    computed by arithmetic, without a conditional jump:
    under PyPy each branch in them makes each of its outcomes a path of its own, compiled
    again in every handler that calls them (bridges: 2-3 ms of a cold boot each; see the
    comments in these modules)."""
    import dis

    from pcemu.cpu.ops import alu, flags, memory, modrm, registers, shifts

    for fn in (modrm.ea, alu._alu_any_arith, registers.get_r8, registers.set_r8, memory.fetch_s8, flags.set_szp_eager,
               shifts.sh_shl, shifts.sh_shr, shifts._rot_flags, flags.get_cf, flags.get_zf, flags.get_sf,
               flags.get_pf, flags.get_of):
        jumps = [i.opname for i in dis.get_instructions(fn) if "JUMP_IF" in i.opname]
        assert not jumps, (fn.__name__, jumps)


def test_memory_operand_reads_inline_the_effective_address():
    """rm_read8 and rm_read16, compiled apart, decode the address with a twin of ``ea`` that
    PyPy inlines (the same code in a code object not marked): one call into compiled code per
    memory operand read, not two. Handlers calling ``ea`` itself still get it compiled apart."""
    import dis

    from pcemu.cpu.ops import modrm

    twin = modrm._ea_in_line.__code__
    assert twin is not modrm.ea.__code__ and twin.co_code == modrm.ea.__code__.co_code
    assert not any(code is twin for code in hostjit.kept_apart)
    assert any(code is modrm.ea.__code__ for code in hostjit.kept_apart)
    for fn in (modrm.rm_read8, modrm.rm_read16):
        names = [i.argval for i in dis.get_instructions(fn) if i.opname == "LOAD_GLOBAL"]
        assert "_ea_in_line" in names and "ea" not in names, fn.__name__


def test_without_a_jit_the_cpu_dispatches_by_table_lookup(monkeypatch):
    """The decision tree is for PyPy's traces; CPython (no ``pypyjit``) indexes the handler
    table, one lookup against eight comparisons: a FreeDOS boot under CPython 5.9 s of CPU
    against 7.5 s through the tree (medians of 3)."""
    from pcemu.bus import IoPorts, Memory
    from pcemu.cpu.core import CPU

    monkeypatch.setattr(hostjit, "pypyjit", None)
    cpu = CPU(Memory(), IoPorts())
    assert cpu.dispatch is cpu.dispatch_lookup
    cpu.dispatch_for_jit(True)
    assert cpu.dispatch is cpu.dispatch_lookup
    monkeypatch.setattr(hostjit, "pypyjit", RecordingJit())
    cpu.dispatch_for_jit(True)
    assert cpu.dispatch is cpu.dispatch_traced
