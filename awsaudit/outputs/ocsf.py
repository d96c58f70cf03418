"""`--ocsf=PATH`: every resource judged as one OCSF 1.5.0 Compliance Finding, a JSON line written as it arrives.

One record per (control, account, resource judged): a control that judged no resource one by one (a password policy,
the root user) gives one record for the account itself (resource type AWS::::Account). Every verdict is written, so
a reader sees what passed as well as what failed. The record is a Compliance Finding (class_uid 2003, category_uid 2
Findings, activity_id 1 Create, type_uid 200301) with the cloud profile:

- `compliance`: `standards` the frameworks the control maps to, each by its title with its version ("CIS Amazon Web
  Services Foundations Benchmark v5.0.0"); `requirements` the framework's requirement ids ("CIS AWS 5.0 1.9");
  `control` the control id and title ("IAM-3: ..."), also as the one entry of `checks` (uid, name, severity).
- `finding_info`: `uid` a hash of control, account id, the resource's region and the resource id, so the same
  finding keeps its uid from run to run; `title` the control's title; `desc` its rationale; `analytic` the control
  (uid its id, type Rule).
- `severity_id` from the control's severity (critical 5, high 4, medium 3, low 2); `message` the one-line reason (for
  a resource, its own: "bob: no MFA device"); `remediation.desc` the control's remediation.
- `cloud`: provider AWS, the resource's region (else the account's home region), the account's id and name, and the
  organization's id when the run has read it for the account (the organization source, or its evidence).
- `resources`: the resource judged, its uid the ARN where it has one; `time` the audit's start in epoch milliseconds;
  `metadata` the OCSF version, the product (awsaudit and its version), `log_name` "awsaudit".
- `unmapped.awsaudit`: the verdict, the control's whole reason, the waiver, the test id, and the evidence (access key
  ids already masked; a resource's record leaves out the lists of every resource judged, which its own resource
  replaces, so 10,000 users do not write 10,000 lists of 10,000 names).

How the verdicts map to `compliance.status_id`, and why:

- passed: 1 Pass. A resource judged by a failed or waived control keeps its own verdict: a user with MFA is a Pass
  even where another user fails the control. A failure no failing resource accounts for is a Fail on every record.
- failed: 3 Fail.
- waived: 3 Fail, and the finding's own status is 3 Suppressed, with the waiver (justification, expiry) in the
  finding's `status_detail` and in `compliance.status_details`. The resource still does not comply: the waiver is an
  accepted risk, not a pass, and a consumer counting failures should see it as one it has chosen to suppress.
- error: 99 Other, `status` "Error", the reason in `compliance.status_details`. An error is no evidence either way
  (a denied read, a bug): 3 Fail would count it as non-compliance and 2 Warning, in OCSF "no result due to missing
  information", would hide that the audit itself broke and must be rerun.
- not applicable: 99 Other, `status` "Not Applicable", with the reason (e.g. no IAM user has a console password). It
  is a result, not an unknown, so not 0 Unknown; nor a Pass, which would count an account without the resource as
  compliant with a control it cannot have.

The finding's own status (`status_id`) is 1 New, except a waived failure's 3 Suppressed. Written line by line and
flushed, as --results is; an earlier file is never overwritten (the new one gets -2, -3, ...).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from awsaudit import __version__
from awsaudit.audit import AUDIT
from awsaudit.controls import Control
from awsaudit.findings import Finding, Resource
from awsaudit.frameworks import FRAMEWORKS, refs
from awsaudit.outputs.jsonl import LineFile
from awsaudit.results import Result, ResultLog
from awsaudit.sources import SOURCES

OCSF_VERSION = "1.5.0"
CLASS_UID, CATEGORY_UID, ACTIVITY_ID = 2003, 2, 1
TYPE_UID = CLASS_UID * 100 + ACTIVITY_ID

SEVERITY = {"critical": (5, "Critical"), "high": (4, "High"), "medium": (3, "Medium"), "low": (2, "Low")}
PASS, FAIL, OTHER = (1, "Pass"), (3, "Fail"), 99
# The compliance status of a verdict where it is not the resource's own.
STATUS = {"passed": PASS, "failed": FAIL, "waived": FAIL, "error": (OTHER, "Error"),
          "not applicable": (OTHER, "Not Applicable")}
NEW, SUPPRESSED = (1, "New"), (3, "Suppressed")
ACCOUNT_TYPE = "AWS::::Account"  # as AWS Config names an account-level resource
# The evidence keys findings.Findings.judge writes: every resource judged, and every failing one.
_JUDGED = re.compile(r": (judged|failing) \(\d+\)$")


def standard(framework: str) -> str:
    """A framework as OCSF's `standards` name it, with its version: its title without the parenthesis."""
    known = FRAMEWORKS.get(framework)
    return re.sub(r"\s*\(.*\)$", "", known.title) if known else framework


def finding_uid(control: str, account: str, region: str, resource: str) -> str:
    """The same control, account, region and resource give the same uid in every run."""
    digest = hashlib.sha256("\x1f".join((control, account, region, resource)).encode("utf-8")).hexdigest()
    return f"awsaudit-{digest[:40]}"


def _compliance_status(result: Result, found: Finding | None) -> tuple[int, str]:
    """A resource keeps its own verdict where the control judged it one by one and its failure names a resource."""
    if found is not None and result.verdict in ("passed", "failed", "waived"):
        if result.verdict == "passed" or any(f.status == "failed" for f in result.findings):
            return FAIL if found.status == "failed" else PASS
    return STATUS[result.verdict]


def _evidence(result: Result, per_resource: bool) -> dict[str, Any]:
    if not per_resource:
        return result.evidence
    return {key: value for key, value in result.evidence.items() if not _JUDGED.search(key)}


def records(result: Result, meta: Control | None, started_ms: int, home_region: str = "",
            org_uid: str = "") -> list[dict[str, Any]]:
    """The OCSF records of one result: one per resource judged, or one for the account."""
    account_key = result.account_id or result.account
    account_resource = Resource(result.account_id or result.account, ACCOUNT_TYPE, "", result.account)
    judged: list[tuple[Resource, Finding | None]] = ([(f.resource, f) for f in result.findings]
                                                     or [(account_resource, None)])
    frameworks = meta.frameworks if meta is not None else {}
    requirements = [f"{name} {ref}" for name, value in frameworks.items() for ref in refs(value)]
    severity_id, severity = SEVERITY.get(result.severity, (0, "Unknown"))
    remediation = meta.remediation if meta is not None else ""
    control = f"{result.control}: {result.title}"
    made = []
    for resource, found in judged:
        status_id, status = _compliance_status(result, found)
        waived = result.verdict == "waived" and status_id == FAIL[0]
        details = [result.waiver] if result.waiver and (waived or result.verdict in ("failed", "passed")) else []
        if status_id == OTHER and result.reason:
            details.append(result.reason)
        if found is None:
            message = result.reason or f"{control}: {result.verdict}"
        else:
            message = f"{resource}: {found.reason or ('fails' if found.status == 'failed' else 'passes')}"
        region = resource.region or home_region
        arn = resource.id if resource.id.startswith("arn:") else ""
        described = {"uid": resource.id, "name": resource.name or resource.id, "type": resource.type or None,
                     "region": resource.region or None, "cloud_partition": arn.split(":")[1] if arn else None}
        cloud = {"provider": "AWS", "region": region or None,
                 "account": {"name": result.account, "type_id": 10, "type": "AWS Account",
                             "uid": result.account_id or None},
                 "org": {"uid": org_uid} if org_uid else None}
        finding_status = SUPPRESSED if waived else NEW
        record = {
            "class_uid": CLASS_UID, "class_name": "Compliance Finding",
            "category_uid": CATEGORY_UID, "category_name": "Findings",
            "activity_id": ACTIVITY_ID, "activity_name": "Create",
            "type_uid": TYPE_UID, "type_name": "Compliance Finding: Create",
            "time": started_ms,
            "severity_id": severity_id, "severity": severity,
            "status_id": finding_status[0], "status": finding_status[1],
            "status_detail": result.waiver if waived else None,
            "message": message,
            "finding_info": {
                "uid": finding_uid(result.control, account_key, resource.region, resource.id),
                "title": result.title,
                "desc": (meta.rationale if meta is not None else "") or result.title,
                "analytic": {"uid": result.control, "name": result.title, "type_id": 1, "type": "Rule"},
            },
            "compliance": _pruned({
                "control": control,
                "standards": [standard(name) for name in frameworks],
                "requirements": requirements,
                "checks": [{"uid": result.control, "name": result.title, "severity": result.severity,
                            "severity_id": severity_id, "status_id": status_id, "status": status}],
                "status_id": status_id, "status": status,
                "status_details": details or None,
            }),
            "remediation": {"desc": remediation} if remediation else None,
            "cloud": _pruned(cloud),
            "resources": [_pruned(described)],
            "metadata": {
                "version": OCSF_VERSION, "log_name": "awsaudit", "profiles": ["cloud"],
                "product": {"name": "awsaudit", "vendor_name": "awsaudit", "version": __version__},
            },
            "unmapped": {"awsaudit": {
                "verdict": result.verdict, "reason": result.reason, "waiver": result.waiver,
                "despite_waiver": result.despite_waiver, "test": result.test,
                "evidence": _evidence(result, found is not None),
            }},
        }
        made.append(_pruned(record))
    return made


def _pruned(value: dict[str, Any]) -> dict[str, Any]:
    """Without the attributes that have no value: OCSF leaves an unknown attribute out rather than null."""
    return {key: item for key, item in value.items() if item is not None and item != []}


class OcsfLines(LineFile):
    """Registered on the process that writes the outputs, when --ocsf is given."""

    def __init__(self, path: Path, log: ResultLog) -> None:
        super().__init__(path)
        self.log = log
        self.controls = {meta.id: meta for meta in log.known.controls}
        self.started_ms = int(log.started.timestamp() * 1000)
        self._orgs: dict[str, str] = {}

    def _account(self, name: str) -> Any:
        audit = self.log.config.stash.get(AUDIT, None)
        return next((each for each in getattr(audit, "accounts", []) if each.name == name), None)

    def org_uid(self, result: Result) -> str:
        """The organization's id once the run has read it for the account: here, or in a result's evidence."""
        if not self._orgs.get(result.account):
            audited = self._account(result.account)
            described = SOURCES["organization_details"]
            read = audited.cached(described.service, described.title) if audited is not None else None
            shown = result.evidence.get("organization")
            org = (read or {}).get("Id") or (shown.get("id") if isinstance(shown, dict) else None)
            if isinstance(org, str) and org:
                self._orgs[result.account] = org
        return self._orgs.get(result.account, "")

    def pytest_awsaudit_result(self, result: Result) -> None:
        # A profile botocore cannot read: the records go without a region.
        self.write(records(result, self.controls.get(result.control), self.started_ms,
                           self.log.home_region(result.account) or "", self.org_uid(result)))
