"""How pcemu steers PyPy's tracing JIT: what it traces, and when.

The CPU's dispatch tree (``pcemu.cpu.dispatch``: one guest instruction, the tree and the
handlers) is compiled by PyPy as a function of its own (``compile_apart``): every place that
runs an instruction (``CPU._exec_one``, a small prologue inlined into the interpreter loops,
the probes and a prefix's handler) calls it, and PyPy compiles it once, with a bridge per
handler path, shared by all of them. Inlined, each guest instruction was traced again into
the interpreter loop's own trace tree, once per place in that tree where it first came by: a
FreeDOS boot (60% of its instructions interpreted) took 4.0-4.2 s of CPU with the call kept
apart against 5.8-6.4 s inlined. Kept apart one level up (``_exec_one`` itself, with the
tree inlined in it), the tree got compiled twice: PyPy also traced the tree function from
its own entry, once something interpreted called it, and grew a second set of bridges
there (52 of a boot's 300 traces); with the tree itself apart, a boot records 31% fewer
operations (162k -> 112k) and took 14% less CPU (medians of 6), the race 7% less.

How it is kept apart matters as much: PyPy's ``residual_call`` goes through the interpreter's
generic call, about 220 ns a call here; marking the function's entry "don't trace here"
makes traces call its compiled code directly (``call_assembler``), about 70 ns. A FreeDOS
boot took 18% fewer host instructions so with the translating tier off (15.05G -> 12.39G,
valgrind), the race's 3% fewer (3.57G -> 3.46G).

The same holds inside an instruction for helpers with many paths that many handlers call:
inlined, each handler's bridge holds its own copy of every path it met (ModRM forms, lazy
flag kinds), and a cold boot meets most of them once per handler. Compiled apart, each path
is compiled once. Kept apart, and what each did to the host instructions (valgrind) of a
FreeDOS boot and of the race's guest, one after the other:

  the instruction after a prefix (a copy of the dispatch tree)  boot -4.1%   race -0.5%
    (since replaced: the prefix's handler calls CPU._exec_one again, so a prefixed
    instruction shares the compiled paths of its plain form: see ops.prefixes)
  ops.modrm.ea (effective addresses)                           boot -12%    race -0.3%
    (since without a branch; inlined again inside rm_read8/16: boot -1.0%, see ops.modrm)
  ops.interrupts.interrupt, ops.flags.compute_flags            boot -2.8%   race -4.4%
  ops.flags.get_cf, get_of                                     boot -3.5%   race -0.5%
    (both since computed without a branch, and inlined: see ops.flags)
  ops.modrm.rm_read8/16, rm_write8/16                          boot -4.2%   race +1.3%

Tried and not kept: push/pop (+0.4%, +0.2%), CPU._boundary (0%, +1.3%), the port
accessors IoPorts.in8/out8/in16/out16 (+0.9%, +0.2%).

The JIT is held off while a machine runs its power-on self test.

POST ran about 19,000 guest instructions then (8,700 now), nearly every one of them a few
times at most. PyPy traces the interpreter loop after about a thousand passes, whatever guest code they
are, so with the JIT on it spends most of POST tracing and compiling paths that never run
again: 0.36-0.39 s of CPU here, against 0.11-0.14 s with the JIT off, and the rest of the
run is no slower (the guest's own hot code is traced when it runs). A later POST in the same
process is cheaper with the JIT off too (0.08-0.12 s against 0.15-0.24 s with traces left by
an earlier one). Measured with ``tools/bench.asm`` booted from a floppy, under PyPy 7.3.

So a machine holds the JIT off from its BIOS's first POST code (port 80h, 01h) until the
last one before INT 19h (0Fh), or for at most ``HOLD_LIMIT_INSNS`` instructions if the BIOS
never gets there. While it is off PyPy runs no compiled code at all, old or new, so the JIT
is on again as soon as no machine in the process is in POST. Under CPython there is nothing
to do. A user's ``--jit threshold=...`` is replaced by PyPy's defaults after the first POST,
and bridges are compiled after TRACE_EAGERNESS guard failures from then on.
While the JIT is held the CPU dispatches by indexing its handler table, cheaper to
interpret than the decision tree traces want (``CPU.dispatch_for_jit``); under CPython it
always does.

Runs of DOS commands (``pcemu run``, and tests using the pytest plugin's DOS fixtures) tune
the JIT further for cold code: see ``OPTS_FOR_COMMANDS``.
"""

import os
import sys

try:
    import pypyjit
except ImportError:  # CPython
    pypyjit = None

HOLD_LIMIT_INSNS = 200000


kept_apart = set()     # the code objects compile_apart marked


def compile_apart(fn):
    """Mark ``fn`` (a function or method) so PyPy never inlines it into its callers' traces:
    it gets traces of its own, which callers' traces call directly. Returns ``fn``."""
    if pypyjit is not None:
        pypyjit.dont_trace_here(0, False, fn.__code__)
    kept_apart.add(fn.__code__)
    return fn

_holders = set()


def hold(owner):
    """Keep the JIT from tracing (and from running compiled code) until ``release(owner)``."""
    if pypyjit is None or owner in _holders:
        return
    if not _holders:
        pypyjit.set_param("off")
    _holders.add(owner)


def release(owner):
    """Drop ``owner``'s hold; the JIT is on again once nobody holds it (with PyPy's thresholds
    and our ``trace_eagerness``)."""
    if owner not in _holders:
        return
    _holders.discard(owner)
    if not _holders:
        d = pypyjit.defaults
        pypyjit.set_param("threshold=%d,function_threshold=%d,trace_eagerness=%d"
                          % (d["threshold"], d["function_threshold"], _trace_eagerness))


def held():
    """True while some machine holds the JIT off."""
    return bool(_holders)


# PyPy's JIT optimisations for runs of DOS commands (``pcemu run``, tests with the pytest
# plugin's DOS fixtures): all of them but loop unrolling.
# Unrolling compiles each loop twice, a peeled first pass and a loop body specialised on
# what that pass saw. The interpreter's loop runs one guest instruction per pass, so its
# body gets specialised on whichever instruction happened to run when the loop got hot,
# and every other instruction leaves it through a guard into a bridge of its own. Which
# instruction that is decides between a good and a bad trace tree: the commands of the
# plugin's 20 one-command tests, run in one process, took 3.2-3.9 s or 5.0-5.5 s of CPU
# depending on PyPy's threshold (300, 500: good; 450, 550, 600, 1039: bad). DOS commands are cold code,
# so bridges are most of the JIT's work; without unrolling the time no longer depends on the
# threshold and is the good one (3.2-3.4 s). Long hot loops lose a little: the race took
# 1.02 s instead of 0.90 s of CPU. So only runs of commands ask for it, ``pcemu run`` and the
# pytest plugin's session, not the emulator in general. (Measured before the interpreter
# loops called instructions untraced; with that, the 20 tests were within noise with and
# without this tuning: 6.7 against 7.2 s, medians of 5 on a loaded machine.)
OPTS_FOR_COMMANDS = "intbounds:rewrite:virtualize:string:pure:earlyforce:heap"
# And bridges compiled after 50 failures of their guard instead of 200: in cold code a guard
# that fails at all fails again soon, and until its bridge is compiled each failure runs
# PyPy's slow blackhole interpreter. The same commands, in one process (CPU, median of 5):
# 4.10 s at 200, 3.8 at 100, 3.4-3.5 at 50, 3.3 at 25 and at 10.
TRACE_EAGERNESS_FOR_COMMANDS = 50

# For a machine in general (set when POST lets the JIT go): 50 failures. Host instructions
# (valgrind), trace_eagerness 200 / 100 / 50 / 20: FreeDOS boot 13.3G / 11.9G / 11.3G / 11.4G,
# the race's guest 3.46G / 3.50G / 3.59G / 3.82G (then 100 was chosen). A boot is cold code,
# the race hot loops. With the dispatch tree kept apart and far fewer bridges, 100 / 50 / 25:
# boot 5.72G / 5.61G / 5.57G, race 2.95G / 3.02G / 3.16G; the boot is what misses its target.
TRACE_EAGERNESS = 50
_trace_eagerness = TRACE_EAGERNESS


def tune_for_commands():
    """Run PyPy's JIT without loop unrolling, compiling bridges sooner, from now on (see
    OPTS_FOR_COMMANDS). Returns False under CPython, where there is no JIT."""
    global _trace_eagerness
    if pypyjit is None:
        return False
    _trace_eagerness = TRACE_EAGERNESS_FOR_COMMANDS
    pypyjit.set_param("enable_opts=%s,trace_eagerness=%d" % (OPTS_FOR_COMMANDS,
                                                             TRACE_EAGERNESS_FOR_COMMANDS))
    return True


def defaults_for_commands_again():
    """The JIT settings of a machine in general again (after ``tune_for_commands``): PyPy's
    optimisations, our TRACE_EAGERNESS."""
    global _trace_eagerness
    _trace_eagerness = TRACE_EAGERNESS
    if pypyjit is not None:
        d = pypyjit.defaults
        pypyjit.set_param("enable_opts=%s,trace_eagerness=%d" % (d["enable_opts"], TRACE_EAGERNESS))


# PyPy sizes its nursery (where new objects are made) from the biggest CPU cache it finds,
# taken for the L2: with a large L3 it takes half of it (150 MB on the development VM, whose
# L3 is 300 MiB), and the first pass through it touches a new page every 4 KiB: 48,000 page
# faults, 0.1 s of system time in the race, and a nursery far out of cache. Only the
# environment sets it (PYPY_GC_NURSERY, read as PyPy starts), so the command starts itself
# again with it: the race took 0.61 s of CPU against 8086tiny's 0.65 s so, against 0.74-0.92 s
# without (three runs of ../shared/race/race, one with the variable set).
# Smaller still is better for a boot, which allocates about 1 KB per guest instruction (a frame
# for each call into code compiled apart): 4 MB against 8 MB, fresh processes alternated (CPU,
# medians of 10): FreeDOS minimal to A:\> 2.27-2.63 s against 2.55-3.29 s; the race's guest
# 0.77-0.93 s against 0.80-1.00 s. 2 and 3 MB were as good as 4 for the boot; 1 MB worse.
NURSERY_MAX = 32 << 20
NURSERY = "4MB"
_UNITS = (("kB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30))


def nursery_bytes():
    """The size of PyPy's nursery (0 under CPython)."""
    if sys.implementation.name != "pypy":
        return 0
    import gc

    text = gc.get_stats().nursery_size       # e.g. "150.0MB"
    for unit, scale in _UNITS:
        if text.endswith(unit):
            return int(float(text[:-len(unit)]) * scale)
    return 0


def _nursery_to_fit():
    """True if PyPy took a nursery over NURSERY_MAX and the user set none."""
    return "PYPY_GC_NURSERY" not in os.environ and nursery_bytes() > NURSERY_MAX


def child_environment():
    """The environment for a child Python process that runs a machine (pcemu.bench): with the
    nursery ``fit_gc_nursery`` would give the ``pcemu`` command, so a benchmark's children
    run as the command does."""
    if _nursery_to_fit():
        return dict(os.environ, PYPY_GC_NURSERY=NURSERY)
    return dict(os.environ)


def fit_gc_nursery():
    """Run this command again with an 8 MB nursery if PyPy took one over 32 MB and the user
    set none (see NURSERY_MAX); returns when there is nothing to do. PyPy's own options
    (``--jit ...``) are not carried over: set PYPY_GC_NURSERY to keep them."""
    if not _nursery_to_fit():
        return
    argv0 = sys.argv[0]
    if not os.path.isfile(argv0):        # python -c ..., an embedded interpreter
        return
    if os.path.basename(argv0) == "__main__.py":
        args = [sys.executable, "-m", "pcemu"]
    else:
        args = [sys.executable, argv0]
    for stream in (sys.stdout, sys.stderr):      # None when the fd is closed
        if stream is not None:
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
    os.execve(sys.executable, args + sys.argv[1:], dict(os.environ, PYPY_GC_NURSERY=NURSERY))
