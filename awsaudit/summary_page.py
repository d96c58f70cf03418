"""The run's summary page: per-account counts, then every failure and error, as static HTML beside the report.

pytest-html draws its results table in the browser, which takes seconds once a run has thousands of results (one
per control and account). This page has no script, so it opens at once for any number of accounts, and links to the
full report for the evidence.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from pathlib import Path

_FIRST = ("failed", "error")


def render(started: datetime, report: Path, incomplete: str, accounts: list[list[str]], head: list[str],
           lines: list[tuple[str, str, str]], css: str) -> str:
    """`accounts`: the account table's rows; `lines`: (account, verdict, "ID title: reason") for every result."""
    rows = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in accounts)
    found = [(account, verdict, line) for account, verdict, line in lines if verdict in _FIRST]
    found.sort(key=lambda entry: (entry[0], _FIRST.index(entry[1])))
    items = "".join(f"<li><b>{escape(account)}</b> {escape(verdict.upper())} {escape(line)}</li>"
                    for account, verdict, line in found) or "<li>No failure and no error.</li>"
    warning = f'<p class="awsaudit-incomplete">{escape(incomplete)}</p>' if incomplete else ""
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>AWS audit {started:%Y-%m-%d %H:%M:%S} UTC '
            f"summary</title><style>{css}</style></head><body>{warning}"
            f"<h1>AWS audit {started:%Y-%m-%d %H:%M:%S} UTC</h1>"
            f'<p>Evidence, rationale and remediation of every result: <a href="{escape(report.name)}">'
            f"{escape(report.name)}</a>.</p>"
            '<table class="awsaudit-accounts"><tr>' + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"
            f"{rows}</table><h2>Failures and errors ({len(found)})</h2><ul>{items}</ul></body></html>")
