"""The shared circuit, on a fake clock: when requests go while the server is down."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clocks import Clock
from cohere_medner.errors import ConfigurationError
from cohere_medner.models.circuit import GO, Admission, Circuit


def circuit(**options: float) -> tuple[Circuit, Clock]:
    clock = Clock()
    return Circuit(clock=clock, **options), clock  # type: ignore[arg-type]


def fail(breaker: Circuit, clock: Clock, times: int) -> None:
    for _ in range(times):
        breaker.failed(clock.now)


def test_closed_lets_everyone_through_and_answers_reset_the_count() -> None:
    breaker, clock = circuit()
    for _ in range(10):
        fail(breaker, clock, 4)
        breaker.succeeded()
        assert breaker.admit() == GO
    assert not breaker.is_open


def test_it_opens_after_failures_in_a_row_then_lets_one_probe_through() -> None:
    breaker, clock = circuit()
    fail(breaker, clock, 5)
    assert breaker.is_open
    assert breaker.admit() == Admission(wait=1.0)
    clock.now += 1.0
    assert breaker.admit() == Admission(probe=True)
    # While the probe is out, the others ask again soon: its answer may come any time.
    assert breaker.admit() == Admission(wait=1.0 / 8)
    breaker.succeeded()
    assert breaker.admit() == GO


def test_a_failed_probe_opens_it_for_twice_as_long_up_to_the_longest() -> None:
    breaker, clock = circuit(longest=10.0)
    fail(breaker, clock, 5)
    pauses = []
    for _ in range(6):
        pauses.append(breaker.admit().wait)
        clock.now += pauses[-1]
        assert breaker.admit().probe
        breaker.failed(clock.now, probe=True)
    assert pauses == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_failures_of_requests_sent_before_it_opened_are_the_burst() -> None:
    # Eight requests were on their way when the outage began: the three failing after
    # the fifth say nothing new, and must not open it again (nor for longer).
    breaker, clock = circuit()
    sent = clock.now
    clock.now += 0.5
    for _ in range(8):
        breaker.failed(sent)
    assert breaker.admit() == Admission(wait=1.0)


def test_a_429_or_a_cancelled_probe_lets_another_probe() -> None:
    breaker, clock = circuit()
    fail(breaker, clock, 5)
    clock.now += 1.0
    assert breaker.admit().probe
    breaker.released(probe=True)
    assert breaker.admit().probe
    breaker.released(probe=False)  # not the probe: nothing changes
    assert not breaker.admit().probe


def test_it_gives_up_once_the_server_has_failed_everything_for_the_budget() -> None:
    breaker, clock = circuit(give_up=30.0, longest=10.0)
    fail(breaker, clock, 5)
    while clock.now < 131.0:
        admission = breaker.admit()
        if admission.probe:
            breaker.failed(clock.now, probe=True)
        else:
            assert not admission.refused
            clock.now += admission.wait
    if breaker.admit().probe:
        breaker.failed(clock.now, probe=True)
    assert breaker.down_for() > 30.0
    assert breaker.admit().refused
    # A probe still goes now and then, and an answer closes the circuit.
    clock.now += 10.0
    assert breaker.admit().probe
    breaker.succeeded()
    assert breaker.admit() == GO and breaker.down_for() == 0.0


def test_a_90_s_outage_costs_a_handful_of_requests() -> None:
    # The issue's target: fewer than 30 requests a minute during a 90 s outage, and the
    # first request after it ends goes within the longest pause.
    breaker, clock = circuit()
    sent = 13  # 8 on their way, 5 more before the fifth failure came back
    fail(breaker, clock, 13)
    while clock.now < 190.0:
        admission = breaker.admit()
        if admission.probe:
            sent += 1
            breaker.failed(clock.now, probe=True)
        else:
            clock.now += admission.wait
    assert sent < 45
    assert breaker.admit().wait <= 10.0


@given(st.lists(st.sampled_from(["ok", "down", "429", "wait"]), max_size=200))
def test_one_probe_at_a_time_and_none_before_the_pause_ends(outcomes: list[str]) -> None:
    breaker, clock = circuit()
    probing = False
    for outcome in outcomes:
        admission = breaker.admit()
        if admission.wait > 0:
            clock.now += admission.wait if outcome == "wait" else admission.wait / 3
            continue
        assert not (probing and admission.probe)
        probing = probing or admission.probe
        if outcome == "ok":
            breaker.succeeded()
            probing = False
        elif outcome == "down":
            breaker.failed(clock.now, probe=admission.probe)
            probing = probing and not admission.probe
        elif outcome == "429":
            breaker.released(probe=admission.probe)
            probing = probing and not admission.probe


@pytest.mark.parametrize(
    "options", [{"threshold": 0}, {"cooldown": 0.0}, {"longest": float("inf")}, {"give_up": -1}]
)
def test_bad_settings(options: dict[str, float]) -> None:
    with pytest.raises((ConfigurationError, ValueError)):
        Circuit(**options)  # type: ignore[arg-type]
