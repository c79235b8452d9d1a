"""Pacing requests under a per-minute limit that adapts down when the server says 429.

Requests are spaced evenly (``window / rate`` seconds apart, ``headroom`` of the limit)
rather than sent in bursts, so a server counting requests in a sliding window never sees
more than the limit. A 429 means the real limit is lower than the configured one (a
trial key, a shared key), and the limiter adapts:

- *Cut once per burst.* Requests already on their way when a cut is made answer 429 too;
  they say nothing new. The client reports when each request was sent, and a 429 for one
  sent before the last cut is ignored, Retry-After included.
- *Cut to what got through.* A server that says 429 has counted its limit in its window,
  so the requests sent in the window before the refused one and answered are the best
  estimate of the real limit (or of this process's share of a shared key): the rate
  becomes ``headroom`` of that count, and never more than ``headroom`` of the rate (a
  429 always slows down). One cut lands just under the real limit, however far above it
  the configured one was. Requests still on their way were let through too: each that
  is answered after the cut adds its share back. The count is trusted only when the
  client has been busy for the whole window: after a pause (a run just started or
  restarted, a notebook between cells) the server may still count requests the count
  cannot see, or the client simply sent fewer than the limit; there, one cut leaves at
  least ``deepest_cut`` of the rate.
- *Probe gently, then boldly.* Each answered request raises the rate by a step, which is
  the rate's growth per window (a window holds ``rate`` answers): ``probe`` right after
  a cut, doubling with every window without one, up to ``recover``. Just under a limit
  just learned the rate creeps, so 429s stay rare; long after the last one, it climbs
  back to the configured rate within a few windows.
- *Retry-After holds everyone.* After a cut, no request starts before the server said it
  may, not even one that had already been given an earlier start.
- *No limit given, one learned.* Without ``per_minute`` requests start at once until the
  server says 429. A 429 then holds everyone as above, and, once the client has been
  busy for a whole window, cuts the rate to what got through. It then probes upward as
  above, with no ceiling: a later 429 cuts again.

A cut moves the schedule: the :attr:`~RateLimiter.epoch` changes, and a request still
waiting for a start it reserved in an earlier epoch reserves again (the client does).
The limiter keeps its state behind a thread lock and only returns delays, so one
instance can pace requests from any thread and any event loop.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

import attrs

from cohere_medner.errors import ConfigurationError


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0 or math.isinf(value):
        raise ConfigurationError(f"{attribute.name} must be positive and finite, got {value!r}")


def _share(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0 < value <= 1:
        raise ConfigurationError(f"{attribute.name} must be within (0, 1], got {value!r}")


@attrs.define
class RateLimiter:
    """Spaces request starts to at most ``per_minute`` per ``window`` seconds.

    ``per_minute=None``: no limit is known; it is learned from the server's 429s.
    """

    per_minute: float | None = attrs.field(validator=attrs.validators.optional(_positive))
    window: float = attrs.field(default=60.0, validator=_positive)
    #: Share of the limit actually used, a margin against clock and scheduling jitter.
    headroom: float = attrs.field(default=0.97, validator=_share)
    #: Before a whole busy window, one cut never leaves less than this share of the rate.
    deepest_cut: float = attrs.field(default=0.5, validator=_share)
    #: The rate never falls below this share of ``per_minute`` (without one: one a window).
    floor_share: float = attrs.field(default=0.01, validator=_share)
    #: Growth per window right after a cut; it doubles with each window without one.
    probe: float = attrs.field(default=0.005, validator=_share)
    #: The most the rate grows per window.
    recover: float = attrs.field(default=0.25, validator=_share)
    #: A pause of this share of the window after the last start given (or retry
    #: expected) ends a busy spell.
    idle: float = attrs.field(default=0.1, validator=_share)
    clock: Callable[[], float] = time.monotonic
    _rate: float = attrs.field(init=False)
    _next: float = attrs.field(init=False, default=float("-inf"))
    _hold: float = attrs.field(init=False, default=float("-inf"))
    _epoch: int = attrs.field(init=False, default=0)
    _last_cut: float = attrs.field(init=False, default=float("-inf"))
    _busy_since: float = attrs.field(init=False, default=float("inf"))
    _busy_until: float = attrs.field(init=False, default=float("-inf"))
    # The send times a cut counted answers over: answers that come later from there count too.
    _counted: tuple[float, float] = attrs.field(init=False, default=(math.inf, -math.inf))
    _answered: deque[float] = attrs.field(init=False, factory=deque, repr=False)
    _lock: threading.Lock = attrs.field(init=False, factory=threading.Lock, repr=False)

    def __attrs_post_init__(self) -> None:
        self._rate = self.ceiling

    @property
    def ceiling(self) -> float:
        """The highest rate the limiter uses: ``headroom`` of ``per_minute`` (or no limit)."""
        return math.inf if self.per_minute is None else self.per_minute * self.headroom

    @property
    def rate(self) -> float:
        """The rate in force now, in requests per ``window``."""
        return self._rate

    @property
    def epoch(self) -> int:
        """Changes at every cut; a start reserved in an earlier epoch is void."""
        return self._epoch

    def _interval(self) -> float:
        return self.window / self._rate

    def reserve(self) -> float:
        """Claim the next start; returns how many seconds to wait before sending.

        Read :attr:`epoch` before reserving: if it has changed by the time the wait is
        over, the start is void and must be reserved again.
        """
        with self._lock:
            now = self.clock()
            if now - self._busy_until > self.idle * self.window:
                self._busy_since = now  # the first request after a pause
            start = max(now, self._next, self._hold)
            self._next = start + self._interval()
            self._busy_until = max(self._busy_until, start)
            return start - now

    def expect(self, seconds: float) -> None:
        """A request will ask for a start again in ``seconds`` (a retry's wait).

        Until then the client counts as busy: a retry's backoff is not a pause.
        """
        with self._lock:
            self._busy_until = max(self._busy_until, self.clock() + seconds)

    def succeeded(self, started: float | None = None) -> None:
        """A request sent at ``started`` (this limiter's clock) was answered.

        It counts towards what got through, and the rate grows back by one step.
        """
        with self._lock:
            now = self.clock()
            self._answered.append(now if started is None else started)
            windows = (now - self._last_cut) / self.window
            step = self.recover if windows > 32 else min(self.recover, self.probe * 2**windows)
            low, high = self._counted
            if started is not None and low < started <= high:
                step = self.headroom  # in flight when the cut counted what got through
            self._rate = min(self.ceiling, self._rate + step)
            stale = now - 2 * self.window  # too old for any count a cut makes
            while self._answered and self._answered[0] <= stale:
                self._answered.popleft()

    def rate_limited(
        self, retry_after: float | None = None, *, started: float | None = None
    ) -> None:
        """The server answered 429 to a request sent at ``started``: slow down, and hold.

        A request sent before the last cut belongs to the burst that caused it, and is
        ignored. Without ``started``, a 429 within one interval of the last cut is.
        Otherwise the rate is cut, and nothing starts before ``retry_after`` seconds from
        now.
        """
        with self._lock:
            now = self.clock()
            if started is None:
                if now - self._last_cut < self._interval():
                    return
            elif started < self._last_cut:
                return
            sent = now if started is None else started
            learned = self.headroom * sum(
                1 for t in self._answered if sent - self.window < t <= sent
            )
            lowest = 1.0 if self.per_minute is None else self.per_minute * self.floor_share
            trusted = sent - self._busy_since >= self.window
            if not trusted:
                # Not busy for the whole window: the count may miss what the server
                # counts. Without a limit there is nothing to cut from: only hold.
                lowest = max(lowest, self._rate * self.deepest_cut)
            self._rate = max(lowest, min(self._rate * self.headroom, learned))
            learnt = trusted and self._rate == learned
            self._counted = (sent - self.window, sent) if learnt else (math.inf, -math.inf)
            self._last_cut = now
            if retry_after is not None and 0 < retry_after < math.inf:
                self._hold = max(self._hold, now + retry_after)
            # Every start handed out so far is void: restart the schedule from here.
            self._epoch += 1
            self._next = now + self._interval()
