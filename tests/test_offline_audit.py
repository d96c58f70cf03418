"""The offline audit as a user runs it: every control's verdict on every twin is the one the twin declares."""

from __future__ import annotations

import tomllib

import pytest

from conftest import REPO, AuditRun

TWINS = sorted((REPO / "fixtures").glob("*.toml"))


def expected(twin: str) -> dict[str, str]:
    return tomllib.loads((REPO / "fixtures" / f"{twin}.toml").read_text())["expect"]


def actual(run: AuditRun) -> dict[tuple[str, str], str]:
    """(twin, control id) -> verdict, from the JUnit properties the audit writes."""
    verdicts, properties = run.verdicts, run.properties
    return {(properties[t]["account"], properties[t]["control_id"]): v for t, v in verdicts.items()}


def test_the_offline_audit_exits_1_because_twins_fail(offline_audit: AuditRun) -> None:
    assert offline_audit.returncode == 1, offline_audit.output


@pytest.mark.parametrize("twin", [path.stem for path in TWINS])
def test_each_control_gives_the_verdict_the_twin_declares(offline_audit: AuditRun, twin: str) -> None:
    got = {control: v for (account, control), v in actual(offline_audit).items() if account == twin}
    declared = expected(twin)
    assert declared, f"twin {twin} declares no verdict"
    assert {control: got.get(control, "did not run") for control in declared} == declared


def test_every_control_has_a_twin_it_passes_on_and_one_it_fails_on(offline_audit: AuditRun) -> None:
    """Declared, so that the suite holds each control to both verdicts on purpose."""
    declared: dict[str, set[str]] = {}
    for path in TWINS:
        for control, verdict in expected(path.stem).items():
            declared.setdefault(control, set()).add(verdict)
    ran = {control for _, control in actual(offline_audit)}
    assert len(ran) >= 22
    lacking = {control: declared.get(control, set()) for control in ran
               if not {"passed", "failed"} <= declared.get(control, set())}
    assert not lacking


def test_test_ids_read_control_and_account(offline_audit: AuditRun) -> None:
    assert "test_root_has_no_active_access_keys[noncompliant]" in offline_audit.verdicts
    assert {name.split("[")[1].rstrip("]") for name in offline_audit.verdicts} == {path.stem for path in TWINS}


def test_failures_say_which_credential_and_when(offline_audit: AuditRun) -> None:
    failures = offline_audit.messages("failure")
    assert "access_key_2_active = true" in failures["test_root_has_no_active_access_keys[root-key-slot-2]"]
    used = failures["test_root_not_used_recently[root-used-by-key]"]
    assert "access key 1" in used and "2.0 days ago" in used


def test_junit_carries_control_account_and_severity(offline_audit: AuditRun) -> None:
    props = offline_audit.properties["test_root_has_mfa[compliant]"]
    assert props["control_id"] == "ROOT-5"
    assert props["account_id"] == "111111111111"
    assert props["severity"] == "critical"
    assert props["alias"] == "compliant-example"


def test_the_offline_audit_needs_no_moto_server_packages() -> None:
    """`pip install -e .` has no flask (moto[server] is a test extra): the offline audit must not import it."""
    import subprocess
    import sys

    code = "import sys; sys.modules['flask'] = None; import awsaudit.offline, awsaudit.plugin"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
