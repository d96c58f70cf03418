"""`--account org:<profile>`: every ACTIVE account of the AWS Organization that a profile can list, each reached by
assuming the audit role (ini `org_role`) with that profile's credentials. The accounts listed in another state
(SUSPENDED, PENDING_CLOSURE) cannot be audited; they are left out, each with its state, for the report to show.

Accounts are named by their account name (made safe for test ids), or by their id where two names would read the
same, so `test_root_has_mfa[payments-prod]` is stable and readable. The account a profile signs in to is audited
through the profile itself; every member is pinned to its listed id, so a role that lands elsewhere is refused.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Callable

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from awsaudit.accounts import Account, describe_aws_error
from awsaudit.errors import AuditError

PREFIX = "org:"
DEFAULT_ROLE = "OrganizationAccountAccessRole"


def split(requested: list[str]) -> tuple[list[str], list[str]]:
    """(profiles named as `org:<profile>`, the other names)."""
    return ([name[len(PREFIX):] for name in requested if name.startswith(PREFIX)],
            [name for name in requested if not name.startswith(PREFIX)])


def _readable(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")


def _listed(organizations: Any) -> list[dict[str, Any]]:
    pages = organizations.get_paginator("list_accounts").paginate()
    return [account for page in pages for account in page["Accounts"]]


def _state(account: dict[str, Any]) -> str:
    # `State` replaces the deprecated `Status`; either says ACTIVE for an account that can be audited.
    return str(account.get("State", account.get("Status")))


def members(source: Account, role: str, open_account: Callable[..., Account]) -> tuple[list[Account], list[str]]:
    """The organization's ACTIVE accounts, read with the source profile, and the others as "name (id): why";
    a failure is a usage error saying why."""
    where = f"--account {PREFIX}{source.profile}"
    try:
        caller = source.identity
        everything = source.fetch("organizations", "accounts of the organization", _listed)
    except (AuditError, ClientError, BotoCoreError) as exc:
        raise pytest.UsageError(f"{where}: {exc if isinstance(exc, AuditError) else describe_aws_error(exc, None)}"
                                ) from None
    listed = [entry for entry in everything if _state(entry) == "ACTIVE"]
    left_out = [f"{entry['Name']} ({entry['Id']}): {_state(entry)} in the organization"
                for entry in sorted(everything, key=lambda a: a["Id"]) if _state(entry) != "ACTIVE"]
    if not listed:
        raise pytest.UsageError(f"{where}: the organization lists no ACTIVE account")
    taken = Counter(_readable(a["Name"]) for a in listed)
    partition = caller.caller_arn.split(":")[1]
    found = []
    for entry in sorted(listed, key=lambda a: a["Id"]):
        name = _readable(entry["Name"])
        name = name if name and taken[name] == 1 else entry["Id"]
        role_arn = None if entry["Id"] == caller.account_id else f"arn:{partition}:iam::{entry['Id']}:role/{role}"
        found.append(open_account(name, source.profile, expected_id=entry["Id"], role_arn=role_arn))
    return found, left_out
