"""The account-wide IAM data sources controls read, each fetched once per account per run."""

from __future__ import annotations

from typing import Any

from awsaudit import credential_report as report
from awsaudit.accounts import Account
from awsaudit.errors import SourceError

# GetAccountSummary flags that say whether the root user has each credential (0 or 1).
ROOT_FLAGS = ("AccountAccessKeysPresent", "AccountMFAEnabled", "AccountSigningCertificatesPresent")


# Each source's (service, name) in the account's cache.
CREDENTIAL_REPORT = ("iam", "credential report")
ACCOUNT_SUMMARY = ("iam", "account summary")
VIRTUAL_MFA_DEVICES = ("iam", "virtual MFA devices")


def credential_report(account: Account, timeout: float) -> report.CredentialReport:
    return account.fetch(*CREDENTIAL_REPORT, lambda iam: report.fetch(iam, timeout))


def _summary(iam: Any) -> dict[str, int]:
    summary = iam.get_account_summary().get("SummaryMap", {})
    missing = [flag for flag in ROOT_FLAGS if flag not in summary]
    if missing:
        raise SourceError(f"iam:GetAccountSummary answered without {', '.join(missing)}")
    return {flag: int(summary[flag]) for flag in ROOT_FLAGS}


def account_summary(account: Account) -> dict[str, int]:
    """The root user's credential flags, read fresh: a credential report may be up to four hours old."""
    return account.fetch(*ACCOUNT_SUMMARY, _summary)


def _assigned_virtual_mfa(iam: Any) -> list[dict[str, Any]]:
    pages = iam.get_paginator("list_virtual_mfa_devices").paginate(AssignmentStatus="Assigned")
    return [device for page in pages for device in page.get("VirtualMFADevices", [])]


def assigned_virtual_mfa_devices(account: Account) -> list[dict[str, Any]]:
    return account.fetch(*VIRTUAL_MFA_DEVICES, _assigned_virtual_mfa)
