"""When PyPy's tracing JIT may trace: held off while a machine runs its power-on self test.

POST runs about 19,000 guest instructions, nearly every one of them a few times at most.
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

After POST, most of a DOS boot is still cold: the interpreter's traces (one guest
instruction each) run a few times and are left. PyPy's ``unroll`` optimisation compiles
every loop twice (a peeled first pass, then the loop proper), which pays for a hot loop and
doubles the cost of the rest: with it off a FreeDOS boot took 0.68-0.74x the CPU time
(``PYPYLOG=jit-summary``: tracing is half of that boot). The translated regions' guest loops
are what gains from it. So ``unroll(False)`` while a machine runs cold code, ``unroll(True)``
while translated code runs (pcemu.machine decides: the translator made or installed a region,
or most of a quantum ran translated). The setting is the process's; a user's
``--jit enable_opts=...`` is replaced by PyPy's default or by ``COLD_OPTS``.
"""

try:
    import pypyjit
except ImportError:  # CPython
    pypyjit = None

HOLD_LIMIT_INSNS = 200000

# PyPy's optimisations without "unroll" (the default, "all", is these and unroll).
COLD_OPTS = "intbounds:rewrite:virtualize:string:pure:earlyforce:heap"

_holders = set()
_unrolling = [True]


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


def unroll(on):
    """Let PyPy unroll the loops it compiles from now on (its default), or not (cold code)."""
    if pypyjit is None or _unrolling[0] == on:
        return
    _unrolling[0] = on
    pypyjit.set_param("enable_opts=%s" % (pypyjit.defaults["enable_opts"] if on else COLD_OPTS))
