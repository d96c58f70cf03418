"""A credential report that cannot be trusted is judged by no control: every control that reads it is an ERROR with
the same reason, whatever the controls in checks/ are. Run on the whole catalog, offline, in this process, with the
report bent per account."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from awsaudit import offline
from awsaudit.credential_report import COLUMNS
from conftest import check_files, make_project

# Each account's report: how many <root_account> rows it has, and whether a user shows on a second, stale row.
Bent = tuple[int, bool]
# Every control, as a user's checks/ holds them.
CATALOG = check_files()
bents = st.tuples(st.integers(min_value=0, max_value=2), st.booleans())

# One region: the report is global, and a region more is only more reads for the other controls.
TWIN = '''account_id = "{account_id}"
enabled_regions = ["us-east-1"]

[root]
password = true
password_last_used = "120 days ago"
mfa = "hardware"

[[users]]
name = "alice"
password = true
password_last_used = "3 days ago"
mfa = true
access_keys = [{{ last_rotated = "10 days ago", last_used = "1 day ago" }}]
'''


def stale_alice(account_id: str) -> str:
    """A second row for alice, as a report that mixed two generations would show it: no MFA, an old key."""
    row = dict.fromkeys(COLUMNS, "N/A") | {
        "user": "alice", "arn": f"arn:aws:iam::{account_id}:user/alice",
        "user_creation_time": "2020-01-01T00:00:00+00:00", "password_enabled": "true", "mfa_active": "false",
        "access_key_1_active": "true", "access_key_1_last_rotated": "2020-01-01T00:00:00+00:00",
        "access_key_2_active": "false", "cert_1_active": "false", "cert_2_active": "false"}
    return ",".join(row[column] for column in COLUMNS) + "\n"


def audit(pytester: pytest.Pytester, bent: list[Bent]) -> tuple[dict[str, str], dict[str, str], set[str]]:
    """Audit one account per entry of `bent`, with every control of checks/. Returns each test's verdict and
    reason, and the tests that read the credential report."""
    ids = {f"{100000000001 + n:012d}": spec for n, spec in enumerate(bent)}
    twins = {f"account-{n}.toml": TWIN.format(account_id=account_id) for n, account_id in enumerate(ids)}
    project = make_project(Path(tempfile.mkdtemp(dir=pytester.path)), twins=twins, checks=CATALOG)
    real_root_row = offline.iam.root_row

    def bent_root_row(account_id: str, root: offline.iam.RootState) -> str:
        roots, duplicate = ids[account_id]
        return real_root_row(account_id, root) * roots + (stale_alice(account_id) if duplicate else "")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(offline.iam, "root_row", bent_root_row)
        recorded = pytester.inline_run("--rootdir", str(project), "-c", str(project / "pytest.ini"), "--offline",
                                       "-p", "no:cacheprovider", f"--html={project / 'report.html'}",
                                       str(project / "checks"))
    assert recorded.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), f"the audit ended {recorded.ret!r}"
    verdicts, reasons = {}, {}
    for report in recorded.getreports("pytest_runtest_logreport"):
        said = dict(report.user_properties).get("verdict")
        if said and (report.when == "call" or report.nodeid not in verdicts):
            verdicts[report.nodeid.split("::")[-1]] = said
            reasons[report.nodeid.split("::")[-1]] = str(report.longrepr or "")
    items = recorded.getcalls("pytest_collection_finish")[0].session.items
    readers = {item.nodeid.split("::")[-1] for item in items if "credential_report" in item.fixturenames}
    return verdicts, reasons, readers


@settings(max_examples=1, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@example(bent=[(0, False), (1, False), (2, False), (1, True), (0, True), (2, True)])
@given(bent=st.lists(bents, min_size=1, max_size=4))
def test_no_control_judges_a_report_the_root_controls_call_unusable(pytester: pytest.Pytester,
                                                                     bent: list[Bent]) -> None:
    verdicts, reasons, readers = audit(pytester, bent)
    assert verdicts, "the audit gave no verdict"
    for n, (roots, duplicate) in enumerate(bent):
        account = f"[account-{n}]"
        mine = {test: verdict for test, verdict in verdicts.items() if test.endswith(account)}
        root_controls = {test for test in mine if test.startswith("test_root_") and test in readers}
        unusable = any(mine[test] == "error" for test in root_controls)
        assert unusable == (roots != 1 or duplicate), (account, mine)
        if not unusable:
            continue
        cause = {reasons[test].split("credential report: ")[-1] for test in root_controls}
        assert len(cause) == 1, cause
        for test in readers & set(mine):
            assert mine[test] == "error", (test, mine[test], reasons[test])
            assert reasons[test].endswith(next(iter(cause))), (test, reasons[test])
