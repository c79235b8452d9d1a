"""Relations: the tutorial's gold lines, the forms models write, and round trips."""

from __future__ import annotations

import pytest
from hypothesis import given

from cohere_medner.corpus import load_sample
from cohere_medner.parsing.relations import (
    INFLUENCES,
    ParsedRelations,
    Triple,
    format_relations,
    is_listable_triple,
    parse_relations,
)
from parsing_texts import gold_lists, triple_lists

# Formatting ------------------------------------------------------------------------------


def test_format_relations_writes_the_tutorials_lines() -> None:
    text = format_relations(
        [
            ("phenobarbitone", INFLUENCES, "cirrhosis of the liver"),
            ("carbon tetrachloride", INFLUENCES, "cirrhosis of the liver"),
        ]
    )
    assert text == (
        "- Chemical phenobarbitone influences disease cirrhosis of the liver\n"
        "- Chemical carbon tetrachloride influences disease cirrhosis of the liver"
    )
    assert format_relations([]) == "- "


# What models write -----------------------------------------------------------------------


def test_tutorial_relation_output() -> None:
    text = (
        "- Chemical phenobarbitone influences disease cirrhosis of the liver\n"
        "- Chemical carbon tetrachloride influences disease cirrhosis of the liver"
    )
    assert parse_relations(text).triples == (
        ("phenobarbitone", INFLUENCES, "cirrhosis of the liver"),
        ("carbon tetrachloride", INFLUENCES, "cirrhosis of the liver"),
    )


@pytest.mark.parametrize(
    "line",
    [
        "- Chemical cocaine influences disease seizures",
        "- chemical cocaine influences disease seizures.",
        "- Chemical: cocaine influences disease: seizures",
        "- **Chemical cocaine influences disease seizures**",
        "- cocaine influences seizures",
        "- Cocaine influences the disease seizures",
        "- cocaine induces seizures",
        "- cocaine induced seizures",
        "- cocaine causes seizures.",
        "- cocaine may cause seizures",
        "- cocaine leads to seizures",
        "- cocaine can lead to seizures",
        "- cocaine results in seizures",
        "- cocaine is associated with seizures",
        "- cocaine has been associated with seizures",
        "- cocaine triggers seizures",
        "- seizures are induced by cocaine",
        "- Disease seizures is caused by chemical cocaine",
        "- cocaine -> seizures",
        "- cocaine --> seizures",
        "- cocaine → seizures",
        "- cocaine => seizures",
        "- Chemical cocaine -> disease seizures",
        "- **cocaine** → **seizures**",
        "- cocaine - seizures",
        "- cocaine \u2013 seizures",
        "- Chemical: cocaine, Disease: seizures",
        "- chemical: cocaine; disease: seizures",
        "- (cocaine, influences, seizures)",
        "- (cocaine, seizures)",
        "| cocaine | seizures |",
        "| cocaine | induces | seizures |",
        "1. cocaine induces seizures",
        "Cocaine induces seizures.",
    ],
)
def test_relation_forms(line: str) -> None:
    parsed = parse_relations(line)
    assert parsed.rejected == ()
    assert [(c.casefold(), v, d) for c, v, d in parsed.triples] == [
        ("cocaine", INFLUENCES, "seizures")
    ]


def test_relations_with_a_preamble_and_numbered_lines() -> None:
    text = (
        "Here are the influences between chemicals and diseases mentioned in the article:\n"
        "\n"
        "1. Chemical lithium influences disease nephrogenic diabetes insipidus\n"
        "2. Chemical haloperidol influences disease tardive dyskinesia.\n"
        "\n"
        "These relationships are explicitly stated in the abstract."
    )
    parsed = parse_relations(text)
    assert parsed.triples == (
        ("lithium", INFLUENCES, "nephrogenic diabetes insipidus"),
        ("haloperidol", INFLUENCES, "tardive dyskinesia"),
    )
    assert [(r.line_number, r.reason) for r in parsed.rejected] == [
        (1, "preamble"),
        (6, "no list marker"),
    ]


def test_relation_names_keep_commas_and_hyphens() -> None:
    assert parse_relations(
        "- Chemical 1,2-dimethylhydrazine influences disease colon cancer\n- 5-azacytidine - tumors"
    ).triples == (
        ("1,2-dimethylhydrazine", INFLUENCES, "colon cancer"),
        ("5-azacytidine", INFLUENCES, "tumors"),
    )


def test_relations_that_cannot_be_read_are_rejected() -> None:
    text = (
        "- cocaine -> seizures -> death\n"
        "- cocaine - heroin - seizures\n"
        "- cocaine-induced seizures\n"
        "- Aspirin does not cause asthma\n"
        "- Chemical -> seizures\n"
        "- ** -> seizures\n"
        "- cocaine induces seizures"
    )
    parsed = parse_relations(text)
    assert parsed.triples == (("cocaine", INFLUENCES, "seizures"),)
    assert [(r.line_number, r.reason) for r in parsed.rejected] == [
        (1, "ambiguous"),
        (2, "ambiguous"),
        (3, "not a relation"),
        (4, "negated"),
        (5, "empty name"),
        (6, "empty name"),
    ]


def test_markdown_table_of_relations() -> None:
    text = "| Chemical | Disease |\n|---|---|\n| cocaine | seizures |\n| lithium | polyuria |"
    parsed = parse_relations(text)
    assert parsed.triples == (
        ("cocaine", INFLUENCES, "seizures"),
        ("lithium", INFLUENCES, "polyuria"),
    )
    assert [r.reason for r in parsed.rejected] == ["heading", "separator"]


def test_duplicate_relations_keep_the_first() -> None:
    text = "- cocaine -> seizures\n- Chemical cocaine influences disease seizures"
    assert parse_relations(text).triples == (("cocaine", INFLUENCES, "seizures"),)


# The predicate ---------------------------------------------------------------------------


def test_listable_triples() -> None:
    assert is_listable_triple(("cocaine", INFLUENCES, "seizures"))
    assert is_listable_triple(("cocaine", INFLUENCES, "x influences disease y"))
    assert not is_listable_triple(("cocaine", "induces", "seizures"))
    assert not is_listable_triple(("a influences disease b", INFLUENCES, "c"))
    assert not is_listable_triple(("a influences disease", INFLUENCES, "c"))
    assert not is_listable_triple(("None", INFLUENCES, "c"))
    assert not is_listable_triple(("Chemical", INFLUENCES, "c"))


# Real gold completions -------------------------------------------------------------------


def test_bundled_sample_gold_relations_round_trip() -> None:
    lists = gold_lists(load_sample())
    assert lists
    for diseases, chemicals in lists:
        pairs: list[Triple] = [(c, INFLUENCES, d) for c in chemicals[:3] for d in diseases[:3]]
        assert parse_relations(format_relations(pairs)).triples == tuple(pairs)


# Properties ------------------------------------------------------------------------------


@given(triple_lists)
def test_format_relations_then_parse_relations_gives_the_triples_back(
    triples: list[Triple],
) -> None:
    assert parse_relations(format_relations(triples)) == ParsedRelations(tuple(triples))
