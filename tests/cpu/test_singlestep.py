"""Conformance against real-chip recordings (SingleStepTests, see cpu-tests/README.md).

8086 model: every 8086 file whose status is normal, alias or undocumented.
80186 model: every file in 80186/ (recorded on an 80286 in real mode).

Every recording runs through both tiers: the interpreter, and the
translating tier (the instruction translated on its own, see harness.py);
the ALU's (00-3D) and Jcc's also through the handlers an interpreter
without a JIT uses, one per opcode.
The default run checks the first SAMPLE tests of each file; ``-m slow``
runs every test.
"""
import pytest

from conftest import CPU_TESTS_DIR, require_file
from harness import TIERS, check, is_286_wrap_fault, load_tests, mask_for, opcode_info, selected_files

SAMPLE = 20


def _params(model):
    model_dir = CPU_TESTS_DIR / model
    if not (model_dir / "metadata.json").exists():
        # Missing recordings are a failure (see conftest.py), raised when the test runs.
        return [pytest.param(None, None, id="recordings-missing")]
    files, meta = selected_files(model_dir, model)
    return [pytest.param(p, opcode_info(meta, p), id=p.name[: -len(".json.gz")]) for p in files]


# Without a JIT (CPython) the tables hold a handler per opcode for the ALU (00-3D) and Jcc
# (pcemu.cpu.ops.tables.by_opcode_without_jit) where PyPy's share one among many: the
# interpreter's run of those recordings runs each test through such a table too, whichever
# interpreter runs pytest.
_TABLES_WITHOUT_JIT = {}


def _table_without_jit(model):
    if model not in _TABLES_WITHOUT_JIT:
        from pcemu.cpu.ops import TABLE_8086, TABLE_80186
        from pcemu.cpu.ops.tables import tables_without_jit

        i = 0 if model == "8086" else 1
        _TABLES_WITHOUT_JIT[model] = (tables_without_jit()[i], (TABLE_8086, TABLE_80186)[i])
    return _TABLES_WITHOUT_JIT[model]


def _differs_without_jit(model, path):
    op = path.name.split(".")[0]
    if len(op) != 2:
        return False
    table, base = _table_without_jit(model)
    return table[int(op, 16)] is not base[int(op, 16)]


def _run_file(model, path, info, limit, tier):
    if path is None:
        require_file(CPU_TESTS_DIR / model / "metadata.json",
                     "the real-chip recordings (SingleStepTests) belong in %s; set PCEMU_CPU_TESTS to "
                     "the folder that has 8086/ and 80186/" % CPU_TESTS_DIR)
    tests = load_tests(path)
    table_without_jit = None
    if tier == "interp" and _differs_without_jit(model, path):
        table_without_jit = _table_without_jit(model)[0]
    if limit:
        tests = tests[:limit]
    failures = []
    ran = 0
    for t in tests:
        if model == "80186" and is_286_wrap_fault(t):
            continue
        ran += 1
        problem = check(model, t, mask_for(info), tier)
        if problem:
            failures.append(problem)
        elif table_without_jit is not None:
            problem = check(model, t, mask_for(info), tier, table=table_without_jit)
            if problem:
                failures.append("[without a JIT] " + problem)
    if failures:
        pytest.fail("%d of %d tests in %s failed; first ones:\n%s" % (
            len(failures), ran, path.name, "\n".join(failures[:3])), pytrace=False)


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("path,info", _params("8086"))
def test_8086_sample(path, info, tier):
    _run_file("8086", path, info, SAMPLE, tier)


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("path,info", _params("80186"))
def test_80186_sample(path, info, tier):
    _run_file("80186", path, info, SAMPLE, tier)


@pytest.mark.slow
@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("path,info", _params("8086"))
def test_8086_full(path, info, tier):
    _run_file("8086", path, info, None, tier)


@pytest.mark.slow
@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("path,info", _params("80186"))
def test_80186_full(path, info, tier):
    _run_file("80186", path, info, None, tier)
