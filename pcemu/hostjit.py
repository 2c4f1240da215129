"""How pcemu steers PyPy's tracing JIT: what it traces, and when.

The interpreter loops call each guest instruction through ``call_untraced``: PyPy then
compiles ``CPU._exec_one`` (the dispatch tree and the handlers) as a function of its own,
with a bridge per handler path, shared by every loop that calls it. Inlined, each guest
instruction was traced again into the interpreter loop's own trace tree, once per place in
that tree where it first came by: a FreeDOS boot (60% of its instructions interpreted) took
4.0-4.2 s of CPU with the call opaque against 5.8-6.4 s inlined, and the race's guest 10%
fewer host instructions (valgrind's instruction count, 3.98G against 4.41G).

The JIT is held off while a machine runs its power-on self test.

POST ran about 19,000 guest instructions then (8,700 now), nearly every one of them a few
times at most.
PyPy traces the interpreter loop after about a thousand passes, whatever guest code they
are, so with the JIT on it spends most of POST tracing and compiling paths that never run
again: 0.36-0.39 s of CPU here, against 0.11-0.14 s with the JIT off, and the rest of the
run is no slower (the guest's own hot code is traced when it runs). A later POST in the same
process is cheaper with the JIT off too (0.08-0.12 s against 0.15-0.24 s with traces left by
an earlier one). Measured with ``tools/bench.asm`` booted from a floppy, under PyPy 7.3.

So a machine holds the JIT off from its BIOS's first POST code (port 80h, 01h) until the
last one before INT 19h (0Fh), or for at most ``HOLD_LIMIT_INSNS`` instructions if the BIOS
never gets there. While it is off PyPy runs no compiled code at all, old or new, so the JIT
is on again as soon as no machine in the process is in POST. Under CPython there is nothing
to do. A user's ``--jit threshold=...`` is replaced by PyPy's defaults after the first POST.
While the JIT is held the CPU dispatches by indexing its handler table, cheaper to
interpret than the decision tree traces want (``CPU.dispatch_for_jit``).

Runs of DOS commands (``pcemu run``, and tests using the pytest plugin's DOS fixtures) tune
the JIT further for cold code: see ``pcemu.run.JIT_OPTS_FOR_COMMANDS``.
"""

try:
    import pypyjit
except ImportError:  # CPython
    pypyjit = None

HOLD_LIMIT_INSNS = 200000

if pypyjit is not None:
    call_untraced = pypyjit.residual_call
else:
    def call_untraced(fn, *args):
        """``fn(*args)``; under PyPy, a call its caller's trace does not look into."""
        return fn(*args)

_holders = set()


def hold(owner):
    """Keep the JIT from tracing (and from running compiled code) until ``release(owner)``."""
    if pypyjit is None or owner in _holders:
        return
    if not _holders:
        pypyjit.set_param("off")
    _holders.add(owner)


def release(owner):
    """Drop ``owner``'s hold; the JIT is on again once nobody holds it."""
    if owner not in _holders:
        return
    _holders.discard(owner)
    if not _holders:
        d = pypyjit.defaults
        pypyjit.set_param("threshold=%d,function_threshold=%d" % (d["threshold"], d["function_threshold"]))


def held():
    """True while some machine holds the JIT off."""
    return bool(_holders)
