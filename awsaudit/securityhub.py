"""Import an `--asff` file into AWS Security Hub: a WRITE to the accounts, never part of an audit.

    python -m awsaudit.securityhub import FINDINGS.asff.jsonl --account PROFILE [PROFILE ...] [--dry-run]

An audit only reads (the read-only guard refuses every write); this command is the one place awsaudit writes, and
only when asked, with sessions of its own (plain boto3 sessions of the given profiles, never the audit's guarded
ones). Each profile is resolved to its account with sts:GetCallerIdentity; each record is imported into its own
account and its ProductArn's region with securityhub:BatchImportFindings (the account's default product accepts
nothing else), in batches of at most 100 findings and 6 MB, with botocore's adaptive retries for throttling and a
pause between calls that keeps each account and region under 10 calls a second. Every finding Security Hub refuses
is reported with its reason. A record for an account no given profile reaches is reported and skipped.

Then Security Hub is made to match the file: in each account and region the file covers, the findings of earlier
imports that are still ACTIVE (securityhub:GetFindings for the product, RecordState ACTIVE, an awsaudit Id and a
GeneratorId among the controls the file reports for that account) but that the file no longer holds are imported
again with RecordState ARCHIVED and UpdatedAt now. Only the controls the file reports are considered, so a file of
a partial run (`-k`, `--control`) archives nothing of the controls it did not run; nothing is archived where the
import itself failed. `--dry-run` reads (GetCallerIdentity, GetFindings) and prints what it would send, per account
and region, with the ids it would archive; it imports and archives nothing.

Exit status: 0 when everything was imported (or, with --dry-run, could be), 1 when anything was refused or skipped,
2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TextIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from awsaudit.outputs.asff import ID_PREFIX, product_arn

BATCH_FINDINGS = 100
BATCH_BYTES = 6 * 1024 * 1024 - 64 * 1024  # the request's 6 MB, less room for its envelope
FINDING_BYTES = 240 * 1024  # Security Hub refuses a larger finding
GENERATOR_VALUES = 20  # values per filter field GetFindings takes at once
RETRIES = Config(retries={"mode": "adaptive", "max_attempts": 10})
# Seconds between calls to one account and region: BatchImportFindings allows 10 a second, GetFindings 3.
PAUSE = {"BatchImportFindings": 0.12, "GetFindings": 0.34}
# The fields of an earlier finding an archiving import sends back (Security Hub's own fields are left out).
_KEPT = ("SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "Types", "CreatedAt", "Severity",
         "Title", "Description", "Remediation", "ProductFields", "Resources", "Compliance", "FirstObservedAt",
         "LastObservedAt", "SourceUrl")

WRITES = ("WRITES to AWS Security Hub (securityhub:BatchImportFindings) in each account the file names; this is not "
          "part of an audit, which never writes")
DRY = ("DRY RUN: reads only (sts:GetCallerIdentity, securityhub:GetFindings) and prints what an import would send; "
       "nothing is imported or archived")


def now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class Target:
    """The records of one account and region, and what became of them."""

    account_id: str
    region: str
    partition: str = "aws"
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # by Id, in the file's order
    imported: int = 0
    failed: list[str] = field(default_factory=list)  # "Id: why"
    archived: int = 0

    @property
    def product(self) -> str:
        return product_arn(self.region, self.account_id, self.partition)


def read_records(path: Path, out: TextIO) -> tuple[dict[tuple[str, str], Target], int]:
    """The file's records by (account id, region), and how many lines could not be imported (each reported)."""
    targets: dict[tuple[str, str], Target] = {}
    bad = 0
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                account_id, product = record["AwsAccountId"], record["ProductArn"]
                partition, region = product.split(":")[1], product.split(":")[3]
                if product != product_arn(region, account_id, partition):
                    raise ValueError(f"ProductArn {product} is not account {account_id}'s default product")
                if not record.get("Id") or not record.get("GeneratorId"):
                    raise ValueError("it has no Id or no GeneratorId")
            except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
                bad += 1
                print(f"  line {number}: not an awsaudit ASFF record ({type(exc).__name__}: {exc}); skipped",
                      file=out)
                continue
            target = targets.setdefault((account_id, region), Target(account_id, region, partition))
            target.records[record["Id"]] = record  # a repeated Id: the later record is the one sent
    return targets, bad


class Paced:
    """Calls to one account and region, spaced out so a run stays under Security Hub's per-second limits."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.last = 0.0

    def call(self, operation: str, **params: Any) -> Any:
        wait = self.last + PAUSE.get(operation, 0.12) - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            return getattr(self.client, _snake(operation))(**params)
        finally:
            self.last = time.monotonic()


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")


def batches(records: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Records in batches of at most BATCH_FINDINGS findings and BATCH_BYTES of JSON."""
    batch: list[dict[str, Any]] = []
    size = 0
    for record in records:
        length = len(json.dumps(record, ensure_ascii=False).encode("utf-8")) + 2
        if batch and (len(batch) == BATCH_FINDINGS or size + length > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(record)
        size += length
    if batch:
        yield batch


def _filters(target: Target, controls: list[str]) -> dict[str, Any]:
    equals = lambda value: {"Value": value, "Comparison": "EQUALS"}  # noqa: E731
    return {"ProductArn": [equals(target.product)], "AwsAccountId": [equals(target.account_id)],
            "RecordState": [equals("ACTIVE")], "Id": [{"Value": ID_PREFIX, "Comparison": "PREFIX"}],
            "GeneratorId": [equals(control) for control in controls]}


def _ours(finding: dict[str, Any], target: Target, controls: set[str]) -> bool:
    """Whether a finding is one of awsaudit's active findings in the target: only those are ever archived."""
    return (finding.get("ProductArn") == target.product and finding.get("AwsAccountId") == target.account_id
            and finding.get("RecordState", "ACTIVE") == "ACTIVE" and str(finding.get("Id", "")).startswith(ID_PREFIX)
            and finding.get("GeneratorId") in controls)


def stale(paced: Paced, target: Target) -> list[dict[str, Any]]:
    """awsaudit's active findings of the target's controls that the file no longer holds."""
    controls = sorted({record["GeneratorId"] for record in target.records.values()})
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(controls), GENERATOR_VALUES):
        chunk = controls[start:start + GENERATOR_VALUES]
        token = None
        while True:
            page = paced.call("GetFindings", Filters=_filters(target, chunk), MaxResults=100,
                              **({"NextToken": token} if token else {}))
            for finding in page.get("Findings", []):
                if _ours(finding, target, set(chunk)) and finding["Id"] not in target.records:
                    found[finding["Id"]] = finding
            token = page.get("NextToken")
            if not token:
                break
    return list(found.values())


def archived(finding: dict[str, Any], when: str) -> dict[str, Any]:
    """An earlier finding as the import that archives it sends it."""
    record = {key: finding[key] for key in _KEPT if key in finding}
    if "ProductFields" in record:
        record["ProductFields"] = {k: v for k, v in record["ProductFields"].items() if not k.startswith("aws/")}
    if "Compliance" in record:
        record["Compliance"] = {k: v for k, v in record["Compliance"].items() if k in ("Status",
                                                                                      "RelatedRequirements")}
    if "Severity" in record:
        record["Severity"] = {k: v for k, v in record["Severity"].items() if k in ("Label", "Original")}
    return {**record, "RecordState": "ARCHIVED", "UpdatedAt": when}


def send(paced: Paced, records: list[dict[str, Any]], target: Target) -> int:
    """Import `records` in batches; each refusal is recorded on the target. Returns how many were accepted."""
    accepted = 0
    small = []
    for record in records:
        if len(json.dumps(record, ensure_ascii=False).encode("utf-8")) > FINDING_BYTES:
            target.failed.append(f"{record['Id']}: larger than Security Hub's 240 KB per finding; not sent")
        else:
            small.append(record)
    for batch in batches(small):
        try:
            answer = paced.call("BatchImportFindings", Findings=batch)
        except (ClientError, BotoCoreError) as exc:
            target.failed.extend(f"{record['Id']}: {_why(exc)}" for record in batch)
            continue
        refused = answer.get("FailedFindings", [])
        target.failed.extend(f"{each.get('Id', '?')}: {each.get('ErrorCode', '')} {each.get('ErrorMessage', '')}"
                             .rstrip() for each in refused)
        accepted += answer.get("SuccessCount", len(batch) - len(refused))
    return accepted


def _why(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": ")
    return str(exc)


def resolve(profiles: list[str], out: TextIO,
            session_of: Callable[[str], boto3.Session] = lambda p: boto3.Session(profile_name=p),
            ) -> tuple[dict[str, tuple[str, boto3.Session]], list[str]]:
    """Account id -> (profile, session) for each profile that signs in; the problems of those that do not."""
    reached: dict[str, tuple[str, boto3.Session]] = {}
    problems = []
    for profile in profiles:
        try:
            session = session_of(profile)
            sts = session.client("sts", region_name=session.region_name or "us-east-1", config=RETRIES)
            account_id = sts.get_caller_identity()["Account"]
        except (ClientError, BotoCoreError) as exc:
            problems.append(f"profile {profile}: cannot sign in ({_why(exc)})")
            continue
        if account_id in reached:
            print(f"  profile {profile} reaches account {account_id}, as {reached[account_id][0]} does: "
                  f"{reached[account_id][0]} is used", file=out)
            continue
        reached[account_id] = (profile, session)
        print(f"  profile {profile}: account {account_id}", file=out)
    return reached, problems


def run_import(path: Path, profiles: list[str], dry_run: bool, out: TextIO = sys.stdout,
               session_of: Callable[[str], boto3.Session] | None = None) -> int:
    print(DRY if dry_run else WRITES, file=out)
    targets, bad = read_records(path, out)
    total = sum(len(t.records) for t in targets.values())
    print(f"{path}: {total} findings for {len({a for a, _ in targets})} accounts in "
          f"{len({r for _, r in targets})} regions", file=out)
    reached, problems = resolve(profiles, out, *([session_of] if session_of else []))
    trouble = bool(bad or problems)
    for problem in problems:
        print(f"  {problem}", file=out)
    for (account_id, region), target in sorted(targets.items()):
        where = f"account {account_id} in {region}"
        if account_id not in reached:
            print(f"{where}: SKIPPED {len(target.records)} findings: no given profile reaches account {account_id}",
                  file=out)
            trouble = True
            continue
        profile, session = reached[account_id]
        paced = Paced(session.client("securityhub", region_name=region, config=RETRIES))
        try:
            old = stale(paced, target)
        except (ClientError, BotoCoreError) as exc:
            print(f"{where} (profile {profile}): GetFindings failed ({_why(exc)}); nothing is archived there",
                  file=out)
            old, trouble = None, True
        if dry_run:
            print(f"{where} (profile {profile}): would import {len(target.records)} findings"
                  + ("" if old is None else f" and archive {len(old)}"), file=out)
            for finding in old or []:
                print(f"  would archive {finding['Id']}", file=out)
            continue
        target.imported = send(paced, list(target.records.values()), target)
        if old and not target.failed:
            when = now()
            before = len(target.failed)
            target.archived = send(paced, [archived(finding, when) for finding in old], target)
            trouble |= len(target.failed) > before
        elif old:
            print(f"{where}: {len(old)} findings of earlier runs are not archived: the import was incomplete",
                  file=out)
        print(f"{where} (profile {profile}): imported {target.imported} of {len(target.records)} findings, "
              f"archived {target.archived}" + (f", {len(target.failed)} refused" if target.failed else ""),
              file=out)
        for failure in target.failed:
            print(f"  REFUSED {failure}", file=out)
        trouble |= bool(target.failed)
    return 1 if trouble else 0


def _profiles(values: list[str]) -> list[str]:
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m awsaudit.securityhub",
        description="Send awsaudit's ASFF findings (pytest --asff=PATH) to AWS Security Hub. This WRITES to the "
                    "accounts: it is never part of an audit, and uses sessions of its own, not the audit's "
                    "read-only ones.")
    commands = top.add_subparsers(dest="command", required=True)
    imports = commands.add_parser(
        "import", help="import a file's findings into each account's Security Hub (a WRITE)",
        description="Import an --asff file into AWS Security Hub: a WRITE (securityhub:BatchImportFindings) into "
                    "each account the file names, in each record's region, and an archiving import of the "
                    "awsaudit findings of earlier runs the file no longer holds. Not part of an audit.")
    imports.add_argument("file", type=Path, metavar="FILE", help="the file `pytest --asff=FILE` wrote")
    imports.add_argument("--account", action="extend", nargs="+", required=True, metavar="PROFILE",
                         help="AWS profiles to import with (several, or comma-separated); each record goes to the "
                              "profile whose account (sts:GetCallerIdentity) is the record's")
    imports.add_argument("--dry-run", action="store_true",
                         help="print what would be imported and archived, per account and region; send nothing")
    return top


def main(argv: list[str] | None = None, out: TextIO = sys.stdout) -> int:
    args = parser().parse_args(argv)
    profiles = _profiles(args.account)
    if not args.file.is_file():
        print(f"{args.file}: no such file", file=sys.stderr)
        return 2
    if not profiles:
        print("--account names no profile", file=sys.stderr)
        return 2
    return run_import(args.file, profiles, args.dry_run, out)


if __name__ == "__main__":
    sys.exit(main())
