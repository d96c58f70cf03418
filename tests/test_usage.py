"""Bad input from the user: one line naming the value and what is accepted, exit code 4, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import LONE, REPO, make_project, run_audit

TWINS = ", ".join(sorted(path.stem for path in (REPO / "fixtures").glob("*.toml")))


@pytest.mark.parametrize(("args", "message"), [
    (["--account", "nosuch"], f"--account nosuch: no such twin; available twins: {TWINS}"),
    (["--account", "prod-*"], "--account prod-*: no such twin"),
    (["--account", ","], "--account was given no names"),
    (["-o", "root_unused_days=abc"], "root_unused_days = 'abc' is not accepted: give a whole number of 1 or more"),
    (["-o", "root_cert_max_age_days=-5"], "root_cert_max_age_days = '-5' is not accepted"),
    (["-o", "aws_read_timeout=0"], "aws_read_timeout = '0' is not accepted"),
    (["-o", "account_ids=prod: 1"], "account_ids line 'prod: 1' is not accepted: write `profile = 123456789012`"),
    (["-o", "account_ids=complaint = 111111111111"], "account_ids pins 'complaint', which is not a profile or twin"),
    (["--control", "IAM-99"], "--control IAM-99: no control has this id; did you mean IAM-9?"),
    # pytest alone selects nothing and exits 5 without a word.
    (["-m", "critcal"], "-m 'critcal': no control has the marker 'critcal'; did you mean critical?"),
])
def test_bad_input_is_a_one_line_usage_error(tmp_path: Path, args: list[str], message: str) -> None:
    run = run_audit(tmp_path, "--offline", *args)
    assert run.returncode == 4
    assert f"ERROR: {message}" in run.output
    assert "Traceback" not in run.output
    assert not run.report.exists()


BROKEN = 'account_id = "999999999999"\n[root]\npassword = true\nmfa = "none"\n'


@pytest.mark.parametrize(("twin", "message"), [
    (BROKEN.replace('"none"', '"yubikey"'), "broken.toml: root.mfa: 'yubikey' is not one of hardware, virtual, none"),
    (BROKEN + '[[users]]\nname = "a"\n[[users]]\nname = "a"\n',
     "broken.toml: users[1].name: 'a' is used by another user of this twin"),
    (BROKEN + '[[seed]]\ncall = "iam.create_group"\nparams = { Nope = 1 }\n',
     "twin broken cannot be set up: Parameter validation failed: Missing required parameter"),
    (BROKEN.replace("password = true", 'password = "maybe"'),
     "broken.toml: root.password: 'maybe' is not true, false or \"not_supported\""),
    (BROKEN + 'password_last_used = "99999999999 days ago"\n',
     "broken.toml: root.password_last_used: '99999999999 days ago' is out of range"),
    ('enabled_regions = ["us-east-1", "mars-1"]\n' + BROKEN,
     "broken.toml: enabled_regions: 'mars-1' is not a region a commercial account has by default"),
    ('enabled_regions = ["eu-west-1"]\n' + BROKEN, "broken.toml: enabled_regions: the twin's home region us-east-1 must be enabled"),
    ('enabled_regions = ["us-east-1"]\n' + BROKEN + '[[seed]]\ncall = "iam.create_group"\nregion = "eu-west-1"\n',
     "broken.toml: seed[0].region: 'eu-west-1' is not a region this twin has enabled (us-east-1)"),
    (BROKEN + '[[seed]]\ncall = "iam.generate_presigned_url"\n',
     "twin broken: seed call iam.generate_presigned_url: iam has no such API call"),
    (BROKEN + '[[seed]]\ncall = "iam.create_service_linked_role"\nparams = { AWSServiceName = "x" }\n',
     "twin broken cannot be set up: "),
])
def test_a_malformed_twin_names_file_and_entry(tmp_path: Path, twin: str, message: str) -> None:
    project = make_project(tmp_path, twins={"broken.toml": twin}, checks={})
    run = run_audit(tmp_path, "--offline", cwd=project)
    assert run.returncode == 4
    assert message in run.output
    assert "Traceback" not in run.output


def test_no_twins_at_all_is_a_usage_error(tmp_path: Path) -> None:
    run = run_audit(tmp_path, "--offline", cwd=make_project(tmp_path, twins={}, checks={}))
    assert run.returncode == 4
    assert "--offline: no twins in" in run.output


CLOCK_CONTROL = '''
from awsaudit import control


@control("X-1", severity="low", frameworks={}, remediation="none")
def test_clock(now):
    """Clock works

    It reads no account data at all.
    """
    assert now
'''


@pytest.mark.parametrize(("workers", "code"), [([], 2), (["-n", "2"], 1)])  # xdist counts it as one error
def test_a_control_that_reads_no_account_data_is_refused(tmp_path: Path, workers: list[str], code: int) -> None:
    """It would run once, for no account, and its verdict would prove nothing: its file fails to collect."""
    project = make_project(tmp_path, twins=LONE, checks={"test_clock.py": CLOCK_CONTROL})
    run = run_audit(tmp_path, "--offline", *workers, cwd=project)
    assert run.returncode == code
    assert "control X-1 uses no account data" in run.output
    assert "Traceback" not in run.output and "INTERNALERROR" not in run.output


def test_a_mistyped_aws_profile_is_a_usage_error(tmp_path: Path) -> None:
    config = tmp_path / "aws-config"
    config.write_text("[profile prod]\nregion = us-east-1\n")
    run = run_audit(tmp_path, env={"AWS_PROFILE": "prdo", "AWS_CONFIG_FILE": str(config),
                                   "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")})
    assert run.returncode == 4
    assert "ERROR: AWS_PROFILE=prdo: no such profile; available profiles: prod" in run.output


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
    run = run_audit(tmp_path, "--offline", "--account", "virtual-mfa", "-m", "cis_aws_5 and critical",
                    "checks/test_root.py")
    assert {name.split("[")[0] for name in run.verdicts} == {
        "test_root_has_no_active_access_keys", "test_root_has_mfa", "test_root_mfa_is_hardware"}


def test_a_mistyped_setting_is_an_error_not_a_silent_default(tmp_path: Path) -> None:
    """pytest checks the settings after collection: a project of one cheap twin keeps the run short."""
    run = run_audit(tmp_path, "--offline", "-o", "root_unused_day=1", cwd=make_project(tmp_path, twins=LONE))
    assert run.returncode == 4
    assert "ERROR: Unknown config option: root_unused_day" in run.output


def test_a_separate_html_path_that_exists_is_explained(tmp_path: Path) -> None:
    """pytest takes `--html PATH` with an existing PATH for a place to look for tests, and finds no pytest.ini."""
    earlier = tmp_path / "elsewhere" / "audit.html"
    earlier.parent.mkdir()
    earlier.write_text("an earlier report")
    done = subprocess.run([sys.executable, "-m", "pytest", "--offline", "--html", str(earlier)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 4
    assert "give path options as --html=PATH" in done.stdout + done.stderr
    assert earlier.read_text() == "an earlier report"


def test_controls_can_be_picked_by_id(tmp_path: Path) -> None:
    run = run_audit(tmp_path, "--offline", "--account", "root-used-by-key,virtual-mfa", "-k", "ROOT-6")
    assert run.verdicts == {"test_root_mfa_is_hardware[root-used-by-key]": "passed",
                            "test_root_mfa_is_hardware[virtual-mfa]": "failed"}
