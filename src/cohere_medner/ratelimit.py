"""Pacing requests under a per-minute limit that adapts down when the server says 429.

Requests are spaced evenly (``window / rate`` seconds apart) rather than sent in bursts,
so a server counting requests in a sliding window never sees more than the limit. A 429
means the real limit is lower than the configured one (a trial key, a shared key): the
rate is cut by a factor, at most once per spacing interval so that one burst of 429s
from requests already in flight counts as one signal, and then creeps back up by a small
step after each success (additive increase, multiplicative decrease).

The limiter keeps its state behind a thread lock and only returns delays, so one
instance can pace requests from any thread and any event loop.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import attrs

from .errors import ConfigurationError


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0:
        raise ConfigurationError(f"{attribute.name} must be positive, got {value!r}")


@attrs.define
class RateLimiter:
    """Spaces request starts to at most ``per_minute`` per ``window`` seconds."""

    per_minute: float = attrs.field(validator=_positive)
    window: float = attrs.field(default=60.0, validator=_positive)
    #: Share of the configured rate actually used, a margin against clock jitter.
    headroom: float = 0.97
    decrease: float = 0.75
    floor_share: float = 0.05
    clock: Callable[[], float] = time.monotonic
    _rate: float = attrs.field(init=False)
    _next: float = attrs.field(init=False, default=0.0)
    _last_cut: float = attrs.field(init=False, default=float("-inf"))
    _lock: threading.Lock = attrs.field(init=False, factory=threading.Lock)

    def __attrs_post_init__(self) -> None:
        self._rate = self.per_minute * self.headroom

    @property
    def rate(self) -> float:
        """The rate in force now, in requests per ``window``."""
        return self._rate

    def _interval(self) -> float:
        return self.window / self._rate

    def reserve(self) -> float:
        """Claim the next slot; returns how many seconds to wait before sending."""
        with self._lock:
            now = self.clock()
            slot = max(now, self._next)
            self._next = slot + self._interval()
            return slot - now

    def succeeded(self) -> None:
        """A request was answered: let the rate creep back towards the configured one."""
        with self._lock:
            ceiling = self.per_minute * self.headroom
            if self._rate < ceiling:
                self._rate = min(ceiling, self._rate + ceiling * 0.02)

    def rate_limited(self, retry_after: float | None = None) -> None:
        """The server answered 429: slow down, and send nothing before ``retry_after``."""
        with self._lock:
            now = self.clock()
            if now - self._last_cut >= self._interval():
                floor = self.per_minute * self.floor_share
                self._rate = max(floor, self._rate * self.decrease)
                self._last_cut = now
            if retry_after is not None and retry_after > 0:
                self._next = max(self._next, now + retry_after)
