from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.errors import ConfigurationError
from cohere_medner.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def limiter(per_minute: float = 60.0, window: float = 60.0) -> tuple[RateLimiter, Clock]:
    clock = Clock()
    return RateLimiter(per_minute, window, clock=clock), clock


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


def test_429_cuts_the_rate_once_per_burst_then_it_recovers() -> None:
    rate, clock = limiter(600)
    full = rate.rate
    rate.rate_limited()
    rate.rate_limited()  # the same burst: in flight before the first cut was felt
    assert rate.rate == pytest.approx(full * 0.75)
    clock.now += 10
    rate.rate_limited()
    assert rate.rate == pytest.approx(full * 0.75 * 0.75)
    for _ in range(200):
        rate.succeeded()
    assert rate.rate == pytest.approx(full)


def test_retry_after_holds_every_request_back() -> None:
    rate, _ = limiter(6000)
    rate.rate_limited(retry_after=2.0)
    assert rate.reserve() >= 2.0


def test_rate_never_falls_below_its_floor() -> None:
    rate, clock = limiter(100)
    for _ in range(100):
        clock.now += 100
        rate.rate_limited()
    assert rate.rate == pytest.approx(5.0)


@pytest.mark.parametrize(("per_minute", "window"), [(0, 60.0), (-1, 60.0), (10, 0.0)])
def test_bad_settings(per_minute: float, window: float) -> None:
    with pytest.raises(ConfigurationError):
        RateLimiter(per_minute, window)
