"""Offline accounts: moto answers the suite's AWS calls, seeded with the twins of fixtures/.

This package is the only part of awsaudit that knows moto. Controls and sources make the same boto3 calls offline
as live; moto answers them below boto3, in-process (`mock_aws`) or over HTTP (a moto server of this process). Where
moto falls short of AWS, the emulation fills in from the twins:

- config.py: the AWS config file of role profiles that reaches the twins, and the endpoints of a served run (S3
  Control's included);
- seed.py: each twin's state, made through boto3 in its own account, and the organizations twins manage;
- iam.py: what moto models differently for IAM (the root user, credential and certificate dates, paging, AWS
  managed policies); s3.py for S3 (MFA Delete); macie2.py for Macie (off until enabled, and how AWS says so);
- gaps.py: one registry of the calls moto lacks, keyed by (service, operation), answered from the twins;
  respond.py answers a request for one, in_process.py before botocore sends it, served.py in the server's dispatch;
- threads.py: what runs unlocked beside moto's threads (ast.parse, moto's routing) made to run one thread at a time.
"""

from __future__ import annotations

import contextlib
from typing import Iterator
from unittest import mock

import botocore.handlers
from moto import mock_aws
from moto import settings as moto_settings

from awsaudit.offline import in_process, macie2, s3, served, threads
from awsaudit.offline.config import AUDIT_ROLE, SOURCE_PROFILE, write_config
from awsaudit.offline.iam import modelled
from awsaudit.offline.seed import seed
from awsaudit.offline.served import request_body
from awsaudit.twins import Twin

__all__ = ["AUDIT_ROLE", "SOURCE_PROFILE", "emulate", "request_body", "write_config"]


@contextlib.contextmanager
def emulate(twins: list[Twin], endpoint_url: str | None = None) -> Iterator[None]:
    """Serve the twins: in-process by default, or through the moto server at `endpoint_url` (same process)."""
    with contextlib.ExitStack() as stack:
        # moto loads some six thousand public AMIs into each region's EC2 backend as it builds it (and again as it
        # resets it at the end); no twin declares them, and they made each region an account reads cost 0.1 s.
        # Entered first, so it still holds while mock_aws resets the backends on its way out.
        stack.enter_context(mock.patch.object(moto_settings, "ec2_load_default_amis", lambda: False))
        stack.enter_context(threads.ast_parse_one_at_a_time())
        stack.enter_context(threads.routing_built_once())
        if endpoint_url is None:
            stack.enter_context(mock_aws())
            for handler in in_process.handlers(twins):
                botocore.handlers.BUILTIN_HANDLERS.insert(0, handler)
                stack.callback(botocore.handlers.BUILTIN_HANDLERS.remove, handler)
        else:
            stack.enter_context(served.serving(twins))
        stack.enter_context(modelled(twins))
        stack.enter_context(s3.modelled())
        stack.enter_context(macie2.modelled())
        seed(twins, endpoint_url)
        yield
