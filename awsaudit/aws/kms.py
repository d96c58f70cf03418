"""AWS KMS: the key policy of each customer managed key."""

from __future__ import annotations

from typing import Any

from awsaudit.findings import Resource
from awsaudit.policy_documents import ResourcePolicy, read
from awsaudit.source_fixtures import source


@source("kms", regional=True, actions=["kms:ListKeys", "kms:DescribeKey", "kms:GetKeyPolicy"],
        evidence=lambda found: [str(policy.resource) for policy in found])
def customer_key_policies(kms: Any) -> list[ResourcePolicy]:
    """The key policy of each customer managed key of the region (DescribeKey per key to tell customer managed keys
    from AWS managed ones, whose policies AWS writes; GetKeyPolicy per customer managed key)."""
    found = []
    keys = [key for page in kms.get_paginator("list_keys").paginate() for key in page.get("Keys", [])]
    for key in keys:
        metadata = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if metadata.get("KeyManager") != "CUSTOMER":
            continue
        arn = metadata.get("Arn", key.get("KeyArn", key["KeyId"]))
        policy = kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"]
        found.append(ResourcePolicy(Resource(arn, "AWS::KMS::Key", kms.meta.region_name, key["KeyId"]),
                                    read(policy, "kms:GetKeyPolicy", arn)))
    return found
