"""What is being retried is said once per episode, on a clock the test moves."""

from __future__ import annotations

import httpx
import pytest
from cohere.core.api_error import ApiError

from clocks import Clock
from cohere_medner.models.status import QUIET, RetryStatus, duration, retry_reason

SERVER = "http://127.0.0.1:8"


def status(clock: Clock) -> tuple[RetryStatus, list[str]]:
    said: list[str] = []
    return RetryStatus(SERVER, 120.0, said.append, clock), said


@pytest.mark.parametrize(
    ("error", "kind", "words"),
    [
        (httpx.ConnectError("refused"), "unreachable", f"server unreachable at {SERVER}"),
        (httpx.ReadTimeout("slow"), "timeout", "no complete answer from"),
        (httpx.TimeoutException("deadline"), "timeout", "within 2 min"),
        (httpx.RemoteProtocolError("gone"), "dropped", "dropped"),
        (ApiError(status_code=429), "rate_limited", "rate limited by"),
        (ApiError(status_code=503), "server_error", "(503)"),
        (ApiError(status_code=200), "malformed", "unreadable answers"),
    ],
)
def test_each_kind_of_failure_is_named(error: Exception, kind: str, words: str) -> None:
    found, what = retry_reason(error, SERVER, 120.0)
    assert found == kind and words in what and SERVER in what


def test_one_line_per_episode_of_each_kind() -> None:
    clock = Clock()
    retry, said = status(clock)
    for _ in range(100):  # a hundred requests meeting the same outage
        retry.retrying(httpx.ConnectError("refused"), 300.0)
        clock.now += 0.5
    assert said == [f"server unreachable at {SERVER}, retrying for up to 5 min"]
    retry.retrying(ApiError(status_code=429), 300.0)  # another kind: its own line
    assert len(said) == 2 and said[1].startswith("rate limited")
    clock.now += QUIET + 1  # quiet for a while: the episode is over
    retry.retrying(httpx.ConnectError("refused"), 5.0)
    assert said[2] == f"server unreachable at {SERVER}, retrying for up to 5 s"


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(0.5, "0.5 s"), (5.0, "5 s"), (90.0, "90 s"), (300.0, "5 min"), (150.0, "2.5 min")],
)
def test_durations_read_as_a_person_says_them(seconds: float, said: str) -> None:
    assert duration(seconds) == said
