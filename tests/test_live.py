"""The live path end to end: `pytest --account a,b` as a user runs it, against a moto server over real HTTP.

The offline tests prove the controls; this proves the live wiring a real audit depends on: AWS_CONFIG_FILE
profiles with endpoint_url, role_arn and source_profile, botocore's assume-role provider, the read-only guard,
and identity, verdicts and reports per account. The audit subprocess has no --offline, so the only AWS it can
reach is the moto server this module starts on 127.0.0.1 (seeded with two twins, root user emulated in-process).
"""

from __future__ import annotations

import re
import tomllib
from datetime import datetime, timezone
from pathlib import Path

import pytest
from moto.iam.models import iam_backends

from awsaudit import offline, twins
from conftest import REPO, AuditRun, run_audit
from emulated import isolated_moto_server

TWINS = {"compliant": "111111111111", "noncompliant": "222222222222"}


def load_twins() -> dict[str, twins.Twin]:
    now = datetime.now(timezone.utc)
    return {name: twins.load(REPO / "fixtures" / f"{name}.toml", now) for name in TWINS}


def live_env(config: Path, where: Path) -> dict[str, str]:
    # run_audit passes os.environ on without its AWS_* variables, IMDS off and proxies bypassed: nothing but
    # 127.0.0.1 is ever contacted.
    return {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(where / "none"),
            "AWS_EC2_METADATA_DISABLED": "true"}


@pytest.fixture(scope="module")
def live_audit(tmp_path_factory: pytest.TempPathFactory) -> tuple[AuditRun, dict[str, bool]]:
    """A moto server seeded with the two twins (starting it and seeding them is most of this file's run time), the
    audit of both accounts through it, and, by account id, whether the server's own backends were asked for a
    credential report: only GenerateCredentialReport, sent by the audit over HTTP, sets one in the server's process.
    Run once: the module's tests share one xdist worker (tests/conftest.py)."""
    folder = tmp_path_factory.mktemp("live-audit")
    with isolated_moto_server() as (url, _):
        loaded = load_twins()
        with offline.emulate(list(loaded.values()), endpoint_url=url):
            config = offline.write_config(list(loaded.values()), folder / "config", endpoint_url=url)
            run = run_audit(folder, "--account", "compliant,noncompliant", env=live_env(config, folder))
            asked = {account_id: bool(iam_backends[account_id]["aws"].credential_report)
                     for account_id in TWINS.values()}
    return run, asked


def expected(twin: str) -> dict[str, str]:
    return tomllib.loads((REPO / "fixtures" / f"{twin}.toml").read_text(encoding="utf-8"))["expect"]


def test_live_audit_exits_1_and_reached_the_server(live_audit: tuple[AuditRun, dict[str, bool]]) -> None:
    """Exit 1 because noncompliant fails; the server's own backends prove the audit asked it, not an in-process mock."""
    run, asked_for_a_report = live_audit
    assert run.returncode == 1, run.output
    assert "Traceback" not in run.output, run.output
    for account_id in TWINS.values():
        assert asked_for_a_report[account_id], f"{account_id} was never asked for a report"


def test_live_verdicts_and_identities_are_the_twins(live_audit: tuple[AuditRun, dict[str, bool]]) -> None:
    """Every control on every account judges as the twin declares, with the account id AWS (moto) reported."""
    run = live_audit[0]
    verdicts, properties = run.verdicts, run.properties
    assert verdicts, run.output
    got: dict[str, dict[str, str]] = {}
    for test_id, verdict in verdicts.items():
        props = properties[test_id]
        assert props.get("account_id") == TWINS[props["account"]], (test_id, props)
        got.setdefault(props["account"], {})[props["control_id"]] = verdict
    assert got == {twin: expected(twin) for twin in TWINS}, run.output


def test_live_report_and_summary_name_both_accounts(live_audit: tuple[AuditRun, dict[str, bool]]) -> None:
    """The HTML report and the console summary are what an auditor reads: each account, its id and alias."""
    run, loaded = live_audit[0], load_twins()
    html = run.report.read_text(encoding="utf-8")
    for name, account_id in TWINS.items():
        assert account_id in html
        assert loaded[name].alias and loaded[name].alias in html
        summary = re.search(rf"^{name} \({account_id}, {loaded[name].alias}\): .*$", run.output, re.M)
        assert summary, run.output


def test_unknown_account_is_a_usage_error(tmp_path: Path) -> None:
    """A mistyped profile stops the run before any control, naming the profiles that do exist (those of a config
    file reaching a moto server, which it has no need to seed)."""
    with isolated_moto_server() as (url, _):
        config = offline.write_config(list(load_twins().values()), tmp_path / "config", endpoint_url=url)
        run = run_audit(tmp_path, "--account", "nosuch", env=live_env(config, tmp_path))
    assert run.returncode == 4, run.output
    assert "Traceback" not in run.output, run.output
    message = next((line for line in run.output.splitlines() if "nosuch" in line), "")
    available = message.partition("available profiles:")[2]
    assert {p.strip() for p in available.split(",")} == {offline.SOURCE_PROFILE, *TWINS}, run.output
