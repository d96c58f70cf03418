"""AWS Organizations: the organization an account belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from awsaudit.aws.absent import absent_when
from awsaudit.source_fixtures import source


@dataclass(frozen=True)
class Organization:
    id: str
    management_account_id: str
    # Centralized root access features, read only from the management account (None elsewhere).
    root_access_features: tuple[str, ...] | None = None
    # Why no feature is enabled, when AWS says why.
    features_off_because: str = ""


@source("organizations", actions=["organizations:DescribeOrganization"], title="organization",
        evidence=lambda org: "none (AWSOrganizationsNotInUseException)" if org is None else
        {"id": org["Id"], "management account": org["MasterAccountId"]})
def organization_details(client: Any) -> dict[str, Any] | None:
    """The organization the account belongs to (DescribeOrganization), or None when it belongs to none."""
    return absent_when("AWSOrganizationsNotInUseException", lambda: client.describe_organization()["Organization"])
