"""S3 Control offline: a twin seeded through s3control reads back through an audit's own session, in-process and
over a moto server, with the calls a live audit makes (S3 Control names the account in the host it calls)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from awsaudit import offline
from emulated import hosts_contacted, in_process, load, moto_server, over_http

BLOCK = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": False}


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with moto_server() as url:
        yield url


def twin_texts(blocked: str, open_: str) -> dict[str, str]:
    """A twin whose account-level S3 public access block is set by a seed call, and one that has none."""
    params = ", ".join(f"{key} = {str(value).lower()}" for key, value in BLOCK.items())
    return {
        "blocked": f'account_id = "{blocked}"\n[root]\npassword = true\nmfa = "hardware"\n'
                   f'[[seed]]\ncall = "s3control.put_public_access_block"\n'
                   f'params = {{ AccountId = "{blocked}", PublicAccessBlockConfiguration = {{ {params} }} }}\n',
        "open": f'account_id = "{open_}"\n[root]\npassword = true\nmfa = "hardware"\n',
    }


def public_access_block(account: Any) -> dict[str, Any]:
    """The account's S3 public access block as an audit reads it, or the error code AWS answers with."""
    try:
        answer = account.client("s3control").get_public_access_block(AccountId=account.identity.account_id)
    except ClientError as error:
        return {"error": error.response["Error"]["Code"]}
    return answer["PublicAccessBlockConfiguration"]


def test_a_seeded_public_access_block_reads_back_in_process(tmp_path: Path) -> None:
    served = load(tmp_path / "fixtures", twin_texts("717171717171", "727272727272"))
    with in_process(served, tmp_path) as open_account:
        assert public_access_block(open_account("blocked")) == BLOCK
        assert public_access_block(open_account("open")) == {"error": "NoSuchPublicAccessBlockConfiguration"}


def test_a_seeded_public_access_block_reads_back_over_a_moto_server(tmp_path: Path, server: str) -> None:
    served = load(tmp_path / "fixtures", twin_texts("737373737373", "747474747474"))
    with over_http(served, tmp_path, server) as open_account:
        blocked = open_account("blocked")
        hosts = hosts_contacted(blocked)
        assert public_access_block(blocked) == BLOCK
        assert public_access_block(open_account("open")) == {"error": "NoSuchPublicAccessBlockConfiguration"}
    assert hosts and set(hosts) == {"127.0.0.1"}, hosts


def test_the_config_gives_s3_control_an_endpoint_of_its_own(tmp_path: Path) -> None:
    """botocore puts the account id in front of a custom endpoint's host for S3 Control; the served config names
    the server with a user-info part there, so the host stays the server's."""
    served = load(tmp_path / "fixtures", twin_texts("757575757575", "767676767676"))
    config = offline.write_config(served, tmp_path / "config", endpoint_url="http://127.0.0.1:4566").read_text()
    assert "[services awsaudit-offline]\ns3_control =\n  endpoint_url = http://s3control@127.0.0.1:4566\n" in config
    assert config.count("services = awsaudit-offline\n") == 3  # the source profile and each twin's
    assert "services" not in offline.write_config(served, tmp_path / "offline-config").read_text()
