"""The poll limit: how long one client must wait before it may fetch one document again.

Each (client, document) pair gets `limit` requests at once, then one more every `window / limit`
seconds: the generic cell rate algorithm (GCRA), which keeps one number per pair (the time its
allowance is next full) instead of a list of request times. Refused requests are not counted, so a
client that waits the Retry-After it was given is always let through.

Memory is bounded: at most `capacity` pairs are remembered. Pairs whose allowance is full again are
forgotten as they come up, and past the bound the longest idle pair is forgotten first. A forgotten
pair starts afresh, so an attacker rotating addresses only weakens the limit, never the memory.
The state is per process: with N web workers a client spread over several may get up to N times
the limit (docs/settings.md).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

# About 170 bytes each: 100,000 pairs are about 17 MB per web worker at most.
CAPACITY = 100_000


class PollLimiter:
    """At most `limit` requests per `window` seconds for each (client, document) pair."""

    def __init__(
        self,
        limit: int,
        window: float,
        capacity: int = CAPACITY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window <= 0 or capacity < 1:
            raise ValueError(f"limit {limit}, window {window}, capacity {capacity}")
        self.interval = window / limit  # the allowance refills one request per interval
        self.burst = window - self.interval  # how far ahead of now a pair's full time may be
        self.capacity = capacity
        self.clock = clock
        self._full_at: OrderedDict[int, float] = OrderedDict()  # least recently let through first
        self._lock = threading.Lock()  # a worker's threads share one limiter

    def __len__(self) -> int:
        return len(self._full_at)

    def wait(self, client: str, document: str) -> float:
        """0 when this request may go ahead (and is counted), else the seconds until one may."""
        now = self.clock()
        # A pair's hash rather than its strings: half the memory. Two pairs sharing a hash would
        # share an allowance; among 100,000 pairs the odds of any such clash are about 1 in 4
        # billion, and str hashes are salted per process, so nobody can aim for one.
        key = hash((client, document))
        with self._lock:
            full_at = max(self._full_at.get(key, now), now)
            wait = full_at - self.burst - now
            if wait > 0:
                return wait
            self._full_at[key] = full_at + self.interval
            self._full_at.move_to_end(key)
            self._forget(now)
        return 0.0

    def _forget(self, now: float) -> None:
        """Drop idle pairs whose allowance is full again (they are as good as new), and the
        longest idle ones beyond the capacity."""
        entries = self._full_at
        while entries:
            oldest, full_at = next(iter(entries.items()))
            if full_at > now and len(entries) <= self.capacity:
                return
            del entries[oldest]


def retry_after(wait: float) -> str:
    """A Retry-After value (whole seconds, RFC 9110): the request will be let through after it."""
    return str(math.ceil(wait))
