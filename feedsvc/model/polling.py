"""How often readers should poll: derived once from the refresh interval, for every place saying it.

A feed cannot change more often than the content directory is refreshed, so the refresh interval is
the one honest polling hint. HTTP's `Cache-Control: max-age`, RSS's `<ttl>` and the RSS 1.0
Syndication module's `sy:updatePeriod`/`sy:updateFrequency` all say it, each in its own units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from feedsvc.settings import Settings

# The Syndication module's periods, shortest first, in seconds (a month as 30 days, a year 365).
_PERIODS = (
    ("hourly", 3600),
    ("daily", 86400),
    ("weekly", 7 * 86400),
    ("monthly", 30 * 86400),
    ("yearly", 365 * 86400),
)


@dataclass(frozen=True)
class PollingHints:
    """The refresh interval in each unit that announces it."""

    max_age: int  # Cache-Control max-age, whole seconds
    ttl: int  # RSS <ttl>, whole minutes
    update_period: str  # sy:updatePeriod: hourly, daily, weekly, monthly or yearly
    update_frequency: int  # sy:updateFrequency: refreshes per update_period


def polling_hints(settings: Settings) -> PollingHints:
    """The hints for settings.refresh_interval, each rounded so that readers never poll sooner
    than a refresh could have changed anything (max-age and ttl round up, the frequency down)."""
    interval = settings.refresh_interval
    period, seconds = next(((p, s) for p, s in _PERIODS if s >= interval), _PERIODS[-1])
    return PollingHints(
        max_age=math.ceil(interval),
        ttl=max(1, math.ceil(interval / 60)),
        update_period=period,
        update_frequency=max(1, math.floor(seconds / interval)),
    )
