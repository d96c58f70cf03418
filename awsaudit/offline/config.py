"""The AWS config file that reaches the twins, and the endpoints their clients are given.

Each twin is a profile that assumes a role into the twin's account, as real multi-account setups are reached
(role_arn + source_profile), so the offline run goes through botocore's own assume-role credential provider.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from awsaudit.twins import HOME_REGION, Twin

SOURCE_PROFILE = "awsaudit-offline-source"
AUDIT_ROLE = "awsaudit-offline-audit"
# moto accepts any credentials; these only have to look like keys.
FAKE_KEY = ("AKIAAWSAUDITOFFLINE1", "offline-twin-secret-not-a-real-key")
# The services section of the config file that gives a service its own endpoint on the moto server.
SERVICES_SECTION = "awsaudit-offline"
# Services whose endpoint rules put the account id in front of the endpoint's host, by their key in a services
# section (botocore's service id, snake case).
_ACCOUNT_IN_HOST = {"s3control": "s3_control"}


def endpoint(service: str, endpoint_url: str | None) -> str | None:
    """The endpoint a client of `service` is given to reach the moto server at `endpoint_url` (None: AWS itself).

    S3 Control names the account in the host: botocore's endpoint rules for it turn a custom endpoint into
    `{scheme}://{AccountId}.{authority}{path}` (the rules build that host themselves, so botocore's
    disable_host_prefix_injection does not reach it), and `111111111111.127.0.0.1` names no host. Its endpoint
    therefore has a user-info part, `http://s3control@127.0.0.1:PORT`: the account id lands in front of the user
    info (`http://111111111111.s3control@127.0.0.1:PORT`), the host stays 127.0.0.1, and the user info is never
    sent (urllib3 connects to the host, and the request is signed for the host alone). moto's server routes S3
    Control by its path (/v20180820/...) and reads the account id from the x-amz-account-id header botocore sends
    with every such call.
    """
    if endpoint_url is None or service not in _ACCOUNT_IN_HOST:
        return endpoint_url
    parts = urlsplit(endpoint_url)
    if "@" in parts.netloc:
        return endpoint_url
    return urlunsplit(parts._replace(netloc=f"{service}@{parts.netloc}"))


def write_config(twins: list[Twin], path: Path, endpoint_url: str | None = None) -> Path:
    """An AWS config file with one profile per twin, each assuming a role into the twin's account; with
    `endpoint_url`, every profile reaches the moto server there (S3 Control through an endpoint of its own)."""
    endpoints = ""
    if endpoint_url:
        endpoints = f"endpoint_url = {endpoint_url}\nservices = {SERVICES_SECTION}\n"
    lines = [f"[profile {SOURCE_PROFILE}]\naws_access_key_id = {FAKE_KEY[0]}\n"
             f"aws_secret_access_key = {FAKE_KEY[1]}\nregion = {HOME_REGION}\n{endpoints}"]
    for twin in twins:
        lines.append(f"[profile {twin.name}]\nrole_arn = arn:aws:iam::{twin.account_id}:role/{AUDIT_ROLE}\n"
                     f"source_profile = {SOURCE_PROFILE}\nregion = {HOME_REGION}\n{endpoints}")
    if endpoint_url:
        lines.append(f"[services {SERVICES_SECTION}]\n" + "".join(
            f"{key} =\n  endpoint_url = {endpoint(service, endpoint_url)}\n"
            for service, key in _ACCOUNT_IN_HOST.items()))
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
