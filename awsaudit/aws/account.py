"""AWS Account Management: the account's alternate contacts."""

from __future__ import annotations

from typing import Any

from awsaudit.aws.absent import absent_when
from awsaudit.source_fixtures import source


@source("account", actions=["account:GetAlternateContact"], title="security alternate contact",
        evidence=lambda contact: contact if contact is not None else "none registered (ResourceNotFoundException)")
def security_contact(client: Any) -> dict[str, Any] | None:
    """The account's security alternate contact, or None when none is registered."""
    contact = absent_when("ResourceNotFoundException",
                          lambda: client.get_alternate_contact(AlternateContactType="SECURITY")["AlternateContact"])
    return None if contact is None else {k: contact.get(k) for k in ("Name", "Title", "EmailAddress", "PhoneNumber")}
