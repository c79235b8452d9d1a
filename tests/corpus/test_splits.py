"""BC5CDR's split names and the aliases researchers write for them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.corpus import load_sample
from cohere_medner.corpus.splits import SPLITS, is_test_split, normalize_split
from cohere_medner.errors import UnknownSplitError


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("Train", "train"),
        ("training", "train"),
        ("dev", "validation"),
        ("development", "validation"),
        (" Validation ", "validation"),
        ("TEST", "test"),
    ],
)
def test_split_aliases(alias: str, name: str) -> None:
    assert normalize_split(alias) == name


@given(st.sampled_from(SPLITS))
def test_canonical_names_are_their_own_name(split: str) -> None:
    assert normalize_split(split) == split


@given(st.text(max_size=12))
def test_anything_else_is_refused_with_the_valid_names(split: str) -> None:
    try:
        name = normalize_split(split)
    except UnknownSplitError as error:
        assert "expected one of train, validation, test" in str(error)
        assert repr(split) in str(error)
    else:
        assert name in SPLITS


@pytest.mark.parametrize("split", ["test", " Test", "test_set", "TEST-SET", "testing"])
def test_test_split_names(split: str) -> None:
    assert is_test_split(split)


def test_the_test_file_under_another_name_is_the_test_split() -> None:
    assert is_test_split("train", load_sample("test"))
    assert not is_test_split("train", load_sample("train"))
    assert not is_test_split("validation") and not is_test_split("contest")
