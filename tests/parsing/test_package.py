"""The parsing package: its exports, and the promises every reader keeps on any text."""

from __future__ import annotations

import time

import pytest
from hypothesis import given

from cohere_medner import parsing
from cohere_medner.parsing import (
    INFLUENCES,
    parse_list,
    parse_relations,
    parse_sections,
)
from parsing_texts import HEADINGS, check_rejected, model_texts


def test_the_package_exports_its_modules_public_names() -> None:
    exported = {
        name: getattr(module, name)
        for module in (parsing.lines, parsing.lists, parsing.relations, parsing.sections)
        for name in module.__all__
    }
    assert sorted(parsing.__all__) == sorted(exported)
    for name, value in exported.items():
        assert getattr(parsing, name) is value


# Properties ------------------------------------------------------------------------------


@given(model_texts)
def test_no_text_makes_a_parser_raise(text: str) -> None:
    items = parse_list(text)
    relations = parse_relations(text)
    sections = parse_sections(text, HEADINGS)
    check_rejected(text, items.rejected)
    check_rejected(text, relations.rejected)
    check_rejected(text, sections.rejected)
    assert set(sections.missing) | set(sections.texts) == set(HEADINGS)
    assert not set(sections.missing) & set(sections.texts)


@given(model_texts)
def test_no_empty_item_or_name_is_ever_returned(text: str) -> None:
    items = parse_list(text).items
    assert all(item and item == item.strip() for item in items)
    assert len(items) == len(set(items))
    for chemical, verb, disease in parse_relations(text).triples:
        assert chemical and chemical == chemical.strip()
        assert disease and disease == disease.strip()
        assert verb == INFLUENCES


@pytest.mark.parametrize(
    "text",
    [
        " " * 20_000 + "x",
        "a " * 10_000 + "influences",
        "- " + "x " * 10_000 + "is induced",
        "the " + "not " * 5_000,
        "**" * 10_000,
        "a. " * 10_000,
        "| " * 10_000,
        "- a -> b" * 3_000,
    ],
)
def test_long_pathological_lines_are_read_quickly(text: str) -> None:
    start = time.perf_counter()
    parse_list(text)
    parse_relations(text)
    parse_sections(text, HEADINGS)
    assert time.perf_counter() - start < 2.0
