"""Amazon Macie: whether Macie is enabled in each region (there is no call that spans regions)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from awsaudit.errors import error_code
from awsaudit.source_fixtures import source

# In a region where Macie was never enabled (or was disabled), GetMacieSession answers AccessDeniedException with this
# message (HTTP 401). A caller that lacks macie2:GetMacieSession gets the same code with "... is not authorized to
# perform ..." (HTTP 403): that stays an error, so a missing permission never reads as "Macie is off".
NOT_ENABLED = "macie is not enabled"


@source("macie2", regional=True, actions=["macie2:GetMacieSession"], title="Macie status",
        evidence=lambda status: status)
def macie_status(macie2: Any) -> str:
    """Macie's status in the region: "ENABLED", "PAUSED", or "NOT ENABLED" where it was never enabled."""
    try:
        return str(macie2.get_macie_session()["status"])
    except ClientError as exc:
        message = str(exc.response.get("Error", {}).get("Message", ""))
        if error_code(exc) == "AccessDeniedException" and NOT_ENABLED in message.lower():
            return "NOT ENABLED"
        raise
