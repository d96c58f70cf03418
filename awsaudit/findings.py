"""Judging many resources at once: one verdict per account and control, naming every resource that fails.

A control over users, policies or certificates is one test per account, so a report stays readable at 10,000 users.
Its evidence lists every resource judged; its failure names each offending one and why. The offenders are also kept
on the test, so a waiver can accept exactly those resources and no others.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import pytest

from awsaudit.evidence import evidence_of

OFFENDERS = pytest.StashKey[dict[str, str]]()


class Findings:
    """What a control judged on one account; `judge` records it and fails the control if anything offends."""

    def __init__(self, item: pytest.Item) -> None:
        self._item = item

    @property
    def evidence(self) -> dict[str, Any]:
        return evidence_of(self._item)

    def judge(self, what: str, judged: Iterable[str], offenders: Mapping[str, str]) -> None:
        """Assert that no resource of `what` ("IAM users with a console password") offends.

        `judged` names every resource looked at; `offenders` maps each failing one to the reason it fails.
        """
        judged = list(judged)
        self.evidence[f"{what}: judged ({len(judged)})"] = judged
        if offenders:
            self.evidence[f"{what}: failing ({len(offenders)})"] = dict(offenders)
        self._item.stash[OFFENDERS] = dict(offenders)
        assert not offenders, f"{len(offenders)} of {len(judged)} {what} fail: " + _by_reason(offenders)


def offenders_of(item: pytest.Item) -> dict[str, str] | None:
    """The resources a control failed on, or None when it did not judge resources one by one."""
    return item.stash.get(OFFENDERS, None)


def _by_reason(offenders: Mapping[str, str]) -> str:
    """"no MFA device: alice, bob; carol (created 120 days ago)": offenders that fail alike are named together."""
    reasons: dict[str, list[str]] = {}
    for name, why in offenders.items():
        reasons.setdefault(why, []).append(name)
    return "; ".join(f"{why}: {', '.join(names)}" if len(names) > 1 else f"{names[0]} ({why})"
                     for why, names in reasons.items())
