"""The no-silent-skip policy of tests/conftest.py, run on a probe suite in a subprocess."""

import os
import shutil
import subprocess
import sys

from conftest import ROOT

PROBE = '''
import pytest
from conftest import require_file, require_tool

def test_missing_referee():
    require_tool("pcemu-no-such-referee")

@pytest.mark.tools("pcemu-no-such-referee")
def test_marker():
    pass

def test_missing_data(tmp_path):
    require_file(tmp_path / "nothing-here", "fetch it from somewhere")

def test_bare_skip():
    pytest.skip("bare reason")

def test_fine():
    pass
'''


def run_probe(tmp_path, *args, env=None):
    shutil.copyfile(str(ROOT / "tests" / "conftest.py"), str(tmp_path / "conftest.py"))
    (tmp_path / "test_probe.py").write_text(PROBE)
    environ = dict(os.environ if env is None else env)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider",
                           "--rootdir", str(tmp_path), str(tmp_path)] + list(args),
                          capture_output=True, text=True, cwd=str(tmp_path), env=environ)


def without_opt_out():
    env = dict(os.environ)
    env.pop("PCEMU_ALLOW_SKIP", None)
    return env


def test_missing_referee_or_data_fails_with_the_fix(tmp_path):
    r = run_probe(tmp_path, env=without_opt_out())
    assert r.returncode == 1, r.stdout
    assert "3 failed, 1 passed, 1 error" in r.stdout, r.stdout  # the marker fails at setup
    assert "apt-get install pcemu-no-such-referee" in r.stdout
    assert "fetch it from somewhere" in r.stdout
    assert "bare reason" in r.stdout
    assert "PCEMU_ALLOW_SKIP=1" in r.stdout


def test_explicit_opt_out_skips_instead(tmp_path):
    r = run_probe(tmp_path, "--allow-skip", env=without_opt_out())
    assert r.returncode == 0, r.stdout
    assert "1 passed, 4 skipped" in r.stdout, r.stdout
    env = dict(without_opt_out(), PCEMU_ALLOW_SKIP="1")
    r = run_probe(tmp_path, env=env)
    assert r.returncode == 0, r.stdout
    assert "1 passed, 4 skipped" in r.stdout, r.stdout
