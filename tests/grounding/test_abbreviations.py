from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.grounding.abbreviations import Abbreviation, find_abbreviations
from strategies import TEXT_ALPHABET


def test_find_abbreviations() -> None:
    text = (
        "Puromycin aminonucleoside (PAN) causes nephrosis. In acute renal failure (ARF; n=3), "
        "in anterior myocardial infarction (ANT-MI) and inferior myocardial infarction (INF-MI), "
        "the blood pressure (BP) rose (p < 0.05) (10 mg)."
    )
    found = {(a.long, a.short) for a in find_abbreviations(text)}
    assert found == {
        ("Puromycin aminonucleoside", "PAN"),
        ("acute renal failure", "ARF"),
        ("anterior myocardial infarction", "ANT-MI"),
        ("inferior myocardial infarction", "INF-MI"),
        ("blood pressure", "BP"),
    }
    for a in find_abbreviations(text):
        assert text[a.short_start : a.short_end] == a.short
        assert text[a.long_start : a.long_end] == a.long
    assert isinstance(find_abbreviations(text)[0], Abbreviation)


# Properties ----------------------------------------------------------------------------------

texts = st.text(TEXT_ALPHABET, max_size=60)
letters = st.text("abcdefghijklmnopqrstuvwxyz\u03b1\u03b2\u00e9", min_size=1, max_size=10)


@st.composite
def definitions(draw: st.DrawFn) -> str:
    """A text that defines (or nearly defines) a short form by its long form's initials."""
    long = draw(st.lists(letters, min_size=1, max_size=5))
    short = "".join(word[0] for word in long)
    short = draw(st.sampled_from([short, short.upper(), short + "s", draw(texts)]))
    return f"{draw(texts)} {' '.join(long)} ({short}) {draw(texts)}"


@given(definitions())
def test_a_definition_is_where_it_says_and_its_long_form_comes_first(text: str) -> None:
    found = find_abbreviations(text)
    assert [a.short_start for a in found] == sorted(a.short_start for a in found)
    for a in found:
        assert text[a.short_start : a.short_end] == a.short
        assert text[a.long_start : a.long_end] == a.long
        assert a.long_end <= a.short_start
        assert len(a.long) > len(a.short)
        assert a.short.lower() not in a.long.lower().split()
