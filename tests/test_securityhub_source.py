"""Security Hub's DescribeHub: "not subscribed" is a region where the hub is off; every other error stays an error."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from botocore.exceptions import ClientError

from awsaudit.aws.securityhub import Hub
from awsaudit.sources import SOURCES

load = SOURCES["security_hub"].loader


class Client:
    def __init__(self, answer: Any) -> None:
        self.answer = answer

    def describe_hub(self) -> dict[str, Any]:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def refusal(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "DescribeHub")


def test_an_enabled_hub() -> None:
    hub = load(Client({"HubArn": "arn:aws:securityhub:eu-west-1:123456789012:hub/default",
                       "SubscribedAt": "2024-01-01T00:00:00.000Z", "AutoEnableControls": True}))
    assert hub == Hub(True, "arn:aws:securityhub:eu-west-1:123456789012:hub/default", "2024-01-01T00:00:00.000Z")


def test_not_subscribed_is_off() -> None:
    message = "Account 123456789012 is not subscribed to AWS Security Hub"
    assert load(Client(refusal("InvalidAccessException", message))) == Hub(False, off=message)


@pytest.mark.parametrize(("code", "message"), [
    ("InvalidAccessException", "The account doesn't have permission to perform this action."),
    ("AccessDeniedException", "User is not authorized to perform: securityhub:DescribeHub"),
    ("InternalException", "Internal error"),
])
def test_any_other_error_stays_an_error(code: str, message: str) -> None:
    with pytest.raises(ClientError):
        load(Client(refusal(code, message)))


def test_the_evidence_says_since_when_or_why_not() -> None:
    shown = SOURCES["security_hub"].shown
    assert shown(Hub(True, "arn:x", str(datetime(2024, 1, 1, tzinfo=timezone.utc)))) == (
        "enabled (arn:x, since 2024-01-01 00:00:00+00:00)")
    assert shown(Hub(False, off="Account is not subscribed to AWS Security Hub")) == (
        "off: Account is not subscribed to AWS Security Hub")
