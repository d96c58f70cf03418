"""Amazon SQS: the access policy of each queue."""

from __future__ import annotations

from typing import Any

from awsaudit.findings import Resource
from awsaudit.policy_documents import ResourcePolicy, read
from awsaudit.source_fixtures import source


@source("sqs", regional=True, actions=["sqs:ListQueues", "sqs:GetQueueAttributes"],
        evidence=lambda found: [str(policy.resource) for policy in found])
def queue_policies(sqs: Any) -> list[ResourcePolicy]:
    """The queues of the region that have an access policy, with it (GetQueueAttributes per queue)."""
    found = []
    urls = [url for page in sqs.get_paginator("list_queues").paginate() for url in page.get("QueueUrls", [])]
    for url in urls:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy", "QueueArn"]).get(
            "Attributes", {})
        if attributes.get("Policy"):
            arn = attributes.get("QueueArn", url)
            found.append(ResourcePolicy(Resource(arn, "AWS::SQS::Queue", sqs.meta.region_name, url.rsplit("/", 1)[-1]),
                                        read(attributes["Policy"], "sqs:GetQueueAttributes", arn)))
    return found
