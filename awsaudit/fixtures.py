"""The fixtures a control asks for beyond its sources' own (each declared source is the fixture of its name, see
aws/): composite views over sources, and the helper that judges many resources. An exception here is the control's
ERROR, never its FAIL."""

from __future__ import annotations

import pytest

from awsaudit import monitoring
from awsaudit.accounts import Account
from awsaudit.aws.organizations import Organization
from awsaudit.controls import not_applicable
from awsaudit.credential_report import CredentialReport, CredentialRow
from awsaudit.errors import AuditError
from awsaudit.evidence import evidence_of
from awsaudit.findings import Findings
from awsaudit.root import RootInReport, RootUser, root_virtual_mfa


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
def root_virtual_mfa_devices(virtual_mfa_devices: list[dict], account: Account,
                             request: pytest.FixtureRequest) -> list[str]:
    """Serials of the virtual MFA devices assigned to the root user."""
    serials = root_virtual_mfa(virtual_mfa_devices, account.identity.account_id)
    evidence_of(request.node)["virtual MFA devices assigned to root"] = serials
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
def organization(organization_details: dict | None,
                 root_access_features: tuple[tuple[str, ...], str] | None) -> Organization | None:
    """The AWS Organization of the account, or None; in its management account, with the centralized root access
    features."""
    if organization_details is None:
        return None
    features, why = root_access_features or (None, "")
    return Organization(organization_details["Id"], organization_details["MasterAccountId"], features, why)


class AlarmChains:
    """The CIS Monitoring chains of one account: `of(topic)` builds the topic's chain (monitoring.chain), records it as
    the control's evidence, and raises AuditError when no chain is complete and a candidate could not be judged."""

    def __init__(self, item: pytest.Item, **sources: object) -> None:
        self._item, self._sources = item, sources

    def of(self, topic: str) -> monitoring.Chain:
        found = monitoring.chain(topic, **self._sources)  # type: ignore[arg-type]
        evidence_of(self._item).update(found.evidence())
        if not found.complete and found.unknown:
            raise AuditError(f"no chain is shown complete, and {len(found.unknown)} could not be judged: "
                             + "; ".join(map(str, found.unknown)))
        return found


@pytest.fixture
def alarm_chains(trails: list, account: Account, metric_filters: dict, metric_filter_matches: dict,
                 metric_alarms: dict, alarm_subscriptions: dict, request: pytest.FixtureRequest) -> AlarmChains:
    """The trail -> log group -> metric filter -> alarm -> SNS subscription chains the Monitoring controls judge."""
    return AlarmChains(request.node, trails=trails, account_id=account.identity.account_id, log_groups=metric_filters,
                       matches=metric_filter_matches, alarms=metric_alarms, subscribers=alarm_subscriptions)
