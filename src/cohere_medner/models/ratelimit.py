"""Pacing requests under a per-minute limit that adapts down when the server says 429.

Requests are spaced evenly (``window / rate`` seconds apart, ``headroom`` of the limit)
rather than sent in bursts, so a server counting requests in a sliding window never sees
more than the limit. A 429 means the real limit is lower than the configured one (a
trial key, a shared key), and the limiter adapts:

- *Cut once per burst.* Requests already on their way when a cut is made answer 429 too;
  they say nothing new. The client reports when each request was sent, and a 429 for one
  sent before the last cut is ignored, Retry-After included.
- *Learn only from a window answered at the limit.* A server that says 429 has counted its
  limit in its window, so the requests this client sent in the window before the refused
  one and the server did not refuse (answered, still on their way, or failed after it may
  have counted them) are the best estimate of the real limit (or of this process's share
  of a shared key): the rate becomes ``headroom`` of that count, and never more than
  ``headroom`` of the rate (a 429 always slows down). One cut lands just under the real
  limit, however far above it the configured one was. The count is trusted only when the
  client was busy for the whole window and its requests were being answered (some were,
  not a tenth failed, and none since the last answer): after a pause (a run just started, a
  notebook between cells) the client simply sent fewer than the limit, and in a window
  of failures (an outage, hung requests timing out) it sent what its backoff allowed,
  and a 429 may be the outage's. Such a 429 teaches nothing: it only holds.
- *A young spell cuts to what got through, then seeks the window.* Before a whole window
  has passed, a 429 after requests were answered (a trial key's first burst) still cuts
  at once to what was answered since the busy spell began: that many fit in the server's
  window, however long it is. Requests then wait until the server lets one in again,
  each 429 in a row waiting ``widen`` times longer after the spell's first request; the
  first let in tells how long the server's window is, and from then on the limiter sends
  as many requests as got through in every such span, each as soon as the span has room.
  While the span is known only between a refusal and an admission, one start at a time
  tries a span between them, narrowing it: a 429 for that trial only says it was early.
- *Holds lengthen.* Nothing starts before the Retry-After of a cut (capped at a window:
  a limit counted per window frees a slot within one), and 429s in a row with no answer
  between them hold twice as long each time, from ``window / 64``, whatever the server
  says; until the next answer, requests go one at a time, that far apart.
- *Probe gently, then boldly.* Each answered request raises the rate by a step, which is
  the rate's growth per window (a window holds ``rate`` answers): ``probe`` right after
  a cut, doubling with every window without one, up to ``recover``. Just under a limit
  just learned the rate creeps, so 429s stay rare; long after the last one, it climbs
  back to the configured rate within a few windows.
- *No limit given, one learned.* Without ``per_minute`` requests start at once until the
  server says 429; the rate learned then has no ceiling, and a later 429 cuts again.

A cut moves the schedule: the :attr:`~RateLimiter.epoch` changes, and a request still
waiting for a start it reserved in an earlier epoch reserves again (the client does).
Each outcome is reported with the start :meth:`~RateLimiter.claim` gave, so the limiter
knows which of its starts the server counted. It keeps its state behind a thread lock
and only returns times, so one instance can pace requests from any thread and any event
loop.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections.abc import Callable

import attrs

from cohere_medner.errors import ConfigurationError


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0 or math.isinf(value):
        raise ConfigurationError(f"{attribute.name} must be positive and finite, got {value!r}")


def _share(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0 < value <= 1:
        raise ConfigurationError(f"{attribute.name} must be within (0, 1], got {value!r}")


def _growth(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 1 < value <= 16:
        raise ConfigurationError(f"{attribute.name} must be within (1, 16], got {value!r}")


def _forget(times: list[float], before: float) -> None:
    """Drop the sorted ``times`` up to ``before``."""
    del times[: bisect.bisect_right(times, before)]


@attrs.define
class RateLimiter:
    """Spaces request starts to at most ``per_minute`` per ``window`` seconds.

    ``per_minute=None``: no limit is known; it is learned from the server's 429s.
    """

    per_minute: float | None = attrs.field(validator=attrs.validators.optional(_positive))
    window: float = attrs.field(default=60.0, validator=_positive)
    #: Share of the limit actually used, a margin against clock and scheduling jitter.
    headroom: float = attrs.field(default=0.97, validator=_share)
    #: The rate never falls below this share of ``per_minute`` (without one: one a window).
    floor_share: float = attrs.field(default=0.01, validator=_share)
    #: Growth per window right after a cut; it doubles with each window without one.
    probe: float = attrs.field(default=0.005, validator=_share)
    #: The most the rate grows per window.
    recover: float = attrs.field(default=0.25, validator=_share)
    #: A pause of this share of the window after the last start given (or retry
    #: expected) ends a busy spell.
    idle: float = attrs.field(default=0.1, validator=_share)
    #: A window in which more than this share of the requests failed teaches nothing.
    failing: float = attrs.field(default=0.1, validator=_share)
    #: While the server's window is sought, each 429 in a row waits this many times longer.
    widen: float = attrs.field(default=2.0, validator=_growth)
    clock: Callable[[], float] = time.monotonic
    _rate: float = attrs.field(init=False)
    _next: float = attrs.field(init=False, default=float("-inf"))
    _last: float = attrs.field(init=False, default=float("-inf"))  # the latest start given
    _hold: float = attrs.field(init=False, default=float("-inf"))
    _epoch: int = attrs.field(init=False, default=0)
    _last_cut: float = attrs.field(init=False, default=float("-inf"))
    _busy_since: float = attrs.field(init=False, default=float("inf"))
    _busy_until: float = attrs.field(init=False, default=float("-inf"))
    # The server's window as learned: ``window`` until a young spell's seek finds a shorter one.
    _span: float = attrs.field(init=False)
    # 429s in a row, each for a request sent after the cut before it, with no answer between.
    _refusals: int = attrs.field(init=False, default=0)
    # While seeking the server's window: the spell's first start, and how far from it the
    # next request may start.
    _seek_from: float | None = attrs.field(init=False, default=None)
    _seek_gap: float = attrs.field(init=False, default=0.0)
    _seek_count: int = attrs.field(init=False, default=0)
    # What the seek found of the server's window: longer than ``_low`` (a request that far
    # from the spell's first was refused), no longer than ``_high`` (one was let in). A
    # trial start, one at a time, narrows them: ``_trial`` at ``_trial_gap`` from the
    # start it replaces.
    _low: float = attrs.field(init=False, default=0.0)
    _high: float = attrs.field(init=False, default=0.0)
    _trial: float | None = attrs.field(init=False, default=None)
    _trial_gap: float = attrs.field(init=False, default=0.0)
    # A request failed (5xx, timeout, dropped) since the last answer: the server is not
    # answering at its limit, and a 429 now may be an outage's.
    _failing: bool = attrs.field(init=False, default=False)
    # Sorted send times, kept for two windows: every start given and not voided by a cut
    # nor refused (so, what the server may have counted), the sends answered, and those
    # that failed.
    _starts: list[float] = attrs.field(init=False, factory=list, repr=False)
    _answered: list[float] = attrs.field(init=False, factory=list, repr=False)
    _failed: list[float] = attrs.field(init=False, factory=list, repr=False)
    _lock: threading.Lock = attrs.field(init=False, factory=threading.Lock, repr=False)

    def __attrs_post_init__(self) -> None:
        self._rate = self.ceiling
        self._span = self.window

    @property
    def ceiling(self) -> float:
        """The highest rate the limiter uses: ``headroom`` of ``per_minute`` (or no limit)."""
        return math.inf if self.per_minute is None else self.per_minute * self.headroom

    @property
    def rate(self) -> float:
        """The rate in force now, in requests per ``window``."""
        return self._rate

    @property
    def span(self) -> float:
        """The server's window as learned: ``window``, or a shorter one a seek found."""
        return self._span

    @property
    def epoch(self) -> int:
        """Changes at every cut; a start reserved in an earlier epoch is void."""
        return self._epoch

    def _interval(self) -> float:
        return self.window / self._rate

    def _lengthened(self) -> float:
        """The hold for the latest of the 429s in a row: ``window / 64``, doubling with each."""
        if self._refusals == 0:
            return 0.0
        return self.window / 64 * 2.0 ** min(self._refusals - 1, 16)

    def reserve(self) -> float:
        """Claim the next start; returns how many seconds to wait before sending.

        Read :attr:`epoch` before reserving: if it has changed by the time the wait is
        over, the start is void and must be reserved again.
        """
        with self._lock:
            now = self.clock()
            return self._claim(now) - now

    def claim(self) -> float:
        """Claim the next start, as :meth:`reserve` does; returns when it is, on :attr:`clock`.

        Report the request's outcome with exactly this time as ``started``.
        """
        with self._lock:
            return self._claim(self.clock())

    def _claim(self, now: float) -> float:
        """The next start from ``now``, claimed."""
        start = max(now, self._hold)
        if self._span < self.window:
            start = self._room(max(start, self._starts[-1] if self._starts else start))
        else:
            start = max(start, self._next)
            # In a run of 429s, one request at a time: each is refused or let in alone.
            self._next = start + max(self._interval(), self._lengthened())
        self._busy(now, start)
        self._last = max(self._last, start)
        bisect.insort(self._starts, start)
        _forget(self._starts, now - 2 * self.window)
        return start

    def _room(self, start: float) -> float:
        """The first time from ``start`` at which the learned span has room for one more.

        While the span is known only roughly, one start at a time goes earlier, as a trial
        of a span halfway (geometrically) between what was refused and what was let in.
        """
        allowed = max(1, math.floor(self._rate * self._span / self.window + 1e-9))
        if len(self._starts) < allowed:
            return start
        replaced = self._starts[-allowed]
        room = max(start, replaced + self._span)
        if self._trial is None and self._high > 1.1 * self._low:
            gap = math.sqrt(self._low * self._high) if self._low > 0 else self._high / 2
            trial = max(start, replaced + gap)
            if trial - replaced < 0.95 * self._high:  # what it tries, if it is let in
                self._trial, self._trial_gap = trial, trial - replaced
                return trial
        return room

    def _is_trial(self, started: float) -> bool:
        """Whether ``started`` is the trial start (as :meth:`claim` gave it, give or take rounding)."""
        if self._trial is None:
            return False
        return abs(started - self._trial) <= 1e-9 * max(1.0, abs(self._trial))

    def _learn_span(self, found: float, now: float) -> None:
        """The server let a request in ``found`` seconds after the one it replaced: pace to it."""
        self._high = found
        self._span = min(self.window, max(found / self.headroom, 1e-3))
        learned = self._seek_count * self.window / self._span
        if self._span == self.window:  # no shorter window found: pace evenly under it
            learned *= self.headroom
            self._high = self._low = 0.0
        self._rate = min(self.ceiling, max(self._rate, learned))
        self._reschedule(now)

    def expect(self, seconds: float) -> None:
        """A request will ask for a start again in ``seconds`` (a retry's wait).

        Until then the client counts as busy: a retry's backoff is not a pause.
        """
        with self._lock:
            now = self.clock()
            self._busy(now, now + seconds)

    def _busy(self, now: float, until: float) -> None:
        """The client wants to send from ``now`` to ``until``; after a pause, a spell begins."""
        if now - self._busy_until > self.idle * self.window:
            self._busy_since = now
        self._busy_until = max(self._busy_until, until)

    def succeeded(self, started: float) -> None:
        """A request sent at ``started`` (this limiter's clock) was answered.

        The rate grows back by one step; the first answer to a request sent while the
        server's window is sought says how long that window is.
        """
        with self._lock:
            now = self.clock()
            if self._refusals:  # the run of 429s is over: back to the pace
                self._refusals = 0
                self._next = min(self._next, self._last + self._interval())
            self._failing = False
            windows = (now - self._last_cut) / self.window
            step = self.recover if windows > 32 else min(self.recover, self.probe * 2**windows)
            self._rate = min(self.ceiling, self._rate + step)
            bisect.insort(self._answered, started)
            _forget(self._answered, now - 2 * self.window)
            if self._is_trial(started):
                self._trial = None
                self._learn_span(self._trial_gap, now)
            elif self._seek_from is not None and started >= self._last_cut:
                # Let in again: the spell's first request has left the server's window.
                # As many fit in every span as in the first; the margin is in its length.
                found, self._seek_from = started - self._seek_from, None
                self._learn_span(found, now)

    def failed(self, started: float) -> None:
        """A request sent at ``started`` failed (5xx, timeout, dropped): no answer to learn from."""
        with self._lock:
            if self._is_trial(started):
                self._trial = None
            self._failing = True
            bisect.insort(self._failed, started)
            _forget(self._failed, self.clock() - 2 * self.window)

    def rate_limited(self, retry_after: float | None = None, *, started: float) -> None:
        """The server answered 429 to a request sent at ``started``: slow down, and hold.

        A request sent before the last cut belongs to the burst that caused it, and is
        ignored. Otherwise the rate is cut (if the window before teaches the limit), and
        nothing starts before ``retry_after`` seconds from now, or longer.
        """
        with self._lock:
            now = self.clock()
            self._unstart(started)
            if self._is_trial(started):  # the span tried was too short: nothing else is
                self._low, self._trial = self._trial_gap, None
                return
            if started < self._last_cut:
                return
            self._refusals += 1
            whole = started - self._busy_since >= self.window
            # A sliding window forgets a request sent exactly a window before; a spell
            # counts from its very first.
            since = math.nextafter(started - self.window, math.inf) if whole else self._busy_since
            counted = self._between(self._starts, since, started)
            answered = (
                self._between(self._answered, since, started) > 0
                and not self._failing
                and self._between(self._failed, since, started) <= self.failing * counted
            )
            lowest = 1.0 if self.per_minute is None else self.per_minute * self.floor_share
            hold = now + self._lengthened()
            if self._seek_from is not None:
                # Still too early: the server's window is longer. Look further.
                self._low = max(self._low, started - self._seek_from)
                self._seek_gap *= self.widen
                hold = max(hold, self._seek_from + self._sought())
            elif answered:
                self._rate = max(lowest, min(self._rate * self.headroom, counted * self.headroom))
                if not whole:
                    first = self._starts[bisect.bisect_left(self._starts, since)]
                    self._seek_from, self._seek_count = first, counted
                    self._low, self._high = started - first, 0.0
                    self._seek_gap = self.widen * max(started - first, self.window / 32)
                    hold = max(hold, first + self._sought())
            if retry_after is not None and retry_after > 0:
                hold = max(hold, now + min(retry_after, self.window))
            self._hold = max(self._hold, min(hold, now + self.window))
            self._last_cut = now
            self._reschedule(now)

    def _sought(self) -> float:
        """How far after the spell's first request the next may start while seeking.

        Never further than a window, and a margin: a window's own length may just miss.
        """
        return min(self._seek_gap, self.window / self.headroom)

    def _reschedule(self, now: float) -> None:
        """Void every start handed out for later than ``now``: restart the schedule from here."""
        self._epoch += 1
        del self._starts[bisect.bisect_right(self._starts, now) :]
        self._next = now + self._interval()
        if self._trial is not None and self._trial > now:
            self._trial = None

    def _unstart(self, started: float) -> None:
        """Forget the start nearest ``started``: the server refused it, so did not count it."""
        if not self._starts:
            return
        at = bisect.bisect_left(self._starts, started)
        if at == len(self._starts) or (
            at > 0 and started - self._starts[at - 1] <= self._starts[at] - started
        ):
            at -= 1
        del self._starts[at]

    @staticmethod
    def _between(times: list[float], since: float, until: float) -> int:
        """How many of the sorted ``times`` fall in ``[since, until)``."""
        return bisect.bisect_left(times, until) - bisect.bisect_left(times, since)
