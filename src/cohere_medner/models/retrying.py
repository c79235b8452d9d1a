"""The one retry policy for every request to Cohere: what to retry, how long to wait, and
which of the library's errors a failure becomes.

429, 5xx (and 408/409), bodies the SDK could not read, timeouts and dropped connections are
retried, honouring ``Retry-After`` (or ``retry-after-ms``) when the server sends it, else
with exponential backoff and jitter; 400, 401, 403, 404 and 422 fail at once with the
server's message. The chat client, fine-tuning and batches all use these functions.

A server's Retry-After is read in every form HTTP allows (seconds, an HTTP date) and
``retry-after-ms``; garbage is no Retry-After at all. Its wait is floored by a minimum
backoff that doubles with each attempt (``0`` or ``-5`` would otherwise retry at once,
again and again); its cap is the caller's (the retry budget, the rate limiter's window).
"""

from __future__ import annotations

import datetime
import email.utils
import math
import random
import time
from collections.abc import Mapping

import httpx
from cohere.core.api_error import ApiError
from tenacity import RetryCallState

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
    "is_outage",
    "is_retryable",
    "retry_after",
    "retry_after_headers",
    "retry_wait",
    "server_message",
    "wait_after",
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
    """The wait response headers ask for: ``retry-after-ms`` first, then ``retry-after``.

    ``retry-after`` is seconds or an HTTP date; a date past, or a negative number, asks for
    no wait (``0.0``). Anything unreadable, or endless (``inf``, ``1e400``: it would hold
    every request for good), is no answer: ``None``.
    """
    headers = {k.lower(): v.strip() for k, v in found.items()}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        if name not in headers:
            continue
        seconds = _seconds(headers[name])
        if seconds is None and name == "retry-after":
            seconds = _until_date(headers[name])
        if seconds is not None and math.isfinite(seconds * scale):
            return max(0.0, seconds * scale)
    return None


def _seconds(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _until_date(value: str) -> float | None:
    """Seconds from now until an HTTP date (``Wed, 21 Oct 2015 07:28:00 GMT``), if it is one."""
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT; one without a zone is read as such
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when.timestamp() - time.time()


def is_outage(error: BaseException) -> bool:
    """True for failures that say the server is down: 5xx, timeouts, refused or dropped connections.

    What the client's circuit counts: a 429, a 4xx or an unreadable body all came from a
    server that is up.
    """
    if isinstance(error, ApiError):
        return (error.status_code or 0) >= 500
    return isinstance(error, httpx.TransportError)


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


BACKOFF = 0.5
"""The first retry's wait when the server asks for none: it doubles with each attempt."""
LONGEST_BACKOFF = 20.0
"""No backoff (nor the floor under a Retry-After) grows past this."""
LEAST_WAIT = 0.05
"""The least wait before the first retry, whatever Retry-After says; it doubles with each."""


def wait_after(asked: float | None, attempt: int, *, jitter: float | None = None) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (from 1), the server asking ``asked``.

    A Retry-After is honoured, but never below :data:`LEAST_WAIT` doubled for each attempt
    before (a server saying ``0`` again and again is not retried in a tight loop). Without
    one: exponential backoff from :data:`BACKOFF`, plus up to half a second of ``jitter``
    (random unless given), so that requests refused together do not return together.
    """
    doubled = 2.0 ** min(attempt - 1, 32)
    if asked is not None:
        return max(asked, min(LONGEST_BACKOFF, LEAST_WAIT * doubled))
    spread = random.uniform(0.0, 0.5) if jitter is None else jitter
    return min(LONGEST_BACKOFF, BACKOFF * doubled) + spread


def retry_wait(state: RetryCallState) -> float:
    """Tenacity's wait: ``Retry-After`` when given (floored), else backoff with jitter."""
    error = state.outcome.exception() if state.outcome else None
    return wait_after(retry_after(error) if error else None, state.attempt_number)
