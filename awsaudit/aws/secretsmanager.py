"""AWS Secrets Manager: the resource policy of each secret."""

from __future__ import annotations

from typing import Any

from awsaudit.findings import Resource
from awsaudit.policy_documents import ResourcePolicy, read
from awsaudit.source_fixtures import source


@source("secretsmanager", regional=True, actions=["secretsmanager:ListSecrets", "secretsmanager:GetResourcePolicy"],
        evidence=lambda found: [str(policy.resource) for policy in found])
def secret_policies(client: Any) -> list[ResourcePolicy]:
    """The secrets of the region that have a resource policy, with it (GetResourcePolicy per secret)."""
    found = []
    secrets = [s for page in client.get_paginator("list_secrets").paginate() for s in page.get("SecretList", [])]
    for secret in secrets:
        policy = client.get_resource_policy(SecretId=secret["ARN"]).get("ResourcePolicy")
        if policy:
            found.append(ResourcePolicy(Resource(secret["ARN"], "AWS::SecretsManager::Secret", client.meta.region_name,
                                                 secret.get("Name", secret["ARN"])),
                                        read(policy, "secretsmanager:GetResourcePolicy", secret["ARN"])))
    return found
