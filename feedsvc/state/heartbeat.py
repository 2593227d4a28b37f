"""The refresher's heartbeat in status.json, and what the web side and `feedsvc serve`'s
supervisor work out from it: whether the refresher is at work, and how stale the feeds may be.

The refresher beats from its refresh loop (at each refresh's start and end, and as the refresh
makes progress) and, while idle, from its main thread; a refresh that hangs stops the beats, so
"alive" means "making progress", not merely "has a process". Each beat rewrites status.json (see
status.StatusFile) from whichever thread holds the refresher's one refresh at a time (see
RefreshWorker), so the file keeps one writer at any moment. The keys are spelled here only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from feedsvc.state.status import StatusFile, as_mapping, as_number, as_timestamp

REFRESHER = "refresher"  # the key holding the last beat
DOCUMENTS = "documents"  # /status.json only: documents in the set the answering worker serves
LIVENESS_KEYS = (  # /status.json only, worked out at each request (Liveness.as_status)
    "refresher_alive",
    "heartbeat_age_seconds",
    "refresh_running_seconds",
    "last_success_age_seconds",
)
SERVED_ONLY_KEYS = frozenset({DOCUMENTS, *LIVENESS_KEYS})  # never in the file itself
HEARTBEAT_LONGEST_SECONDS = 60.0  # beats come at least this often, whatever refresh_interval is
MISSED_BEATS = 2  # a heartbeat older than this many beat periods: dead or stuck


def heartbeat_period(refresh_interval: float) -> float:
    """How often the refresher beats at least: once per refresh interval, or every minute when
    refreshes are rarer, so a dead refresher shows within two intervals (and two minutes)."""
    return min(refresh_interval, HEARTBEAT_LONGEST_SECONDS)


@dataclass(frozen=True)
class Heartbeat:
    """One beat of the refresher process."""

    pid: int  # the refresher process
    at: dt.datetime  # when it beat (aware)
    period: float  # seconds between beats at most (heartbeat_period)
    refresh_started: dt.datetime | None  # when the refresh under way began; None when idle

    def as_status(self) -> dict[str, Any]:
        """The beat as status.json holds it, under REFRESHER."""
        started = self.refresh_started
        return {
            "pid": self.pid,
            "heartbeat_at": self.at.astimezone(dt.UTC).isoformat(),
            "heartbeat_seconds": self.period,
            "refresh_started_at": started.astimezone(dt.UTC).isoformat() if started else None,
        }


def record_heartbeat(status: StatusFile, beat: Heartbeat) -> None:
    """Write one beat into the status, with whatever else it holds (a disk that refuses it is
    the refresh's to report: the beat goes to the spill file then, see StatusFile.save)."""
    status.data[REFRESHER] = beat.as_status()
    status.save()


@dataclass(frozen=True)
class Liveness:
    """What the last beat says at `now`: whether the refresher is alive and how stale the
    published set may be. None where the status does not tell."""

    alive: bool  # beat within MISSED_BEATS periods; False with no beat at all
    pid: int | None  # the refresher's process, as it last said
    heartbeat_age: float | None  # seconds since its last beat
    refresh_running: float | None  # seconds the refresh under way has run (alive only)
    last_success_age: float | None  # seconds since the last successful refresh finished

    @classmethod
    def of(cls, status: dict[str, Any] | None, now: float) -> Liveness:
        """The liveness of a status as read_status gives it, at Unix time `now`, trusting none
        of its values."""
        status = status or {}
        beat = as_mapping(status.get(REFRESHER))
        beat_at = as_timestamp(beat.get("heartbeat_at"))
        period = as_number(beat.get("heartbeat_seconds"))
        age = max(0.0, now - beat_at) if beat_at is not None else None
        alive = age is not None and period is not None and age <= MISSED_BEATS * period
        started = as_timestamp(beat.get("refresh_started_at"))
        success = as_timestamp(status.get("last_success_at"))
        pid = beat.get("pid")
        return cls(
            alive=alive,
            pid=pid if isinstance(pid, int) and not isinstance(pid, bool) else None,
            heartbeat_age=age,
            refresh_running=max(0.0, now - started) if alive and started is not None else None,
            last_success_age=max(0.0, now - success) if success is not None else None,
        )

    def as_status(self) -> dict[str, Any]:
        """The keys /status.json adds to the status: derived at each request, never stored."""

        def rounded(seconds: float | None) -> float | None:
            return None if seconds is None else round(seconds, 3)

        values = (
            self.alive,
            rounded(self.heartbeat_age),
            rounded(self.refresh_running),
            rounded(self.last_success_age),
        )
        return dict(zip(LIVENESS_KEYS, values, strict=True))


def served_status(status: dict[str, Any], documents: int, now: float) -> dict[str, Any]:
    """status.json as /status.json serves it: the file as the refresher wrote it, plus what only
    the answering web worker knows at Unix time `now` (SERVED_ONLY_KEYS): how many documents it
    serves, and whether the refresher is alive and how stale the feeds may be."""
    return {**status, DOCUMENTS: documents, **Liveness.of(status, now).as_status()}
