"""The account-wide IAM data sources controls read, each fetched once per account per run."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Mapping, TypeVar

from botocore.exceptions import ClientError

from awsaudit import authorization
from awsaudit import credential_report as report
from awsaudit.accounts import Account
from awsaudit.errors import SourceError, error_code

T = TypeVar("T")

# GetAccountSummary flags that say whether the root user has each credential (0 or 1).
ROOT_FLAGS = ("AccountAccessKeysPresent", "AccountMFAEnabled", "AccountSigningCertificatesPresent")


# The largest page IAM's list calls return: requests grow with the data only by pages of a thousand.
PAGE = {"PageSize": 1000}

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
    pages = iam.get_paginator("list_virtual_mfa_devices").paginate(AssignmentStatus="Assigned", PaginationConfig=PAGE)
    return [device for page in pages for device in page.get("VirtualMFADevices", [])]


def assigned_virtual_mfa_devices(account: Account) -> list[dict[str, Any]]:
    return account.fetch(*VIRTUAL_MFA_DEVICES, _assigned_virtual_mfa)


# -- the IAM catalog's sources ---------------------------------------------------------------------------------------

PASSWORD_POLICY = ("iam", "password policy")
AUTHORIZATION = ("iam", "authorization details")
SERVER_CERTIFICATES = ("iam", "server certificates")
SECURITY_CONTACT = ("account", "security contact")
ENABLED_REGIONS = ("ec2", "enabled regions")
ORGANIZATION = ("organizations", "organization")
ROOT_ACCESS_FEATURES = ("iam", "organization root access features")


def _absent_when(code: str, read: Callable[[], T]) -> T | None:
    """`read()`, or None when AWS answers `code`: for reads where that answer means "there is none"."""
    try:
        return read()
    except ClientError as exc:
        if error_code(exc) == code:
            return None
        raise


def _password_policy(iam: Any) -> dict[str, Any] | None:
    # NoSuchEntity: the account has no password policy, so AWS's defaults apply.
    return _absent_when("NoSuchEntity", lambda: iam.get_account_password_policy()["PasswordPolicy"])


def password_policy(account: Account) -> dict[str, Any] | None:
    """The account password policy, or None when none is set."""
    return account.fetch(*PASSWORD_POLICY, _password_policy)


def authorization_details(account: Account) -> authorization.AuthorizationDetails:
    return account.fetch(*AUTHORIZATION, authorization.load)


def _server_certificates(iam: Any) -> list[dict[str, Any]]:
    pages = iam.get_paginator("list_server_certificates").paginate(PaginationConfig=PAGE)
    return [cert for page in pages for cert in page.get("ServerCertificateMetadataList", [])]


def server_certificates(account: Account) -> list[dict[str, Any]]:
    return account.fetch(*SERVER_CERTIFICATES, _server_certificates)


def _security_contact(client: Any) -> dict[str, Any] | None:
    contact = _absent_when("ResourceNotFoundException",  # no security contact is registered
                           lambda: client.get_alternate_contact(AlternateContactType="SECURITY")["AlternateContact"])
    return None if contact is None else {k: contact.get(k) for k in ("Name", "Title", "EmailAddress", "PhoneNumber")}


def security_contact(account: Account) -> dict[str, Any] | None:
    return account.fetch(*SECURITY_CONTACT, _security_contact)


def _enabled_regions(ec2: Any) -> list[str]:
    """Regions enabled for the account: DescribeRegions leaves out opt-in regions that are not enabled (and the
    status is checked too, should an answer include them)."""
    return sorted(region["RegionName"] for region in ec2.describe_regions()["Regions"]
                  if region.get("OptInStatus") != "not-opted-in")


def enabled_regions(account: Account) -> list[str]:
    return account.fetch(*ENABLED_REGIONS, _enabled_regions)


def _analyzers(client: Any) -> list[dict[str, Any]]:
    pages = client.get_paginator("list_analyzers").paginate()
    return [{"name": a["name"], "type": a["type"], "status": a["status"]}
            for page in pages for a in page.get("analyzers", [])]


def access_analyzers(account: Account, region: str) -> list[dict[str, Any]]:
    return account.fetch("accessanalyzer", f"access analyzers in {region}", _analyzers, region=region)


_REGIONS_AT_ONCE = 8


def access_analyzers_by_region(account: Account) -> dict[str, list[dict[str, Any]]]:
    """Each enabled region's analyzers, the regions read concurrently: there is no call that spans regions."""
    regions = enabled_regions(account)
    if not regions:
        raise SourceError(f"{account.name}: enabled regions: ec2:DescribeRegions listed none, so no region can be "
                          "judged")
    with ThreadPoolExecutor(max_workers=min(_REGIONS_AT_ONCE, len(regions)),
                            thread_name_prefix="awsaudit-regions") as pool:
        return dict(zip(regions, pool.map(lambda region: access_analyzers(account, region), regions)))


@dataclass(frozen=True)
class Organization:
    id: str
    management_account_id: str
    # Centralized root access features, read only from the management account (None elsewhere).
    root_access_features: tuple[str, ...] | None = None
    # Why no feature is enabled, when AWS says why.
    features_off_because: str = ""


# Answers of iam:ListOrganizationsFeatures that mean the features are off, with what they mean.
_FEATURES_OFF = {
    "ServiceAccessNotEnabledException": "IAM trusted access is not enabled in AWS Organizations",
    "OrganizationNotInAllFeaturesModeException": "the organization does not have all features enabled",
}


def _organization(client: Any) -> dict[str, Any] | None:
    return _absent_when("AWSOrganizationsNotInUseException", lambda: client.describe_organization()["Organization"])


def _root_access_features(iam: Any) -> tuple[tuple[str, ...], str]:
    try:
        return tuple(sorted(iam.list_organizations_features().get("EnabledFeatures", []))), ""
    except ClientError as exc:
        if error_code(exc) in _FEATURES_OFF:
            return (), _FEATURES_OFF[error_code(exc)]
        raise


def organization(account: Account) -> Organization | None:
    """The organization the account belongs to (None: none), with its root access features if it manages it."""
    org = account.fetch(*ORGANIZATION, _organization)
    if org is None:
        return None
    if org["MasterAccountId"] != account.identity.account_id:
        return Organization(org["Id"], org["MasterAccountId"])
    features, why = account.fetch(*ROOT_ACCESS_FEATURES, _root_access_features)
    return Organization(org["Id"], org["MasterAccountId"], features, why)


# What each data-source fixture of fixtures.py reads, by fixture name: a run reads them ahead for every account
# (prefetch.py).
READERS: dict[str, Callable[[Account, Mapping[str, int]], object]] = {
    "credential_report": lambda account, settings: credential_report(
        account, settings["credential_report_timeout"]),
    "account_summary": lambda account, _: account_summary(account),
    "root_virtual_mfa_devices": lambda account, _: assigned_virtual_mfa_devices(account),
    "password_policy": lambda account, _: password_policy(account),
    "authorization": lambda account, _: authorization_details(account),
    "server_certificates": lambda account, _: server_certificates(account),
    "security_contact": lambda account, _: security_contact(account),
    "access_analyzers": lambda account, _: access_analyzers_by_region(account),
    "organization": lambda account, _: organization(account),
}
