"""AWS KMS: each region's keys, whether the keys that can rotate do, and the key policies of customer managed keys.

ListKeys names the keys only; DescribeKey is asked once per key (who manages it, its spec, origin and state), and
GetKeyRotationStatus once per key that can rotate automatically: an enabled, customer-managed, symmetric encryption
key with key material KMS made. Keys pending deletion, disabled, AWS-managed, asymmetric, HMAC, with imported
material or in a custom key store cannot be judged so, and are kept with the reason. GetKeyPolicy is asked once per
customer managed key: AWS writes the policies of the keys it manages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from awsaudit.findings import Resource
from awsaudit.policy_documents import ResourcePolicy, read
from awsaudit.source_fixtures import source


@dataclass(frozen=True)
class Key:
    key_id: str
    arn: str
    manager: str  # CUSTOMER or AWS
    state: str  # Enabled, Disabled, PendingDeletion, PendingImport, ...
    spec: str  # SYMMETRIC_DEFAULT, RSA_2048, HMAC_256, ...
    usage: str  # ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC (SYMMETRIC_DEFAULT is always ENCRYPT_DECRYPT)
    origin: str  # AWS_KMS, EXTERNAL, AWS_CLOUDHSM, EXTERNAL_KEY_STORE
    rotates: bool | None = None  # GetKeyRotationStatus, asked only of a key that can rotate

    @property
    def not_judged_because(self) -> str:
        """Why automatic rotation does not apply to the key ("" when it does)."""
        if self.manager != "CUSTOMER":
            return f"{self.manager.lower()}-managed (AWS rotates it)"
        if self.state != "Enabled":
            return f"{self.state} (not in use)"
        if self.spec != "SYMMETRIC_DEFAULT":
            return f"{self.spec}: only symmetric encryption keys rotate automatically"
        if self.origin != "AWS_KMS":
            return f"origin {self.origin}: key material KMS did not make cannot rotate automatically"
        return ""


@source("kms", regional=True, title="KMS keys",
        actions=["kms:ListKeys", "kms:DescribeKey", "kms:GetKeyRotationStatus"],
        evidence=lambda found: {key.key_id: ("rotates" if key.rotates else "does not rotate") if key.rotates is not None
                                else f"not judged: {key.not_judged_because}" for key in found} or "none")
def kms_keys(client: Any) -> list[Key]:
    """The region's KMS keys (DescribeKey per key) and, for each that can rotate, whether it does
    (GetKeyRotationStatus per such key)."""
    found = []
    for page in client.get_paginator("list_keys").paginate():
        for listed in page.get("Keys", []):
            meta = client.describe_key(KeyId=listed["KeyId"])["KeyMetadata"]
            key = Key(key_id=meta["KeyId"], arn=meta["Arn"], manager=meta.get("KeyManager", ""),
                      state=meta.get("KeyState", ""),
                      spec=meta.get("KeySpec") or meta.get("CustomerMasterKeySpec", ""),
                      usage=meta.get("KeyUsage", ""), origin=meta.get("Origin", ""))
            if not key.not_judged_because:
                rotation = client.get_key_rotation_status(KeyId=key.key_id)
                key = Key(**{**key.__dict__, "rotates": bool(rotation.get("KeyRotationEnabled", False))})
            found.append(key)
    return found


@source("kms", regional=True, actions=["kms:GetKeyPolicy"],
        evidence=lambda found: [str(policy.resource) for policy in found])
def customer_key_policies(kms: Any, kms_keys: dict[str, list[Key]]) -> list[ResourcePolicy]:
    """The key policy of each customer managed key of the region (GetKeyPolicy per such key)."""
    region = kms.meta.region_name
    return [ResourcePolicy(Resource(key.arn, "AWS::KMS::Key", region, key.key_id),
                           read(kms.get_key_policy(KeyId=key.key_id, PolicyName="default")["Policy"],
                                "kms:GetKeyPolicy", key.arn))
            for key in kms_keys.get(region, []) if key.manager == "CUSTOMER"]
