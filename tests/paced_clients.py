"""A client's requests against a windowed server, simulated on a fake clock.

The client is the library's, step for step: ``concurrency`` requests in flight, each reads
the limiter's epoch, reserves a start, waits, reserves again if the epoch moved, and sends;
an answer is reported with its send time, a 429 too, and the refused request waits (its
Retry-After, or the minimum backoff, outside its slot) before it queues again. The server
admits ``limit`` requests per ``window`` seconds (a sliding-window log, as FakeCohere's),
answers each admitted one after a latency drawn from ``latency``, and refuses the others at
once with a Retry-After that is exact, constant, or absent. Nothing sleeps: events are
processed in time order, so every figure is the same on every machine.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import deque
from collections.abc import Callable

import attrs

from clocks import Clock
from cohere_medner.models.ratelimit import RateLimiter
from cohere_medner.models.retrying import wait_after

RetryAfter = float | str | None
"""What a refusal says: ``"exact"`` (until a slot frees), a constant, or ``None`` (nothing)."""


@attrs.frozen
class Run:
    """What a simulated run cost: requests sent, those refused, and the time it took."""

    requests: int
    sent: int
    refused: int
    seconds: float
    limiter: RateLimiter

    @property
    def refused_share(self) -> float:
        return self.refused / self.sent

    def over_ideal(self, limit: int, window: float) -> float:
        """Wall time over the ideal: the requests at the server's limit, evenly."""
        return self.seconds / (self.requests * window / limit)


def simulate(
    requests: int,
    *,
    limit: int,
    window: float,
    retry_after: RetryAfter = "exact",
    latency: tuple[float, float] = (1.0, 2.0),
    per_minute: float | None = None,
    rate_window: float = 60.0,
    concurrency: int = 8,
    seed: int = 0,
) -> Run:
    """Send ``requests`` through a :class:`RateLimiter` to a server allowing ``limit`` a window."""
    clock = Clock(0.0)
    rate = RateLimiter(per_minute, rate_window, clock=clock)
    rng = random.Random(seed)
    events: list[tuple[float, int, Callable[[], None]]] = []
    order = itertools.count()
    admitted: deque[float] = deque()
    queue: deque[int] = deque(range(requests))
    attempts = [0] * requests
    free, answered, sent, refused = concurrency, 0, 0, 0

    def at(when: float, action: Callable[[], None]) -> None:
        heapq.heappush(events, (when, next(order), action))

    def take_slots() -> None:
        nonlocal free
        while free and queue:
            free -= 1
            reserve(queue.popleft())

    def reserve(request: int) -> None:
        epoch, start = rate.epoch, rate.claim()
        at(start, lambda: send(request, start) if rate.epoch == epoch else reserve(request))

    def send(request: int, started: float) -> None:
        nonlocal sent
        sent += 1
        attempts[request] += 1
        while admitted and admitted[0] <= started - window:
            admitted.popleft()
        if len(admitted) < limit:
            admitted.append(started)
            at(started + rng.uniform(*latency), lambda: answer(started))
        else:
            exact = admitted[0] + window - started
            said = exact if retry_after == "exact" else retry_after
            at(started + 0.001, lambda: refuse(request, started, said))

    def answer(started: float) -> None:
        nonlocal free, answered
        rate.succeeded(started)
        free, answered = free + 1, answered + 1
        take_slots()

    def refuse(request: int, started: float, said: RetryAfter) -> None:
        nonlocal free, refused
        asked = None if said is None else float(said)
        rate.rate_limited(asked, started=started)
        free, refused = free + 1, refused + 1
        wait = wait_after(asked, attempts[request], jitter=0.0)
        rate.expect(wait)
        at(clock.now + wait, lambda: retry(request))
        take_slots()

    def retry(request: int) -> None:
        queue.append(request)
        take_slots()

    take_slots()
    while events:
        clock.now, _, action = heapq.heappop(events)
        action()
    assert answered == requests
    return Run(requests, sent, refused, clock.now, rate)
