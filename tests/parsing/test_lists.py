"""Lists: the tutorial's gold list, what models write, listable names, and round trips."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given

from cohere_medner.corpus import load_sample
from cohere_medner.corpus.pubtator import read_pubtator
from cohere_medner.parsing.lists import (
    ParsedItems,
    format_list,
    is_listable_item,
    parse_list,
)
from cohere_medner.parsing.relations import ParsedRelations, parse_relations
from parsing_texts import gold_lists, item_lists

# Formatting ------------------------------------------------------------------------------


def test_format_list_is_the_tutorials_completion() -> None:
    diseases = ["glaucoma", "primary open-angle glaucoma"]
    assert format_list(diseases) == "- " + "\n- ".join(diseases)
    assert format_list(diseases) == "- glaucoma\n- primary open-angle glaucoma"


def test_format_list_of_nothing_is_a_bare_marker_that_reads_back_empty() -> None:
    assert format_list([]) == "- "
    assert parse_list("- ") == ParsedItems()
    assert parse_relations("- ") == ParsedRelations()


# What models write -----------------------------------------------------------------------


def test_tutorial_base_model_output() -> None:
    assert parse_list("- glaucoma\n- primary open-angle glaucoma").items == (
        "glaucoma",
        "primary open-angle glaucoma",
    )


def test_tutorial_fine_tuned_outputs_keep_names_whole() -> None:
    text = (
        "- 5-azacytidine\n- 5-AzC\n- benzo[a]-pyrene\n- N-methyl-N-nitrosourea\n"
        "- 1,2-dimethylhydrazine\n- 1,2-DMH\n- 2-acetylaminofluorene\n- CCl4\n"
        "- [3H]-5-azadeoxycytidine\n- cytosine"
    )
    assert parse_list(text).items == (
        "5-azacytidine",
        "5-AzC",
        "benzo[a]-pyrene",
        "N-methyl-N-nitrosourea",
        "1,2-dimethylhydrazine",
        "1,2-DMH",
        "2-acetylaminofluorene",
        "CCl4",
        "[3H]-5-azadeoxycytidine",
        "cytosine",
    )
    assert parse_list("- 5-azacytidine (5-AzC)\n- benzo[a]-pyrene").items == (
        "5-azacytidine (5-AzC)",
        "benzo[a]-pyrene",
    )


def test_none_among_items_is_skipped() -> None:
    assert parse_list("- glaucoma\n- None") == ParsedItems(("glaucoma",))


def test_duplicates_keep_the_first_occurrence() -> None:
    text = "- glaucoma\n- Glaucoma\n- **glaucoma**\n- blindness\n- glaucoma."
    assert parse_list(text).items == ("glaucoma", "Glaucoma", "blindness")


# The predicate ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "item",
    ["glaucoma", "NO", "1,2-dimethylhydrazine", "i.v.", "Na+", "5-HT", "[3H]-thymidine", "a:b"],
)
def test_listable_items(item: str) -> None:
    assert is_listable_item(item)


@pytest.mark.parametrize(
    "item",
    [
        "",
        " glaucoma",
        "a\nb",
        "a\u2028b",
        "- glaucoma",
        "1. glaucoma",
        "* glaucoma",
        "None",
        "No diseases found",
        "N/A",
        "glaucoma.",
        "glaucoma,",
        "**glaucoma**",
        "`CCl4`",
        "Diseases:",
        "---",
    ],
)
def test_unlistable_items(item: str) -> None:
    assert not is_listable_item(item)


# Real gold completions -------------------------------------------------------------------


def test_bundled_sample_gold_lists_round_trip() -> None:
    lists = gold_lists(load_sample())
    assert lists
    for diseases, chemicals in lists:
        assert all(is_listable_item(name) for name in diseases + chemicals)
        assert parse_list(format_list(diseases)).items == tuple(diseases)
        assert parse_list(format_list(chemicals)).items == tuple(chemicals)


@pytest.mark.corpus
def test_every_bc5cdr_name_is_listable(bc5cdr_dir: Path) -> None:
    for split in ("Training", "Development", "Test"):
        for diseases, chemicals in gold_lists(
            read_pubtator(bc5cdr_dir / f"CDR_{split}Set.PubTator.txt")
        ):
            assert parse_list(format_list(diseases)).items == tuple(diseases)
            assert parse_list(format_list(chemicals)).items == tuple(chemicals)


# Properties ------------------------------------------------------------------------------


@given(item_lists)
def test_format_list_then_parse_list_gives_the_items_back(items: list[str]) -> None:
    assert parse_list(format_list(items)) == ParsedItems(tuple(items))
