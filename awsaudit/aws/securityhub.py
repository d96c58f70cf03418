"""AWS Security Hub: whether the hub is enabled in each region (Security Hub is a per-region subscription)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from awsaudit.errors import error_code
from awsaudit.source_fixtures import source


@dataclass(frozen=True)
class Hub:
    """A region's Security Hub: `arn` and `subscribed_at` when enabled; `off` says how AWS answered when not."""

    enabled: bool
    arn: str = ""
    subscribed_at: str = ""
    off: str = ""


def _not_subscribed(exc: ClientError) -> bool:
    """AWS answers DescribeHub in a region where the account has not enabled Security Hub with InvalidAccessException,
    "Account 123456789012 is not subscribed to AWS Security Hub". The same code also answers other refusals, so only
    that message means "off"; any other error stays an error."""
    return error_code(exc) == "InvalidAccessException" and "not subscribed" in str(exc).lower()


@source("securityhub", regional=True, actions=["securityhub:DescribeHub"], title="Security Hub",
        evidence=lambda hub: f"enabled ({hub.arn}, since {hub.subscribed_at})" if hub.enabled else f"off: {hub.off}")
def security_hub(securityhub: Any) -> Hub:
    """The region's Security Hub: enabled (its hub ARN and subscription date) or not subscribed."""
    try:
        answer = securityhub.describe_hub()
    except ClientError as exc:
        if _not_subscribed(exc):
            return Hub(False, off=exc.response.get("Error", {}).get("Message", "not subscribed"))
        raise
    return Hub(True, answer.get("HubArn", ""), str(answer.get("SubscribedAt", "")))
