"""The retry policy's decisions, on the SDK's own error type."""

from __future__ import annotations

import httpx
import pytest
from cohere.core.api_error import ApiError

from cohere_medner.errors import (
    AuthenticationError,
    CohereApiError,
    ForbiddenError,
    InvalidRequestError,
    ModelNotFoundError,
    RetriesExhaustedError,
)
from cohere_medner.models.retrying import final_error, is_retryable, retry_after, server_message


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


def test_server_message_falls_back_to_the_body() -> None:
    assert server_message(ApiError(status_code=502, body="<html>bad gateway</html>")) == (
        "<html>bad gateway</html>"
    )
    assert server_message(ApiError(status_code=500, body=None)) == "(no message)"
