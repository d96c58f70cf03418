"""ast.parse one thread at a time while moto answers in this process.

CPython (3.11 and 3.12 at least) counts the depth of the AST it builds for ast.parse in one interpreter-wide field
(python/cpython#106905). moto routes a REST request with werkzeug, which compiles its URL rules with ast.parse, on
the first request for each service; offline, that happens in read-ahead threads (or the moto server's), while pytest
calls ast.parse on the main thread to show a failure. Two at once end the run with "SystemError: AST constructor
recursion depth mismatch". One lock around ast.parse costs nothing measurable: neither calls it often.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import threading
from typing import Any, Iterator
from unittest import mock


@contextlib.contextmanager
def one_at_a_time() -> Iterator[None]:
    """Within, every ast.parse of the process (pytest's, werkzeug's) waits for any other to finish."""
    parse = ast.parse
    lock = threading.RLock()

    @functools.wraps(parse)
    def serialized(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return parse(*args, **kwargs)

    with mock.patch.object(ast, "parse", serialized):
        yield
