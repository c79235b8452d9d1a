from __future__ import annotations

import heapq
import itertools
import math
from collections import deque
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clocks import Clock
from cohere_medner.errors import ConfigurationError
from cohere_medner.models.ratelimit import RateLimiter


def limiter(per_minute: float | None = 60.0, window: float = 60.0) -> tuple[RateLimiter, Clock]:
    clock = Clock()
    return RateLimiter(per_minute, window, clock=clock), clock


def send(rate: RateLimiter, clock: Clock, seconds: float) -> list[float]:
    """Send one request after another for ``seconds``, each answered at once; their starts."""
    starts: list[float] = []
    end = clock.now + seconds
    while True:
        wait = rate.reserve()
        if clock.now + wait >= end:
            clock.now = end
            return starts
        clock.now += wait
        starts.append(clock.now)
        rate.succeeded(clock.now)


@given(st.integers(1, 10_000), st.integers(1, 300))
def test_slots_never_exceed_the_limit_in_any_window(per_minute: int, requests: int) -> None:
    rate, clock = limiter(per_minute)
    starts = [clock.now + rate.reserve() for _ in range(requests)]
    for i, start in enumerate(starts):
        in_window = sum(1 for s in starts[i:] if s < start + 60.0)
        assert in_window <= per_minute


def test_even_spacing_uses_most_of_the_limit() -> None:
    rate, _ = limiter(600, 60.0)
    delays = [rate.reserve() for _ in range(100)]
    assert delays[0] == 0.0
    assert delays[99] == pytest.approx(99 * 60 / (600 * 0.97))


def test_a_429_cuts_to_what_got_through() -> None:
    # Configured at 600 a minute, the server allows 400: the 401st request finds 400 answered.
    rate, clock = limiter(600)
    starts = send(rate, clock, 41.2)
    assert len(starts) == 400
    rate.rate_limited(started=clock.now + rate.reserve())
    assert rate.rate == pytest.approx(0.97 * 400)


@pytest.mark.parametrize(("running", "after"), [(0.0, 0.5 * 485), (61.0, 0.97 * 20)])
def test_the_count_is_trusted_once_a_window_has_passed(running: float, after: float) -> None:
    # A trial key (20 a minute) configured as a production one (500): 20 get through.
    # In the first window the server may still count an earlier run's requests.
    rate, clock = limiter(500)
    clock.now += rate.reserve() + running
    for i in range(20):
        rate.succeeded(started=clock.now - i)
    rate.rate_limited(started=clock.now)
    assert rate.rate == pytest.approx(after)


@given(
    answered=st.integers(0, 2000),
    per_minute=st.integers(1, 1000),
    spent=st.floats(0.0, 1.0),
    settled=st.booleans(),
)
def test_one_cut_stays_within_its_bounds(
    answered: int, per_minute: int, spent: float, settled: bool
) -> None:
    rate, clock = limiter(per_minute)
    if settled:
        clock.now += rate.reserve() + 60.0
    for i in range(answered):
        rate.succeeded(started=clock.now - spent * 60.0 * i / max(answered, 1))
    before = rate.rate
    rate.rate_limited(started=clock.now)
    learned = 0.97 * answered
    lowest = 0.01 * per_minute if settled else max(0.01 * per_minute, 0.5 * before)
    assert rate.rate == pytest.approx(max(lowest, min(0.97 * before, learned)))
    assert lowest <= rate.rate <= 0.97 * before


@given(st.lists(st.floats(-60.0, 0.0), min_size=1, max_size=50), st.floats(0.0, 5.0))
def test_a_burst_of_429s_cuts_once(earlier: list[float], retry_after: float) -> None:
    """429s for requests sent before the cut are the burst that caused it: they say nothing."""
    rate, clock = limiter(600)
    send(rate, clock, 60.0)
    rate.rate_limited(retry_after, started=clock.now)
    cut, epoch = rate.rate, rate.epoch
    hold = rate.reserve()
    clock.now += 0.5
    for offset in earlier:
        rate.rate_limited(30.0, started=clock.now - 0.5 + offset - 1e-9)
    assert rate.rate == cut and rate.epoch == epoch
    assert rate.reserve() <= max(hold, 60 / cut) + 60 / cut


def test_without_send_times_a_burst_is_one_interval() -> None:
    rate, clock = limiter(600)
    full = rate.rate
    rate.rate_limited()
    rate.rate_limited()  # the same burst: in flight before the first cut was felt
    assert rate.rate == pytest.approx(full * 0.5)  # nothing was answered: the deepest cut
    clock.now += 10
    rate.rate_limited()
    assert rate.rate == pytest.approx(full * 0.25)


def test_after_a_cut_the_rate_creeps_then_climbs_back() -> None:
    rate, clock = limiter(600)
    send(rate, clock, 31.0)  # about 300 answered
    rate.rate_limited(started=clock.now)
    cut = rate.rate
    assert cut == pytest.approx(0.97 * 300, rel=0.01)
    send(rate, clock, 60.0)
    # Just under a limit just learned: about half a percent in the first window ...
    assert cut < rate.rate < cut * 1.01
    send(rate, clock, 240.0)
    # ... doubling with each window without a 429: about a quarter over the next four ...
    assert cut * 1.15 < rate.rate < cut * 1.3
    # ... and long after the last 429, back to the configured rate, never beyond.
    send(rate, clock, 600.0)
    assert rate.rate == pytest.approx(rate.ceiling)
    send(rate, clock, 60.0)
    assert rate.rate == pytest.approx(rate.ceiling)


def test_retry_after_holds_every_request_back() -> None:
    rate, clock = limiter(6000)
    waiting = [rate.reserve() for _ in range(5)]  # already given starts
    epoch = rate.epoch
    rate.rate_limited(retry_after=2.0, started=clock.now)
    assert rate.epoch != epoch  # so those starts are void, and reserved again
    assert waiting[-1] < 2.0 <= rate.reserve()


def test_rate_never_falls_below_its_floor() -> None:
    rate, clock = limiter(100)
    for _ in range(100):
        clock.now += 100
        rate.rate_limited(started=clock.now)
    assert rate.rate == pytest.approx(1.0)


# Without a configured limit ------------------------------------------------------------------


def answered_at(rate: RateLimiter, clock: Clock, per_second: float, seconds: float) -> None:
    """Requests started and answered at ``per_second`` for ``seconds``."""
    for _ in range(round(per_second * seconds)):
        clock.now += 1 / per_second + rate.reserve()
        rate.succeeded(clock.now)


def test_without_a_limit_requests_start_at_once() -> None:
    rate, clock = limiter(None)
    assert rate.rate == rate.ceiling == math.inf
    assert [rate.reserve() for _ in range(1000)] == [0.0] * 1000
    answered_at(rate, clock, 50, 600)
    assert rate.rate == math.inf


@given(st.floats(0.0, 59.0), st.floats(0.1, 30.0))
def test_without_a_limit_a_429_in_the_first_window_only_holds(
    running: float, retry_after: float
) -> None:
    # The server may still count an earlier run's requests: nothing to learn a rate from.
    rate, clock = limiter(None)
    rate.reserve()
    answered_at(rate, clock, 10, running)
    epoch = rate.epoch
    rate.rate_limited(retry_after, started=clock.now)
    assert rate.rate == math.inf and rate.epoch != epoch
    assert rate.reserve() == pytest.approx(retry_after)


@given(st.floats(0.5, 50.0), st.floats(61.0, 600.0))
def test_without_a_limit_a_later_429_learns_what_got_through(
    per_second: float, running: float
) -> None:
    rate, clock = limiter(None)
    answered_at(rate, clock, per_second, running)
    rate.rate_limited(started=clock.now)
    # What the last minute answered, give or take the one on its edge.
    assert rate.rate == pytest.approx(max(1.0, 0.97 * per_second * 60), abs=1.0)
    assert rate.reserve() == pytest.approx(60 / rate.rate)


def test_a_learned_rate_has_no_ceiling_and_nothing_learns_one_a_window() -> None:
    rate, clock = limiter(None)
    answered_at(rate, clock, 5, 120)
    rate.rate_limited(started=clock.now)
    learned = rate.rate
    answered_at(rate, clock, 20, 1200)  # long after the last 429: it probes up, unbounded
    assert rate.rate > 2 * learned
    for _ in range(61):  # a whole busy window, every request refused
        clock.now += 1 + rate.reserve()
    rate.rate_limited(started=clock.now)
    assert rate.rate == 1.0


@pytest.mark.parametrize("per_minute", [None, 500.0])
def test_a_429_after_a_pause_does_not_learn_from_the_pause(per_minute: float | None) -> None:
    # A notebook: a few requests minutes apart, then one refused (a shared key, a busy
    # server). Two answers in the last minute say nothing about the limit.
    rate, clock = limiter(per_minute)
    for _ in range(3):
        clock.now += 150 + rate.reserve()
        rate.succeeded(clock.now)
    before = rate.rate
    clock.now += 30 + rate.reserve()
    rate.rate_limited(10.0, started=clock.now)
    assert rate.rate == (math.inf if per_minute is None else pytest.approx(0.5 * before))
    assert rate.reserve() == pytest.approx(10.0)  # the hold is kept all the same


def test_a_hold_is_not_a_pause() -> None:
    # Busy for a minute through a Retry-After of 20 s: the count is trusted.
    rate, clock = limiter(None)
    answered_at(rate, clock, 10, 30)
    rate.rate_limited(20.0, started=clock.now)
    assert rate.rate == math.inf  # half a minute of history: only held
    answered_at(rate, clock, 10, 40)  # the first of these waits out the hold
    rate.rate_limited(started=clock.now)
    assert rate.rate == pytest.approx(0.97 * 10 * 40, abs=1.0)


@pytest.mark.parametrize("per_minute", [None, 600.0])
def test_answers_still_on_their_way_at_a_cut_got_through_too(per_minute: float | None) -> None:
    # Eight requests were at the server when the ninth was refused: the server counted
    # them, the cut could not (no answer yet), and the learned rate was that much too low.
    rate, clock = limiter(per_minute)
    answered_at(rate, clock, 1, 70)
    on_their_way = [clock.now - 0.1 * k for k in range(1, 9)]
    rate.rate_limited(started=clock.now)
    cut = rate.rate
    assert cut == pytest.approx(0.97 * 60, abs=1.0)
    for started in on_their_way:
        rate.succeeded(started)
    assert rate.rate == pytest.approx(cut + 0.97 * 8)
    rate.succeeded(clock.now - 100)  # from before the counted window: only a probe step
    assert rate.rate == pytest.approx(cut + 0.97 * 8 + 0.005)


def test_a_retry_s_backoff_is_not_a_pause() -> None:
    # 429s without Retry-After: every request sleeps in backoff for longer than a pause,
    # yet the client never stopped wanting to send; after a busy window it learns.
    rate, clock = limiter(None)
    answered_at(rate, clock, 10, 30)
    rate.rate_limited(started=clock.now)
    rate.expect(8.0)
    clock.now += 8.0
    answered_at(rate, clock, 10, 32)
    rate.rate_limited(started=clock.now)
    assert rate.rate == pytest.approx(0.97 * 10 * 52, abs=1.0)


def test_answers_are_forgotten_once_no_count_can_need_them() -> None:
    rate, clock = limiter(None)
    answered_at(rate, clock, 100, 3600)
    # Two windows' worth (and the one just answered) are all that is kept.
    assert len(rate._answered) <= 2 * 60 * 100 + 1


@settings(max_examples=60)
@given(
    per_minute=st.none() | st.integers(2, 200),
    workers=st.integers(1, 12),
    latency=st.floats(0.01, 5.0),
    outcomes=st.lists(st.tuples(st.booleans(), st.floats(0.0, 10.0)), min_size=1, max_size=300),
)
def test_starts_used_respect_the_limit_and_every_hold(
    per_minute: int | None, workers: int, latency: float, outcomes: list[tuple[bool, float]]
) -> None:
    """Concurrent requests as the client sends them, whatever the server answers.

    Each worker reads the epoch, reserves, waits, and reserves again if the epoch moved;
    each answer is a success or a 429 with a Retry-After. The starts actually used never
    exceed the limit in any window, and none precedes a hold set before it; without a
    limit, holds are kept all the same.
    """
    rate, clock = limiter(per_minute)
    events: list[tuple[float, int, str, int, float]] = []  # (time, order, kind, epoch, start)
    order = 0

    def reserve() -> None:
        nonlocal order
        epoch = rate.epoch
        heapq.heappush(events, (clock.now + rate.reserve(), order, "wake", epoch, 0.0))
        order += 1

    for _ in range(workers):
        reserve()
    starts: list[float] = []
    holds: list[tuple[float, float]] = []
    answers = iter(outcomes)
    while events:
        clock.now, _, kind, epoch, start = heapq.heappop(events)
        if kind == "wake":
            if rate.epoch != epoch:
                reserve()
                continue
            starts.append(clock.now)
            heapq.heappush(events, (clock.now + latency, order, "answer", 0, clock.now))
            order += 1
            continue
        answer = next(answers, None)
        if answer is None:
            continue
        ok, retry_after = answer
        if ok:
            rate.succeeded(start)
        else:
            before = rate.epoch
            rate.rate_limited(retry_after, started=start)
            if rate.epoch != before:
                holds.append((clock.now, clock.now + retry_after))
        reserve()
    for i, first in enumerate(starts):
        if per_minute is not None:
            assert sum(1 for s in starts[i:] if s < first + 60.0) <= per_minute
    for set_at, until in holds:
        assert not any(set_at < s < until for s in starts)


# A client's requests against a rate-limited server ------------------------------------------


def through_a_limited_server(
    per_minute: float | None, latency: float, requests: int = 40
) -> tuple[RateLimiter, int]:
    """``requests`` sent as the client sends them to a key allowed 10 a second; the 429s met.

    Eight at a time (the client's concurrency), each reads the epoch, reserves, waits, and
    reserves again if the epoch moved. The server counts admissions in a sliding second:
    it answers an admitted request after ``latency``, and refuses another at once (a
    millisecond's round trip) with a Retry-After until its oldest admission expires. The
    client tells the limiter, waits that long outside its concurrency slot, and retries.
    """
    clock = Clock()
    rate = RateLimiter(per_minute, 1.0, clock=clock)
    events: list[tuple[float, int, Callable[[], None]]] = []
    order = itertools.count()
    admitted: deque[float] = deque()
    queued, free, answered, throttled = requests, 8, 0, 0

    def at(when: float, action: Callable[[], None]) -> None:
        heapq.heappush(events, (when, next(order), action))

    def take_slots() -> None:
        nonlocal queued, free
        while free and queued:
            free, queued = free - 1, queued - 1
            reserve()

    def reserve() -> None:
        epoch = rate.epoch
        at(clock.now + rate.reserve(), lambda: send() if rate.epoch == epoch else reserve())

    def send() -> None:
        started = clock.now
        while admitted and admitted[0] <= started - 1.0:
            admitted.popleft()
        if len(admitted) < 10:
            admitted.append(started)
            at(started + latency, lambda: answer(started))
        else:
            wait = admitted[0] + 1.0 - started
            at(started + 0.001, lambda: refuse(started, wait))

    def answer(started: float) -> None:
        nonlocal free, answered
        rate.succeeded(started)
        free, answered = free + 1, answered + 1
        take_slots()

    def refuse(started: float, wait: float) -> None:
        nonlocal free, throttled
        rate.rate_limited(wait, started=started)
        free, throttled = free + 1, throttled + 1
        rate.expect(wait)
        at(clock.now + wait, retry)
        take_slots()

    def retry() -> None:
        nonlocal queued
        queued += 1
        take_slots()

    take_slots()
    while events:
        clock.now, _, action = heapq.heappop(events)
        action()
    assert answered == requests
    return rate, throttled


@pytest.mark.parametrize("latency", [0.005, 0.02, 0.1])
def test_without_a_limit_a_client_learns_it_from_a_handful_of_429s(latency: float) -> None:
    # Sending as fast as 8 in flight allow, each refused request waiting out its own
    # Retry-After, meets 60 429s here; holding everyone on the first and then pacing at
    # what got through meets a handful.
    rate, throttled = through_a_limited_server(None, latency)
    assert throttled < 25
    assert rate.rate < 20


@pytest.mark.parametrize("latency", [0.005, 0.02, 0.1])
def test_a_client_told_twice_the_limit_learns_it_from_one_burst_of_429s(latency: float) -> None:
    rate, throttled = through_a_limited_server(20.0, latency)
    # One burst of 429s (the requests sent before the first came back), not one per window.
    assert throttled < 10
    assert rate.rate < 0.75 * rate.ceiling


@pytest.mark.parametrize(
    ("per_minute", "window", "options"),
    [
        (0, 60.0, {}),
        (-1, 60.0, {}),
        (10, 0.0, {}),
        (float("inf"), 60.0, {}),
        (10, 60.0, {"headroom": 1.5}),
        (10, 60.0, {"deepest_cut": 0.0}),
        (10, 60.0, {"probe": -0.1}),
        (10, 60.0, {"idle": 0.0}),
    ],
)
def test_bad_settings(per_minute: float, window: float, options: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        RateLimiter(per_minute, window, **options)  # type: ignore[arg-type]


def test_the_repr_stays_short_however_many_answers_are_kept() -> None:
    rate, clock = limiter(None)
    answered_at(rate, clock, 100, 60)
    assert len(repr(rate)) < 400
