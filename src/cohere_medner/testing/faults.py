"""Faults on demand: a queue, a seeded random plan, outages, and a sliding-window rate limiter.

None of these classes lock: the server calls them while holding its own lock.
"""

from __future__ import annotations

import enum
import hashlib
import json
import math
import random
from collections import deque
from collections.abc import Mapping
from typing import Any, Final, Literal, TypeAlias

import attrs

from cohere_medner.testing.wire import (
    BAD_GATEWAY_HTML,
    GATEWAY_TIMEOUT,
    INTERNAL_ERROR,
    RATE_LIMITED,
    SERVICE_UNAVAILABLE,
    Reply,
    new_id,
)


class Fault(str, enum.Enum):
    """A way for the server to misbehave, as real networks and real APIs do."""

    RATE_LIMITED = "rate_limited"
    """429 with ``Retry-After`` (and ``retry-after-ms``)."""
    SERVER_ERROR = "server_error"
    """500 ``{"message": ...}``."""
    BAD_GATEWAY = "bad_gateway"
    """502 with a load balancer's HTML page, not JSON."""
    SERVICE_UNAVAILABLE = "service_unavailable"
    """503 ``{"message": ...}``."""
    GATEWAY_TIMEOUT = "gateway_timeout"
    """504 ``{"message": ...}``."""
    DISCONNECT = "disconnect"
    """The connection is closed without any response."""
    SLOW = "slow"
    """The answer comes after ``delay`` seconds (longer than the client's timeout)."""
    MALFORMED = "malformed"
    """200 whose body is cut-off, invalid JSON."""
    DRIP = "drip"
    """The right answer, its body one byte every ``delay`` seconds: no read ever times out."""
    HANG = "hang"
    """No answer at all: the request is held until the server stops."""
    # Answers that are not what they seem (:mod:`.flaws`): the right answer, rewritten.
    NO_MESSAGE = "no_message"
    """200 without the answer: ``{"id": ..., "finish_reason": "COMPLETE"}``."""
    OTHER_API = "other_api"
    """200 in the other Cohere API's shape: a v1 generate body on chat, a v2 chat body on generate."""
    ERROR_AS_200 = "error_as_200"
    """200 whose body is a gateway's error, ``{"message": "upstream request timeout"}``."""
    OPENAI_SHAPE = "openai_shape"
    """200 in OpenAI's shape: ``choices[0].message.content``."""
    NULL_CONTENT = "null_content"
    """200 whose ``message.content`` is null (generate: an empty text)."""
    EMPTY_CONTENT = "empty_content"
    """200 whose ``message.content`` is ``[]`` (generate: an empty text)."""
    UNKNOWN_CONTENT = "unknown_content"
    """200 whose content items are of a type no client knows (``{"type": "image", ...}``)."""
    TOOL_CALLS_ONLY = "tool_calls_only"
    """200 with a tool call and no text, ``finish_reason: TOOL_CALL`` (generate: an empty text)."""
    TRUNCATED = "truncated"
    """200 with the first half of the answer's words and ``finish_reason: MAX_TOKENS``."""
    OVERSIZED = "oversized"
    """200 whose text runs to ``size`` characters whatever ``max_tokens`` said: the answer, repeated."""
    KEY_ECHOED = "key_echoed"
    """502 from a proxy whose message quotes the request's key and ``Authorization`` header."""


STATUS_FAULTS: Final = (
    Fault.RATE_LIMITED,
    Fault.SERVER_ERROR,
    Fault.BAD_GATEWAY,
    Fault.SERVICE_UNAVAILABLE,
    Fault.GATEWAY_TIMEOUT,
)
"""The faults the SDK itself retries (429 and 5xx): the random plan's default."""

SHAPE_FAULTS: Final = (
    Fault.NO_MESSAGE,
    Fault.OTHER_API,
    Fault.ERROR_AS_200,
    Fault.OPENAI_SHAPE,
    Fault.NULL_CONTENT,
    Fault.EMPTY_CONTENT,
    Fault.UNKNOWN_CONTENT,
    Fault.TOOL_CALLS_ONLY,
)
"""200s that hold no answer text (for a chat or generate request): worth another try."""
FLAWED_ANSWERS: Final = (Fault.TRUNCATED, Fault.OVERSIZED)
"""200s whose text is there but flawed: cut at ``max_tokens``, or far past it."""


@attrs.frozen
class PlannedFault:
    """One fault to apply to one request, with its parameters.

    ``retry_after``: seconds (sent as ``Retry-After`` and exact ``retry-after-ms``), or a
    string sent as it is as the only ``Retry-After`` (``"-5"``, an HTTP date, ``"soon"``;
    ``""`` sends none).
    """

    kind: Fault
    retry_after: float | str = 1.0
    delay: float = 5.0
    size: int = 20_000_000
    """Characters of an :attr:`Fault.OVERSIZED` answer's text."""


def fault_reply(fault: PlannedFault) -> Reply | None:
    """The answer a fault sends; ``None`` for faults that send none (or delay the real one)."""
    kind = fault.kind
    if kind is Fault.RATE_LIMITED:
        said = fault.retry_after
        headers = retry_after_headers(said) if isinstance(said, float | int) else raw(said)
        return Reply.error(429, RATE_LIMITED, headers)
    if kind is Fault.SERVER_ERROR:
        return Reply.error(500, INTERNAL_ERROR)
    if kind is Fault.BAD_GATEWAY:
        return Reply(502, BAD_GATEWAY_HTML, "text/html")
    if kind is Fault.SERVICE_UNAVAILABLE:
        return Reply.error(503, SERVICE_UNAVAILABLE)
    if kind is Fault.GATEWAY_TIMEOUT:
        return Reply.error(504, GATEWAY_TIMEOUT)
    if kind is Fault.MALFORMED:
        whole = json.dumps({"id": new_id(), "finish_reason": "COMPLETE", "message": {}})
        return Reply(200, whole[: len(whole) // 2].encode())
    return None


def retry_after_headers(seconds: float) -> tuple[tuple[str, str], ...]:
    """``Retry-After`` in whole seconds (HTTP allows no fractions) and exact ``retry-after-ms``.

    The SDK reads ``retry-after-ms`` first, so sub-second waits keep tests fast.
    """
    seconds = max(seconds, 0.0)
    return (
        ("Retry-After", str(math.ceil(seconds))),
        ("retry-after-ms", str(round(seconds * 1000))),
    )


def raw(value: str) -> tuple[tuple[str, str], ...]:
    """``Retry-After: value`` exactly as given, and nothing else; ``""`` sends no header."""
    return (("Retry-After", value),) if value else ()


WindowRetryAfter: TypeAlias = float | Literal["exact"] | None
"""What the rate limiter's 429s say: the exact wait until a slot frees, always the same
number of seconds (a gateway's constant ``Retry-After: 1``), or nothing (``None``)."""


def window_retry_after(said: WindowRetryAfter, exact: float) -> tuple[tuple[str, str], ...]:
    """The headers of a rate limiter's 429 when a slot frees in ``exact`` seconds."""
    if said is None:
        return ()
    return retry_after_headers(exact if said == "exact" else said)


@attrs.define
class _Queued:
    fault: PlannedFault
    remaining: int
    endpoint: str | None
    prompt: str | None = None


@attrs.define
class FaultQueue:
    """Faults for the next requests, in order; each entry may be limited to one endpoint.

    An entry may also be limited to requests whose prompt holds a text (one document's).
    """

    _entries: list[_Queued] = attrs.field(factory=list)

    def push(
        self, fault: PlannedFault, count: int, endpoint: str | None, prompt: str | None = None
    ) -> None:
        self._entries.append(_Queued(fault, count, endpoint, prompt))

    def pop(self, endpoint: str, prompt: str = "") -> PlannedFault | None:
        """The fault for a request to ``endpoint`` with ``prompt``, if one is queued for it."""
        for entry in self._entries:
            if entry.prompt is not None and entry.prompt not in prompt:
                continue
            if entry.endpoint is None or entry.endpoint == endpoint:
                entry.remaining -= 1
                if entry.remaining == 0:
                    self._entries.remove(entry)
                return entry.fault
        return None

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return sum(entry.remaining for entry in self._entries)


def fingerprint(endpoint: str, body: Mapping[str, Any]) -> str:
    """Identify a request by its endpoint and canonical JSON body (never by its key)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{endpoint}\n{canonical}".encode()).hexdigest()


@attrs.define
class FaultPlan:
    """Random faults at ``rate``, reproducible from ``seed`` whatever the threads' order.

    The n-th attempt of an identical request (same endpoint and body) draws from a
    generator seeded by ``(seed, request, n)``, so a run replays exactly however
    concurrent requests interleave. No request faults more than ``max_consecutive``
    times in a row: a client that retries that often always finally succeeds.
    """

    rate: float
    kinds: tuple[Fault, ...]
    seed: int
    max_consecutive: int
    retry_after: float
    delay: float
    _attempts: dict[str, int] = attrs.field(factory=dict)
    _consecutive: dict[str, int] = attrs.field(factory=dict)

    def draw(self, request_id: str) -> PlannedFault | None:
        """The fault (if any) for the next attempt of the request ``request_id``."""
        if self.rate <= 0.0 or not self.kinds:
            return None
        attempt = self._attempts.get(request_id, 0)
        self._attempts[request_id] = attempt + 1
        rng = random.Random(f"{self.seed}:{request_id}:{attempt}")
        faulty = rng.random() < self.rate
        kind = rng.choice(self.kinds)
        if faulty and self._consecutive.get(request_id, 0) < self.max_consecutive:
            self._consecutive[request_id] = self._consecutive.get(request_id, 0) + 1
            return PlannedFault(kind, self.retry_after, self.delay)
        self._consecutive[request_id] = 0
        return None

    def clear(self) -> None:
        self._attempts.clear()
        self._consecutive.clear()


@attrs.define
class Outage:
    """The server is down: every request fails with ``kinds`` in turn, ``until`` a time (or for good).

    ``until`` is a ``time.monotonic()`` reading; ``None`` lasts until the server recovers.
    """

    kinds: tuple[Fault, ...]
    until: float | None
    retry_after: float | str
    _served: int = 0

    def fault(self, now: float) -> PlannedFault | None:
        """The fault for a request received at ``now``; ``None`` once the outage is over."""
        if self.until is not None and now >= self.until:
            return None
        kind = self.kinds[self._served % len(self.kinds)]
        self._served += 1
        return PlannedFault(kind, self.retry_after)


@attrs.define
class SlidingWindow:
    """At most ``limit`` admissions per ``window`` seconds for each key (a sliding-window log).

    Each admission's time is kept for ``window`` seconds; a request finding ``limit`` of
    them is refused and told to wait until the oldest expires.
    """

    limit: int
    window: float
    _log: dict[str, deque[float]] = attrs.field(factory=dict)

    def admit(self, key: str, now: float) -> float | None:
        """Admit a request (``None``), or return the seconds until a slot frees."""
        times = self._log.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.limit:
            return times[0] + self.window - now
        times.append(now)
        return None

    def clear(self) -> None:
        self._log.clear()
