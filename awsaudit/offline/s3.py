"""What moto models differently for S3: MFA Delete.

moto reads only the Status of PutBucketVersioning and answers GetBucketVersioning without MFADelete. AWS keeps both
(and wants the root user's MFA code in the x-amz-mfa header to change MFA Delete; a twin's seed call passes any
MFA parameter, which moto does not check). Patched for as long as the context is open.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any, Iterator
from unittest import mock

from moto.s3.responses import S3Response

_MFA_DELETE = re.compile(r"<MfaDelete>([A-Za-z]+)</MfaDelete>")
# The bucket attribute the patched moto keeps MFA Delete in.
ATTRIBUTE = "awsaudit_mfa_delete"


@contextlib.contextmanager
def modelled() -> Iterator[None]:
    real_put = S3Response._bucket_response_put
    real_get = S3Response.get_bucket_versioning

    def bucket_response_put(response: S3Response, request: Any, bucket_name: str, querystring: dict[str, Any]) -> Any:
        answer = real_put(response, request, bucket_name, querystring)
        if querystring and "versioning" in querystring:
            found = _MFA_DELETE.search(response.body.decode("utf-8") if response.body else "")
            if found:
                setattr(response.backend.get_bucket(bucket_name), ATTRIBUTE, found.group(1))
        return answer

    def get_bucket_versioning(response: S3Response) -> Any:
        mfa_delete = getattr(response.backend.get_bucket(response.bucket_name), ATTRIBUTE, None)
        if mfa_delete is None:
            return real_get(response)
        status = response.backend.get_bucket_versioning(response.bucket_name)
        body = ('<?xml version="1.0" encoding="UTF-8"?><VersioningConfiguration '
                'xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                + (f"<Status>{status}</Status>" if status else "") + f"<MfaDelete>{mfa_delete}</MfaDelete>"
                "</VersioningConfiguration>")
        return 200, {"Content-Type": "application/xml"}, body

    with mock.patch.object(S3Response, "_bucket_response_put", bucket_response_put), \
            mock.patch.object(S3Response, "get_bucket_versioning", get_bucket_versioning):
        yield
