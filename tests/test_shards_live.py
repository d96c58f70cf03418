"""Shards end to end: an accounts file, three `pytest --shard I/3` processes against a moto server on 127.0.0.1, and
`python -m awsaudit.merge`; the merged report must say what one run over the same accounts says."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from html import unescape
from pathlib import Path

import pytest

from awsaudit import offline, twins
from conftest import REPO, AuditRun, report_data, run_audit
from emulated import isolated_moto_server

# Edge twins, cheap to seed; one has an alias, which the account tables carry.
TWINS = {"securityhub-some-regions": "125000000001", "virtual-mfa": "666666666666", "no-root-password": "777777777777",
         "root-key-slot-2": "333333333333"}
CONTROLS = ("--control", "ROOT-1,ROOT-5,IAM-1")


def accounts_toml() -> str:
    return "".join(f'[[account]]\nname = "{name}"\nid = "{account_id}"\nprofile = "{name}"\n\n'
                   for name, account_id in TWINS.items())


def merge(tmp: Path, *files: Path, env: dict[str, str] | None = None) -> AuditRun:
    """`python -m awsaudit.merge FILES` in the project, its outputs under tmp."""
    tmp.mkdir(parents=True, exist_ok=True)
    report, junit = tmp / "report.html", tmp / "junit.xml"
    done = subprocess.run([sys.executable, "-m", "awsaudit.merge", *map(str, files), f"--html={report}",
                           f"--junitxml={junit}", f"--ocsf={tmp / 'findings.ocsf.jsonl'}"],
                          cwd=REPO, capture_output=True, text=True, timeout=300, env=env)
    return AuditRun(done.returncode, done.stdout + done.stderr, report, junit)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One run over the four accounts, and three shards of the same accounts file run side by side, against a moto
    server seeded with the twins; then the shards merged. Made once: the module's tests share one xdist worker
    (tests/conftest.py)."""
    work = tmp_path_factory.mktemp("shards")
    with isolated_moto_server() as (url, _):
        now = datetime.now(timezone.utc)
        loaded = [twins.load(REPO / "fixtures" / f"{name}.toml", now) for name in TWINS]
        with offline.emulate(loaded, endpoint_url=url):
            config = offline.write_config(loaded, work / "config", endpoint_url=url)
            env = {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(work / "none"),
                   "AWS_EC2_METADATA_DISABLED": "true"}
            listing = work / "accounts.toml"
            listing.write_text(accounts_toml(), encoding="utf-8")
            common = (f"--accounts-file={listing}", *CONTROLS)

            def shard(index: int) -> AuditRun:
                where = work / f"shard-{index}"
                where.mkdir()
                return run_audit(where, *common, f"--shard={index}/3", "--run-id=test-run",
                                 f"--results={work / f'shard-{index}.jsonl'}", env=env)

            def single() -> AuditRun:
                (work / "single").mkdir()
                return run_audit(work / "single", *common, f"--ocsf={work / 'single' / 'findings.ocsf.jsonl'}",
                                 env=env)

            with ThreadPoolExecutor(max_workers=4) as pool:
                started = [pool.submit(shard, index) for index in (1, 2, 3)]
                whole = pool.submit(single)
                shards = [each.result() for each in started]
            files = [work / f"shard-{index}.jsonl" for index in (1, 2, 3)]
            merged = merge(work / "merged", *files)
    return {"single": whole.result(), "shards": shards, "merged": merged, "files": files, "work": work}


def rows(report: Path) -> dict[str, list[str]]:
    """Test id -> its row's cells, without the duration (replayed results take none)."""
    return {test_id: [cell for cell in found[-1]["resultsTableRow"] if "col-duration" not in cell]
            for test_id, found in report_data(report)["tests"].items()}


def account_table(report: Path) -> list[list[str]]:
    """The summary page's account table, without the credential report's time and the role session's name (each
    process signs in and asks for a report of its own)."""
    page = report.with_name(f"{report.stem}-summary{report.suffix}").read_text(encoding="utf-8")
    table = re.search(r'<table class="awsaudit-accounts">(.*?)</table>', page, re.S)[1]
    found = [[unescape(cell) for cell in re.findall(r"<t[dh]>(.*?)</t[dh]>", row)]
             for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    return sorted([*row[:3], re.sub(r"/botocore-session-\d+$", "", row[3]), *row[5:]] for row in found)


def ocsf(path: Path) -> set[tuple[str, int]]:
    return {(record["finding_info"]["uid"], record["compliance"]["status_id"])
            for record in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def test_each_shard_audits_its_slice_of_the_accounts(runs: dict) -> None:
    audited = []
    for index, run in enumerate(runs["shards"], 1):
        assert run.returncode in (0, 1), run.output
        accounts = {props["account"] for props in run.properties.values()}
        size = len(accounts)
        assert f"shard: shard {index} of 3: {size} of 4 accounts" in run.output, run.output
        audited.append(accounts)
    # Contiguous slices of the ids sorted, 4 over 3 as 1, 1, 2: 125... | 333... | 666..., 777...
    assert [len(accounts) for accounts in audited] == [1, 1, 2]
    assert audited == [{"securityhub-some-regions"}, {"root-key-slot-2"}, {"virtual-mfa", "no-root-password"}]


def test_the_merge_says_what_one_run_says(runs: dict) -> None:
    single, merged = runs["single"], runs["merged"]
    assert single.returncode == 1, single.output
    assert merged.returncode == single.returncode, merged.output
    assert "Traceback" not in merged.output, merged.output
    assert merged.verdicts == single.verdicts and len(single.verdicts) == 12, merged.output
    assert rows(merged.report) == rows(single.report)
    assert account_table(merged.report) == account_table(single.report)
    assert ocsf(runs["work"] / "merged" / "findings.ocsf.jsonl") == ocsf(runs["work"] / "single" /
                                                                         "findings.ocsf.jsonl")
    assert "3 of 3 shards merged: 4 of 4 accounts" in merged.output
    assert "INCOMPLETE" not in merged.output


def test_a_missing_shard_makes_the_merge_incomplete(runs: dict, tmp_path: Path) -> None:
    merged = merge(tmp_path, *runs["files"][:2])
    assert merged.returncode == 2, merged.output
    banner = "INCOMPLETE: shard 3 of 3 is missing (no results file given for it)"
    assert banner in merged.output
    assert banner in merged.report.read_text(encoding="utf-8")
    assert {props["account"] for props in merged.properties.values()} == {"securityhub-some-regions", "root-key-slot-2"}


def test_an_unfinished_shard_makes_the_merge_incomplete(runs: dict, tmp_path: Path) -> None:
    """A shard killed mid-run leaves results but no end record, perhaps half a line."""
    cut = tmp_path / "shard-3.jsonl"
    lines = runs["files"][2].read_text(encoding="utf-8").splitlines(keepends=True)
    assert json.loads(lines[-1])["record"] == "shard-end"
    cut.write_text("".join(lines[:-2]) + lines[-2][:40], encoding="utf-8")
    merged = merge(tmp_path / "out", *runs["files"][:2], cut)
    assert merged.returncode == 2, merged.output
    assert re.search(r"INCOMPLETE: shard 3 of 3 did not finish \(its results file has no end record; its accounts: "
                     r"(no-root-password, virtual-mfa|virtual-mfa, no-root-password)\)", merged.output), \
        merged.output


def test_shards_of_another_audit_refuse_to_merge(runs: dict, tmp_path: Path) -> None:
    other = tmp_path / "other.jsonl"
    text = runs["files"][2].read_text(encoding="utf-8")
    other.write_text(text.replace('"run_id": "test-run"', '"run_id": "yesterday"'), encoding="utf-8")
    merged = merge(tmp_path / "out", *runs["files"][:2], other)
    assert merged.returncode == 4
    assert merged.output.strip().splitlines() == [
        f"python -m awsaudit.merge: {other} and {runs['files'][0]} are shards of different audits: run id yesterday "
        "and test-run"]
    assert not merged.report.exists()
