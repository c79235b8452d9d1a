"""What the client is retrying, said once per episode: "server unreachable at URL, retrying ...".

Retries are silent by design, but a run that waits minutes on an unreachable server, a rate
limit or a failing one must say so. :class:`RetryStatus` says one line when retries of a
kind begin, and nothing more until that kind has been quiet for :data:`QUIET` seconds: a
thousand requests meeting the same outage make one line, not a thousand.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Final

import attrs
import httpx
from cohere.core.api_error import ApiError

from cohere_medner.models.refusals import is_unreachable

__all__ = ["QUIET", "RetryStatus", "duration", "log_status", "retry_reason"]

QUIET: Final = 60.0
"""Seconds without a retry of a kind that end its episode: the next one is said again."""

_logger = logging.getLogger("cohere_medner")


def log_status(message: str) -> None:
    """Say ``message`` as a warning of the ``cohere_medner`` logger (stderr, unless configured)."""
    _logger.warning(message)


def duration(seconds: float) -> str:
    """``seconds`` as a person reads it: ``"5 s"``, ``"90 s"``, ``"5 min"``, ``"2.5 min"``."""
    if seconds < 120:
        return f"{seconds:.3g} s"
    return f"{round(seconds / 60, 1):g} min"


def retry_reason(error: BaseException | None, server: str, timeout: float) -> tuple[str, str]:
    """The kind of a failure being retried, and what it says of ``server``."""
    if is_unreachable(error):
        return "unreachable", f"server unreachable at {server}"
    if isinstance(error, httpx.TimeoutException):
        return "timeout", f"no complete answer from {server} within {duration(timeout)}"
    if isinstance(error, httpx.TransportError):
        return "dropped", f"connections to {server} dropped"
    if isinstance(error, ApiError):
        status = error.status_code or 0
        if status == 429:
            return "rate_limited", f"rate limited by {server} (429)"
        if 200 <= status < 300:
            return "malformed", f"unreadable answers from {server}"
        return "server_error", f"server errors from {server} ({status})"
    return "other", f"{type(error).__name__} from {server}"


@attrs.define
class RetryStatus:
    """Says what is retried, for how long, once per episode of each kind of failure.

    ``say`` is given each line (the CLI prints it on stderr; by default
    :func:`log_status`); ``clock`` times the episodes.
    """

    server: str
    timeout: float
    say: Callable[[str], None] = log_status
    clock: Callable[[], float] = time.monotonic
    quiet: float = QUIET
    _last: dict[str, float] = attrs.field(init=False, factory=dict)
    _lock: threading.Lock = attrs.field(init=False, factory=threading.Lock, repr=False)

    def retrying(self, error: BaseException | None, budget: float) -> None:
        """A request will be retried after ``error``, for at most ``budget`` seconds in all."""
        kind, what = retry_reason(error, self.server, self.timeout)
        now = self.clock()
        with self._lock:
            last = self._last.get(kind)
            self._last[kind] = now
        if last is None or now - last > self.quiet:
            self.say(f"{what}, retrying for up to {duration(budget)}")
