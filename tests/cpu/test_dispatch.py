"""The generated dispatch tree calls exactly the handler the table names, for every opcode."""

import linecache

from pcemu.cpu import ops
from pcemu.cpu.dispatch import dispatcher


def _recording_table(table):
    """A table of distinct recording handlers, grouped the way ``table`` groups its opcodes."""
    made = {}
    calls = []

    def make(fn):
        def handler(cpu):
            calls.append(fn)
        handler.__name__ = getattr(fn, "__name__", "handler")
        return handler

    out = []
    for fn in table:
        if fn not in made:
            made[fn] = make(fn)
        out.append(made[fn])
    return tuple(out), calls


def test_every_opcode_reaches_its_handler():
    for table in (ops.TABLE_8086, ops.TABLE_80186):
        recording, calls = _recording_table(table)
        dispatch = dispatcher(recording, "dispatch_test")
        for op in range(256):
            del calls[:]
            dispatch(None, op)
            assert calls == [table[op]], "opcode %02X" % op


def test_a_replaced_table_is_dispatched(tmp_path):
    """CPU.set_table (used by pcemu.bench's boot profile) routes opcodes to the new table."""
    from pcemu.machine import Machine
    seen = []
    m = Machine(translate="interp")
    table = list(m.cpu.table)
    original = table[0xEA]

    def far_jump(cpu):
        seen.append(cpu.ip)
        original(cpu)
    table[0xEA] = far_jump
    m.cpu.set_table(tuple(table))
    m.run(insns=1)          # the reset vector F000:FFF0 is a far JMP
    assert seen, "the far jump at the reset vector did not reach the replaced handler"


def test_dispatcher_source_is_visible():
    dispatch = dispatcher(ops.TABLE_80186, "dispatch_80186")
    lines = linecache.getlines(dispatch.__code__.co_filename)
    assert lines and lines[0].startswith("def dispatch_80186(cpu, op):")


def test_handlers_are_globals_of_a_module():
    """The tree's leaves name their handlers as globals of a module of their own: PyPy's
    traces take a module's globals as constants, where a plain dict cost a hash lookup (and
    a string allocated for the name) on every interpreted instruction."""
    recording, calls = _recording_table(ops.TABLE_80186)
    fn = dispatcher(recording, "dispatch_module_test")
    assert fn.__globals__["__name__"].startswith("pcemu_dispatch")   # a module's dictionary
    fn(None, 0x90)
    assert len(calls) == 1


def test_a_family_is_dispatched_before_the_tree():
    """A handler of many opcodes that are not neighbours (the ALU's 48 forms) is tested for
    first, by a table lookup: one path for all of them instead of a leaf per run."""
    from pcemu.cpu.dispatch import families, source

    for table in (ops.TABLE_8086, ops.TABLE_80186):
        alu = table[0x00]
        assert families(table)[0] is alu
        src, names = source(table, "dispatch_family_test")
        body = src.splitlines()
        assert body[1].strip().startswith("if is_") and "[op]:" in body[1]
        assert "op_00_3d_alu" in body[2]
        # no leaf of the tree names it again
        assert sum(1 for line in body if "op_00_3d_alu(cpu)" in line) == 1
