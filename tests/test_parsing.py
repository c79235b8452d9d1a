"""Tests for parsing: the gold format, what models actually write, and properties."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.corpus.pubtator import read_pubtator
from cohere_medner.parsing import (
    INFLUENCES,
    ParsedItems,
    ParsedRelations,
    Rejected,
    Sections,
    Triple,
    format_list,
    format_relations,
    is_listable_item,
    is_listable_triple,
    parse_list,
    parse_relations,
    read_list,
    read_relations,
    read_sections,
)
from cohere_medner.types import CHEMICAL, DISEASE

SAMPLE = (
    Path(__file__).resolve().parent.parent
    / "src"
    / "cohere_medner"
    / "corpus"
    / "data"
    / "CDR_sample.gold.PubTator.gz"
)
HEADINGS = {
    "diseases": ("Diseases", "List of extracted diseases"),
    "chemicals": ("Chemicals", "List of extracted chemicals"),
    "relations": ("Influences", "List of extracted influences"),
}


# Strategies ------------------------------------------------------------------------------

# Letters, digits and the punctuation of chemical and disease names, with some beyond ASCII.
NAME_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:()[]-+/'*_#αβγµé\u2013→"
)
names = st.one_of(
    st.text(NAME_ALPHABET, min_size=1, max_size=30),
    st.text(min_size=1, max_size=20),
).filter(is_listable_item)
item_lists = st.lists(names, max_size=8, unique=True)
triples = st.tuples(names, st.just(INFLUENCES), names).filter(is_listable_triple)
triple_lists = st.lists(triples, max_size=6, unique=True)

# Pieces that reach every branch of the parsers when strung together at random.
FRAGMENTS = (
    "- ", "* ", "• ", "1. ", "2) ", "(3) ", "+ ", "**", "__", "`", '"', "“", "”", ":", ".",
    ",", ";", "None", "N/A", "No diseases mentioned", "There are no chemicals", "Chemical ",
    " influences ", " disease ", " induces ", " is induced by ", " causes ", " does not ",
    " -> ", " → ", " => ", " - ", " \u2013 ", "|", "| a | b |", "|---|", "#", "## ", "---", "\n",
    "\r\n", "\n\n", "  ", "\t", "NO", "i.v.", "spp.", "glaucoma", "cocaine", "(", ")",
    "Here are the diseases:", "does not mention any", "Diseases:", "Influences", "\u2028",
    "\x85", "Sure!", "?", "chemical: x, disease: y",
)  # fmt: skip
model_texts = st.one_of(
    st.text(),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=30).map("".join),
)


def _check_rejected(text: str, rejected: tuple[Rejected, ...]) -> None:
    lines = text.splitlines()
    numbers = [r.line_number for r in rejected]
    assert numbers == sorted(numbers)
    for r in rejected:
        assert 1 <= r.line_number <= len(lines)
        assert lines[r.line_number - 1] == r.line
        assert r.reason


# Formatting ------------------------------------------------------------------------------


def test_format_list_is_the_tutorials_completion() -> None:
    diseases = ["glaucoma", "primary open-angle glaucoma"]
    assert format_list(diseases) == "- " + "\n- ".join(diseases)
    assert format_list(diseases) == "- glaucoma\n- primary open-angle glaucoma"


def test_format_list_of_nothing_is_a_bare_marker_that_reads_back_empty() -> None:
    assert format_list([]) == "- "
    assert read_list("- ") == ParsedItems()
    assert read_relations("- ") == ParsedRelations()


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


# Lists: what models write ----------------------------------------------------------------


def test_tutorial_base_model_output() -> None:
    assert parse_list("- glaucoma\n- primary open-angle glaucoma") == [
        "glaucoma",
        "primary open-angle glaucoma",
    ]


def test_tutorial_fine_tuned_outputs_keep_names_whole() -> None:
    text = (
        "- 5-azacytidine\n- 5-AzC\n- benzo[a]-pyrene\n- N-methyl-N-nitrosourea\n"
        "- 1,2-dimethylhydrazine\n- 1,2-DMH\n- 2-acetylaminofluorene\n- CCl4\n"
        "- [3H]-5-azadeoxycytidine\n- cytosine"
    )
    assert parse_list(text) == [
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
    ]
    assert parse_list("- 5-azacytidine (5-AzC)\n- benzo[a]-pyrene") == [
        "5-azacytidine (5-AzC)",
        "benzo[a]-pyrene",
    ]


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
    assert read_list(text) == ParsedItems(("glaucoma", "blindness"))


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
    parsed = read_list(text)
    assert parsed.items == ("Glaucoma", "Primary open-angle glaucoma (POAG)", "Blindness")
    assert parsed.rejected == (
        Rejected(1, "Here are the diseases mentioned in the article:", "preamble"),
        Rejected(7, "Let me know if you need anything else!", "no list marker"),
    )


def test_preamble_without_a_colon_before_an_unmarked_list() -> None:
    parsed = read_list("Sure! Here is the list of chemicals.\ncocaine\nheroin")
    assert parsed.items == ("cocaine", "heroin")
    assert [r.reason for r in parsed.rejected] == ["preamble"]


def test_a_sentence_is_not_an_item() -> None:
    text = "The diseases mentioned are glaucoma and blindness, both of the eye."
    parsed = read_list(text)
    assert parsed.items == ()
    assert parsed.rejected == (Rejected(1, text, "preamble"),)


def test_headings_inside_a_list() -> None:
    parsed = read_list("### Diseases\n- glaucoma\n**Also:**\n- blindness")
    assert parsed.items == ("glaucoma", "blindness")
    assert [(r.line_number, r.reason) for r in parsed.rejected] == [
        (1, "preamble"),
        (3, "heading"),
    ]


def test_markdown_is_removed() -> None:
    text = (
        "- **glaucoma**\n- __blindness__\n- *POAG*\n- `CCl4`\n"
        '- "cocaine"\n- ***heroin***\n- **Parkinson**\'s disease'
    )
    assert parse_list(text) == [
        "glaucoma",
        "blindness",
        "POAG",
        "CCl4",
        "cocaine",
        "heroin",
        "Parkinson's disease",
    ]


def test_bold_name_with_an_explanation_keeps_the_name() -> None:
    text = (
        "1. **Glaucoma**: the leading cause of irreversible blindness\n"
        "2. **Neurodegeneration:** loss of retinal ganglion cells\n"
        "3. **POAG** - the most frequent form"
    )
    assert parse_list(text) == ["Glaucoma", "Neurodegeneration", "POAG"]


def test_trailing_punctuation() -> None:
    text = "- glaucoma.\n- blindness;\n- POAG,\n- cirrhosis...\n- Na.\n- heroin ."
    assert parse_list(text) == ["glaucoma", "blindness", "POAG", "cirrhosis", "Na", "heroin"]


def test_a_period_that_belongs_to_an_abbreviation_stays() -> None:
    text = "- morphine i.v.\n- Staphylococcus spp.\n- Smith et al.\n- e.g."
    assert parse_list(text) == ["morphine i.v.", "Staphylococcus spp.", "Smith et al.", "e.g."]


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
    assert read_list(text) == ParsedItems()
    assert read_relations(text) == ParsedRelations()


def test_nitric_oxide_is_not_none() -> None:
    assert parse_list("- NO\n- NO donors\n- NO synthase inhibitors\n- CO.") == [
        "NO",
        "NO donors",
        "NO synthase inhibitors",
        "CO",
    ]


def test_none_among_items_is_skipped() -> None:
    assert read_list("- glaucoma\n- None") == ParsedItems(("glaucoma",))


def test_duplicates_keep_the_first_occurrence() -> None:
    text = "- glaucoma\n- Glaucoma\n- **glaucoma**\n- blindness\n- glaucoma."
    assert parse_list(text) == ["glaucoma", "Glaucoma", "blindness"]


def test_empty_items_and_separators_are_rejected() -> None:
    parsed = read_list("- glaucoma\n- **\n---\n- ...\n* * *\n- blindness")
    assert parsed.items == ("glaucoma", "blindness")
    assert [(r.line_number, r.reason) for r in parsed.rejected] == [
        (2, "empty item"),
        (3, "separator"),
        (4, "empty item"),
        (5, "separator"),
    ]


# Relations: what models write ------------------------------------------------------------


def test_tutorial_relation_output() -> None:
    text = (
        "- Chemical phenobarbitone influences disease cirrhosis of the liver\n"
        "- Chemical carbon tetrachloride influences disease cirrhosis of the liver"
    )
    assert parse_relations(text) == [
        ("phenobarbitone", INFLUENCES, "cirrhosis of the liver"),
        ("carbon tetrachloride", INFLUENCES, "cirrhosis of the liver"),
    ]


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
    parsed = read_relations(line)
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
    parsed = read_relations(text)
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
    ) == [
        ("1,2-dimethylhydrazine", INFLUENCES, "colon cancer"),
        ("5-azacytidine", INFLUENCES, "tumors"),
    ]


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
    parsed = read_relations(text)
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
    parsed = read_relations(text)
    assert parsed.triples == (
        ("cocaine", INFLUENCES, "seizures"),
        ("lithium", INFLUENCES, "polyuria"),
    )
    assert [r.reason for r in parsed.rejected] == ["heading", "separator"]


def test_duplicate_relations_keep_the_first() -> None:
    text = "- cocaine -> seizures\n- Chemical cocaine influences disease seizures"
    assert parse_relations(text) == [("cocaine", INFLUENCES, "seizures")]


# Sections --------------------------------------------------------------------------------


def test_sections_of_the_combined_gold_format() -> None:
    text = (
        "Diseases:\n- a\n- b\n\nChemicals:\n- c\n\nInfluences:\n- Chemical c influences disease a"
    )
    sections = read_sections(text, HEADINGS)
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
    assert parse_list(sections.texts["diseases"]) == ["a", "b"]
    assert parse_relations(sections.texts["relations"]) == [("c", INFLUENCES, "a")]


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
    sections = read_sections(text, HEADINGS)
    assert sections.texts == {
        "diseases": "* glaucoma",
        "chemicals": "1. timolol",
        "relations": "- Chemical timolol influences disease glaucoma",
    }
    assert sections.missing == ()
    assert sections.rejected == (Rejected(1, "Sure! Here are the extracted lists.", "preamble"),)
    assert sections.starts == {"diseases": 4, "chemicals": 7, "relations": 10}


def test_section_content_on_the_heading_line() -> None:
    sections = read_sections("Diseases: None\n**Chemicals:** cocaine\nInfluences: ", HEADINGS)
    assert sections.texts == {"diseases": "None", "chemicals": "cocaine", "relations": ""}
    assert sections.starts == {"diseases": 1, "chemicals": 2, "relations": 4}
    assert parse_list(sections.texts["diseases"]) == []
    assert parse_list(sections.texts["chemicals"]) == ["cocaine"]


def test_missing_and_repeated_sections() -> None:
    text = "Diseases:\n- a\nDiseases:\n- b\n"
    sections = read_sections(text, HEADINGS)
    assert sections.texts == {"diseases": "- a\n- b"}
    assert sections.missing == ("chemicals", "relations")


def test_no_headings_at_all() -> None:
    sections = read_sections("- a\n\n- b", HEADINGS)
    assert sections.texts == {}
    assert sections.missing == ("diseases", "chemicals", "relations")
    assert [r.line_number for r in sections.rejected] == [1, 3]
    assert {r.reason for r in sections.rejected} == {"preamble"}


def test_section_line_numbers_map_back_to_the_answer() -> None:
    text = "Intro\nDiseases:\n- a\nnot an item\nChemicals:\n- c"
    sections = read_sections(text, HEADINGS)
    (rejected,) = read_list(sections.texts["diseases"]).rejected
    answer_line = sections.starts["diseases"] + rejected.line_number - 1
    assert text.splitlines()[answer_line - 1] == "not an item"


# The predicates --------------------------------------------------------------------------


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


def test_listable_triples() -> None:
    assert is_listable_triple(("cocaine", INFLUENCES, "seizures"))
    assert is_listable_triple(("cocaine", INFLUENCES, "x influences disease y"))
    assert not is_listable_triple(("cocaine", "induces", "seizures"))
    assert not is_listable_triple(("a influences disease b", INFLUENCES, "c"))
    assert not is_listable_triple(("a influences disease", INFLUENCES, "c"))
    assert not is_listable_triple(("None", INFLUENCES, "c"))
    assert not is_listable_triple(("Chemical", INFLUENCES, "c"))


# Real gold completions -------------------------------------------------------------------


def _gold_lists(path: Path) -> list[tuple[list[str], list[str]]]:
    lists = []
    for document in read_pubtator(path):
        diseases = list(dict.fromkeys(m.text for m in document.mentions if m.type == DISEASE))
        chemicals = list(dict.fromkeys(m.text for m in document.mentions if m.type == CHEMICAL))
        lists.append((diseases, chemicals))
    return lists


def test_bundled_sample_gold_lists_round_trip() -> None:
    lists = _gold_lists(SAMPLE)
    assert lists
    for diseases, chemicals in lists:
        assert all(is_listable_item(name) for name in diseases + chemicals)
        assert parse_list(format_list(diseases)) == diseases
        assert parse_list(format_list(chemicals)) == chemicals
        pairs: list[Triple] = [(c, INFLUENCES, d) for c in chemicals[:3] for d in diseases[:3]]
        assert parse_relations(format_relations(pairs)) == pairs


@pytest.mark.corpus
def test_every_bc5cdr_name_is_listable(bc5cdr_dir: Path) -> None:
    for split in ("Training", "Development", "Test"):
        for diseases, chemicals in _gold_lists(bc5cdr_dir / f"CDR_{split}Set.PubTator.txt"):
            assert parse_list(format_list(diseases)) == diseases
            assert parse_list(format_list(chemicals)) == chemicals


# Properties ------------------------------------------------------------------------------


@given(model_texts)
def test_no_text_makes_a_parser_raise(text: str) -> None:
    items = read_list(text)
    relations = read_relations(text)
    sections = read_sections(text, HEADINGS)
    _check_rejected(text, items.rejected)
    _check_rejected(text, relations.rejected)
    _check_rejected(text, sections.rejected)
    assert parse_list(text) == list(items.items)
    assert parse_relations(text) == list(relations.triples)
    assert set(sections.missing) | set(sections.texts) == set(HEADINGS)
    assert not set(sections.missing) & set(sections.texts)


@given(model_texts)
def test_no_empty_item_or_name_is_ever_returned(text: str) -> None:
    items = parse_list(text)
    assert all(item and item == item.strip() for item in items)
    assert len(items) == len(set(items))
    for chemical, verb, disease in parse_relations(text):
        assert chemical and chemical == chemical.strip()
        assert disease and disease == disease.strip()
        assert verb == INFLUENCES


@given(item_lists)
def test_format_list_then_parse_list_gives_the_items_back(items: list[str]) -> None:
    assert parse_list(format_list(items)) == items
    assert read_list(format_list(items)).rejected == ()


@given(triple_lists)
def test_format_relations_then_parse_relations_gives_the_triples_back(
    triples: list[Triple],
) -> None:
    assert parse_relations(format_relations(triples)) == triples
    assert read_relations(format_relations(triples)).rejected == ()


@given(item_lists, item_lists, triple_lists)
def test_combined_gold_answer_splits_back_into_its_lists(
    diseases: list[str], chemicals: list[str], relations: list[Triple]
) -> None:
    text = (
        f"List of extracted diseases:\n{format_list(diseases)}\n\n"
        f"List of extracted chemicals:\n{format_list(chemicals)}\n\n"
        f"List of extracted influences:\n{format_relations(relations)}"
    )
    sections = read_sections(text, HEADINGS)
    lines = [
        *diseases,
        *chemicals,
        *(f"Chemical {c} influences disease {d}" for c, _, d in relations),
    ]
    if any(read_sections(f"- {line}", HEADINGS).texts for line in lines):
        return  # an item that reads as a heading starts a section: no gold answer has one
    assert sections.missing == ()
    assert parse_list(sections.texts["diseases"]) == diseases
    assert parse_list(sections.texts["chemicals"]) == chemicals
    assert parse_relations(sections.texts["relations"]) == relations


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
    read_list(text)
    read_relations(text)
    read_sections(text, HEADINGS)
    assert time.perf_counter() - start < 2.0
