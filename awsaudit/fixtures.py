"""The data-source fixtures a control asks for by name: each reads its source once per account (sources.py) and
records what it read as the test's evidence. An exception here is the control's ERROR, never its FAIL."""

from __future__ import annotations

from typing import Any

import pytest

from awsaudit import sources
from awsaudit.accounts import Account
from awsaudit.authorization import AuthorizationDetails
from awsaudit.controls import not_applicable
from awsaudit.credential_report import CredentialReport, CredentialRow
from awsaudit.evidence import evidence_of
from awsaudit.findings import Findings
from awsaudit.audit import AUDIT
from awsaudit.root import RootInReport, RootUser, root_virtual_mfa


def _record_source(request: pytest.FixtureRequest, account: Account, source: tuple[str, str],
                   label: str, value: Any) -> None:
    """A source's evidence, and how many AWS calls had to be retried to read it (throttling, transient errors)."""
    evidence = evidence_of(request.node)
    evidence[label] = value
    retried = account.retries(*source)
    if retried:
        evidence[f"{source[1]}: AWS calls retried"] = retried


@pytest.fixture
def credential_report(account: Account, request: pytest.FixtureRequest) -> CredentialReport:
    report = sources.credential_report(account, request.config.stash[AUDIT].thresholds["credential_report_timeout"])
    _record_source(request, account, sources.CREDENTIAL_REPORT, "credential report generated",
                   report.generated_time.isoformat())
    return report


@pytest.fixture
def account_summary(account: Account, request: pytest.FixtureRequest) -> dict[str, int]:
    summary = sources.account_summary(account)
    _record_source(request, account, sources.ACCOUNT_SUMMARY, "account summary", dict(summary))
    return summary


@pytest.fixture
def root(credential_report: CredentialReport, account_summary: dict[str, int],
         request: pytest.FixtureRequest) -> RootUser:
    """The root user as the credential report and the fresh account summary show it."""
    user = RootUser.from_sources(credential_report, account_summary)
    evidence_of(request.node).update(user.evidence())
    return user


@pytest.fixture
def root_in_report(credential_report: CredentialReport, request: pytest.FixtureRequest) -> RootInReport:
    """The root user as the credential report alone shows it (no iam:GetAccountSummary needed)."""
    user = RootInReport(credential_report.root)
    evidence_of(request.node).update(user.evidence())
    return user


@pytest.fixture
def root_virtual_mfa_devices(account: Account, request: pytest.FixtureRequest) -> list[str]:
    """Serials of virtual MFA devices assigned to the root user (ListVirtualMFADevices)."""
    serials = root_virtual_mfa(sources.assigned_virtual_mfa_devices(account), account.identity.account_id)
    _record_source(request, account, sources.VIRTUAL_MFA_DEVICES, "virtual MFA devices assigned to root", serials)
    return serials


@pytest.fixture
def findings(request: pytest.FixtureRequest) -> Findings:
    """Judge many resources in one verdict: `findings.judge("IAM users", judged, offenders)`."""
    return Findings(request.node)


@pytest.fixture
def iam_users(credential_report: CredentialReport) -> tuple[CredentialRow, ...]:
    """Every IAM user's credential report row (the root user's left out)."""
    return credential_report.users


@pytest.fixture
def console_users(iam_users: tuple[CredentialRow, ...]) -> list[CredentialRow]:
    """IAM users with a console password; a control that asks for them is not applicable when there are none."""
    console = [user for user in iam_users if user.password_enabled]
    if not console:
        not_applicable("no IAM user has a console password")
    return console


@pytest.fixture
def password_policy(account: Account, request: pytest.FixtureRequest) -> dict[str, Any] | None:
    """The account password policy (GetAccountPasswordPolicy), or None when the account has none."""
    policy = sources.password_policy(account)
    _record_source(request, account, sources.PASSWORD_POLICY, "password policy",
                   policy if policy is not None else "none set (NoSuchEntity)")
    return policy


@pytest.fixture
def authorization(account: Account, request: pytest.FixtureRequest) -> AuthorizationDetails:
    """Users, groups, roles and managed policies with their documents (GetAccountAuthorizationDetails)."""
    details = sources.authorization_details(account)
    _record_source(request, account, sources.AUTHORIZATION, "authorization details read", {
        "users": len(details.users), "groups": len(details.groups), "roles": len(details.roles),
        "managed policies": len(details.policies)})
    return details


@pytest.fixture
def server_certificates(account: Account, request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    """Metadata of the SSL/TLS server certificates stored in IAM (ListServerCertificates)."""
    certificates = sources.server_certificates(account)
    _record_source(request, account, sources.SERVER_CERTIFICATES, "server certificates stored in IAM",
                   len(certificates))
    return certificates


@pytest.fixture
def security_contact(account: Account, request: pytest.FixtureRequest) -> dict[str, Any] | None:
    """The account's security alternate contact (account:GetAlternateContact), or None when none is registered."""
    contact = sources.security_contact(account)
    _record_source(request, account, sources.SECURITY_CONTACT, "security alternate contact",
                   contact if contact is not None else "none registered (ResourceNotFoundException)")
    return contact


@pytest.fixture
def access_analyzers(account: Account, request: pytest.FixtureRequest) -> dict[str, list[dict[str, Any]]]:
    """Each enabled region's IAM Access Analyzer analyzers (DescribeRegions, then ListAnalyzers per region)."""
    found = sources.access_analyzers_by_region(account)
    _record_source(request, account, sources.ENABLED_REGIONS, "enabled regions", list(found))
    return found


@pytest.fixture
def organization(account: Account, request: pytest.FixtureRequest) -> sources.Organization | None:
    """The AWS Organization of the account (DescribeOrganization), or None; in its management account, with the
    centralized root access features (iam:ListOrganizationsFeatures)."""
    org = sources.organization(account)
    _record_source(request, account, sources.ORGANIZATION, "organization",
                   "none (AWSOrganizationsNotInUseException)" if org is None else
                   {"id": org.id, "management account": org.management_account_id})
    if org is not None and org.root_access_features is not None:
        _record_source(request, account, sources.ROOT_ACCESS_FEATURES, "centralized root access features",
                       list(org.root_access_features) or "none enabled" + (
                           f" ({org.features_off_because})" if org.features_off_because else ""))
    return org

