"""Amazon SNS: the access policy of each topic."""

from __future__ import annotations

from typing import Any

from awsaudit.findings import Resource
from awsaudit.policy_documents import ResourcePolicy, read
from awsaudit.source_fixtures import source


@source("sns", regional=True, actions=["sns:ListTopics", "sns:GetTopicAttributes"],
        evidence=lambda found: [str(policy.resource) for policy in found])
def topic_policies(sns: Any) -> list[ResourcePolicy]:
    """The topics of the region that have an access policy, with it (GetTopicAttributes per topic)."""
    found = []
    arns = [topic["TopicArn"] for page in sns.get_paginator("list_topics").paginate() for topic in page.get("Topics", [])]
    for arn in arns:
        policy = sns.get_topic_attributes(TopicArn=arn).get("Attributes", {}).get("Policy")
        if policy:
            found.append(ResourcePolicy(Resource(arn, "AWS::SNS::Topic", sns.meta.region_name, arn.rsplit(":", 1)[-1]),
                                        read(policy, "sns:GetTopicAttributes", arn)))
    return found
