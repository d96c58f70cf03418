"""Ages in days, as controls judge and report them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Mapping


def days_between(then: datetime, now: datetime) -> float:
    """Days from `then` to the audit's `now` (negative if `then` is later)."""
    return (now - then) / timedelta(days=1)


def too_old(dated: Mapping[str, datetime | None], now: datetime, max_days: int, verb: str) -> dict[str, str]:
    """Each name whose date is more than `max_days` before `now`, or unknown, with why: "created 120 days ago"."""
    return {name: f"{verb} {days_between(when, now):.0f} days ago" if when else f"no date for when it was {verb}"
            for name, when in dated.items() if when is None or days_between(when, now) > max_days}
