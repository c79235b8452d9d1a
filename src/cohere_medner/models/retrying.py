"""The one retry policy for every request to Cohere: what to retry, how long to wait, and
which of the library's errors a failure becomes.

429, 5xx (and 408/409), bodies the SDK could not read, timeouts and dropped connections are
retried, honouring ``Retry-After`` (or ``retry-after-ms``) when the server sends it, else
with exponential backoff and jitter; 400, 401, 403, 404 and 422 fail at once with the
server's message. The chat client, fine-tuning and batches all use these functions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import httpx
from cohere.core.api_error import ApiError
from tenacity import RetryCallState, wait_exponential, wait_random

from cohere_medner.errors import (
    AuthenticationError,
    CohereApiError,
    ForbiddenError,
    InvalidRequestError,
    ModelNotFoundError,
    RetriesExhaustedError,
)

__all__ = [
    "final_error",
    "is_retryable",
    "retry_after",
    "retry_after_headers",
    "retry_wait",
    "server_message",
]


def server_message(error: ApiError) -> str:
    """The message in an error answer's body (Cohere's ``message``), or the body itself."""
    body = error.body
    if isinstance(body, Mapping):
        for key in ("message", "detail", "error"):
            if body.get(key):
                return str(body[key])
    return str(body) if body else "(no message)"


def retry_after(error: BaseException) -> float | None:
    """Seconds the server asked to wait before retrying, if it said."""
    if not isinstance(error, ApiError) or not error.headers:
        return None
    return retry_after_headers(error.headers)


def retry_after_headers(found: Mapping[str, str]) -> float | None:
    """The wait response headers ask for: ``retry-after-ms`` first, then ``retry-after``."""
    headers = {k.lower(): v for k, v in found.items()}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            seconds = float(headers[name]) * scale
        except (KeyError, ValueError):
            continue
        if math.isfinite(seconds):  # "inf" or "1e400" would hold every request for good
            return max(0.0, seconds)
    return None


def is_retryable(error: BaseException) -> bool:
    """True for failures that another attempt may fix."""
    if isinstance(error, ApiError):
        status = error.status_code or 0
        # A 2xx status reaching here means a body the SDK could not read: malformed.
        return status == 429 or status >= 500 or status in (408, 409) or 200 <= status < 300
    return isinstance(error, httpx.TransportError)  # timeouts and dropped connections


def final_error(error: BaseException) -> CohereApiError:
    """The library's error for a failure that will not be retried (any more)."""
    if isinstance(error, ApiError):
        status, message = error.status_code, server_message(error)
        if status == 401:
            return AuthenticationError(
                f"the API key was refused: check CO_API_KEY (the server said: {message})", status
            )
        if status == 403:
            return ForbiddenError(
                f"{message} (the API key may not do this: check CO_API_KEY)", status
            )
        if status == 404:
            return ModelNotFoundError(message, status)
        if status in (400, 422):
            return InvalidRequestError(message, status)
        if status is not None and 400 <= status < 500 and not is_retryable(error):
            return CohereApiError(message, status)
        return RetriesExhaustedError(f"gave up retrying: {message}", status)
    return RetriesExhaustedError(f"gave up retrying: {type(error).__name__}: {error}")


_backoff = wait_exponential(multiplier=0.5, max=20.0) + wait_random(0.0, 0.5)


def retry_wait(state: RetryCallState) -> float:
    """Tenacity's wait: ``Retry-After`` when given, else backoff with jitter."""
    error = state.outcome.exception() if state.outcome else None
    asked = retry_after(error) if error else None
    if asked is not None:
        return asked
    return float(_backoff(state))
