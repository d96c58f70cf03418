"""S3 MFA Delete and Macie offline: what a twin's seed calls set reads back as AWS answers it, in-process and over a
moto server (moto keeps no MFA Delete and starts every region with Macie enabled; AWS keeps one and starts with
Macie off, answering AccessDeniedException "Macie is not enabled.")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulated import in_process, load, moto_server, over_http

SEEDS = """
[[seed]]
call = "s3.create_bucket"
params = {{ Bucket = "mfa-{id}" }}

[[seed]]
call = "s3.put_bucket_versioning"
params = {{ Bucket = "mfa-{id}", MFA = "arn:aws:iam::{id}:mfa/root-account-mfa-device 123456", VersioningConfiguration = {{ Status = "Enabled", MFADelete = "Enabled" }} }}

[[seed]]
call = "s3.create_bucket"
params = {{ Bucket = "plain-{id}" }}

[[seed]]
call = "s3.put_bucket_versioning"
params = {{ Bucket = "plain-{id}", VersioningConfiguration = {{ Status = "Suspended" }} }}

[[seed]]
call = "macie2.enable_macie"
region = "eu-west-1"
"""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with moto_server() as url:
        yield url


def twin_texts(account_id: str) -> dict[str, str]:
    return {"storage": f'account_id = "{account_id}"\n[root]\npassword = true\nmfa = "hardware"\n'
                       + SEEDS.format(id=account_id)}


def read_back(account: Any, account_id: str) -> dict[str, Any]:
    s3 = account.client("s3", "us-east-1")
    found: dict[str, Any] = {name: {k: v for k, v in s3.get_bucket_versioning(Bucket=f"{name}-{account_id}").items()
                                    if k != "ResponseMetadata"} for name in ("mfa", "plain")}
    for region in ("eu-west-1", "us-east-1"):
        try:
            found[region] = account.client("macie2", region).get_macie_session()["status"]
        except ClientError as exc:
            found[region] = (exc.response["Error"]["Code"], exc.response["Error"]["Message"])
    return found


EXPECTED = {"mfa": {"Status": "Enabled", "MFADelete": "Enabled"}, "plain": {"Status": "Suspended"},
            "eu-west-1": "ENABLED", "us-east-1": ("AccessDeniedException", "Macie is not enabled.")}


def test_mfa_delete_and_macie_read_back_in_process(tmp_path: Path) -> None:
    with in_process(load(tmp_path / "fixtures", twin_texts("121000000010")), tmp_path) as open_account:
        assert read_back(open_account("storage"), "121000000010") == EXPECTED


def test_mfa_delete_and_macie_read_back_over_a_moto_server(tmp_path: Path, server: str) -> None:
    with over_http(load(tmp_path / "fixtures", twin_texts("121000000011")), tmp_path, server) as open_account:
        assert read_back(open_account("storage"), "121000000011") == EXPECTED
