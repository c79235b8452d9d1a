"""How long-running jobs move: a timeline through a fixed list of stages.

Dataset validation, fine-tuning and batches each walk their stages either by the clock
(``pace`` seconds per stage; ``0`` reaches the last stage at once) or, with
``pace="poll"``, one stage for each time a client fetches the job: every fetch shows the
current stage and then moves it on, so a test can count its polls exactly. Every job
belongs to one account (:data:`USER_ID`, :data:`ORGANIZATION_ID`).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from typing import Final, Literal, TypeAlias

import attrs

from cohere_medner.testing.errors import FakeCohereConfigError

POLL: Final = "poll"
Pace: TypeAlias = float | Literal["poll"]
"""Seconds per stage, or ``"poll"``: one stage per fetch."""

USER_ID: Final = "00000000-0000-4000-8000-00000000fa4e"
ORGANIZATION_ID: Final = "00000000-0000-4000-8000-0000000000c0"
"""The account every job belongs to: its ``creator_id`` and organization."""

_WALL_OFFSET: Final = time.time() - time.monotonic()


def check_pace(name: str, pace: Pace) -> Pace:
    """``pace`` if it is ``"poll"`` or a finite number of seconds >= 0."""
    if pace == POLL:
        return POLL
    if isinstance(pace, bool) or not isinstance(pace, (int, float)):
        raise FakeCohereConfigError(f'{name} must be seconds >= 0 or "poll", got {pace!r}')
    if not (math.isfinite(pace) and pace >= 0):
        raise FakeCohereConfigError(f'{name} must be seconds >= 0 or "poll", got {pace!r}')
    return float(pace)


def timestamp(monotonic: float) -> str:
    """A ``time.monotonic()`` reading as the API writes times: RFC 3339 in UTC."""
    moment = dt.datetime.fromtimestamp(monotonic + _WALL_OFFSET, tz=dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@attrs.define
class Timeline:
    """A job's place among stages ``0 .. last``, started at ``started`` (monotonic seconds).

    Not thread-safe: its owner's lock guards it.
    """

    last: int
    pace: Pace
    started: float
    _polls: int = 0
    _reached: list[float] = attrs.field(factory=list)

    def __attrs_post_init__(self) -> None:
        self._reached.append(self.started)

    def stage(self, now: float) -> int:
        """The current stage, without moving a polled timeline."""
        if self.pace == POLL:
            return min(self._polls, self.last)
        if self.pace == 0:
            return self.last
        return min(self.last, max(0, int((now - self.started) / self.pace)))

    def poll(self, now: float) -> int:
        """The stage a client fetching the job sees; a polled timeline then moves on."""
        current = self.stage(now)
        if self.pace == POLL and self._polls < self.last:
            self._polls += 1
            self._reached.append(now)
        return current

    def reached_at(self, stage: int) -> float:
        """When ``stage`` (already reached) was reached."""
        if self.pace == POLL:
            return self._reached[min(stage, len(self._reached) - 1)]
        return self.started + stage * float(self.pace)

    def done(self, now: float) -> bool:
        return self.stage(now) == self.last
