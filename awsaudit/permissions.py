"""The IAM permissions an audit needs, made from the declared sources: the policy in docs/iam-policy.json and the
README's table of what each permission is read for, and by which controls."""

from __future__ import annotations

from typing import Any, Mapping

from awsaudit.aws import MODULES
from awsaudit.sources import SOURCES, Source

START, END = "<!-- permissions:start (python -m awsaudit.catalog --write) -->", "<!-- permissions:end -->"

# Reads the engine makes itself, whatever the controls (sts:GetCallerIdentity needs no permission).
ENGINE = (("iam:ListAccountAliases", "the account alias shown in the report (optional: an audit goes on without it)"),)
# `--account org:<profile>`: read with that profile only.
ORGANIZATION = (("organizations:ListAccounts", "`--account org:<profile>`: the organization's accounts, with that "
                 "profile only (and `sts:AssumeRole` on the `org_role` of each account)"),)


def _read_by(reads: Mapping[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """Source name -> the ids of the controls that read it, in catalog order."""
    found: dict[str, list[str]] = {}
    for control, names in reads.items():
        for name in names:
            found.setdefault(name, []).append(control)
    return found


def _used(reads: Mapping[str, tuple[str, ...]]) -> list[Source]:
    """The sources some control reads, with those they build on: the engine's by service module in MODULES' order,
    then those declared in control files."""
    wanted = {name for names in reads.values() for name in names}
    order = {module: number for number, module in enumerate(MODULES)}
    return sorted((source for name, source in SOURCES.items() if name in wanted),
                  key=lambda source: order.get(source.loader.__module__, len(order)))


def policy(reads: Mapping[str, tuple[str, ...]]) -> dict[str, Any]:
    """The read-only policy an audit of these controls needs."""
    actions = [action for action, _ in ENGINE]
    for source in _used(reads):
        actions += [action for action in source.actions if action not in actions]
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "AwsauditReadOnlyControls", "Effect": "Allow", "Action": actions, "Resource": "*"},
        {"Sid": "AwsauditOrganizationDiscovery", "Effect": "Allow", "Action": [a for a, _ in ORGANIZATION],
         "Resource": "*"},
    ]}


def table(reads: Mapping[str, tuple[str, ...]]) -> str:
    by = _read_by(reads)
    lines = ["| permission | read for | controls |", "|---|---|---|"]
    for action, why in ENGINE:
        lines.append(f"| `{action}` | {why} | |")
    for source in _used(reads):
        where = " in every region read" if source.regional else ""
        summary = " ".join(source.doc.split()).split(". ")[0].rstrip(".")
        lines.append(f"| {', '.join(f'`{a}`' for a in source.actions)} | {source.title}{where}: {summary} | "
                     f"{', '.join(by.get(source.name, []))} |")
    for action, why in ORGANIZATION:
        lines.append(f"| `{action}` | {why} | |")
    return "\n".join(lines) + "\n"
