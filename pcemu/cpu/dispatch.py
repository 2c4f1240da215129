"""Opcode dispatch as a generated decision tree, for PyPy's tracing JIT.

Why not ``table[op](cpu)``: PyPy inlines a call only to a known function,
so an indirect call through a table becomes ``guard_value(fn == A)`` in the
trace; when another handler comes by, the guard fails and a bridge is
compiled that guards ``fn == B``, and so on. The opcodes a piece of guest
code uses become a *chain* of guards, tested one after the other before
every instruction: the later an opcode was first seen, the longer its walk,
and which opcode came first (the BIOS's code layout, the boot order)
decides the speed of everything after. Cold code pays most, since every
new chain link is a bridge to compile.

A binary search over opcode ranges instead turns every dispatch into at
most ~8 integer comparisons, whatever was traced first: the trace follows
one path, and each comparison that goes the other way gets its own bridge
once. Leaves call the handlers by their global names, which PyPy folds to
constants and inlines: the names live in a module's dictionary, whose
entries PyPy's traces take as constants. In a plain dict each leaf's
LOAD_GLOBAL was a hash lookup in every trace, with the name's string
allocated for it: once per interpreted instruction.

A *family* is a handler for many opcodes that are not neighbours (the ALU's 48 forms in
00-3D, which take the operation and form from the opcode byte): the tree would give it a
leaf, and so a compiled path, per run of its opcodes. It is tested for first, by looking
the opcode up in a table of 256 flags: one path for all of them, and the tree over the
other opcodes gets shallower.

``dispatcher(table)`` returns the function ``dispatch_<name>(cpu, op)`` for
a 256-entry handler table (cached per table); its source is registered with
``linecache`` so tracebacks and debuggers show it.
"""

import linecache
import types

_cache = {}


FAMILY_OPCODES = 16     # a handler of at least this many opcodes, in several runs, is a family


def _runs(table, skip=()):
    """Contiguous opcode ranges that share one handler: [(lo, hi, fn)]. Handlers in
    ``skip`` never reach the tree: their opcodes join whatever run is next to them."""
    runs = []
    for op, fn in enumerate(table):
        if fn in skip:
            continue
        if runs and runs[-1][2] is fn:
            runs[-1][1] = op
        else:
            runs.append([op, op, fn])
    return runs


def families(table):
    """The handlers dispatched before the tree (see above), in table order."""
    opcodes = {}
    runs = {}
    for lo, hi, fn in _runs(table):
        opcodes[fn] = opcodes.get(fn, 0) + hi - lo + 1
        runs[fn] = runs.get(fn, 0) + 1
    out = []
    for fn in table:
        if fn not in out and opcodes[fn] >= FAMILY_OPCODES and runs[fn] > 1:
            out.append(fn)
    return out


def source(table, name):
    """The source of the dispatcher for ``table`` and the names it needs."""
    names = {}
    glob = {}
    for op, fn in enumerate(table):
        if fn not in names:
            base = getattr(fn, "__name__", "handler").replace("<", "").replace(">", "")
            ident = "h_%02x_%s" % (op, base)
            names[fn] = ident
            glob[ident] = fn
    lines = ["def %s(cpu, op):" % name]
    skip = families(table)
    for fn in skip:
        member = "is_%s" % names[fn]
        glob[member] = tuple(h is fn for h in table)
        lines.append("    if %s[op]:" % member)
        lines.append("        return %s(cpu)  # %d opcodes" % (names[fn], glob[member].count(True)))

    def emit(runs, depth):
        pad = "    " * depth
        if len(runs) == 1:
            lo, hi, fn = runs[0]
            what = "%02X" % lo if lo == hi else "%02X-%02X" % (lo, hi)
            lines.append("%sreturn %s(cpu)  # %s" % (pad, names[fn], what))
            return
        mid = len(runs) // 2
        lines.append("%sif op < 0x%02X:" % (pad, runs[mid][0]))
        emit(runs[:mid], depth + 1)
        lines.append("%selse:" % pad)
        emit(runs[mid:], depth + 1)

    emit(_runs(table, skip), 1)
    return "\n".join(lines) + "\n", glob


def dispatcher(table, name=None):
    """``dispatch(cpu, op)`` calling ``table[op](cpu)`` through a decision tree (one function
    per table)."""
    key = id(table)
    hit = _cache.get(key)
    if hit is not None and hit[0] is table:
        return hit[1]
    if name is None:
        name = "dispatch_custom"
    src, glob = source(table, name)
    filename = "<pcemu.cpu.dispatch:%s #%d>" % (name, len(_cache))
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
    module = types.ModuleType("pcemu_dispatch_%d" % len(_cache))
    module.__dict__.update(glob)
    exec(compile(src, filename, "exec"), module.__dict__)
    fn = module.__dict__[name]
    _cache[key] = (table, fn)
    return fn


def lookup_dispatcher(table):
    """``dispatch_lookup(cpu, op)``: ``table[op](cpu)`` by plain indexing. Slower than the
    tree once traced, but cheaper to interpret: the CPU uses it while PyPy's JIT is held off
    (CPU.dispatch_for_jit), where it cut POST's host instructions by 14%."""
    def dispatch_lookup(cpu, op):
        return table[op](cpu)
    return dispatch_lookup
