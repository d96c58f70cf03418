"""What moto models differently for IAM, modelled from the twins.

- moto's IAM has no root user: its credential report lacks the `<root_account>` row and its account summary
  hard-codes the root flags to 0. Both come from each twin's `[root]` table, with a root virtual MFA device where the
  twin has one.
- moto stamps credentials with the time they were made and reports fixed server certificate expiry dates; the twin's
  dates replace them. It returns GetAccountAuthorizationDetails in one page; the emulation pages it as AWS does.
- moto loads no AWS managed policies unless asked to load them all (slow); a twin gets those it names.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator
from unittest import mock

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import AccessKeyLastUsed, AccountSummary, AWSManagedPolicy, IAMBackend
from moto.iam.responses import IamResponse

from awsaudit.credential_report import ROOT_USER
from awsaudit.root import ROOT_VIRTUAL_MFA_SUFFIX
from awsaudit.twins import HOME_REGION, Credential, RootState, Twin, TwinError, User


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
                   HOME_REGION if key and key.last_used else "N/A", "iam" if key and key.last_used else "N/A"]
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


def certificate_pem(name: str, expires: datetime) -> tuple[str, str]:
    """A self-signed X.509 certificate valid until `expires`, and its private key, both PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(expires - timedelta(days=400))
            .not_valid_after(expires).sign(key, hashes.SHA256()))
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM).decode(), private.decode()


def _expiry(pem: str) -> datetime:
    return x509.load_pem_x509_certificate(pem.encode()).not_valid_after_utc


@contextlib.contextmanager
def modelled(twins: list[Twin]) -> Iterator[None]:
    """moto's IAM patched, for as long as the context is open, to answer for the twins' root users and dates."""
    roots = {twin.account_id: twin.root for twin in twins}
    generated: dict[str, datetime] = {}
    real_report = IAMBackend.get_credential_report
    real_generate = IAMBackend.generate_report
    real_summary = AccountSummary.summary_map.fget
    real_response = IamResponse.get_credential_report
    real_server_certificates = IamResponse.list_server_certificates
    real_details = IamResponse.get_account_authorization_details

    def get_credential_report(backend: IAMBackend) -> str:
        header, _, users = real_report(backend).partition("\n")
        root = roots.get(backend.account_id)
        return header + "\n" + (root_row(backend.account_id, root) if root else "") + _with_cert_dates(
            header, users, backend)

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

    def list_server_certificates(response: IamResponse) -> Any:
        answer = real_server_certificates(response)
        bodies = {c.cert_name: c.cert_body for c in response.backend.certificates.values()}
        for meta in answer.result["ServerCertificateMetadataList"]:
            meta["Expiration"] = _expiry(bodies[meta["ServerCertificateName"]])
        return answer

    def get_account_authorization_details(response: IamResponse) -> Any:
        """In pages of MaxItems (AWS's default 100), as AWS answers; moto returns everything at once."""
        answer = real_details(response)
        keys = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
        entries = [(key, entry) for key in keys for entry in answer.result[key]]
        start, size = int(response._get_param("Marker") or 0), int(response._get_param("MaxItems") or 100)
        page = entries[start:start + size]
        answer.result.update({key: [entry for k, entry in page if k == key] for key in keys})
        answer.result["IsTruncated"] = start + size < len(entries)
        if answer.result["IsTruncated"]:
            answer.result["Marker"] = str(start + size)
        return answer

    with mock.patch.object(IAMBackend, "get_credential_report", get_credential_report), \
            mock.patch.object(IAMBackend, "generate_report", generate_report), \
            mock.patch.object(AccountSummary, "summary_map", property(summary_map)), \
            mock.patch.object(IamResponse, "get_credential_report", get_credential_report_response), \
            mock.patch.object(IamResponse, "list_server_certificates", list_server_certificates), \
            mock.patch.object(IamResponse, "get_account_authorization_details", get_account_authorization_details):
        yield


def _with_cert_dates(header: str, users: str, backend: IAMBackend) -> str:
    """moto's user rows with cert_N_last_rotated filled in from the certificates' upload dates."""
    if not users.strip():
        return users
    columns = header.split(",")
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    for row in csv.DictReader(io.StringIO(users), columns):
        user = backend.users.get(row["user"])
        certs = list(user.signing_certificates.values()) if user else []
        for n, cert in enumerate(certs[:2], start=1):
            row[f"cert_{n}_last_rotated"] = _time(cert.upload_date)
        writer.writerow(row)
    return out.getvalue()


def backdate_user(backend: IAMBackend, user: User, key_ids: list[str], certificate_ids: list[str]) -> None:
    """The twin's dates and states on a user made through IAM's API, which stamps everything with the present:
    its creation and password use, and each access key (`key_ids`, in the twin's order) and signing certificate."""
    model = backend.users[user.name]
    model.create_date = user.created
    model.password_last_used = user.password_last_used
    for key, key_id in zip(user.access_keys, key_ids, strict=True):
        made = backend.access_keys[key_id]
        made.create_date, made.status = key.last_rotated, "Active" if key.active else "Inactive"
        made.last_used = AccessKeyLastUsed(key.last_used, "iam", HOME_REGION) if key.last_used else None
    for cert, cert_id in zip(user.certificates, certificate_ids, strict=True):
        model.signing_certificates[cert_id].upload_date = cert.last_rotated
        model.signing_certificates[cert_id].status = "Active" if cert.active else "Inactive"


def add_root_virtual_mfa(twin: Twin, backend: IAMBackend) -> None:
    """The root user's virtual MFA device, for a twin whose root has one (IAM's API cannot assign one to root)."""
    if twin.root.mfa != "virtual":
        return
    device = backend.create_virtual_mfa_device(ROOT_VIRTUAL_MFA_SUFFIX.split("/")[-1], "/")
    device.enable_date = twin.root.created
    device.user = _RootIdentity(f"arn:aws:iam::{twin.account_id}:root", twin.account_id, twin.root.created)


def _aws_policies(twin: Twin) -> set[str]:
    """Names of the AWS managed policies a twin refers to, in its users or its seed calls."""
    text = json.dumps([[user.policies for user in twin.users], [call.params for call in twin.seed]])
    return set(re.findall(r"arn:aws:iam::aws:policy/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)", text))


@functools.cache
def _aws_policy_data() -> dict[str, Any]:
    return json.loads(aws_managed_policies_data)


def load_aws_policies(twin: Twin, backend: IAMBackend) -> None:
    """The AWS managed policies the twin names, loaded into its account (moto loads all or none)."""
    data = _aws_policy_data()
    for name in sorted(_aws_policies(twin)):
        if name not in data:
            raise TwinError(f"twin {twin.name}: arn:aws:iam::aws:policy/{name} is not an AWS managed policy moto knows")
        policy = AWSManagedPolicy.from_data(name, twin.account_id, HOME_REGION, data[name])
        if policy.arn not in backend.managed_policies:
            backend.aws_managed_policies.append(policy)
            backend.managed_policies[policy.arn] = policy
