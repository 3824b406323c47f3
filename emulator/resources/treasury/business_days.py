"""Business days as Treasury counts them here: Monday to Friday, in UTC (bank holidays are not kept)."""

from __future__ import annotations

import datetime as dt


def midnight_after(now: int, days: int) -> int:
    """00:00 UTC of the ``days``-th business day after the day of ``now``."""
    day = dt.datetime.fromtimestamp(now, tz=dt.UTC).date()
    left = days
    while left:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())
