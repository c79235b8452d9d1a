"""The retry policy's decisions, on the SDK's own error type."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest
from cohere.core.api_error import ApiError
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.errors import (
    AuthenticationError,
    CohereApiError,
    ForbiddenError,
    InvalidRequestError,
    ModelNotFoundError,
    RetriesExhaustedError,
)
from cohere_medner.models.retrying import (
    LEAST_WAIT,
    LONGEST_BACKOFF,
    final_error,
    is_outage,
    is_retryable,
    retry_after,
    retry_after_headers,
    server_message,
    wait_after,
)


@pytest.mark.parametrize(
    ("status", "retried"),
    [(429, True), (500, True), (503, True), (408, True), (200, True), (400, False),
     (401, False), (403, False), (404, False), (422, False)],
)  # fmt: skip
def test_which_statuses_are_retried(status: int, retried: bool) -> None:
    assert is_retryable(ApiError(status_code=status, body={"message": "x"})) is retried


def test_network_failures_are_retried_and_bugs_are_not() -> None:
    assert is_retryable(httpx.ReadTimeout("slow"))
    assert is_retryable(httpx.RemoteProtocolError("dropped"))
    assert not is_retryable(ValueError("a bug"))


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AuthenticationError), (403, ForbiddenError), (404, ModelNotFoundError),
     (400, InvalidRequestError), (402, CohereApiError), (503, RetriesExhaustedError)],
)  # fmt: skip
def test_final_errors_carry_the_servers_message(status: int, error: type[Exception]) -> None:
    found = final_error(ApiError(status_code=status, body={"message": "the reason"}))
    assert type(found) is error and "the reason" in str(found) and found.status == status


def test_retry_after_in_seconds_or_milliseconds() -> None:
    assert retry_after(ApiError(status_code=429, headers={"Retry-After": "2"})) == 2.0
    assert retry_after(ApiError(status_code=429, headers={"retry-after-ms": "250"})) == 0.25
    assert retry_after(ApiError(status_code=429, headers={"Retry-After": "soon"})) is None
    assert retry_after(ValueError()) is None
    for endless in ("inf", "1e400", "nan"):  # would hold every request for good
        assert retry_after(ApiError(status_code=429, headers={"Retry-After": endless})) is None


def test_which_failures_say_the_server_is_down() -> None:
    assert is_outage(ApiError(status_code=503, body=None))
    assert is_outage(ApiError(status_code=500, body=None))
    assert is_outage(httpx.ConnectError("refused")) and is_outage(httpx.ReadTimeout("slow"))
    for up in (429, 400, 404, 200):  # answers, if not the ones hoped for
        assert not is_outage(ApiError(status_code=up, body=None))
    assert not is_outage(ValueError("a bug"))


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("1000000000", 1e9),  # read as asked: the callers cap it
        ("0", 0.0),
        ("-5", 0.0),
        (" 7 ", 7.0),
        ("2.5", 2.5),
        ("soon", None),
        ("", None),
        ("nan", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # long past
    ],
)
def test_retry_after_in_every_form(value: str, seconds: float | None) -> None:
    assert retry_after_headers({"Retry-After": value}) == seconds


@pytest.mark.parametrize("zone", ["GMT", "-0000"])
def test_retry_after_as_an_http_date(zone: str) -> None:
    date = email.utils.formatdate(time.time() + 30, usegmt=True).replace("GMT", zone)
    assert retry_after_headers({"retry-after": date}) == pytest.approx(30.0, abs=1.5)


def test_milliseconds_come_first_and_garbage_in_them_falls_back() -> None:
    both = {"Retry-After": "3", "retry-after-ms": "250"}
    assert retry_after_headers(both) == 0.25
    assert retry_after_headers({"Retry-After": "3", "retry-after-ms": "x"}) == 3.0


@given(st.none() | st.floats(-1e12, 1e12), st.integers(1, 40), st.floats(0.0, 0.5))
def test_every_wait_is_at_least_the_least_backoff(
    asked: float | None, attempt: int, jitter: float
) -> None:
    """Retry-After 0 or -5 retried at once: 1,241 requests in 20 s for 3 documents."""
    wait = wait_after(asked, attempt, jitter=jitter)
    least = min(LONGEST_BACKOFF, LEAST_WAIT * 2 ** (attempt - 1))
    assert wait >= least
    if asked is not None:
        assert wait == max(asked, least)  # a longer Retry-After is honoured as asked
    else:
        assert wait == pytest.approx(min(LONGEST_BACKOFF, 0.5 * 2 ** (attempt - 1)) + jitter)


def test_server_message_falls_back_to_the_body() -> None:
    assert server_message(ApiError(status_code=502, body="<html>bad gateway</html>")) == (
        "<html>bad gateway</html>"
    )
    assert server_message(ApiError(status_code=500, body=None)) == "(no message)"
