"""moto's request routing built once per service, not once per thread.

moto makes a REST service's router on the service's first request (functools.cache) and builds its URL map (werkzeug
rules, compiled) when it first routes with it; neither is locked. Read-ahead threads that ask one service in 17
regions at once each made and built their own: Lambda's map 17 times a run, a second of CPU and more. One lock around
both: the first thread makes the router and its map, the others wait for it and use them.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from typing import Any, Callable, Iterator
from unittest import mock

import moto.core.responses
from moto.core.routing import ServiceOperationRouter


@contextlib.contextmanager
def built_once() -> Iterator[None]:
    """Within, each service's router, and its map for a protocol, are made by one thread."""
    lock = threading.RLock()

    def locked(make: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(make)
        def one_at_a_time(*args: Any) -> Any:
            with lock:
                return make(*args)
        return one_at_a_time

    with mock.patch.object(moto.core.responses, "get_service_router",
                           locked(moto.core.responses.get_service_router)), \
            mock.patch.object(ServiceOperationRouter, "_get_router", locked(ServiceOperationRouter._get_router)):
        yield
