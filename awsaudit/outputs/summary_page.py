"""The run's summary page: what the run covers, per-account counts, every failure and error, the framework's
requirements when the run was for one (`--framework`), a roll-up per control, and every waived and not-applicable
result with its reason, as static HTML beside the report.

pytest-html draws its results table in the browser, which takes seconds once a run has thousands of results (one
per control and account). This page has no script, so it opens at once for any number of accounts, and links to the
full report for the evidence.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from html import escape
from pathlib import Path

from awsaudit.controls import natural
from awsaudit.frameworks import SEVERITIES
from awsaudit.results import Result
from awsaudit.verdicts import VERDICTS, worst

_FIRST = ("failed", "error")


def facts(lines: list[tuple[str, str]]) -> str:
    """Who ran what, when, and what it covers, as a two-column table."""
    return ('<table class="awsaudit-scope">'
            + "".join(f"<tr><th>{escape(name)}</th><td>{escape(text)}</td></tr>" for name, text in lines)
            + "</table>")


def table(head: list[str], rows: list[list[str]], css_class: str) -> str:
    return (f'<table class="{css_class}"><tr>' + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"
            + "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
            + "</table>")


def most_severe_first(severity: str) -> int:
    """Sort key: critical first, then high, medium, low, then anything else."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def rollup(results: list[Result]) -> list[list[str]]:
    """One row per control: id, title, severity, and on how many accounts it passed, failed, errored, was waived or
    did not apply; most severe first."""
    controls = {result.control: result for result in results}
    per_account: dict[str, dict[str, list[str]]] = {}
    for result in results:
        per_account.setdefault(result.control, {}).setdefault(result.account, []).append(result.verdict)
    rows = []
    for control in sorted(controls, key=lambda c: (most_severe_first(controls[c].severity), natural(c))):
        counts = Counter(worst(seen) for seen in per_account[control].values())
        meta = controls[control]
        rows.append([control, meta.title, meta.severity, *(str(counts[verdict]) for verdict in VERDICTS)])
    return rows


def _listing(results: list[Result], heading: str, empty: str) -> str:
    items = "".join(f"<li><b>{escape(r.account)}</b> {escape(r.line)}</li>" for r in results) or f"<li>{empty}</li>"
    return f"<h2>{escape(heading)} ({len(results)})</h2><ul>{items}</ul>"


def render(started: datetime, report: Path, banners: list[str], scope: list[tuple[str, str]], head: list[str],
           accounts: list[list[str]], results: list[Result], css: str, framework: str = "") -> str:
    """`accounts`: the account table's rows; `scope`: what the run covers (see facts); `framework`: the framework
    view's HTML (framework_view.to_html) when the run was for one, shown after the failures."""
    found = sorted((r for r in results if r.verdict in _FIRST), key=lambda r: (r.account, _FIRST.index(r.verdict)))
    items = "".join(f"<li><b>{escape(r.account)}</b> {escape(r.verdict.upper())} {escape(r.line)}</li>"
                    for r in found) or "<li>No failure and no error.</li>"
    warning = "".join(f'<p class="awsaudit-incomplete">{escape(banner)}</p>' for banner in banners)
    per_control = ["Control", "Title", "Severity", *(f"Accounts {verdict}" for verdict in VERDICTS)]
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>AWS audit {started:%Y-%m-%d %H:%M:%S} UTC '
            f"summary</title><style>{css}</style></head><body class=\"awsaudit-summary-page\">{warning}"
            f"<h1>AWS audit {started:%Y-%m-%d %H:%M:%S} UTC</h1>{facts(scope)}"
            f'<p>Evidence, rationale and remediation of every result: <a href="{escape(report.name)}">'
            f"{escape(report.name)}</a>.</p>"
            f"{table(head, accounts, 'awsaudit-accounts')}"
            f"<h2>Failures and errors ({len(found)})</h2><ul>{items}</ul>{framework}"
            f"<h2>Per control</h2>{table(per_control, rollup(results), 'awsaudit-accounts')}"
            + _listing([r for r in results if r.verdict == "waived"], "Waived", "No waived failure.")
            + _listing([r for r in results if r.despite_waiver], "Passed despite a waiver",
                       "No waiver covers a passing control.")
            + _listing([r for r in results if r.verdict == "not applicable"], "Not applicable",
                       "Every control applied.")
            + "</body></html>")
