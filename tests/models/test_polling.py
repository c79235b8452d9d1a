"""Polling: pauses that grow by a factor from the first interval to the longest."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.errors import ConfigurationError
from cohere_medner.models.polling import Polling


@given(st.floats(0.01, 10), st.floats(1, 100), st.floats(1, 3), st.integers(1, 40))
def test_pauses_grow_by_the_factor_up_to_the_longest(
    first: float, stretch: float, factor: float, count: int
) -> None:
    longest = first * stretch
    pauses = list(itertools.islice(Polling(first, longest, factor).intervals(), count))
    assert len(pauses) == count
    assert pauses[0] == first
    assert all(a <= b <= longest for a, b in itertools.pairwise(pauses))
    assert all(b == min(a * factor, longest) for a, b in itertools.pairwise(pauses))


def test_pauses_reach_the_longest_and_stay_there() -> None:
    pauses = list(itertools.islice(Polling(2.0, 5.0).intervals(), 5))
    assert pauses == [2.0, 3.0, 4.5, 5.0, 5.0]


def test_a_first_interval_above_the_longest_is_kept() -> None:
    # Polling(interval=90) with the default 60 s longest: the docs tell users to pass it.
    assert list(itertools.islice(Polling(interval=90).intervals(), 3)) == [90, 90, 90]


@pytest.mark.parametrize(
    "settings",
    [
        {"interval": 0},
        {"interval": -1},
        {"max_interval": 0},
        {"factor": 0.5},
        {"interval": True},
        {"max_interval": "60"},
        {"factor": float("nan")},
    ],
)
def test_nonsense_settings_are_refused_by_name(settings: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError, match="intervals > 0 and factor >= 1"):
        Polling(**settings)  # type: ignore[arg-type]
