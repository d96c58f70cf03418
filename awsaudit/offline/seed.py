"""A twin's state, made in its own account through boto3 as an auditor's tooling would reach it, and each
organization's accounts under the twins' own names and ids."""

from __future__ import annotations

import functools
import re
from datetime import timedelta
from typing import Any

import boto3
import botocore.session
import jmespath
from moto.iam.models import IAMBackend, iam_backends
from moto.organizations.models import organizations_backends

from awsaudit.accounts import shared_loader
from awsaudit.offline import iam as iam_model
from awsaudit.offline.config import FAKE_KEY, endpoint
from awsaudit.twins import HOME_REGION, REFERENCE, Twin, TwinError, User

PARTITION = "aws"


def seed(twins: list[Twin], endpoint_url: str | None) -> None:
    """Every twin's state in its account (in-process, or through the moto server at `endpoint_url`), then the
    organizations they manage."""
    for twin in twins:
        _seed(twin, endpoint_url)
    _join_organizations(twins)


def _seed(twin: Twin, endpoint_url: str | None) -> None:
    """Create the twin's state in its own account; what AWS refuses is the twin's error, in one line."""
    try:
        _create(twin, endpoint_url)
    except TwinError:
        raise
    except Exception as exc:  # AWS refused, or moto failed on a call it does not model: the twin's fault either way
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise TwinError(f"twin {twin.name} cannot be set up: {reason}") from None


def _session(**credentials: str) -> boto3.Session:
    """A session that reads AWS's service models once for all twins, as the audit's sessions do."""
    core = botocore.session.Session()
    core.register_component("data_loader", shared_loader())
    return boto3.Session(botocore_session=core, **credentials)


def _create_user(iam: Any, backend: IAMBackend, user: User) -> None:
    iam.create_user(UserName=user.name)
    if user.password:
        iam.create_login_profile(UserName=user.name, Password="Offline-twin-password-1!")
    if user.mfa:
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=user.name)["VirtualMFADevice"]["SerialNumber"]
        iam.enable_mfa_device(UserName=user.name, SerialNumber=serial, AuthenticationCode1="123456",
                              AuthenticationCode2="654321")
    for group in user.groups:
        if group not in backend.groups:
            iam.create_group(GroupName=group)
        iam.add_user_to_group(GroupName=group, UserName=user.name)
    keys = [iam.create_access_key(UserName=user.name)["AccessKey"]["AccessKeyId"] for _ in user.access_keys]
    certificates = []
    for cert in user.certificates:
        body, _ = iam_model.certificate_pem(user.name, cert.last_rotated + timedelta(days=365))
        certificates.append(iam.upload_signing_certificate(UserName=user.name, CertificateBody=body)
                            ["Certificate"]["CertificateId"])
    iam_model.backdate_user(backend, user, keys, certificates)


def _create(twin: Twin, endpoint_url: str | None) -> None:
    """The twin's state, made in its account, reached by assuming a role as an auditor would."""
    sts = _session(aws_access_key_id=FAKE_KEY[0], aws_secret_access_key=FAKE_KEY[1]).client(
        "sts", region_name=HOME_REGION, endpoint_url=endpoint_url)
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{twin.account_id}:role/awsaudit-offline-seed",
                            RoleSessionName="awsaudit-seed")["Credentials"]
    session = _session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                       aws_session_token=creds["SessionToken"])

    @functools.cache
    def client(service: str, region: str = HOME_REGION) -> Any:
        return session.client(service, region_name=region, endpoint_url=endpoint(service, endpoint_url))

    iam = client("iam")
    backend = iam_backends[twin.account_id][PARTITION]
    iam_model.load_aws_policies(twin, backend)
    if twin.alias:
        iam.create_account_alias(AccountAlias=twin.alias)
    for user in twin.users:
        _create_user(iam, backend, user)
    for cert in twin.server_certificates:
        body, key = iam_model.certificate_pem(cert.name, cert.expires)
        iam.upload_server_certificate(ServerCertificateName=cert.name, CertificateBody=body, PrivateKey=key)
    if twin.organization is not None:
        client("organizations").create_organization(FeatureSet="ALL")
    kept: dict[tuple[str, str], Any] = {}
    for call in twin.seed:
        for region in call.regions:
            made = client(call.service, region)
            if call.operation not in made.meta.method_to_api_mapping:
                raise TwinError(f"twin {twin.name}: seed call {call.service}.{call.operation}: {call.service} has "
                                "no such API call")
            try:
                params = _resolved(call.params, region, kept)
            except LookupError as exc:
                raise TwinError(f"twin {twin.name}: seed call {call.service}.{call.operation} in {region}: "
                                f"{exc.args[0]}") from None
            answer = getattr(made, call.operation)(**params)
            if call.keep:
                kept[region, call.keep] = answer
    for user in twin.users:
        for arn in user.policies:
            iam.attach_user_policy(UserName=user.name, PolicyArn=arn)
    iam_model.add_root_virtual_mfa(twin, backend)


def _resolved(value: Any, region: str, kept: dict[tuple[str, str], Any]) -> Any:
    """Parameters with each `${name.path}` replaced by that path in the answer kept as `name` in `region`: a whole
    string that is one reference becomes the value found (a list, a dict), one inside other text becomes its text."""
    if isinstance(value, dict):
        return {key: _resolved(item, region, kept) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolved(item, region, kept) for item in value]
    if not isinstance(value, str):
        return value

    def found(match: re.Match[str]) -> Any:
        path = match.group(2).lstrip(".")
        answer = kept[region, match.group(1)]
        result = jmespath.search(path, answer) if path else answer
        if result is None:
            raise LookupError(f"{match.group(0)} finds nothing in the answer kept as {match.group(1)!r}")
        return result

    whole = REFERENCE.fullmatch(value)
    if whole:
        return found(whole)
    return REFERENCE.sub(lambda match: str(found(match)), value)


def _join_organizations(twins: list[Twin]) -> None:
    """Make each organization's member twins (and suspended accounts) its accounts, under their own account ids:
    moto would create members with random ids, which no twin has. The management account is listed under its
    twin's name, as AWS lists it under its own: moto names it "master"."""
    by_name = {twin.name: twin for twin in twins}
    for twin in twins:
        if twin.organization is None:
            continue
        backend = organizations_backends[twin.account_id][PARTITION]
        for account in backend.accounts:
            if account.id == twin.account_id:
                account.name = twin.name
        for number, name in enumerate((*twin.organization.members, *twin.organization.suspended), start=1):
            member = by_name.get(name)
            if member is None and name in twin.organization.members:
                raise TwinError(f"twin {twin.name}: organization member {name!r} is not a twin")
            backend.create_account(AccountName=name, Email=f"{name}@example.com")
            account = backend.accounts[-1]
            organizations_backends.master_accounts.pop(account.id, None)
            account.id = member.account_id if member else f"{990000000000 + number:012d}"
            organizations_backends.master_accounts[account.id] = (twin.account_id, PARTITION)
            if member is None:
                account.status = account.state = "SUSPENDED"
