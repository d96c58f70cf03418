"""The registry's answers through a moto server of this process: its WSGI dispatch answers a registered gap itself
and hands every other request to moto."""

from __future__ import annotations

import contextlib
import io
from http import HTTPStatus
from typing import Any, Iterator
from unittest import mock

from moto.core.request import Request

from awsaudit.offline import respond
from awsaudit.twins import Twin


def request_body(environ: dict[str, Any]) -> bytes:
    """A WSGI request's body, read and put back so the server still reads it whole."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


@contextlib.contextmanager
def serving(twins: list[Twin]) -> Iterator[None]:
    """moto's server dispatch, patched for as long as the context is open, to answer the registry's gaps."""
    # Only runs served through a moto server need it (and moto's server needs flask: moto[server]).
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    by_account = {twin.account_id: twin for twin in twins}
    real_dispatch = DomainDispatcherApplication.__call__

    def dispatch(app: Any, environ: dict[str, Any], start_response: Any) -> Any:
        if not respond.signed_for_a_gap(environ.get("HTTP_AUTHORIZATION", "")):
            return real_dispatch(app, environ, start_response)
        body = request_body(environ)
        received = Request({**environ, "wsgi.input": io.BytesIO(body)})  # read apart from what moto reads
        asked = respond.recognise(received)
        if asked is None:
            return real_dispatch(app, environ, start_response)
        answer = respond.respond(by_account, asked, received)
        content = answer["body"]
        status = answer["status_code"]
        start_response(f"{status} {HTTPStatus(status).phrase}",
                       [*((name, str(value)) for name, value in answer["headers"].items()
                          if name.lower() != "content-length"), ("Content-Length", str(len(content)))])
        return [content]

    with mock.patch.object(DomainDispatcherApplication, "__call__", dispatch):
        yield
