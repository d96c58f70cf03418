"""`@source`: declare an AWS read (sources.py) and make it the fixture of its name.

The fixture reads the source once per account per run (per region where regional: then it gives `{region: value}`),
records what it read and how many calls AWS made it retry as the test's evidence, and raises when the source could
not be read, so the control ERRORs naming the cause.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from awsaudit.accounts import Account
from awsaudit.evidence import evidence_of
from awsaudit.sources import declare


def source(service: str, *, actions: list[str], regional: bool = False, title: str | None = None,
           evidence: Callable[[Any], Any] | None = None) -> Callable[[Callable[..., Any]], Any]:
    """`@source("ec2", regional=True, actions=["ec2:GetEbsEncryptionByDefault"])` on a loader `def name(ec2): ...`.

    `title` names the source in messages and evidence (default: the name, spaced); `evidence` picks what of a value
    the evidence shows (default: the value).
    """

    def make_fixture(loader: Callable[..., Any]) -> Any:
        declared = declare(loader, service, actions, regional, title, evidence)

        def read(account: Account, request: pytest.FixtureRequest) -> Any:
            value = account.read(declared)
            shown = evidence_of(request.node)
            if declared.regional:
                shown[f"{declared.title}: regions read"] = list(value)
                shown[declared.title] = {region: declared.shown(found) for region, found in value.items()}
            else:
                shown[declared.title] = declared.shown(value)
            retried = account.retries(declared)
            if retried:
                shown[f"{declared.title}: AWS calls retried"] = retried
            return value

        read.__doc__ = declared.doc
        return pytest.fixture(name=declared.name)(read)

    return make_fixture
