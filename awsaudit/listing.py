"""`--co` names the controls a run would judge: after pytest's list of tests (`test_console_users_have_mfa[prod]`,
which does not say which control a test is), each control's id, severity and title, under the accounts it covers.

The list is made from the collected tests alone: a collect-only run reads no account's data (it still lists an
organization's accounts for `--account org:...`, and resolves that profile's identity to do so).
"""

from __future__ import annotations

import pytest

from awsaudit.accounts import account_of
from awsaudit.controls import id_order
from awsaudit.controls import Control, control_of


def grouped(items: list[pytest.Item]) -> dict[tuple[str, ...], list[Control]]:
    """The controls among `items` in id order, grouped by the accounts they cover: one group, unless -k picks
    accounts too."""
    controls: dict[str, Control] = {}
    accounts: dict[str, list[str]] = {}
    for item in items:
        meta, audited = control_of(item), account_of(item)
        if meta is not None and audited is not None:
            controls[meta.id] = meta
            accounts.setdefault(meta.id, []).append(audited.name)
    groups: dict[tuple[str, ...], list[Control]] = {}
    for meta in sorted(controls.values(), key=id_order):
        groups.setdefault(tuple(accounts[meta.id]), []).append(meta)
    return groups


def lines(groups: dict[tuple[str, ...], list[Control]]) -> list[str]:
    """Each group as a line naming its accounts, then a line per control: id, severity, title."""
    width = max((len(meta.id) for members in groups.values() for meta in members), default=0)
    out = []
    for names, members in groups.items():
        out.append(f"on {', '.join(names)}:")
        out += [f"  {meta.id:<{width}}  {meta.severity:<8}  {meta.title}" for meta in members]
    return out


@pytest.hookimpl(trylast=True)  # after pytest's own list of the collected tests
def pytest_collection_finish(session: pytest.Session) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    groups = grouped(session.items)
    if not session.config.option.collectonly or reporter is None or not groups:
        return
    count = sum(len(members) for members in groups.values())
    reporter.write_sep("=", f"awsaudit: {count} control{'s' if count != 1 else ''} selected")
    for line in lines(groups):
        reporter.write_line(line)
