"""The AWS root user as two sources see it: the credential report's root row and the account summary flags.

The report may be up to four hours old and the summary is fresh, so a root credential counts as present when either
source says so: a stale report must not hide a key created an hour ago.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from awsaudit.controls import not_applicable
from awsaudit.credential_report import CredentialReport, CredentialRow, Slot

# The serial AWS gives the virtual MFA device of a root user.
ROOT_VIRTUAL_MFA_SUFFIX = ":mfa/root-account-mfa-device"


@dataclass(frozen=True)
class Use:
    when: datetime
    credential: str


@dataclass(frozen=True)
class RootInReport:
    """The root user as the credential report alone shows it: for controls that need nothing fresher."""

    row: CredentialRow

    def _slots(self, credential: str) -> list[str]:
        """Report slots 1 and 2 that hold this credential: active, or with a rotation date (inactive, not deleted)."""
        signals = []
        for n in (1, 2):
            active, rotated = f"{credential}_{n}_active", f"{credential}_{n}_last_rotated"
            if getattr(self.row, active):
                signals.append(f"{active} = true")
            elif getattr(self.row, rotated) is not None:
                signals.append(f"{active} = false but {rotated} = {self.row.raw[rotated]} (inactive, not deleted)")
        return signals

    @property
    def active_certificates(self) -> list[Slot]:
        return self.row.active_certificates

    @property
    def last_use(self) -> Use | None:
        """The latest use of any root credential: password, access key 1 or access key 2."""
        uses = [Use(when, credential) for when, credential in (
            (self.row.password_last_used, "password"),
            (self.row.access_key_1_last_used_date, "access key 1"),
            (self.row.access_key_2_last_used_date, "access key 2"),
        ) if when is not None]
        return max(uses, key=lambda use: use.when, default=None)

    @property
    def has_no_password(self) -> bool:
        """True only when the report says so (centralized root access); not_supported proves nothing."""
        return self.row.password_enabled is False

    def require_sign_in(self) -> None:
        """MFA controls judge the root user's password sign-in; with no password there is none to protect."""
        if self.has_no_password:
            not_applicable("the credential report shows no root password (password_enabled = false), "
                           "as for member accounts under centralized root access")

    def evidence(self) -> dict[str, Any]:
        """The root row as the report has it; the report time and summary flags are their fixtures' evidence."""
        return {"credential report root row": dict(self.row.raw)}


@dataclass(frozen=True)
class RootUser(RootInReport):
    """The root user as the report and the fresh account summary show it together."""

    summary: dict[str, int]

    @classmethod
    def from_sources(cls, report: CredentialReport, summary: dict[str, int]) -> RootUser:
        return cls(report.root, summary)

    def _signals(self, credential: str, flag: str) -> list[str]:
        """Each source that says the root user has this credential: report slots, then the summary flag."""
        return self._slots(credential) + ([f"{flag} = 1"] if self.summary[flag] else [])

    @property
    def access_key_signals(self) -> list[str]:
        return self._signals("access_key", "AccountAccessKeysPresent")

    @property
    def certificate_signals(self) -> list[str]:
        return self._signals("cert", "AccountSigningCertificatesPresent")

    @property
    def mfa_gaps(self) -> list[str]:
        """Each source that does not show MFA on the root user."""
        gaps = [] if self.row.mfa_active else [f"mfa_active = {self.row.raw['mfa_active']}"]
        if not self.summary["AccountMFAEnabled"]:
            gaps.append("AccountMFAEnabled = 0")
        return gaps


def root_virtual_mfa(devices: list[dict[str, Any]], account_id: str) -> list[str]:
    """Serials of the virtual MFA devices assigned to the root user of `account_id`."""
    # Matched without the partition, so aws-cn and aws-us-gov accounts are recognised too.
    root_arn = f":iam::{account_id}:root"
    root_serial = f":iam::{account_id}{ROOT_VIRTUAL_MFA_SUFFIX}"

    def is_root(device: dict[str, Any]) -> bool:
        arn = device.get("User", {}).get("Arn", "")
        return arn.endswith(root_arn) or device["SerialNumber"].endswith(root_serial)

    return [device["SerialNumber"] for device in devices if is_root(device)]
