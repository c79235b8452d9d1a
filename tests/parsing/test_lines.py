"""The line rules every reader shares: markers, preambles, markdown, punctuation, "None"."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.parsing.lines import Rejected, clean_item, entry_lines, in_order
from cohere_medner.parsing.lists import ParsedItems, parse_list
from cohere_medner.parsing.relations import ParsedRelations, parse_relations
from parsing_texts import check_rejected, model_texts

# Which lines hold an entry ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "* glaucoma\n* blindness",
        "• glaucoma\n• blindness",
        "+ glaucoma\n+ blindness",
        "1. glaucoma\n2. blindness",
        "1) glaucoma\n2) blindness",
        "(1) glaucoma\n(2) blindness",
        "1.glaucoma\n2.blindness",
        "-glaucoma\n-blindness",
        "  - glaucoma  \n\t- blindness\t",
        "- glaucoma\r\n- blindness\r\n",
        "glaucoma\nblindness",
        "\n\n- glaucoma\n\n\n- blindness\n\n",
    ],
)
def test_list_markers(text: str) -> None:
    assert parse_list(text) == ParsedItems(("glaucoma", "blindness"))


def test_preamble_and_closing_remark_are_rejected_with_reasons() -> None:
    text = (
        "Here are the diseases mentioned in the article:\n"
        "\n"
        "1. Glaucoma\n"
        "2. Primary open-angle glaucoma (POAG)\n"
        "3. Blindness\n"
        "\n"
        "Let me know if you need anything else!"
    )
    parsed = parse_list(text)
    assert parsed.items == ("Glaucoma", "Primary open-angle glaucoma (POAG)", "Blindness")
    assert parsed.rejected == (
        Rejected(1, "Here are the diseases mentioned in the article:", "preamble"),
        Rejected(7, "Let me know if you need anything else!", "no list marker"),
    )


def test_preamble_without_a_colon_before_an_unmarked_list() -> None:
    parsed = parse_list("Sure! Here is the list of chemicals.\ncocaine\nheroin")
    assert parsed.items == ("cocaine", "heroin")
    assert [r.reason for r in parsed.rejected] == ["preamble"]


def test_a_sentence_is_not_an_item() -> None:
    text = "The diseases mentioned are glaucoma and blindness, both of the eye."
    parsed = parse_list(text)
    assert parsed.items == ()
    assert parsed.rejected == (Rejected(1, text, "preamble"),)


def test_headings_inside_a_list() -> None:
    parsed = parse_list("### Diseases\n- glaucoma\n**Also:**\n- blindness")
    assert parsed.items == ("glaucoma", "blindness")
    assert [(r.line_number, r.reason) for r in parsed.rejected] == [
        (1, "preamble"),
        (3, "heading"),
    ]


def test_empty_items_and_separators_are_rejected() -> None:
    parsed = parse_list("- glaucoma\n- **\n---\n- ...\n* * *\n- blindness")
    assert parsed.items == ("glaucoma", "blindness")
    assert [(r.line_number, r.reason) for r in parsed.rejected] == [
        (2, "empty item"),
        (3, "separator"),
        (4, "empty item"),
        (5, "separator"),
    ]


# How an entry is cleaned -----------------------------------------------------------------


def test_markdown_is_removed() -> None:
    text = (
        "- **glaucoma**\n- __blindness__\n- *POAG*\n- `CCl4`\n"
        '- "cocaine"\n- ***heroin***\n- **Parkinson**\'s disease'
    )
    assert parse_list(text).items == (
        "glaucoma",
        "blindness",
        "POAG",
        "CCl4",
        "cocaine",
        "heroin",
        "Parkinson's disease",
    )


def test_bold_name_with_an_explanation_keeps_the_name() -> None:
    text = (
        "1. **Glaucoma**: the leading cause of irreversible blindness\n"
        "2. **Neurodegeneration:** loss of retinal ganglion cells\n"
        "3. **POAG** - the most frequent form"
    )
    assert parse_list(text).items == ("Glaucoma", "Neurodegeneration", "POAG")


def test_trailing_punctuation() -> None:
    text = "- glaucoma.\n- blindness;\n- POAG,\n- cirrhosis...\n- Na.\n- heroin ."
    assert parse_list(text).items == ("glaucoma", "blindness", "POAG", "cirrhosis", "Na", "heroin")


def test_a_period_that_belongs_to_an_abbreviation_stays() -> None:
    text = "- morphine i.v.\n- Staphylococcus spp.\n- Smith et al.\n- e.g."
    assert parse_list(text).items == (
        "morphine i.v.",
        "Staphylococcus spp.",
        "Smith et al.",
        "e.g.",
    )


# Nothing to list -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "None",
        "none.",
        "- None",
        "- None.",
        "**None**",
        "N/A",
        "- n/a",
        "Nil",
        "Nothing",
        "None found.",
        "None mentioned in the text.",
        "No diseases mentioned",
        "No diseases mentioned.",
        "- No chemicals were found in the abstract.",
        "There are no chemicals in the text.",
        "There are no specific diseases mentioned in this article.",
        "No relations found.",
        "Not applicable",
        "The article does not mention any diseases.",
        "The text doesn't contain any chemicals.",
        "I could not find any diseases in the abstract.",
        "This abstract does not mention specific chemicals.",
        "NO DISEASES MENTIONED",
        "",
        "   \n\n  ",
        "-",
        "- \n- ",
    ],
)
def test_nothing_to_list_is_empty_not_rejected(text: str) -> None:
    assert parse_list(text) == ParsedItems()
    assert parse_relations(text) == ParsedRelations()


def test_nitric_oxide_is_not_none() -> None:
    assert parse_list("- NO\n- NO donors\n- NO synthase inhibitors\n- CO.").items == (
        "NO",
        "NO donors",
        "NO synthase inhibitors",
        "CO",
    )


# Properties ------------------------------------------------------------------------------


@given(model_texts, st.booleans())
def test_every_line_is_an_entry_a_reject_or_skipped(text: str, sentences: bool) -> None:
    rejected: list[Rejected] = []
    entries = list(entry_lines(text, rejected, sentences=sentences))
    check_rejected(text, in_order(rejected))
    lines = text.splitlines()
    for line in entries:
        assert lines[line.number - 1] == line.raw
        assert line.text and line.text == line.text.strip()
    assert not {line.number for line in entries} & {r.line_number for r in rejected}


@given(model_texts)
def test_a_cleaned_item_is_clean(text: str) -> None:
    item = clean_item(text)
    assert item == item.strip()
    assert clean_item(item) == item
