"""`--co` names each control a run would judge, by id, severity and title, and reads nothing from AWS."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from awsaudit import catalog, listing
from awsaudit.accounts import Account
from awsaudit.controls import Control
from conftest import REPO, run_audit

CONTROLS = {control.id: control for control in catalog.read(REPO / "checks").controls}


class Item:
    """A collected control test as listing reads it: its control marker and its account parameter."""

    def __init__(self, control: Control, account: Account) -> None:
        self.control = control
        self.callspec = SimpleNamespace(params={"account": account})

    def get_closest_marker(self, name: str) -> Any:
        return SimpleNamespace(args=(self.control,)) if name == "control" else None


def test_controls_are_listed_in_id_order_under_the_accounts_they_cover() -> None:
    prod, dev = Account("prod", "prod"), Account("dev", "dev")
    items = [Item(CONTROLS[control_id], account) for control_id, account in [
        ("ROOT-5", prod), ("IAM-10", prod), ("IAM-10", dev), ("IAM-3", prod), ("IAM-3", dev)]]
    assert listing.lines(listing.grouped(items)) == [  # type: ignore[arg-type]
        "on prod, dev:",
        "  IAM-3   medium    Every IAM user with a console password has MFA",
        "  IAM-10  low       A role for AWS Support exists (AWSSupportAccess attached)",
        "on prod:",
        "  ROOT-5  critical  Root user has MFA enabled",
    ]


def test_collect_only_lists_the_controls_and_asks_aws_nothing(tmp_path: Path) -> None:
    """The profile's credential_process leaves a file behind when botocore asks it for credentials: a collect-only
    run must not, an audit of the same profile does. No address but 127.0.0.1 is ever named."""
    asked = tmp_path / "credentials-asked"
    config = tmp_path / "aws-config"
    config.write_text(f"[profile prod]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:9\n"
                      f"credential_process = {sys.executable} -c \"open(r'{asked}', 'w')\"\n", encoding="utf-8")
    env = {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    (tmp_path / "listed").mkdir()
    (tmp_path / "audited").mkdir()

    listed = run_audit(tmp_path / "listed", "--account", "prod", "--co", "-k", "IAM-3 or ROOT-5", env=env)
    assert listed.returncode == 0, listed.output
    assert "awsaudit: 2 controls selected" in listed.output
    assert ("on prod:\n  IAM-3   medium    Every IAM user with a console password has MFA\n"
            "  ROOT-5  critical  Root user has MFA enabled\n") in listed.output
    assert not asked.exists()

    audited = run_audit(tmp_path / "audited", "--account", "prod", "--control", "ROOT-5", env=env)
    assert audited.verdicts == {"test_root_has_mfa[prod]": "error"}, audited.output
    assert asked.exists()
