"""pytest-xdist: each account's controls run on one worker, so its sources are read once, and one report is written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from awsaudit.parallel import account_of
from conftest import run_audit


@pytest.mark.parametrize(("nodeid", "account"), [
    ("checks/test_root.py::test_root_has_mfa[prod]", "prod"),
    ("checks/test_root.py::test_root_has_mfa[prod-eu.west]", "prod-eu.west"),
    ("tests/test_x.py::test_plain", "tests/test_x.py::test_plain"),
])
def test_the_scope_of_a_control_is_its_account(nodeid: str, account: str) -> None:
    assert account_of(nodeid) == account


def test_each_account_runs_on_one_worker_and_one_report_covers_all(tmp_path: Path) -> None:
    accounts = ["compliant", "noncompliant", "virtual-mfa", "no-root-password"]
    run = run_audit(tmp_path, "--offline", "--account", ",".join(accounts), "-n", "2", "-v")

    workers: dict[str, set[str]] = {}
    for worker, account in re.findall(r"^\[(gw\d+)\] \[ *\d+%\] \w+ +checks/\S+\[([\w-]+)\]", run.output, flags=re.M):
        workers.setdefault(account, set()).add(worker)
    assert set(workers) == set(accounts), run.output
    assert all(len(ran_on) == 1 for ran_on in workers.values()), workers
    assert len({w for ran_on in workers.values() for w in ran_on}) == 2, "both workers should have had accounts"
    page = run.report.read_text(encoding="utf-8")
    assert all(f"<tr><td>{account}</td>" in page for account in accounts)
    assert {props["account"] for props in run.properties.values()} == set(accounts)
