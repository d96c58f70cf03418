"""Offline, ast.parse runs one thread at a time (CPython's AST depth counter is shared: python/cpython#106905)."""

from __future__ import annotations

import ast
import threading
import time
from typing import Any

import pytest

from awsaudit.offline import ast_parse


def test_no_two_threads_parse_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    inside = 0
    most = 0
    count = threading.Lock()

    def slow_parse(source: str, *args: Any, **kwargs: Any) -> ast.Module:
        nonlocal inside, most
        with count:
            inside += 1
            most = max(most, inside)
        time.sleep(0.02)
        with count:
            inside -= 1
        return ast.Module(body=[], type_ignores=[])

    monkeypatch.setattr(ast, "parse", slow_parse)
    with ast_parse.one_at_a_time():
        threads = [threading.Thread(target=ast.parse, args=("x = 1",)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert most == 1
    assert ast.parse is slow_parse, "ast.parse is given back on the way out"
