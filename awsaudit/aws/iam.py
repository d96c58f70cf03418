"""AWS Identity and Access Management: the account-wide reads the identity controls judge.

The credential report and GetAccountAuthorizationDetails hold every user, group, role and policy in a few pages, so
no control reads IAM once per user. Their models are in credential_report.py and authorization.py.
"""

from __future__ import annotations

from typing import Any, Mapping

from botocore.exceptions import ClientError

from awsaudit import authorization as authorization_model
from awsaudit import credential_report as report
from awsaudit.aws.absent import absent_when
from awsaudit.errors import SourceError, error_code
from awsaudit.source_fixtures import source

# GetAccountSummary flags that say whether the root user has each credential (0 or 1).
ROOT_FLAGS = ("AccountAccessKeysPresent", "AccountMFAEnabled", "AccountSigningCertificatesPresent")
# The largest page IAM's list calls return: requests grow with the data only by pages of a thousand.
PAGE = {"PageSize": 1000}


@source("iam", actions=["iam:GenerateCredentialReport", "iam:GetCredentialReport"],
        evidence=lambda found: {"generated": found.generated_time.isoformat(), "rows": len(found.rows)})
def credential_report(iam: Any, settings: Mapping[str, int]) -> report.CredentialReport:
    """The credential report: password, MFA, access keys and signing certificates of the root user and every user.
    AWS reuses a report for up to four hours: its generation time is in the evidence."""
    return report.fetch(iam, settings["credential_report_timeout"])


@source("iam", actions=["iam:GetAccountSummary"])
def account_summary(iam: Any) -> dict[str, int]:
    """The root user's credential flags, read fresh: a credential report may be up to four hours old."""
    summary = iam.get_account_summary().get("SummaryMap", {})
    missing = [flag for flag in ROOT_FLAGS if flag not in summary]
    if missing:
        raise SourceError(f"iam:GetAccountSummary answered without {', '.join(missing)}")
    return {flag: int(summary[flag]) for flag in ROOT_FLAGS}


@source("iam", actions=["iam:ListVirtualMFADevices"], title="virtual MFA devices",
        evidence=lambda devices: [device["SerialNumber"] for device in devices])
def virtual_mfa_devices(iam: Any) -> list[dict[str, Any]]:
    """The virtual MFA devices assigned to a user or to the root user."""
    pages = iam.get_paginator("list_virtual_mfa_devices").paginate(AssignmentStatus="Assigned", PaginationConfig=PAGE)
    return [device for page in pages for device in page.get("VirtualMFADevices", [])]


@source("iam", actions=["iam:GetAccountPasswordPolicy"],
        evidence=lambda policy: policy if policy is not None else "none set (NoSuchEntity)")
def password_policy(iam: Any) -> dict[str, Any] | None:
    """The account password policy, or None when none is set (AWS's defaults apply)."""
    return absent_when("NoSuchEntity", lambda: iam.get_account_password_policy()["PasswordPolicy"])


@source("iam", actions=["iam:GetAccountAuthorizationDetails"], title="authorization details",
        evidence=lambda details: {"users": len(details.users), "groups": len(details.groups),
                                  "roles": len(details.roles), "managed policies": len(details.policies)})
def authorization(iam: Any) -> authorization_model.AuthorizationDetails:
    """Users, groups, roles and managed policies with their documents (GetAccountAuthorizationDetails)."""
    return authorization_model.load(iam)


@source("iam", actions=["iam:ListServerCertificates"], title="server certificates stored in IAM", evidence=len)
def server_certificates(iam: Any) -> list[dict[str, Any]]:
    """Metadata of the SSL/TLS server certificates stored in IAM."""
    pages = iam.get_paginator("list_server_certificates").paginate(PaginationConfig=PAGE)
    return [cert for page in pages for cert in page.get("ServerCertificateMetadataList", [])]


# Answers of iam:ListOrganizationsFeatures that mean the features are off, with what they mean.
FEATURES_OFF = {
    "ServiceAccessNotEnabledException": "IAM trusted access is not enabled in AWS Organizations",
    "OrganizationNotInAllFeaturesModeException": "the organization does not have all features enabled",
}


@source("iam", actions=["iam:ListOrganizationsFeatures"], title="centralized root access features",
        evidence=lambda found: "not read: not the organization's management account" if found is None else
        list(found[0]) or "none enabled" + (f" ({found[1]})" if found[1] else ""))
def root_access_features(iam: Any, organization_details: dict[str, Any] | None,
                         identity: Any) -> tuple[tuple[str, ...], str] | None:
    """The organization's centralized root access features, and why none is enabled where AWS says why; None outside
    the organization's management account, where AWS does not answer."""
    if organization_details is None or organization_details["MasterAccountId"] != identity.account_id:
        return None
    try:
        return tuple(sorted(iam.list_organizations_features().get("EnabledFeatures", []))), ""
    except ClientError as exc:
        if error_code(exc) in FEATURES_OFF:
            return (), FEATURES_OFF[error_code(exc)]
        raise
