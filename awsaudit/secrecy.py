"""Keeps credentials out of everything a run writes.

pytest captures log records into the report and JUnit XML. At DEBUG, botocore logs request headers (session tokens)
and response bodies (AssumeRole returns a secret key), so during an audit the AWS libraries log warnings and errors
only, whatever `--log-level` asks for (their INFO lines name local credential files, which a report need not show).
"""

from __future__ import annotations

import contextlib
import logging
import re
from typing import Iterator

AWS_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer", "moto", "werkzeug")


@contextlib.contextmanager
def quiet_aws_debug_logs() -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in AWS_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logger.level, logging.WARNING))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


# Access key ids: long-term (AKIA) and temporary (ASIA). An id is not a secret, but with its secret it is a
# credential, and a report is shared widely: it shows only the last four characters, as the AWS console does.
_ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")


def mask(text: str) -> str:
    """`text` with every access key id shortened to its last four characters."""
    return _ACCESS_KEY_ID.sub(lambda m: f"…{m.group()[-4:]}", text)
