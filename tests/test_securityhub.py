"""`python -m awsaudit.securityhub import`, end to end against moto's Security Hub on a local moto server.

The server runs in this process on 127.0.0.1 (port 0); an AWS config file gives role profiles into two accounts
whose endpoint_url is the server, so the command resolves them with sts:GetCallerIdentity and writes with
BatchImportFindings over HTTP as it would to AWS. Findings are read back with GetFindings.

What moto's Security Hub does not do, and how these tests deal with it (the command itself is not changed for it):
- GetFindings ignores Filters (it returns every finding of the account and region). The tests assert the filters the
  command sends, and seed a finding of another tool in the same product to show the command archives only its own.
- BatchImportFindings checks only that a finding has resources; the records' validity against Security Hub's model
  is what tests/test_asff.py checks, client-side.
- moto does not require Security Hub to be enabled, nor check the ProductArn against the caller.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from awsaudit import securityhub
from awsaudit.findings import Finding, Resource
from awsaudit.outputs import asff
from awsaudit.results import Result
from conftest import REPO
from emulated import isolated_moto_server

FIRST, SECOND, UNREACHED = "111111111111", "222222222222", "333333333333"
STARTED = "2026-11-01T10:00:00Z"


@dataclass(frozen=True)
class Server:
    url: str
    env: dict[str, str]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One moto server, and a config file with profiles `first` and `second` (roles in two accounts) reaching it."""
    with isolated_moto_server() as (url, env_patch):
        where = tmp_path_factory.mktemp("securityhub")
        endpoint = f"region = us-east-1\nendpoint_url = {url}\n"
        profiles = [f"[profile source]\naws_access_key_id = AKIAIMPORTEXAMPLE001\n"
                    f"aws_secret_access_key = not-a-real-secret\n{endpoint}"]
        profiles += [f"[profile {name}]\nrole_arn = arn:aws:iam::{account}:role/importer\n"
                     f"source_profile = source\n{endpoint}" for name, account in (("first", FIRST),
                                                                                 ("second", SECOND))]
        (where / "config").write_text("\n".join(profiles), encoding="utf-8")
        env = {"AWS_CONFIG_FILE": str(where / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(where / "none"),
               "AWS_EC2_METADATA_DISABLED": "true"}
        for name, value in env.items():
            env_patch.setenv(name, value)
        yield Server(url, env)


@pytest.fixture
def hub(server: Server) -> Server:
    """The server with nothing in it: every test starts from an empty Security Hub."""
    urllib.request.urlopen(urllib.request.Request(f"{server.url}/moto-api/reset", method="POST"), timeout=10)
    return server


@pytest.fixture(autouse=True)
def short_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command spaces its calls to one account and region out, for Security Hub's per-second limits; against the
    local server a hundredth of a second between calls does."""
    monkeypatch.setattr(securityhub, "PAUSE", dict.fromkeys(securityhub.PAUSE, 0.01))


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Every Security Hub call the command makes, as (operation, parameters)."""
    made: list[tuple[str, dict[str, Any]]] = []
    call = securityhub.Paced.call

    def recorded(self: securityhub.Paced, operation: str, **params: Any) -> Any:
        made.append((operation, params))
        return call(self, operation, **params)

    monkeypatch.setattr(securityhub.Paced, "call", recorded)
    return made


def _result(account_id: str, control: str, verdict: str, users: int = 0, region: str = "") -> Result:
    """A result judging `users` users: every other one fails, unless the verdict is passed."""
    fails = [n % 2 == 1 and verdict != "passed" for n in range(users)]
    found = tuple(Finding(Resource(f"arn:aws:iam::{account_id}:user/u{n}", "AWS::IAM::User", region, f"u{n}"),
                          "failed" if fails[n] else "passed", "no MFA" if fails[n] else "") for n in range(users))
    return Result("acct", control, f"{control} title", "high", verdict, f"{verdict} reason", account_id=account_id,
                  frameworks=("CIS AWS 5.0 1.9",), findings=found)


def write(path: Path, results: list[Result], started: str = STARTED) -> list[dict[str, Any]]:
    records = [record for result in results for record in asff.records(result, "us-east-1", started)]
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return records


AUDIT = [_result(FIRST, "IAM-3", "failed", users=5), _result(FIRST, "ROOT-1", "passed"),
         _result(FIRST, "IAM-12", "failed", users=2, region="eu-west-1"), _result(SECOND, "IAM-3", "passed", 3),
         _result(SECOND, "ROOT-1", "not applicable")]


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = securityhub.main(["import", *args], out=out)
    return code, out.getvalue()


def findings(profile: str, region: str = "us-east-1") -> dict[str, dict[str, Any]]:
    """What the account's Security Hub holds in the region, read back with GetFindings, by Id."""
    client = boto3.Session(profile_name=profile).client("securityhub", region_name=region)
    held, token = {}, None
    while True:
        page = client.get_findings(MaxResults=100, **({"NextToken": token} if token else {}))
        held.update({finding["Id"]: finding for finding in page["Findings"]})
        token = page.get("NextToken")
        if not token:
            return held


def test_import_reads_back_in_each_account_and_region(hub: Server, tmp_path: Path) -> None:
    records = write(tmp_path / "f.jsonl", AUDIT)
    code, output = run(str(tmp_path / "f.jsonl"), "--account", "first", "second")
    assert code == 0, output
    assert output.splitlines()[0].startswith("WRITES to AWS Security Hub"), output
    for profile, account in (("first", FIRST), ("second", SECOND)):
        for region in ("us-east-1", "eu-west-1"):
            sent = {r["Id"]: r for r in records if r["AwsAccountId"] == account and r["ProductArn"].split(":")[3]
                    == region}
            held = findings(profile, region)
            assert set(held) == set(sent), (profile, region)
            for finding_id, record in sent.items():
                assert held[finding_id]["Compliance"] == record["Compliance"]
                assert held[finding_id]["RecordState"] == "ACTIVE"
    assert set(findings("first", "eu-west-1")) and not findings("second", "eu-west-1")


def test_importing_again_updates_rather_than_duplicates(hub: Server, tmp_path: Path) -> None:
    write(tmp_path / "f.jsonl", AUDIT)
    assert run(str(tmp_path / "f.jsonl"), "--account", "first,second")[0] == 0
    before = findings("first")
    later = [_result(FIRST, "IAM-3", "passed", users=5), *AUDIT[1:]]
    write(tmp_path / "g.jsonl", later, started="2026-11-02T10:00:00Z")
    code, output = run(str(tmp_path / "g.jsonl"), "--account", "first,second")
    assert code == 0, output
    after = findings("first")
    assert set(after) == set(before)
    assert {f["UpdatedAt"] for f in after.values()} == {"2026-11-02T10:00:00Z"}
    assert {f["Compliance"]["Status"] for i, f in after.items() if "/IAM-3/" in i} == {"PASSED"}


def test_a_finding_the_file_no_longer_holds_is_archived(hub: Server, tmp_path: Path, calls) -> None:
    records = write(tmp_path / "f.jsonl", AUDIT)
    assert run(str(tmp_path / "f.jsonl"), "--account", "first,second")[0] == 0
    # Another tool's finding in the same (default) product: never the command's to archive.
    other = {**records[0], "Id": "other-tool/finding-1", "GeneratorId": "other-tool"}
    boto3.Session(profile_name="first").client("securityhub").batch_import_findings(Findings=[other])
    gone = next(r for r in records if r["AwsAccountId"] == FIRST and "/IAM-3/" in r["Id"])
    (tmp_path / "g.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records if r is not gone),
                                      encoding="utf-8")
    calls.clear()
    code, output = run(str(tmp_path / "g.jsonl"), "--account", "first,second")
    assert code == 0, output
    held = findings("first")
    assert held[gone["Id"]]["RecordState"] == "ARCHIVED"
    assert held[gone["Id"]]["UpdatedAt"] > gone["UpdatedAt"]
    assert {f["RecordState"] for i, f in held.items() if i != gone["Id"]} == {"ACTIVE"}
    assert held["other-tool/finding-1"]["RecordState"] == "ACTIVE"
    assert f"account {FIRST} in us-east-1 (profile first): imported 5 of 5 findings, archived 1" in output
    # moto ignores GetFindings' filters: what the command asks Security Hub for is checked here.
    [asked] = [params["Filters"] for op, params in calls if op == "GetFindings"
               and params["Filters"]["AwsAccountId"][0]["Value"] == FIRST
               and params["Filters"]["ProductArn"][0]["Value"].split(":")[3] == "us-east-1"]
    assert asked["ProductArn"] == [{"Value": asff.product_arn("us-east-1", FIRST), "Comparison": "EQUALS"}]
    assert asked["RecordState"] == [{"Value": "ACTIVE", "Comparison": "EQUALS"}]
    assert asked["Id"] == [{"Value": "awsaudit/", "Comparison": "PREFIX"}]
    assert {f["Value"] for f in asked["GeneratorId"]} == {"IAM-3", "ROOT-1"}


def test_dry_run_sends_nothing(hub: Server, tmp_path: Path, calls) -> None:
    records = write(tmp_path / "f.jsonl", AUDIT)
    assert run(str(tmp_path / "f.jsonl"), "--account", "first,second")[0] == 0
    before = {profile: findings(profile) for profile in ("first", "second")}
    gone = next(r for r in records if r["AwsAccountId"] == SECOND)
    (tmp_path / "g.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records if r is not gone),
                                      encoding="utf-8")
    calls.clear()
    code, output = run(str(tmp_path / "g.jsonl"), "--account", "first,second", "--dry-run")
    assert code == 0, output
    assert output.splitlines()[0].startswith("DRY RUN"), output
    assert {op for op, _ in calls} == {"GetFindings"}
    assert f"account {SECOND} in us-east-1 (profile second): would import 3 findings and archive 1" in output
    assert f"would archive {gone['Id']}" in output
    assert {profile: findings(profile) for profile in ("first", "second")} == before


def test_an_account_no_profile_reaches_is_skipped_and_fails_the_run(hub: Server, tmp_path: Path) -> None:
    write(tmp_path / "f.jsonl", [*AUDIT, _result(UNREACHED, "ROOT-1", "failed")])
    code, output = run(str(tmp_path / "f.jsonl"), "--account", "first")
    assert code == 1
    assert f"SKIPPED 1 findings: no given profile reaches account {UNREACHED}" in output
    assert f"SKIPPED 4 findings: no given profile reaches account {SECOND}" in output
    assert findings("first") and not findings("second")


def test_batches_of_at_most_100_and_refusals_reported(hub: Server, tmp_path: Path, calls) -> None:
    records = write(tmp_path / "f.jsonl", [_result(FIRST, "IAM-3", "failed", users=250)])
    broken = {**records[0], "Id": "awsaudit/IAM-3/111111111111/us-east-1/broken", "Resources": []}
    with (tmp_path / "f.jsonl").open("a", encoding="utf-8") as file:
        file.write(json.dumps(broken) + "\n")
    code, output = run(str(tmp_path / "f.jsonl"), "--account", "first")
    assert code == 1, output
    assert [len(params["Findings"]) for op, params in calls if op == "BatchImportFindings"] == [100, 100, 51]
    assert f"REFUSED {broken['Id']}: InvalidInput" in output
    assert "imported 250 of 251 findings, archived 0, 1 refused" in output
    assert len(findings("first")) == 250


def test_batches_stay_under_6_mb() -> None:
    big = [{"Id": str(n), "Description": "x" * 200_000} for n in range(80)]
    made = list(securityhub.batches(big))
    assert sum(len(b) for b in made) == 80 and len(made) > 1
    assert all(len(json.dumps(b).encode()) <= 6 * 1024 * 1024 for b in made)


def test_the_command_as_a_user_runs_it(hub: Server, tmp_path: Path) -> None:
    """`python -m awsaudit.securityhub`: its help says it writes; an import over HTTP from another process."""
    helped = subprocess.run([sys.executable, "-m", "awsaudit.securityhub", "import", "--help"], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0 and "WRITE" in helped.stdout and "Not part of an audit" in helped.stdout
    write(tmp_path / "f.jsonl", AUDIT[:2])
    env = {**{k: v for k, v in os.environ.items() if not k.upper().startswith("AWS_")}, **hub.env}
    done = subprocess.run([sys.executable, "-m", "awsaudit.securityhub", "import", str(tmp_path / "f.jsonl"),
                           "--account", "first"], cwd=REPO, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[0].startswith("WRITES to AWS Security Hub")
    assert len(findings("first")) == 6


def test_a_line_that_is_no_record_of_its_account_is_reported(hub: Server, tmp_path: Path) -> None:
    records = write(tmp_path / "f.jsonl", AUDIT[:2])
    foreign = {**records[0], "Id": "awsaudit/ROOT-1/111111111111/us-east-1/x",
               "ProductArn": asff.product_arn("us-east-1", SECOND)}
    with (tmp_path / "f.jsonl").open("a", encoding="utf-8") as file:
        file.write("not json\n" + json.dumps(foreign) + "\n")
    code, output = run(str(tmp_path / "f.jsonl"), "--account", "first")
    assert code == 1, output
    assert "line 7: not an awsaudit ASFF record" in output and "line 8: not an awsaudit ASFF record" in output
    assert set(findings("first")) == {r["Id"] for r in records}
