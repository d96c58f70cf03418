"""The live path end to end: `pytest --account a,b` as a user runs it, against a moto server over real HTTP.

The offline tests prove the controls; this proves the live wiring a real audit depends on: AWS_CONFIG_FILE
profiles with endpoint_url, role_arn and source_profile, botocore's assume-role provider, the read-only guard,
and identity, verdicts and reports per account. The audit subprocess has no --offline, so the only AWS it can
reach is the moto server this module starts on 127.0.0.1 (seeded with two twins, root user emulated in-process).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
from moto.iam.models import iam_backends

from awsaudit import offline, twins
from conftest import REPO, AuditRun, run_audit
from emulated import isolated_moto_server

TWINS = {"compliant": "111111111111", "noncompliant": "222222222222"}


@dataclass(frozen=True)
class Live:
    """A running moto server seeded with the twins, and the AWS config and environment that reach it."""

    url: str
    twins: dict[str, twins.Twin]
    config: Path
    env: dict[str, str]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """One server for the module: starting it and seeding two accounts is most of this file's run time."""
    # run_audit passes os.environ on: no AWS_* variable of the caller may reach the subprocess. IMDS is off and
    # proxies bypassed, so nothing but 127.0.0.1 is ever contacted.
    with isolated_moto_server() as (url, _):
        now = datetime.now(timezone.utc)
        loaded = {name: twins.load(REPO / "fixtures" / f"{name}.toml", now) for name in TWINS}
        workdir = tmp_path_factory.mktemp("live")
        with offline.emulate(list(loaded.values()), endpoint_url=url):
            config = offline.write_config(list(loaded.values()), workdir / "config", endpoint_url=url)
            env = {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "none"),
                   "AWS_EC2_METADATA_DISABLED": "true"}
            yield Live(url, loaded, config, env)


@pytest.fixture(scope="module")
def live_audit(live: Live, tmp_path_factory: pytest.TempPathFactory) -> AuditRun:
    """The audit of both accounts, run once and read by every test of the live run."""
    return run_audit(tmp_path_factory.mktemp("live-audit"), "--account", "compliant,noncompliant", env=live.env)


def expected(twin: str) -> dict[str, str]:
    return tomllib.loads((REPO / "fixtures" / f"{twin}.toml").read_text(encoding="utf-8"))["expect"]


def test_live_audit_exits_1_and_reached_the_server(live: Live, live_audit: AuditRun) -> None:
    """Exit 1 because noncompliant fails; the server's own backends prove the audit asked it, not an in-process mock."""
    assert live_audit.returncode == 1, live_audit.output
    assert "Traceback" not in live_audit.output, live_audit.output
    for account_id in TWINS.values():
        # Only GenerateCredentialReport, sent by the audit over HTTP, sets this in the server's process.
        assert iam_backends[account_id]["aws"].credential_report, f"{account_id} was never asked for a report"


def test_live_verdicts_and_identities_are_the_twins(live_audit: AuditRun) -> None:
    """Every control on every account judges as the twin declares, with the account id AWS (moto) reported."""
    verdicts, properties = live_audit.verdicts, live_audit.properties
    assert verdicts, live_audit.output
    got: dict[str, dict[str, str]] = {}
    for test_id, verdict in verdicts.items():
        props = properties[test_id]
        assert props.get("account_id") == TWINS[props["account"]], (test_id, props)
        got.setdefault(props["account"], {})[props["control_id"]] = verdict
    assert got == {twin: expected(twin) for twin in TWINS}, live_audit.output


def test_live_report_and_summary_name_both_accounts(live: Live, live_audit: AuditRun) -> None:
    """The HTML report and the console summary are what an auditor reads: each account, its id and alias."""
    html = live_audit.report.read_text(encoding="utf-8")
    for name, account_id in TWINS.items():
        assert account_id in html
        assert live.twins[name].alias and live.twins[name].alias in html
        summary = re.search(rf"^{name} \({account_id}, {live.twins[name].alias}\): .*$", live_audit.output, re.M)
        assert summary, live_audit.output


def test_unknown_account_is_a_usage_error(live: Live, tmp_path: Path) -> None:
    """A mistyped profile stops the run before any control, naming the profiles that do exist."""
    run = run_audit(tmp_path, "--account", "nosuch", env=live.env)
    assert run.returncode == 4, run.output
    assert "Traceback" not in run.output, run.output
    message = next((line for line in run.output.splitlines() if "nosuch" in line), "")
    available = message.partition("available profiles:")[2]
    assert {p.strip() for p in available.split(",")} == {offline.SOURCE_PROFILE, *TWINS}, run.output
