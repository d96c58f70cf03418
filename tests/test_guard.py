"""The read-only guard: an audit must never change the account it audits, so a write has to be refused before
botocore signs and sends it — proven here against moto by counting the requests that reach it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from moto.core.models import botocore_stubber
from moto.iam.models import iam_backends

from awsaudit import offline, twins
from awsaudit.accounts import Account
from awsaudit.errors import ReadOnlyViolation
from awsaudit.guard import ALLOWED, is_allowed
from conftest import REPO

COMPLIANT = REPO / "fixtures" / "compliant.toml"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)


# --- is_allowed -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "operation"),
    [
        ("iam", "GetAccountSummary"),
        ("iam", "ListUsers"),
        ("ec2", "DescribeRegions"),
        ("sts", "GetCallerIdentity"),
    ],
)
def test_reads_are_allowed(service: str, operation: str) -> None:
    assert is_allowed(service, operation) is True


@pytest.mark.parametrize(
    ("service", "operation"),
    [("iam", "GenerateCredentialReport"), ("sts", "AssumeRole"), ("logs", "TestMetricFilter")],
)
def test_explicit_allows_are_allowed(service: str, operation: str) -> None:
    """The report must be generated and role profiles must assume their role, though neither starts with a read verb."""
    assert f"{service}:{operation}" in ALLOWED
    assert is_allowed(service, operation) is True


def test_the_explicit_allow_is_by_exact_action_not_by_verb() -> None:
    """Allowing GenerateCredentialReport must not open every Generate* or every AssumeRole-like call."""
    assert is_allowed("iam", "GenerateServiceLastAccessedDetails") is False
    assert is_allowed("iam", "GenerateOrganizationsAccessReport") is False
    assert is_allowed("s3", "GenerateCredentialReport") is False
    assert is_allowed("logs", "PutMetricFilter") is False
    assert is_allowed("logs", "TestTransformer") is False
    assert is_allowed("cloudwatch", "TestMetricFilter") is False


@pytest.mark.parametrize(
    ("service", "operation"),
    [
        ("iam", "CreateUser"),
        ("iam", "DeleteAccessKey"),
        ("iam", "PutUserPolicy"),
        ("s3", "PutObject"),
    ],
)
def test_writes_are_refused(service: str, operation: str) -> None:
    assert is_allowed(service, operation) is False


@pytest.mark.parametrize(
    ("service", "operation"),
    [
        ("secretsmanager", "GetSecretValue"),
        ("secretsmanager", "GetRandomPassword"),
        ("sts", "GetSessionToken"),
        ("ec2", "GetPasswordData"),
        ("redshift", "GetClusterCredentialsWithIAM"),
        ("redshift-serverless", "GetCredentials"),
        ("ecr-public", "GetAuthorizationToken"),
        ("lightsail", "GetInstanceAccessDetails"),
        ("apigateway", "GetApiKeys"),
        ("ssm", "GetParameterHistory"),
        ("s3", "GetObject"),
        ("cognito-identity", "GetId"),
    ],
)
def test_secret_bearing_reads_are_refused_though_they_start_with_get(service: str, operation: str) -> None:
    """Secrets, new credentials and object contents may never reach a report, whatever the read verb."""
    assert operation.startswith("Get")
    assert is_allowed(service, operation) is False


@pytest.mark.parametrize(
    ("service", "operation"),
    [("iam", "GetCredentialReport"), ("iam", "GetAccountPasswordPolicy"), ("sso", "GetRoleCredentials"),
     ("secretsmanager", "ListSecrets"), ("secretsmanager", "DescribeSecret"), ("sso-oidc", "CreateToken")],
)
def test_reads_that_only_sound_secret_are_allowed(service: str, operation: str) -> None:
    """Credential state, policies and metadata are what audits read; IAM Identity Center profiles must sign in."""
    assert is_allowed(service, operation) is True


# --- the guard on a real botocore client, with moto behind it -----------------------------------------------------


@dataclass
class Traffic:
    """What left the account's session (before-send) and what moto actually received, as service:Action."""

    sent: list[str] = field(default_factory=list)
    reached_moto: list[str] = field(default_factory=list)


def _action(request: Any) -> str:
    """service:Action of a query-protocol request (iam, sts), from its host and form body."""
    body = request.body.decode() if isinstance(request.body, bytes) else (request.body or "")
    action = parse_qs(body).get("Action", ["?"])[0]
    return f"{urlsplit(request.url).hostname.split('.')[0]}:{action}"


@pytest.fixture
def offline_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Account, Traffic]]:
    """The compliant twin's account and IAM users, reached the way the engine reaches it offline: role profile in a
    written config, moto in-process (emulate starts mock_aws); every request is counted at the session and again where
    moto takes it. Its regional resources are left out: these tests read IAM and STS only."""
    twin = replace(twins.load(COMPLIANT, NOW), seed=(), enabled_regions=("us-east-1",))
    config = offline.write_config([twin], tmp_path / "config")
    traffic = Traffic()
    with offline.emulate([twin]):
        real_process = botocore_stubber.process_request

        def counting_process(request: Any) -> Any:
            traffic.reached_moto.append(_action(request))
            return real_process(request)

        # Installed after the twin is seeded, so only the test's own calls are counted.
        monkeypatch.setattr(botocore_stubber, "process_request", counting_process)
        account = Account(twin.name, twin.name, config)
        # register_first: ahead of moto's own before-send handler, which answers (and so ends) the event.
        account.session.events.register_first("before-send", lambda request, **_: traffic.sent.append(_action(request)))
        yield account, traffic


def test_a_refused_write_never_reaches_moto(offline_account: tuple[Account, Traffic]) -> None:
    account, traffic = offline_account
    users = iam_backends["111111111111"]["aws"].users
    assert sorted(users) == ["alice", "deploy"]  # the seeded twin: we look at the right backend

    iam = account.client("iam")
    with pytest.raises(ReadOnlyViolation, match=r"^iam:CreateUser refused before it was sent"):
        iam.create_user(UserName="x")

    assert traffic.sent == []
    assert traffic.reached_moto == []  # not even the AssumeRole that signing the call would have needed
    assert "x" not in users
    assert sorted(users) == ["alice", "deploy"]

    # The same counters do see a call that is sent: the zeros above are measured, not blind.
    iam.get_account_summary()
    assert traffic.sent == ["sts:AssumeRole", "iam:GetAccountSummary"]
    assert traffic.reached_moto == ["sts:AssumeRole", "iam:GetAccountSummary"]


def test_the_violation_names_what_is_allowed(offline_account: tuple[Account, Traffic]) -> None:
    """The one-line ERROR has to tell a control author what the guard lets through."""
    account, traffic = offline_account
    with pytest.raises(ReadOnlyViolation) as caught:
        account.client("iam").delete_access_key(UserName="deploy", AccessKeyId="AKIAEXAMPLEEXAMPLE12")
    message = str(caught.value)
    assert message.startswith("iam:DeleteAccessKey refused before it was sent: awsaudit only reads")
    assert "Get*, List* and Describe* calls that reveal no secret" in message
    assert all(action in message for action in ALLOWED)
    assert traffic.reached_moto == []
    assert len(iam_backends["111111111111"]["aws"].users["deploy"].access_keys) == 1


def test_a_denied_read_is_refused_before_it_is_sent(offline_account: tuple[Account, Traffic]) -> None:
    account, traffic = offline_account
    with pytest.raises(ReadOnlyViolation, match=r"^sts:GetSessionToken refused"):
        account.client("sts").get_session_token()
    assert traffic.sent == []
    assert traffic.reached_moto == []


def test_a_read_through_the_guarded_client_works(offline_account: tuple[Account, Traffic]) -> None:
    """The guard must not get in the way of the reads the controls make; values come from the seeded twin."""
    account, traffic = offline_account
    summary = account.client("iam").get_account_summary()["SummaryMap"]
    assert summary["Users"] == 2
    assert summary["AccountMFAEnabled"] == 1  # the compliant twin's root has hardware MFA
    assert summary["AccountAccessKeysPresent"] == 0
    assert traffic.reached_moto == ["sts:AssumeRole", "iam:GetAccountSummary"]
    assert account.identity.account_id == "111111111111"
    assert account.identity.alias == "compliant-example"


def test_a_presigned_write_is_refused_too(offline_account: tuple[Account, Traffic]) -> None:
    """A presigned URL is never sent by botocore, yet anyone holding it could make the write later."""
    account, _ = offline_account
    with pytest.raises(ReadOnlyViolation, match=r"^iam:CreateUser refused before it was sent"):
        account.client("iam").generate_presigned_url("create_user", Params={"UserName": "x"})


def test_credential_calls_are_botocore_s_alone(offline_account: tuple[Account, Traffic]) -> None:
    """The twin is reached through a role_arn profile, so botocore's own sts:AssumeRole works; a control's does not."""
    account, traffic = offline_account
    assert account.identity.account_id == "111111111111"
    assert "sts:AssumeRole" in traffic.reached_moto
    with pytest.raises(ReadOnlyViolation, match=r"^sts:AssumeRole refused: credentials are botocore's to fetch"):
        account.client("sts").assume_role(RoleArn="arn:aws:iam::111111111111:role/x", RoleSessionName="x")
    assert traffic.reached_moto.count("sts:AssumeRole") == 1
