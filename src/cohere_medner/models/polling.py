"""How waiting polls: pauses that grow from a first interval up to a longest one.

Batches and fine-tuning jobs both run for minutes to hours; whatever waits for them asks
:meth:`Polling.intervals` how long to pause between looks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import attrs

from cohere_medner.errors import ConfigurationError


@attrs.frozen
class Polling:
    """Poll every ``interval`` seconds at first, growing by ``factor`` to ``max_interval``.

    A first interval longer than ``max_interval`` is kept: polls stay that far apart.
    ``clock`` and ``sleep`` are injectable, so that a test can wait without waiting.
    """

    interval: float = 2.0
    max_interval: float = 60.0
    factor: float = 1.5
    clock: Callable[[], float] = attrs.field(default=time.monotonic, eq=False)
    sleep: Callable[[float], None] = attrs.field(default=time.sleep, eq=False)

    def __attrs_post_init__(self) -> None:
        numbers = (self.interval, self.max_interval, self.factor)
        if any(isinstance(n, bool) or not isinstance(n, (int, float)) for n in numbers) or not (
            self.interval > 0 and self.max_interval > 0 and self.factor >= 1
        ):
            raise ConfigurationError(
                "polling needs intervals > 0 and factor >= 1, got "
                f"interval={self.interval!r}, max_interval={self.max_interval!r}, "
                f"factor={self.factor!r}"
            )

    def intervals(self) -> Iterator[float]:
        """The pauses between polls, without end: each ``factor`` times the last, capped."""
        interval, longest = self.interval, max(self.interval, self.max_interval)
        while True:
            yield interval
            interval = min(interval * self.factor, longest)
