"""A clock that tests move by hand, so that pacing and budgets never depend on real time."""

from __future__ import annotations


class Clock:
    """Stands still until a test (or a fake server's answer) moves :attr:`now`."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
