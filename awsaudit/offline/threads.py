"""What runs unlocked beside moto in this process, made to run one thread at a time.

Offline, moto answers the read-ahead threads (or the moto server's threads) in the audit's own process:

- ast.parse: CPython (3.11 and 3.12 at least) counts the depth of the AST it builds in one interpreter-wide field
  (python/cpython#106905). moto routes a REST request with werkzeug, which compiles its URL rules with ast.parse, in
  those threads, while pytest calls ast.parse on the main thread to show a failure; two at once ended the run with
  "SystemError: AST constructor recursion depth mismatch". Neither calls it often: a lock costs nothing measurable.
- moto's routing: it makes a REST service's router on the service's first request (functools.cache) and builds its
  URL map when it first routes with it, neither locked; threads asking one service in 17 regions at once each made
  their own (Lambda's map 17 times a run, a second of CPU and more). Locked, the first thread builds, the others use it.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import threading
from typing import Any, Callable, Iterator
from unittest import mock

import moto.core.responses
from moto.core.routing import ServiceOperationRouter


def _locked(call: Callable[..., Any], lock: threading.RLock) -> Callable[..., Any]:
    @functools.wraps(call)
    def one_at_a_time(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return call(*args, **kwargs)
    return one_at_a_time


@contextlib.contextmanager
def ast_parse_one_at_a_time() -> Iterator[None]:
    """Within, every ast.parse of the process (pytest's, werkzeug's) waits for any other to finish."""
    with mock.patch.object(ast, "parse", _locked(ast.parse, threading.RLock())):
        yield


@contextlib.contextmanager
def routing_built_once() -> Iterator[None]:
    """Within, each service's router, and its map for a protocol, are made by one thread."""
    lock = threading.RLock()
    with mock.patch.object(moto.core.responses, "get_service_router",
                           _locked(moto.core.responses.get_service_router, lock)), \
            mock.patch.object(ServiceOperationRouter, "_get_router", _locked(ServiceOperationRouter._get_router, lock)):
        yield
