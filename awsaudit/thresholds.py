"""The numbers a run judges and waits by: ini options in pytest.ini, overridable with `-o name=value`.

pytest must know an ini option before it reads the ini file, so each threshold is declared here once, with its
default and meaning; `pytest --help` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class Threshold:
    name: str
    default: int
    help: str


THRESHOLDS = (
    Threshold("root_unused_days", 7, "ROOT-2: days in which the root user must not have been used"),
    Threshold("root_cert_max_age_days", 90, "ROOT-4: maximum age in days of an active root signing certificate"),
    Threshold("password_min_length", 14, "IAM-1: shortest password the account password policy may allow"),
    Threshold("password_reuse_prevention", 24, "IAM-2: previous passwords the password policy must refuse to reuse"),
    Threshold("unused_credentials_days", 45, "IAM-5: days after which an unused password or access key must be off"),
    Threshold("access_key_max_age_days", 90, "IAM-7: maximum age in days of an active access key"),
    Threshold("user_cert_max_age_days", 90, "IAM-15: maximum age in days of an IAM user's active signing certificate"),
    Threshold("credential_report_timeout", 120, "seconds to wait for AWS to generate a credential report"),
    Threshold("aws_connect_timeout", 10, "seconds to wait for a connection to an AWS endpoint"),
    Threshold("aws_read_timeout", 60, "seconds to wait for an AWS endpoint to answer a request"),
    Threshold("aws_max_attempts", 8, "attempts per AWS call, retries of throttled and failed calls included"),
)


def defaults() -> dict[str, int]:
    return {threshold.name: threshold.default for threshold in THRESHOLDS}


def register(parser: pytest.Parser) -> None:
    for threshold in THRESHOLDS:
        parser.addini(threshold.name, f"awsaudit: {threshold.help} (default {threshold.default})",
                      default=str(threshold.default))


def read(config: pytest.Config) -> dict[str, int]:
    """Every threshold as a positive whole number; anything else is a usage error naming the value."""
    values = {}
    for threshold in THRESHOLDS:
        raw = str(config.getini(threshold.name)).strip()
        try:
            value = int(raw)
        except ValueError:
            value = -1
        if value < 1:
            raise pytest.UsageError(
                f"{threshold.name} = {raw!r} is not accepted: give a whole number of 1 or more "
                f"({threshold.help}; default {threshold.default})"
            )
        values[threshold.name] = value
    return values
