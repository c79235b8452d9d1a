"""Concurrency slots a straggling request gives up, so that hung requests do not hold the run.

``size`` requests may be in flight at once. One still unanswered after :data:`PATIENCE`
times the median time of the last answers is far in the tail (most likely hung, held until
its deadline): it gives its slot to the next request and waits on in a spare one. There are
``size`` spare slots, so no more than twice ``size`` requests are ever in flight, and a
server whose every answer is late cannot draw more than that. A straggler costs no extra
request: it is not sent again before its deadline, only no longer waited for in line.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import threading
from collections import deque
from collections.abc import AsyncIterator, Awaitable
from typing import Final, TypeVar

import attrs

__all__ = ["FEWEST_ANSWERS", "PATIENCE", "AnswerTimes", "Slot", "Slots"]

T = TypeVar("T")

PATIENCE: Final = 5.0
"""A request straggles after this many times the median time of the last answers."""
FEWEST_ANSWERS: Final = 10
"""Answers timed before any request is called a straggler: a median needs a few."""


@attrs.define
class AnswerTimes:
    """How long the last ``keep`` answers took, in seconds, from any thread or loop."""

    keep: int = 64
    _times: deque[float] = attrs.field(init=False, factory=deque)
    _lock: threading.Lock = attrs.field(init=False, factory=threading.Lock, repr=False)

    def add(self, seconds: float) -> None:
        """An attempt was answered ``seconds`` after it was sent."""
        with self._lock:
            self._times.append(seconds)
            while len(self._times) > self.keep:
                self._times.popleft()

    def straggling_after(
        self, patience: float = PATIENCE, fewest: int = FEWEST_ANSWERS
    ) -> float | None:
        """Seconds after which a request unanswered straggles; ``None`` before enough answers."""
        with self._lock:
            if len(self._times) < fewest:
                return None
            return patience * statistics.median(self._times)


class Slots:
    """One event loop's slots: ``size`` for requests, ``size`` spare for those that straggle."""

    def __init__(self, size: int, times: AnswerTimes) -> None:
        self.times = times
        self._slots = asyncio.Semaphore(size)
        self._spare = asyncio.Semaphore(size)

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[Slot]:
        """Wait for a slot; it is given back on leaving, or earlier by :meth:`Slot.run`."""
        await self._slots.acquire()
        slot = Slot(self)
        try:
            yield slot
        finally:
            slot.give_back()


class Slot:
    """One request's slot, which it gives up to the next request if it straggles."""

    def __init__(self, slots: Slots) -> None:
        self._slots = slots
        self._held = True

    def give_back(self) -> None:
        """Let the next request in (once: a straggler has given its slot back already)."""
        if self._held:
            self._held = False
            self._slots._slots.release()

    async def run(self, attempt: Awaitable[T]) -> T:
        """``attempt``'s value; past the straggling time, waited for in a spare slot."""
        loop = asyncio.get_running_loop()
        sent = loop.time()
        task = asyncio.ensure_future(attempt)
        try:
            value = await self._answer(task)
        except BaseException:
            task.cancel()  # cancelled while waiting (Ctrl-C): so is the attempt
            raise
        self._slots.times.add(loop.time() - sent)
        return value

    async def _answer(self, task: asyncio.Future[T]) -> T:
        patience = self._slots.times.straggling_after()
        if patience is not None:
            done, _ = await asyncio.wait({task}, timeout=patience)
            spare = self._slots._spare
            if not done and not spare.locked():
                await spare.acquire()
                self.give_back()
                try:
                    return await task
                finally:
                    spare.release()
        return await task
