"""One shared backoff while the server is down: a circuit that opens and lets one probe through.

Each request backing off on its own is no backoff at all when hundreds are pending: 600
documents retrying every few seconds send 60 requests a second at a server that fails
them all. So a client's requests share one circuit:

- *Closed*: requests go. Failures that say the server is down (5xx, timeouts, refused or
  dropped connections) are counted; any answer from a server that is up (an answer, a
  4xx, an unreadable body) resets the count. 429s are the rate limiter's: they count for
  neither.
- *Open*: after ``threshold`` such failures in a row nothing is sent for ``cooldown``
  seconds. Failures of requests sent before it opened are the burst that opened it and
  count for nothing.
- *Half-open*: then one request goes as the probe, the others wait. Its answer closes the
  circuit; its failure opens it again for twice as long, up to ``longest``.
- *Giving up*: once the server has failed everything for ``give_up`` seconds, requests that
  would wait fail at once instead (a probe still goes every ``longest`` seconds, and its
  answer closes the circuit), so a run against a server that stays down ends with its
  documents listed as failed rather than never.

Like the rate limiter, the circuit keeps its state behind a thread lock and only returns
delays: one instance serves requests from any thread and any event loop.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

import attrs

from cohere_medner.errors import ConfigurationError


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0 or math.isinf(value):
        raise ConfigurationError(f"{attribute.name} must be positive and finite, got {value!r}")


@attrs.frozen
class Admission:
    """What :meth:`Circuit.admit` says: wait ``wait`` seconds and ask again, or go (``wait`` 0).

    ``probe``: the request goes as the probe, whose outcome decides for everyone.
    ``refused``: the server has been down too long; the request fails without being sent.
    """

    wait: float = 0.0
    probe: bool = False
    refused: bool = False


GO: Admission = Admission()


@attrs.define
class Circuit:
    """Opens after ``threshold`` outage failures in a row; then lets one probe through at a time."""

    threshold: int = attrs.field(default=5, validator=attrs.validators.ge(1))
    cooldown: float = attrs.field(default=1.0, validator=_positive)
    longest: float = attrs.field(default=10.0, validator=_positive)
    give_up: float = attrs.field(default=300.0, validator=attrs.validators.ge(0))
    clock: Callable[[], float] = time.monotonic
    _failures: int = attrs.field(init=False, default=0)
    _down_since: float | None = attrs.field(init=False, default=None)
    _opened: float = attrs.field(init=False, default=-math.inf)
    _until: float = attrs.field(init=False, default=-math.inf)
    _pause: float = attrs.field(init=False, default=0.0)
    _probing: bool = attrs.field(init=False, default=False)
    _lock: threading.Lock = attrs.field(init=False, factory=threading.Lock, repr=False)

    @property
    def is_open(self) -> bool:
        """True while requests wait for a probe (open or half-open)."""
        return self._failures >= self.threshold

    def down_for(self) -> float:
        """Seconds since the first of the failures in a row (0 when there are none)."""
        with self._lock:
            return 0.0 if self._down_since is None else self.clock() - self._down_since

    def admit(self) -> Admission:
        """Whether a request may be sent now, as the probe, or after a wait; or not at all."""
        with self._lock:
            if self._failures < self.threshold:
                return GO
            now = self.clock()
            if now >= self._until and not self._probing:
                self._probing = True
                return Admission(probe=True)
            if self._down_since is not None and now - self._down_since > self.give_up:
                return Admission(refused=True)
            if self._probing:  # ask again soon: the probe's answer may come any time
                return Admission(wait=self.cooldown / 8)
            return Admission(wait=self._until - now)

    def succeeded(self) -> None:
        """The server answered (anything but a failure that says it is down): close."""
        with self._lock:
            self._failures, self._down_since, self._probing = 0, None, False

    def failed(self, started: float, *, probe: bool = False) -> None:
        """A request sent at ``started`` failed as if the server were down."""
        with self._lock:
            now = self.clock()
            if probe:
                self._probing = False
                self._open(now, min(self.longest, 2 * self._pause))
                return
            if self.is_open and started < self._opened:
                return  # on its way before the circuit opened: part of the burst
            if self._down_since is None:
                self._down_since = started
            self._failures += 1
            if self._failures == self.threshold:
                self._open(now, self.cooldown)

    def released(self, *, probe: bool) -> None:
        """A request ended saying nothing about an outage (a 429, cancelled): another may probe."""
        if probe:
            with self._lock:
                self._probing = False

    def _open(self, now: float, pause: float) -> None:
        self._opened, self._pause, self._until = now, pause, now + pause
