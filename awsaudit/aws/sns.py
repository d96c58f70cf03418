"""Amazon SNS: the access policy of each topic; the subscriptions of the topics the Monitoring alarms notify."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from awsaudit.errors import error_code
from awsaudit.findings import Resource
from awsaudit.monitoring import Alarm, LogGroup, Subscribers
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


# Subscriptions AWS lists that are not (yet) delivering: not confirmed, or being deleted.
_NOT_CONFIRMED = ("PendingConfirmation", "Deleted")


def _subscribers(sns: Any, arn: str, account_id: str) -> Subscribers:
    try:
        listed = [each for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=arn)
                  for each in page.get("Subscriptions", [])]
    except ClientError as exc:
        if error_code(exc) == "NotFound":
            return Subscribers(arn, exists=False)
        if arn.split(":")[4] != account_id and error_code(exc) in ("AuthorizationError", "AccessDenied"):
            return Subscribers(arn, unread=f"ListSubscriptionsByTopic answered {error_code(exc)} (a topic of "
                                           f"account {arn.split(':')[4]})")
        raise
    pending = sum(1 for each in listed if each.get("SubscriptionArn") in _NOT_CONFIRMED)
    return Subscribers(arn, len(listed) - pending, pending)


@source("sns", regional=True, title="subscriptions of the alarms' topics", actions=["sns:ListSubscriptionsByTopic"],
        evidence=lambda found: {arn: s.unread or ("does not exist" if not s.exists else
                                                  f"{s.confirmed} confirmed, {s.pending} pending confirmation")
                                for arn, s in found.items()} or "none read (no alarm on a trail filter's metric here)")
def alarm_subscriptions(sns: Any, metric_alarms: dict[str, list[Alarm]], metric_filters: dict[str, list[LogGroup]],
                        identity: Any) -> dict[str, Subscribers]:
    """The subscriptions of each SNS topic of the region that an alarm on a trail log group's filter metric notifies
    (ListSubscriptionsByTopic per topic); none, and no call, in a region without one."""
    region = sns.meta.region_name
    metrics = {(where, metric) for where, groups in metric_filters.items() for group in groups
               for each in group.filters for metric in each.metrics}
    topics = dict.fromkeys(arn for where, alarms in metric_alarms.items() for alarm in alarms
                           if alarm.actions_enabled and (where, (alarm.namespace, alarm.metric)) in metrics
                           for arn in alarm.topics if arn.split(":")[3] == region)
    return {arn: _subscribers(sns, arn, identity.account_id) for arn in topics}
