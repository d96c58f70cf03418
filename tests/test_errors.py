"""A report the engine cannot vouch for makes every control that reads it ERROR with the reason, never PASS."""

from __future__ import annotations

import shutil

import pytest

from awsaudit import offline
from conftest import REPO


@pytest.fixture
def audit(pytester: pytest.Pytester) -> pytest.Pytester:
    """A copy of the project with one twin, run in-process so moto's answers can be bent."""
    for name in ("conftest.py", "pytest.ini"):
        shutil.copy(REPO / name, pytester.path / name)
    shutil.copytree(REPO / "checks", pytester.path / "checks")
    (pytester.path / "fixtures").mkdir()
    shutil.copy(REPO / "fixtures" / "compliant.toml", pytester.path / "fixtures")
    return pytester


@pytest.mark.parametrize(("root_line", "reason"), [
    ("", "the credential report has no <root_account> rows, expected exactly one"),
    ("<root_account>,arn:aws:iam::111111111111:root,garbage\n", "credential report line 2 has 3 fields, expected 22"),
])
def test_a_report_without_a_usable_root_row_is_an_error_in_every_control(
        audit: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, root_line: str, reason: str) -> None:
    monkeypatch.setattr(offline, "root_row", lambda account_id, root: root_line)
    result = audit.runpytest_inprocess("--offline", "-p", "no:cacheprovider", f"--html={audit.path}/r.html")
    result.assert_outcomes(errors=6)
    assert result.ret == 1
    assert result.stdout.str().count(reason) >= 6


@pytest.mark.filterwarnings("ignore:Exception.IAMException. with code AccessDenied:UserWarning")
def test_a_denied_api_errors_only_the_controls_that_need_it(
        audit: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.iam.exceptions import IAMException
    from moto.iam.models import IAMBackend

    def deny(*args: object, **kwargs: object) -> None:
        raise IAMException("AccessDenied", "User is not authorized to perform: iam:ListVirtualMFADevices")

    monkeypatch.setattr(IAMBackend, "list_virtual_mfa_devices", deny)
    result = audit.runpytest_inprocess("--offline", "-p", "no:cacheprovider", f"--html={audit.path}/r.html")
    result.assert_outcomes(passed=4, skipped=1, errors=1)
    assert ("compliant: virtual MFA devices: iam:ListVirtualMFADevices was denied (AccessDenied): "
            "grant iam:ListVirtualMFADevices to the identity that runs the audit") in result.stdout.str()
