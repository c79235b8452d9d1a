"""Sections: a combined answer split at its headings, as the gold writes them and models do."""

from __future__ import annotations

from hypothesis import given

from cohere_medner.parsing.lines import Rejected
from cohere_medner.parsing.lists import format_list, parse_list
from cohere_medner.parsing.relations import INFLUENCES, Triple, format_relations, parse_relations
from cohere_medner.parsing.sections import Sections, parse_sections
from parsing_texts import HEADINGS, item_lists, triple_lists

# What models write -----------------------------------------------------------------------


def test_sections_of_the_combined_gold_format() -> None:
    text = (
        "Diseases:\n- a\n- b\n\nChemicals:\n- c\n\nInfluences:\n- Chemical c influences disease a"
    )
    sections = parse_sections(text, HEADINGS)
    assert sections == Sections(
        {
            "diseases": "- a\n- b",
            "chemicals": "- c",
            "relations": "- Chemical c influences disease a",
        },
        (),
        (),
        {"diseases": 2, "chemicals": 6, "relations": 9},
    )
    assert parse_list(sections.texts["diseases"]).items == ("a", "b")
    assert parse_relations(sections.texts["relations"]).triples == (("c", INFLUENCES, "a"),)


def test_sections_as_models_write_them() -> None:
    text = (
        "Sure! Here are the extracted lists.\n"
        "\n"
        "## **List of extracted diseases:**\n"
        "* glaucoma\n"
        "\n"
        "**Chemicals**:\n"
        "1. timolol\n"
        "\n"
        "- INFLUENCES\n"
        "- Chemical timolol influences disease glaucoma\n"
    )
    sections = parse_sections(text, HEADINGS)
    assert sections.texts == {
        "diseases": "* glaucoma",
        "chemicals": "1. timolol",
        "relations": "- Chemical timolol influences disease glaucoma",
    }
    assert sections.missing == ()
    assert sections.rejected == (Rejected(1, "Sure! Here are the extracted lists.", "preamble"),)
    assert sections.starts == {"diseases": 4, "chemicals": 7, "relations": 10}


def test_section_content_on_the_heading_line() -> None:
    sections = parse_sections("Diseases: None\n**Chemicals:** cocaine\nInfluences: ", HEADINGS)
    assert sections.texts == {"diseases": "None", "chemicals": "cocaine", "relations": ""}
    assert sections.starts == {"diseases": 1, "chemicals": 2, "relations": 4}
    assert parse_list(sections.texts["diseases"]).items == ()
    assert parse_list(sections.texts["chemicals"]).items == ("cocaine",)


def test_missing_and_repeated_sections() -> None:
    text = "Diseases:\n- a\nDiseases:\n- b\n"
    sections = parse_sections(text, HEADINGS)
    assert sections.texts == {"diseases": "- a\n- b"}
    assert sections.missing == ("chemicals", "relations")


def test_no_headings_at_all() -> None:
    sections = parse_sections("- a\n\n- b", HEADINGS)
    assert sections.texts == {}
    assert sections.missing == ("diseases", "chemicals", "relations")
    assert [r.line_number for r in sections.rejected] == [1, 3]
    assert {r.reason for r in sections.rejected} == {"preamble"}


def test_section_line_numbers_map_back_to_the_answer() -> None:
    text = "Intro\nDiseases:\n- a\nnot an item\nChemicals:\n- c"
    sections = parse_sections(text, HEADINGS)
    (rejected,) = parse_list(sections.texts["diseases"]).rejected
    answer_line = sections.starts["diseases"] + rejected.line_number - 1
    assert text.splitlines()[answer_line - 1] == "not an item"


# Properties ------------------------------------------------------------------------------


@given(item_lists, item_lists, triple_lists)
def test_combined_gold_answer_splits_back_into_its_lists(
    diseases: list[str], chemicals: list[str], relations: list[Triple]
) -> None:
    text = (
        f"List of extracted diseases:\n{format_list(diseases)}\n\n"
        f"List of extracted chemicals:\n{format_list(chemicals)}\n\n"
        f"List of extracted influences:\n{format_relations(relations)}"
    )
    sections = parse_sections(text, HEADINGS)
    lines = [
        *diseases,
        *chemicals,
        *(f"Chemical {c} influences disease {d}" for c, _, d in relations),
    ]
    if any(parse_sections(f"- {line}", HEADINGS).texts for line in lines):
        return  # an item that reads as a heading starts a section: no gold answer has one
    assert sections.missing == ()
    assert parse_list(sections.texts["diseases"]).items == tuple(diseases)
    assert parse_list(sections.texts["chemicals"]).items == tuple(chemicals)
    assert parse_relations(sections.texts["relations"]).triples == tuple(relations)
