"""pytest-xdist: each account's controls run on one worker, so its sources are read once, and one report is written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from awsaudit.parallel import account_of
from conftest import ROOT_CHECKS, check_files, lone, make_project, run_audit


@pytest.mark.parametrize(("nodeid", "account"), [
    ("checks/test_root.py::test_root_has_mfa[prod]", "prod"),
    ("checks/test_root.py::test_root_has_mfa[prod-eu.west]", "prod-eu.west"),
    ("tests/test_x.py::test_plain", "tests/test_x.py::test_plain"),
])
def test_the_scope_of_a_control_is_its_account(nodeid: str, account: str) -> None:
    assert account_of(nodeid) == account


# Four accounts that cost next to nothing to serve, and controls of two files: with pytest-xdist's own scopes (the test,
# or the file) an account's controls would be spread over both workers.
ACCOUNTS = ["prod", "dev", "staging", "sandbox"]
TWINS = {f"{name}.toml": lone(f"10000000000{n}") for n, name in enumerate(ACCOUNTS, 1)}
CHECKS = {**ROOT_CHECKS, **check_files("test_iam_password_length.py")}


def test_each_account_runs_on_one_worker_and_one_report_covers_all(tmp_path: Path) -> None:
    accounts = ACCOUNTS
    project = make_project(tmp_path, twins=TWINS, checks=CHECKS)
    run = run_audit(tmp_path, "--offline", "--account", ",".join(accounts), "-n", "2", "-v", cwd=project)

    workers: dict[str, set[str]] = {}
    for worker, account in re.findall(r"^\[(gw\d+)\] \[ *\d+%\] \w+ +checks/\S+\[([\w-]+)\]", run.output, flags=re.M):
        workers.setdefault(account, set()).add(worker)
    assert set(workers) == set(accounts), run.output
    assert all(len(ran_on) == 1 for ran_on in workers.values()), workers
    assert len({w for ran_on in workers.values() for w in ran_on}) == 2, "both workers should have had accounts"
    page = run.report.read_text(encoding="utf-8")
    assert all(f"<tr><td>{account}</td>" in page for account in accounts)
    assert {props["account"] for props in run.properties.values()} == set(accounts)
