"""Offline accounts: moto answers the suite's AWS calls, seeded with the twins of fixtures/.

This is the only module that knows moto. Controls and sources make the same boto3 calls offline as live; moto
answers them below boto3, in-process (`mock_aws`) or over HTTP (a moto server). Where moto falls short of AWS, the
emulation fills in from the twins:
- moto's IAM has no root user: its credential report lacks the `<root_account>` row and its account summary
  hard-codes the root flags to 0. Both come from each twin's `[root]` table, with a root virtual MFA device where the
  twin has one.
- moto stamps credentials with the time they were made and reports fixed server certificate expiry dates; the twin's
  dates replace them. It returns GetAccountAuthorizationDetails in one page; the emulation pages it as AWS does.
- moto loads no AWS managed policies unless asked to load them all (slow); a twin gets those it names.
- moto names an organization's management account "master" and gives members random ids; the twins' names and
  ids replace them.
- moto has no iam:ListOrganizationsFeatures and no IAM Access Analyzer; both answer from the twin, in-process and
  through a moto server running in this process. EC2's DescribeRegions answers as in a commercial account: moto's
  lists other partitions' regions and opt-in ones too.
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
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit
from unittest import mock

import boto3
import botocore.handlers
import botocore.session
from botocore.awsrequest import AWSResponse
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from moto import mock_aws
from moto import settings as moto_settings
from moto.core.responses import ActionResult
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.exceptions import IAMException
from moto.iam.models import AccessKeyLastUsed, AccountSummary, AWSManagedPolicy, IAMBackend, iam_backends
from moto.iam.responses import IamResponse
from moto.organizations.models import organizations_backends
from moto.sts.models import sts_backends

from awsaudit.accounts import shared_loader
from awsaudit.credential_report import ROOT_USER
from awsaudit.root import ROOT_VIRTUAL_MFA_SUFFIX
from awsaudit.twins import HOME_REGION as _REGION
from awsaudit.twins import REGIONS, Credential, RootState, Twin, TwinError, User

SOURCE_PROFILE = "awsaudit-offline-source"
AUDIT_ROLE = "awsaudit-offline-audit"
_PARTITION = "aws"
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


class Emulation:
    """moto patched to model what each twin declares beyond moto, for as long as the emulation is open."""

    def __init__(self, twins: list[Twin]) -> None:
        self.twins = {twin.account_id: twin for twin in twins}
        self.generated: dict[str, datetime] = {}

    @contextlib.contextmanager
    def patches(self, served: bool) -> Iterator[None]:
        """moto patched for the twins; `served`: through a moto server of this process, not in-process."""
        generated, twins = self.generated, self.twins
        roots = {account_id: twin.root for account_id, twin in twins.items()}
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

        def dispatch(app: Any, environ: dict[str, Any], start_response: Any) -> Any:
            """A moto server in this process answers what the emulation answers too."""
            answer = self.answer(environ.get("HTTP_AUTHORIZATION", ""), request_body(environ),
                                 environ.get("PATH_INFO", ""))
            if answer is None:
                return real_dispatch(app, environ, start_response)
            start_response("200 OK", [("Content-Type", answer[0])])
            return [answer[1]]

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

        def list_organizations_features(response: IamResponse) -> Any:
            twin = twins.get(response.current_account)
            if twin is None or twin.organization is None:
                raise _NotInOrganization("The account is not in an organization.")
            return ActionResult({"EnabledFeatures": list(twin.organization.root_access_features)})

        with mock.patch.object(IAMBackend, "get_credential_report", get_credential_report), \
                mock.patch.object(IAMBackend, "generate_report", generate_report), \
                mock.patch.object(AccountSummary, "summary_map", property(summary_map)), \
                mock.patch.object(IamResponse, "get_credential_report", get_credential_report_response), \
                mock.patch.object(IamResponse, "list_server_certificates", list_server_certificates), \
                mock.patch.object(IamResponse, "get_account_authorization_details",
                                  get_account_authorization_details), \
                mock.patch.object(IamResponse, "list_organizations_features", list_organizations_features,
                                  create=True):
            if not served:
                yield
                return
            # Only runs served through a moto server need it (and moto's server needs flask: moto[server]).
            from moto.moto_server.werkzeug_app import DomainDispatcherApplication

            real_dispatch = DomainDispatcherApplication.__call__
            with mock.patch.object(DomainDispatcherApplication, "__call__", dispatch):
                yield

    def answer(self, authorization: str, body: bytes | str, path: str) -> tuple[str, bytes] | None:
        """The emulation's own answer to a request (content type, body), or None to leave it to moto:
        IAM Access Analyzer's ListAnalyzers from the twin, and EC2's DescribeRegions as a commercial account sees
        it (the regions enabled by default; moto lists every partition's and the opt-in ones)."""
        match = re.search(r"Credential=(\w+)/\d+/([\w-]+)/([\w-]+)/", authorization)
        if not match:
            return None
        access_key, region, service = match[1], match[2], match[3]
        if service == "ec2" and "Action=DescribeRegions" in (body.decode() if isinstance(body, bytes) else body):
            items = "".join(f"<item><regionName>{name}</regionName><regionEndpoint>ec2.{name}.amazonaws.com"
                            "</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>"
                            for name in REGIONS)
            return "text/xml", (f'<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
                                f"<requestId>awsaudit-offline</requestId><regionInfo>{items}</regionInfo>"
                                "</DescribeRegionsResponse>").encode()
        if service != "access-analyzer" or not path.rstrip("/").endswith("/analyzer"):  # ListAnalyzers only
            return None
        account_id = _key_account(access_key)
        twin = self.twins.get(account_id or "")
        regions = twin.access_analyzer_regions if twin else ()
        analyzers = [{"arn": f"arn:aws:access-analyzer:{region}:{account_id}:analyzer/external-access",
                      "name": "external-access", "type": "ACCOUNT", "status": "ACTIVE",
                      "createdAt": "2024-01-01T00:00:00Z"}] if regions == "all" or region in regions else []
        return "application/json", json.dumps({"analyzers": analyzers}).encode()

    def in_process(self, request: Any, **_: Any) -> AWSResponse | None:
        """A botocore before-send handler: the emulation's answers without a server."""
        auth = request.headers.get("Authorization", b"")
        answer = self.answer(auth.decode() if isinstance(auth, bytes) else auth, request.body or b"",
                             urlsplit(request.url).path)
        if answer is None:
            return None
        return AWSResponse(request.url, 200, {"Content-Type": answer[0]}, _Raw(answer[1]))


def request_body(environ: dict[str, Any]) -> bytes:
    """A WSGI request's body, read and put back so the server still reads it whole."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


class _Raw(io.BytesIO):
    """The raw body botocore reads from a response."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.getvalue()


def _key_account(access_key_id: str) -> str | None:
    """The account of the role session whose access key signed a request."""
    # Snapshots: other threads add accounts and regions while this looks (moto's own lookup does the same).
    for backends in list(sts_backends.values()):
        for backend in list(backends.values()):
            for role in list(backend.assumed_roles):
                if role.access_key_id == access_key_id:
                    return role.account_id
    return None


class _NotInOrganization(IAMException):
    code = "OrganizationNotFoundException"


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


def _aws_policies(twin: Twin) -> set[str]:
    """Names of the AWS managed policies a twin refers to, in its users or its seed calls."""
    text = json.dumps([[user.policies for user in twin.users], [call.params for call in twin.seed]])
    return set(re.findall(r"arn:aws:iam::aws:policy/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)", text))


def _seed(twin: Twin, endpoint_url: str | None) -> None:
    """Create the twin's IAM state in its own account; what AWS refuses is the twin's error, in one line."""
    try:
        _create(twin, endpoint_url)
    except TwinError:
        raise
    except Exception as exc:  # AWS refused, or moto failed on a call it does not model: the twin's fault either way
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise TwinError(f"twin {twin.name} cannot be set up: {reason}") from None


@functools.cache
def _aws_policy_data() -> dict[str, Any]:
    return json.loads(aws_managed_policies_data)


def _load_aws_policies(twin: Twin, backend: IAMBackend) -> None:
    data = _aws_policy_data()
    for name in sorted(_aws_policies(twin)):
        if name not in data:
            raise TwinError(f"twin {twin.name}: arn:aws:iam::aws:policy/{name} is not an AWS managed policy moto knows")
        policy = AWSManagedPolicy.from_data(name, twin.account_id, _REGION, data[name])
        if policy.arn not in backend.managed_policies:
            backend.aws_managed_policies.append(policy)
            backend.managed_policies[policy.arn] = policy


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
    model = backend.users[user.name]
    model.create_date = user.created
    model.password_last_used = user.password_last_used
    for key in user.access_keys:
        made = backend.access_keys[iam.create_access_key(UserName=user.name)["AccessKey"]["AccessKeyId"]]
        made.create_date, made.status = key.last_rotated, "Active" if key.active else "Inactive"
        made.last_used = AccessKeyLastUsed(key.last_used, "iam", _REGION) if key.last_used else None
    for cert in user.certificates:
        body, _ = certificate_pem(user.name, cert.last_rotated + timedelta(days=365))
        made = iam.upload_signing_certificate(UserName=user.name, CertificateBody=body)["Certificate"]
        model.signing_certificates[made["CertificateId"]].upload_date = cert.last_rotated
        model.signing_certificates[made["CertificateId"]].status = "Active" if cert.active else "Inactive"


def _session(**credentials: str) -> boto3.Session:
    """A session that reads AWS's service models once for all twins, as the audit's sessions do."""
    core = botocore.session.Session()
    core.register_component("data_loader", shared_loader())
    return boto3.Session(botocore_session=core, **credentials)


def _create(twin: Twin, endpoint_url: str | None) -> None:
    """The twin's state, made in its account, reached by assuming a role as an auditor would."""
    sts = _session(aws_access_key_id=_FAKE_KEY[0], aws_secret_access_key=_FAKE_KEY[1]).client(
        "sts", region_name=_REGION, endpoint_url=endpoint_url)
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{twin.account_id}:role/awsaudit-offline-seed",
                            RoleSessionName="awsaudit-seed")["Credentials"]
    session = _session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                       aws_session_token=creds["SessionToken"])

    @functools.cache
    def client(service: str, region: str = _REGION) -> Any:
        return session.client(service, region_name=region, endpoint_url=endpoint_url)

    iam = client("iam")
    backend = iam_backends[twin.account_id][_PARTITION]
    _load_aws_policies(twin, backend)
    if twin.alias:
        iam.create_account_alias(AccountAlias=twin.alias)
    for user in twin.users:
        _create_user(iam, backend, user)
    for cert in twin.server_certificates:
        body, key = certificate_pem(cert.name, cert.expires)
        iam.upload_server_certificate(ServerCertificateName=cert.name, CertificateBody=body, PrivateKey=key)
    if twin.organization is not None:
        client("organizations").create_organization(FeatureSet="ALL")
    for call in twin.seed:
        for region in call.regions:
            made = client(call.service, region)
            if call.operation not in made.meta.method_to_api_mapping:
                raise TwinError(f"twin {twin.name}: seed call {call.service}.{call.operation}: {call.service} has "
                                "no such API call")
            getattr(made, call.operation)(**call.params)
    for user in twin.users:
        for arn in user.policies:
            iam.attach_user_policy(UserName=user.name, PolicyArn=arn)
    if twin.root.mfa == "virtual":
        device = backend.create_virtual_mfa_device(ROOT_VIRTUAL_MFA_SUFFIX.split("/")[-1], "/")
        device.enable_date = twin.root.created
        device.user = _RootIdentity(f"arn:aws:iam::{twin.account_id}:root", twin.account_id, twin.root.created)


def _join_organizations(twins: list[Twin]) -> None:
    """Make each organization's member twins (and suspended accounts) its accounts, under their own account ids:
    moto would create members with random ids, which no twin has. The management account is listed under its
    twin's name, as AWS lists it under its own: moto names it "master"."""
    by_name = {twin.name: twin for twin in twins}
    for twin in twins:
        if twin.organization is None:
            continue
        backend = organizations_backends[twin.account_id][_PARTITION]
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
            organizations_backends.master_accounts[account.id] = (twin.account_id, _PARTITION)
            if member is None:
                account.status = account.state = "SUSPENDED"


@contextlib.contextmanager
def emulate(twins: list[Twin], endpoint_url: str | None = None) -> Iterator[None]:
    """Serve the twins: in-process by default, or through the moto server at `endpoint_url` (same process)."""
    emulation = Emulation(twins)
    with contextlib.ExitStack() as stack:
        # moto loads some six thousand public AMIs into each region's EC2 backend as it builds it (and again as it
        # resets it at the end); no twin declares them, and they made each region an account reads cost 0.1 s.
        stack.enter_context(mock.patch.object(moto_settings, "ec2_load_default_amis", lambda: False))
        if endpoint_url is None:
            stack.enter_context(mock_aws())
            for event in ("before-send.accessanalyzer.ListAnalyzers", "before-send.ec2.DescribeRegions"):
                handler = (event, emulation.in_process)
                botocore.handlers.BUILTIN_HANDLERS.insert(0, handler)  # before moto's own
                stack.callback(botocore.handlers.BUILTIN_HANDLERS.remove, handler)
        stack.enter_context(emulation.patches(served=endpoint_url is not None))
        for twin in twins:
            _seed(twin, endpoint_url)
        _join_organizations(twins)
        yield
