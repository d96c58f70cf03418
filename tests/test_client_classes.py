"""During an audit, botocore builds one client class per service, not one per client; what a client does with its
account (region, credentials, the read-only guard) stays its own."""

from __future__ import annotations

import pytest

from awsaudit import client_classes
from awsaudit.accounts import Account
from awsaudit.errors import ReadOnlyViolation


def test_clients_of_a_service_share_one_class_only_during_the_audit() -> None:
    first, second = Account("a", None), Account("b", None)
    with client_classes.shared():
        east, west = first.client("ec2", "us-east-1"), second.client("ec2", "eu-west-1")
        assert type(east) is type(west)
        assert type(first.client("iam")) is not type(east)
        assert (east.meta.region_name, west.meta.region_name) == ("us-east-1", "eu-west-1")
    first.release()
    assert type(first.client("ec2", "us-east-1")) is not type(east)


def test_a_shared_class_keeps_the_read_only_guard_of_each_client() -> None:
    with client_classes.shared():
        account = Account("a", None)
        account.client("ec2", "us-east-1")
        with pytest.raises(ReadOnlyViolation, match="ec2:EnableEbsEncryptionByDefault refused"):
            account.client("ec2", "eu-west-1").enable_ebs_encryption_by_default()
