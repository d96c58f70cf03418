"""Evaluating: data fetched once per account, and data that cannot be read is an ERROR with its reason, never PASS."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from awsaudit import offline
from conftest import make_project, run_audit, twin_text


def audit_in_process(pytester: pytest.Pytester, checks: dict[str, str] | None = None,
                     twins: tuple[str, ...] = ("compliant",)) -> pytest.RunResult:
    """The offline audit of the compliant twin, run in this process so moto's answers can be bent."""
    project = make_project(pytester.path, twins={f"{t}.toml": twin_text(t) for t in twins}, checks=checks)
    return pytester.runpytest_inprocess("--rootdir", str(project), "-c", str(project / "pytest.ini"), "--offline",
                                        "-p", "no:cacheprovider", f"--html={project}/r.html", str(project / "checks"))


@pytest.mark.parametrize(("root_line", "reason"), [
    ("", "the credential report has no <root_account> rows, expected exactly one"),
    ("<root_account>,arn:aws:iam::111111111111:root,garbage\n", "credential report line 2 has 3 fields, expected 22"),
])
def test_a_report_without_a_usable_root_row_is_an_error_in_every_control(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, root_line: str, reason: str) -> None:
    monkeypatch.setattr(offline, "root_row", lambda account_id, root: root_line)
    result = audit_in_process(pytester)
    result.assert_outcomes(errors=6)
    assert result.ret == 1
    assert result.stdout.str().count(reason) >= 6


@pytest.mark.filterwarnings("ignore:Exception.IAMException. with code AccessDenied:UserWarning")
def test_a_denied_api_errors_only_the_controls_that_need_it(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.iam.exceptions import IAMException
    from moto.iam.models import IAMBackend

    def deny(*args: object, **kwargs: object) -> None:
        raise IAMException("AccessDenied", "User is not authorized to perform: iam:ListVirtualMFADevices")

    monkeypatch.setattr(IAMBackend, "list_virtual_mfa_devices", deny)
    result = audit_in_process(pytester)
    result.assert_outcomes(passed=4, skipped=1, errors=1)
    assert ("compliant: virtual MFA devices: iam:ListVirtualMFADevices was denied (AccessDenied): "
            "grant iam:ListVirtualMFADevices to the identity that runs the audit") in result.stdout.str()


BODY_CONTROLS = '''
import boto3

from awsaudit import control


@control("X-1", severity="low", frameworks={}, remediation="none")
def test_fetches_in_its_body(account):
    """Reads a password policy the account does not have

    Fetching belongs in fixtures; one that fetches in its body must still not be read as non-compliant.
    """
    account.fetch("iam", "password policy", lambda iam: iam.get_account_password_policy())


@control("X-2", severity="low", frameworks={}, remediation="none")
def test_writes_through_its_own_client(account):
    """Tries to write through a client the engine did not make

    The read-only guard holds for every botocore session made during the audit, not only the engine's.
    """
    boto3.client("iam", region_name="us-east-1").create_user(UserName="written-by-a-control")
'''


def test_data_errors_in_a_control_body_are_errors_not_failures(pytester: pytest.Pytester) -> None:
    result = audit_in_process(pytester, checks={"test_body.py": BODY_CONTROLS})
    out = result.stdout.str()
    assert "compliant (111111111111, compliant-example): 0 passed, 0 failed, 2 errors, 0 not applicable" in out
    assert "ERROR  X-1 Reads a password policy the account does not have: compliant: password policy: " \
           "iam:GetAccountPasswordPolicy failed (NoSuchEntity)" in out
    assert "ERROR  X-2 Tries to write through a client the engine did not make: " \
           "iam:CreateUser refused before it was sent" in out
    from moto.iam.models import iam_backends
    assert "written-by-a-control" not in iam_backends["111111111111"]["aws"].users


def test_debug_logging_leaks_no_credentials(tmp_path: Path) -> None:
    """At DEBUG, botocore would log AssumeRole's secret key and every request's session token."""
    run = run_audit(tmp_path, "--offline", "--account", "compliant", "--log-level=DEBUG", "-o", "log_cli=true")
    written = run.output + run.report.read_text(encoding="utf-8") + run.junit.read_text(encoding="utf-8")
    assert run.returncode == 0, run.output
    for secret in ("SecretAccessKey", "SessionToken", "X-Amz-Security-Token", "offline-twin-secret"):
        assert secret not in written


def test_each_account_s_data_is_fetched_once_and_shared_by_all_six_controls(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    import botocore.handlers

    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[f"{model.service_model.service_name}:{model.name}"] += 1

    handlers = [("before-call", count), *botocore.handlers.BUILTIN_HANDLERS]
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", handlers)
    result = audit_in_process(pytester, twins=("compliant", "noncompliant"))
    result.assert_outcomes(passed=5, failed=6, skipped=1)
    reads = {name: n for name, n in calls.items() if name.split(":")[1].startswith(("Get", "List", "Generate"))}
    assert reads == {
        "sts:GetCallerIdentity": 2, "iam:ListAccountAliases": 2,
        "iam:GenerateCredentialReport": 4,  # per account: STARTED, then COMPLETE
        "iam:GetCredentialReport": 2, "iam:GetAccountSummary": 2, "iam:ListVirtualMFADevices": 2,
    }
