"""The benchmark prints a row only for an audit that ran as it should, and refuses an interpreter that lacks the
project, in one line. What decides is tested here; the benchmark itself is too slow to run in the suite."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from conftest import REPO


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("awsaudit_bench_run", REPO / "bench" / "run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


bench = _bench()
ACCOUNTS = ["bench-0001", "bench-0002"]


def case(name: str, verdict: str | None = None, error: bool = False) -> str:
    """A JUnit test case as pytest writes it, with awsaudit's verdict property when given."""
    properties = f'<properties><property name="verdict" value="{verdict}"/></properties>' if verdict else ""
    raised = '<error message="boom"/>' if error else ""
    return f'<testcase classname="checks.test_root" name="{name}">{properties}{raised}</testcase>'


def junit(tmp_path: Path, *cases: str) -> Path:
    path = tmp_path / "junit.xml"
    path.write_text(f'<?xml version="1.0"?><testsuites><testsuite name="pytest">{"".join(cases)}</testsuite>'
                    "</testsuites>", encoding="utf-8")
    return path


def test_an_audit_that_judged_every_account_is_a_row(tmp_path: Path) -> None:
    """Failed and not applicable controls are the audit's work, measured like any other."""
    results = junit(tmp_path, case("test_root_has_mfa[bench-0001]", "failed"),
                    case("test_root_has_mfa[bench-0002]", "not applicable"))
    assert bench.unfit(1, results, ACCOUNTS) is None
    assert bench.unfit(0, results, ACCOUNTS) is None


@pytest.mark.parametrize("code", [2, 3, 4, 5])
def test_an_audit_that_did_not_end_as_audits_end_is_no_row(tmp_path: Path, code: int) -> None:
    results = junit(tmp_path, *(case(f"test_root_has_mfa[{name}]", "passed") for name in ACCOUNTS))
    assert bench.unfit(code, results, ACCOUNTS) == f"the audit exited {code}"


@pytest.mark.parametrize("error", [case("test_root_has_mfa[bench-0002]", "error"),
                                   case("test_root_has_mfa[bench-0002]", error=True)],
                         ids=["verdict property", "pytest's error element"])
def test_an_error_verdict_is_no_row(tmp_path: Path, error: str) -> None:
    """The benchmark's accounts are built so every control can judge: an ERROR is a broken setup."""
    results = junit(tmp_path, case("test_root_has_mfa[bench-0001]", "passed"), error)
    assert bench.unfit(1, results, ACCOUNTS) == "1 controls ended in ERROR, e.g. test_root_has_mfa[bench-0002]"


def test_an_account_without_verdicts_is_no_row(tmp_path: Path) -> None:
    results = junit(tmp_path, case("test_root_has_mfa[bench-0001]", "passed"))
    assert bench.unfit(1, results, ACCOUNTS) == "the audit gave no verdict on 1 of 2 accounts, e.g. bench-0002"
    assert bench.unfit(1, tmp_path / "never-written.xml", ACCOUNTS).startswith("the audit gave no verdict on 2 of 2")


def test_an_interpreter_with_everything_is_not_refused() -> None:
    assert bench.LACKING is None
    assert bench.refusal(None, sys.executable) is None


def test_an_interpreter_that_lacks_a_module_is_refused_in_one_line() -> None:
    """Run as the README says, with an interpreter without moto's server (flask): no server, no row, one line."""
    script = ("import runpy, sys; sys.modules['flask'] = None; sys.argv = ['bench/run.py', '--rows', '1x1']; "
              "runpy.run_path('bench/run.py', run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    assert done.stderr == (f"bench/run.py: {sys.executable} lacks flask, which the benchmark and the audit it runs "
                           "need: run it with the project's interpreter (.venv/bin/python bench/run.py), or pip "
                           "install -e '.[test]'\n")
