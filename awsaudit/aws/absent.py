"""Reads where an AWS error code means "there is none"."""

from __future__ import annotations

from typing import Callable, TypeVar

from botocore.exceptions import ClientError

from awsaudit.errors import error_code

T = TypeVar("T")


def absent_when(code: str, read: Callable[[], T]) -> T | None:
    """`read()`, or None when AWS answers `code` (NoSuchEntity for a password policy that is not set)."""
    try:
        return read()
    except ClientError as exc:
        if error_code(exc) == code:
            return None
        raise
