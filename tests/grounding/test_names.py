from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.grounding.names import Hit, NameIndex, is_abbreviation, name_key, plural_forms
from strategies import TEXT_ALPHABET, text_and_name


def test_abbreviations_are_names_with_a_capital_inside_a_word() -> None:
    assert is_abbreviation("NO") and is_abbreviation("5-HT") and is_abbreviation("AzC")
    assert not is_abbreviation("Cocaine") and not is_abbreviation("Heart Failure")


def test_spaces_dashes_and_curly_apostrophes_leave_the_key_alone() -> None:
    assert name_key("Beta-Blocker") == name_key("beta blocker") == "betablocker"
    assert name_key("Parkinson\u2019s disease") == name_key("Parkinson's disease")


def test_plural_forms() -> None:
    assert "seizures" in plural_forms("seizure") and plural_forms("NO", abbreviation=True) == []
    assert "AID" not in plural_forms("AIDS", abbreviation=True)


def test_name_index_finds_many_names_with_their_values() -> None:
    index: NameIndex[str] = NameIndex()
    index.add("renal failure", "D1")
    index.add("acute renal failure", "D2")
    index.add("NO", "C1")
    hits = index.find("Acute renal failure, no NO.")
    assert sorted((h.start, h.end, h.value, h.rule) for h in hits) == [
        (0, 19, "D2", "case"),
        (6, 19, "D1", "exact"),
        (24, 26, "C1", "exact"),
    ]


# Properties ----------------------------------------------------------------------------------


@given(st.text(TEXT_ALPHABET, max_size=40), st.sampled_from(["-", "\u2013", "\u2010", "  "]))
def test_spaces_and_dashes_are_interchangeable_in_a_key(name: str, separator: str) -> None:
    assert name_key(name.replace(" ", separator)) == name_key(name)


@given(text_and_name())
def test_a_name_taken_from_the_text_is_found_there_exactly(
    case: tuple[str, str, int, int],
) -> None:
    text, name, start, end = case
    index: NameIndex[int] = NameIndex()
    index.add(name, 0)
    assert Hit(start, end, 0, "exact") in index.find(text)
