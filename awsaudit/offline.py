"""Offline accounts: moto answers the suite's AWS calls, seeded with the twins of fixtures/.

This is the only module that knows moto. Controls and sources make the same boto3 calls offline as live; moto
answers them below boto3, in-process (`mock_aws`) or over HTTP (a moto server). moto's IAM has no root user: its
credential report lacks the `<root_account>` row and its account summary hard-codes the root flags to 0. The
emulation adds both from each twin's `[root]` table, and assigns a root virtual MFA device where the twin has one.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator
from unittest import mock

import boto3
from moto import mock_aws
from moto.iam.models import AccountSummary, IAMBackend, iam_backends
from moto.iam.responses import IamResponse

from awsaudit.credential_report import ROOT_USER
from awsaudit.root import ROOT_VIRTUAL_MFA_SUFFIX
from awsaudit.twins import Credential, RootState, Twin, TwinError

SOURCE_PROFILE = "awsaudit-offline-source"
AUDIT_ROLE = "awsaudit-offline-audit"
_PARTITION = "aws"
_REGION = "us-east-1"
# moto accepts any credentials; these only have to look like keys.
_FAKE_KEY = ("AKIAAWSAUDITOFFLINE1", "offline-twin-secret-not-a-real-key")


def write_config(twins: list[Twin], path: Path, endpoint_url: str | None = None) -> Path:
    """An AWS config file with one profile per twin, each assuming a role into the twin's account.

    This is how a real multi-account setup reaches its accounts (role_arn + source_profile), so the offline run
    goes through botocore's own assume-role credential provider.
    """
    endpoint = f"endpoint_url = {endpoint_url}\n" if endpoint_url else ""
    lines = [f"[profile {SOURCE_PROFILE}]\naws_access_key_id = {_FAKE_KEY[0]}\n"
             f"aws_secret_access_key = {_FAKE_KEY[1]}\nregion = {_REGION}\n{endpoint}"]
    for twin in twins:
        lines.append(f"[profile {twin.name}]\nrole_arn = arn:aws:iam::{twin.account_id}:role/{AUDIT_ROLE}\n"
                     f"source_profile = {SOURCE_PROFILE}\nregion = {_REGION}\n{endpoint}")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _time(value: datetime | None, absent: str = "N/A") -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00") if value else absent


def _slot(creds: tuple[Credential, ...], slot: int) -> Credential | None:
    return next((c for c in creds if c.slot == slot), None)


def root_row(account_id: str, root: RootState) -> str:
    """The `<root_account>` line AWS would put in this account's credential report."""
    fields = [ROOT_USER, f"arn:aws:iam::{account_id}:root", _time(root.created), root.password_enabled,
              _time(root.password_last_used, "no_information") if root.password else "N/A",
              "not_supported", "not_supported", "true" if root.mfa != "none" else "false"]
    for slot in (1, 2):
        key = _slot(root.access_keys, slot)
        fields += ["true" if key and key.active else "false", _time(key.last_rotated if key else None),
                   _time(key.last_used if key else None),
                   _REGION if key and key.last_used else "N/A", "iam" if key and key.last_used else "N/A"]
    for slot in (1, 2):
        cert = _slot(root.certificates, slot)
        fields += ["true" if cert and cert.active else "false", _time(cert.last_rotated if cert else None)]
    return ",".join(fields) + "\n"


@dataclass
class _RootIdentity:
    """What ListVirtualMFADevices shows as the `User` of a device assigned to the root user."""

    arn: str
    id: str
    create_date: datetime
    path: str = "/"
    name: str = ""


class Emulation:
    """moto patched to model each twin's root user, for as long as the emulation is open."""

    def __init__(self, twins: list[Twin]) -> None:
        self.roots = {twin.account_id: twin.root for twin in twins}
        self.generated: dict[str, datetime] = {}

    @contextlib.contextmanager
    def patches(self) -> Iterator[None]:
        roots, generated = self.roots, self.generated
        real_report = IAMBackend.get_credential_report
        real_generate = IAMBackend.generate_report
        real_summary = AccountSummary.summary_map.fget
        real_response = IamResponse.get_credential_report

        def get_credential_report(backend: IAMBackend) -> str:
            header, _, users = real_report(backend).partition("\n")
            root = roots.get(backend.account_id)
            return header + "\n" + (root_row(backend.account_id, root) if root else "") + users

        def generate_report(backend: IAMBackend) -> None:
            generated.setdefault(backend.account_id, datetime.now(timezone.utc).replace(microsecond=0))
            real_generate(backend)

        def summary_map(summary: AccountSummary) -> dict[str, Any]:
            values = real_summary(summary)
            root = roots.get(summary._iam_backend.account_id)
            if root:
                values["AccountMFAEnabled"] = int(root.mfa != "none")
                values["AccountAccessKeysPresent"] = int(bool(root.access_keys))
                values["AccountSigningCertificatesPresent"] = int(bool(root.certificates))
            return values

        def get_credential_report_response(response: IamResponse) -> Any:
            answer = real_response(response)
            when = generated.get(response.current_account)
            if when:
                answer.result["GeneratedTime"] = when
            return answer

        with mock.patch.object(IAMBackend, "get_credential_report", get_credential_report), \
                mock.patch.object(IAMBackend, "generate_report", generate_report), \
                mock.patch.object(AccountSummary, "summary_map", property(summary_map)), \
                mock.patch.object(IamResponse, "get_credential_report", get_credential_report_response):
            yield


def _seed(twin: Twin, endpoint_url: str | None) -> None:
    """Create the twin's IAM state in its own account; what AWS refuses is the twin's error, in one line."""
    try:
        _create(twin, endpoint_url)
    except TwinError:
        raise
    except Exception as exc:  # AWS refused, or moto failed on a call it does not model: the twin's fault either way
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise TwinError(f"twin {twin.name} cannot be set up: {reason}") from None


def _create(twin: Twin, endpoint_url: str | None) -> None:
    """The twin's users, alias and seed calls, made in its account, reached by assuming a role as an auditor would."""
    base = dict(region_name=_REGION, endpoint_url=endpoint_url)
    sts = boto3.Session(aws_access_key_id=_FAKE_KEY[0], aws_secret_access_key=_FAKE_KEY[1]).client("sts", **base)
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{twin.account_id}:role/awsaudit-offline-seed",
                            RoleSessionName="awsaudit-seed")["Credentials"]
    session = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                            aws_session_token=creds["SessionToken"])
    iam = session.client("iam", **base)
    if twin.alias:
        iam.create_account_alias(AccountAlias=twin.alias)
    for user in twin.users:
        iam.create_user(UserName=user.name)
        if user.password:
            iam.create_login_profile(UserName=user.name, Password="Offline-twin-password-1!")
        for _ in range(user.access_keys):
            iam.create_access_key(UserName=user.name)
    for call in twin.seed:
        client = session.client(call.service, **base)
        if call.operation not in client.meta.method_to_api_mapping:
            raise TwinError(f"twin {twin.name}: seed call {call.service}.{call.operation}: {call.service} has no "
                            "such API call")
        getattr(client, call.operation)(**call.params)
    if twin.root.mfa == "virtual":
        backend = iam_backends[twin.account_id][_PARTITION]
        device = backend.create_virtual_mfa_device(ROOT_VIRTUAL_MFA_SUFFIX.split("/")[-1], "/")
        device.enable_date = twin.root.created
        device.user = _RootIdentity(f"arn:aws:iam::{twin.account_id}:root", twin.account_id, twin.root.created)


@contextlib.contextmanager
def emulate(twins: list[Twin], endpoint_url: str | None = None) -> Iterator[None]:
    """Serve the twins: in-process by default, or through the moto server at `endpoint_url` (same process)."""
    emulation = Emulation(twins)
    with contextlib.ExitStack() as stack:
        if endpoint_url is None:
            stack.enter_context(mock_aws())
        stack.enter_context(emulation.patches())
        for twin in twins:
            _seed(twin, endpoint_url)
        yield
