"""Conformance against real-chip recordings (SingleStepTests, see cpu-tests/README.md).

8086 model: every 8086 file whose status is normal, alias or undocumented.
80186 model: every file in 80186/ (recorded on an 80286 in real mode).

Every recording runs through both tiers: the interpreter, and the
translating tier (the instruction translated on its own, see harness.py).
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


def _run_file(model, path, info, limit, tier):
    if path is None:
        require_file(CPU_TESTS_DIR / model / "metadata.json",
                     "the real-chip recordings (SingleStepTests) belong in %s; set PCEMU_CPU_TESTS to "
                     "the folder that has 8086/ and 80186/" % CPU_TESTS_DIR)
    tests = load_tests(path)
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
