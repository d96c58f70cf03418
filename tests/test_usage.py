"""Bad input from the user: one line naming the value and what is accepted, exit code 4, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO, run_audit

TWINS = ", ".join(sorted(path.stem for path in (REPO / "fixtures").glob("*.toml")))


@pytest.mark.parametrize(("args", "message"), [
    (["--account", "nosuch"], f"--account nosuch: no such twin; available twins: {TWINS}"),
    (["--account", "prod-*"], "--account prod-*: no such twin"),
    (["--account", ","], "--account was given no names"),
    (["-o", "root_unused_days=abc"], "root_unused_days = 'abc' is not accepted: give a whole number of 1 or more"),
    (["-o", "root_cert_max_age_days=-5"], "root_cert_max_age_days = '-5' is not accepted"),
])
def test_bad_input_is_a_one_line_usage_error(tmp_path: Path, args: list[str], message: str) -> None:
    run = run_audit(tmp_path, "--offline", *args)
    assert run.returncode == 4
    assert f"ERROR: {message}" in run.output
    assert "Traceback" not in run.output
    assert not run.report.exists()


def test_a_malformed_twin_names_file_and_entry(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "fixtures").mkdir(parents=True)
    (project / "checks").mkdir()
    for name in ("conftest.py", "pytest.ini"):
        (project / name).write_text((REPO / name).read_text())
    (project / "fixtures" / "broken.toml").write_text(
        'account_id = "999999999999"\n[root]\npassword = true\nmfa = "yubikey"\n')
    run = run_audit(tmp_path, "--offline", cwd=project)
    assert run.returncode == 4
    assert "broken.toml: root.mfa: 'yubikey' is not one of hardware, virtual, none" in run.output
    assert "Traceback" not in run.output


def test_an_unknown_profile_lists_the_profiles_there_are(tmp_path: Path) -> None:
    config = tmp_path / "aws-config"
    config.write_text("[profile prod]\nregion = us-east-1\n[profile dev]\nregion = us-east-1\n")
    run = run_audit(tmp_path, "--account", "staging", env={
        "AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")})
    assert run.returncode == 4
    assert "ERROR: --account staging: no such profile; available profiles: dev, prod" in run.output


def test_thresholds_come_from_the_ini_and_can_be_overridden(tmp_path: Path) -> None:
    """root-used-by-key was used 2 days ago: it fails the 7-day default and passes a 1-day window."""
    run = run_audit(tmp_path, "--offline", "--account", "root-used-by-key", "-k", "not_used_recently",
                    "-o", "root_unused_days=1")
    assert run.verdicts == {"test_root_not_used_recently[root-used-by-key]": "passed"}, run.output


def test_markers_select_controls_by_severity_and_framework(tmp_path: Path) -> None:
    run = run_audit(tmp_path, "--offline", "--account", "compliant", "-m", "cis_aws_5 and critical")
    assert {name.split("[")[0] for name in run.verdicts} == {
        "test_root_has_no_active_access_keys", "test_root_has_mfa", "test_root_mfa_is_hardware"}
