"""Evidence: the exact values a verdict rests on, recorded per test and rendered escaped into the report."""

from __future__ import annotations

from html import escape
from typing import Any

import pytest

from awsaudit.secrecy import mask

EVIDENCE = pytest.StashKey[dict[str, Any]]()


def evidence_of(item: pytest.Item) -> dict[str, Any]:
    """The item's evidence, in the order it was recorded: data sources first, then what the control added."""
    if EVIDENCE not in item.stash:
        item.stash[EVIDENCE] = {}
    return item.stash[EVIDENCE]


def forget(item: pytest.Item) -> None:
    """Drop what a control recorded once its reports are made: the evidence, and every resource it judged (findings.py
    keeps them in the item's stash too). The result records keep their own copies."""
    for key in _RECORDED:
        if key in item.stash:
            del item.stash[key]


_RECORDED: set[pytest.StashKey[Any]] = {EVIDENCE}


def recorded(key: pytest.StashKey[Any]) -> pytest.StashKey[Any]:
    """Mark a stash key as something a control records for its reports, which `forget` drops after them."""
    _RECORDED.add(key)
    return key


# A mapping longer than this (a credential report row) is laid out in columns, so it fits one screen.
_GRID_AFTER = 8


def _html_value(value: Any) -> str:
    if isinstance(value, dict) and len(value) > _GRID_AFTER:
        pairs = "".join(f"<dt>{_html_value(k)}</dt><dd>{_html_value(v)}</dd>" for k, v in value.items())
        return f'<dl class="awsaudit-fields">{pairs}</dl>'
    if isinstance(value, dict):
        rows = "".join(f"<tr><th>{_html_value(k)}</th><td>{_html_value(v)}</td></tr>" for k, v in value.items())
        return f'<table class="awsaudit-evidence">{rows}</table>'
    if isinstance(value, (list, tuple)):
        return "<br>".join(_html_value(v) for v in value) if value else "(none)"
    return escape(mask(str(value)))


def to_html(evidence: dict[str, Any]) -> str:
    """Evidence as an HTML table; every key and value is escaped, since most come from AWS, and key ids masked."""
    return _html_value(evidence) if evidence else "<p>No evidence was recorded.</p>"
