"""Judging many resources at once: one verdict per account and control, naming every resource that fails.

A control over users, policies or certificates is one test per account, so a report stays readable at 10,000 users.
Its evidence lists every resource judged; its failure names each offending one and why. Every resource judged is
also kept on the test as a finding (passed or failed, with its id or ARN, type and region), for the outputs that
report per resource, and the offenders are kept so a waiver can accept exactly those resources and no others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Union

import pytest

from awsaudit.evidence import evidence_of, recorded


# The type of a region of the account, judged as a resource (a setting that holds per region).
REGION = "AWS::Region"


@dataclass(frozen=True)
class Resource:
    """A resource a control judges: `id` is its ARN where AWS gives one, `name` how people call it."""

    id: str
    type: str = ""  # the CloudFormation name of its type, e.g. AWS::IAM::User
    region: str = ""  # "" for a global resource
    name: str = ""

    def __str__(self) -> str:
        """How reports name it: "alice"; a resource of one region with its region, "eu-west-1: sg-0abc"."""
        named = self.name or self.id
        return f"{self.region}: {named}" if self.region and self.type != REGION else named


@dataclass(frozen=True)
class Finding:
    """The verdict on one resource a control judged."""

    resource: Resource
    status: str  # "passed" or "failed"
    reason: str = ""


# What a control may pass as a resource: a name alone, or a Resource.
Judged = Union[str, Resource]

FINDINGS = recorded(pytest.StashKey[list[Finding]]())
OFFENDERS = recorded(pytest.StashKey[dict[str, str]]())


def _resource(judged: Judged, regions: bool = False) -> Resource:
    if isinstance(judged, Resource):
        return judged
    return Resource(id=judged, type=REGION, region=judged, name=judged) if regions else Resource(id=judged, name=judged)


class Findings:
    """What a control judged on one account; `judge` records it and fails the control if anything offends."""

    def __init__(self, item: pytest.Item) -> None:
        self._item = item

    @property
    def evidence(self) -> dict[str, Any]:
        return evidence_of(self._item)

    def judge(self, what: str, judged: Iterable[Judged], offenders: Mapping[Judged, str], *,
              regions: bool = False) -> None:
        """Assert that no resource of `what` ("IAM users with a console password") offends.

        `judged` is every resource looked at, by name or as a Resource; `offenders` maps each failing one (the same
        name or Resource) to the reason it fails. With `regions`, the names are regions of the account (a regional
        source's keys), each judged in its own region.
        """
        resources = [_resource(each, regions) for each in judged]
        failing = {str(_resource(each, regions)): why for each, why in offenders.items()}
        self.evidence[f"{what}: judged ({len(resources)})"] = [str(resource) for resource in resources]
        if failing:
            self.evidence[f"{what}: failing ({len(failing)})"] = failing
        self._item.stash[FINDINGS] = [Finding(resource, "failed", failing[str(resource)]) if str(resource) in failing
                                      else Finding(resource, "passed") for resource in resources]
        self._item.stash[OFFENDERS] = failing
        assert not failing, f"{len(failing)} of {len(resources)} {what} fail: " + _by_reason(failing)


def offenders_of(item: pytest.Item) -> dict[str, str] | None:
    """The resources a control failed on, or None when it did not judge resources one by one."""
    return item.stash.get(OFFENDERS, None)


def findings_of(item: pytest.Item) -> list[Finding]:
    """Every resource a control judged, with its verdict; empty when it did not judge resources one by one."""
    return item.stash.get(FINDINGS, [])


def _by_reason(offenders: Mapping[str, str]) -> str:
    """"no MFA device: alice, bob; carol (created 120 days ago)": offenders that fail alike are named together."""
    reasons: dict[str, list[str]] = {}
    for name, why in offenders.items():
        reasons.setdefault(why, []).append(name)
    return "; ".join(f"{why}: {', '.join(names)}" if len(names) > 1 else f"{names[0]} ({why})"
                     for why, names in reasons.items())
