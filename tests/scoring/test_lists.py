"""Tests for list-level metrics: normalization, per-document detail, averages, properties."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.corpus import load_sample
from cohere_medner.errors import MedNerError, MetricsInputError
from cohere_medner.parsing.lists import format_list, parse_list
from cohere_medner.parsing.relations import INFLUENCES
from cohere_medner.scoring.lists import (
    Comparison,
    ListScores,
    normalize_item,
    normalize_pair,
    score_items,
    score_lists,
    score_relation_lists,
    score_relations,
)
from cohere_medner.types import DISEASE, Score

# Names with the case, spacing and punctuation variation that normalization is for.
NAME_ALPHABET = "abcdeABCDE012 .,;:()[]-'\"*_\t\u00e9\u0130\u00df\u212a"
items = st.text(NAME_ALPHABET, max_size=12) | st.text(max_size=8)
item_lists = st.lists(items, max_size=6)
doc_ids = st.text("0123456789", min_size=1, max_size=4)
documents = st.dictionaries(doc_ids, item_lists, max_size=6)
pairs = st.tuples(items, items)
relation_documents = st.dictionaries(doc_ids, st.lists(pairs, max_size=5), max_size=5)


def _gold_count(gold: Mapping[str, Sequence[str]], exact: bool = False) -> int:
    return sum(len({normalize_item(i, exact) for i in doc} - {""}) for doc in gold.values())


# Normalization ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Glaucoma", "glaucoma"),
        ("  primary   open-angle\tglaucoma ", "primary open-angle glaucoma"),
        ("glaucoma.", "glaucoma"),
        ('"cocaine",', "cocaine"),
        ("**heroin**", "heroin"),
        ("`CCl4`", "ccl4"),
        ("(POAG)", "poag"),
        ("[3H]-thymidine", "[3h]-thymidine"),
        ("(+)-nicotine", "(+)-nicotine"),
        ("(a) and (b)", "(a) and (b)"),
        ("5-azacytidine (5-AzC)", "5-azacytidine (5-azc)"),
        ("1,2-dimethylhydrazine", "1,2-dimethylhydrazine"),
        ("Na+", "na+"),
        ("Stra\u00dfe", "strasse"),
        ("\uff2e\uff41", "na"),  # full-width letters
        ("...", ""),
    ],
)
def test_normalize_item(text: str, expected: str) -> None:
    assert normalize_item(text) == expected


def test_exact_normalization_changes_nothing() -> None:
    assert normalize_item(" Glaucoma. ", exact=True) == " Glaucoma. "
    assert normalize_pair("Cocaine", "Seizures.", exact=True) == ("Cocaine", "Seizures.")
    assert normalize_pair("Cocaine", "Seizures.") == ("cocaine", "seizures")


# One document ----------------------------------------------------------------------------


def test_score_items_sorts_items_into_tp_fp_fn() -> None:
    gold = ["glaucoma", "primary open-angle glaucoma", "blindness", "POAG"]
    predicted = ["Glaucoma", "POAG.", "neurodegeneration", "glaucoma"]
    comparison = score_items(gold, predicted)
    assert comparison == Comparison(
        tp=("glaucoma", "POAG"),
        fp=("neurodegeneration",),
        fn=("primary open-angle glaucoma", "blindness"),
    )
    assert comparison.score == Score(2, 1, 2)
    assert comparison.score.precision == pytest.approx(2 / 3)
    assert comparison.score.recall == pytest.approx(1 / 2)


def test_exact_matching() -> None:
    comparison = score_items(["glaucoma", "POAG"], ["Glaucoma", "POAG"], exact=True)
    assert comparison == Comparison(tp=("POAG",), fp=("Glaucoma",), fn=("glaucoma",))


def test_items_that_normalize_to_nothing_are_ignored() -> None:
    assert score_items(["glaucoma"], ["glaucoma", "...", ""]).score == Score(1, 0, 0)


def test_score_relations_compares_name_pairs_from_triples_or_pairs() -> None:
    gold = [
        ("phenobarbitone", INFLUENCES, "cirrhosis of the liver"),
        ("carbon tetrachloride", INFLUENCES, "cirrhosis of the liver"),
    ]
    predicted = [
        ("Phenobarbitone", "Cirrhosis of the liver."),
        ("carbon tetrachloride", "hepatotoxicity"),
        ("cirrhosis of the liver", "phenobarbitone"),
    ]
    comparison = score_relations(gold, predicted)
    assert comparison.tp == (("phenobarbitone", "cirrhosis of the liver"),)
    assert comparison.fp == (
        ("carbon tetrachloride", "hepatotoxicity"),
        ("cirrhosis of the liver", "phenobarbitone"),
    )
    assert comparison.fn == (("carbon tetrachloride", "cirrhosis of the liver"),)


def test_a_relation_with_an_empty_name_is_ignored() -> None:
    assert score_relations([("a", "b")], [("a", "b"), ("", "b"), ("a", ".")]).score == Score(
        1, 0, 0
    )


# Documents -------------------------------------------------------------------------------


def test_micro_and_macro_averages() -> None:
    gold = {"1": ["a", "b"], "2": ["c"], "3": [], "4": []}
    predicted = {"1": ["a", "b"], "2": ["d"], "3": [], "4": ["e"]}
    scores = score_lists(gold, predicted)
    assert scores.micro == Score(2, 2, 1)
    # Document 3 has nothing on either side and is left out of the macro averages.
    assert scores.scored_documents == ("1", "2", "4")
    assert scores.macro_precision == pytest.approx((1 + 0 + 0) / 3)
    assert scores.macro_recall == pytest.approx((1 + 0 + 0) / 3)
    assert scores.macro_f1 == pytest.approx((1 + 0 + 0) / 3)
    assert scores.documents["3"] == Comparison()
    assert scores.documents["2"] == Comparison(fp=("d",), fn=("c",))


def test_macro_f1_is_the_mean_of_document_f1() -> None:
    scores = score_lists({"1": ["a", "b"], "2": ["c"]}, {"1": ["a"], "2": ["c", "x", "y"]})
    f1_one = 2 * 1.0 * 0.5 / 1.5
    f1_two = 2 * (1 / 3) * 1.0 / (1 / 3 + 1.0)
    assert scores.macro_f1 == pytest.approx((f1_one + f1_two) / 2)
    assert scores.macro_precision == pytest.approx((1.0 + 1 / 3) / 2)
    assert scores.macro_recall == pytest.approx((0.5 + 1.0) / 2)


def test_documents_only_one_side_has() -> None:
    scores = score_lists({"1": ["a"], "2": ["b"]}, {"1": ["a"], "3": ["c"]})
    assert list(scores.documents) == ["1", "2", "3"]
    assert scores.documents["2"] == Comparison(fn=("b",))
    assert scores.documents["3"] == Comparison(fp=("c",))
    assert scores.micro == Score(1, 1, 1)


def test_positional_lists() -> None:
    scores = score_lists([["a"], ["b", "c"]], [["A"], ["c"]])
    assert list(scores.documents) == ["0", "1"]
    assert scores.micro == Score(2, 0, 1)


@pytest.mark.parametrize(
    ("gold", "predicted"),
    [
        ([["a"], ["b"]], [["a"]]),
        ({"1": ["a"]}, [["a"]]),
        ([["a"]], {"1": ["a"]}),
        ({"1": "glaucoma"}, {"1": ["glaucoma"]}),
        (["glaucoma"], [["glaucoma"]]),
    ],
)
def test_inputs_that_cannot_be_paired(gold: object, predicted: object) -> None:
    with pytest.raises(MetricsInputError) as raised:
        score_lists(gold, predicted)  # type: ignore[arg-type]
    assert isinstance(raised.value, MedNerError)
    assert isinstance(raised.value, ValueError)


def test_one_string_is_not_a_list_of_items() -> None:
    with pytest.raises(MetricsInputError):
        score_items("glaucoma", ["glaucoma"])


def test_one_string_is_not_a_document_s_relations() -> None:
    with pytest.raises(MetricsInputError):
        score_relation_lists({"1": "ab"}, {"1": [("a", "b")]})  # type: ignore[dict-item]


def test_no_documents() -> None:
    scores = score_lists({}, {})
    assert scores == ListScores()
    assert scores.micro == Score(0, 0, 0)
    assert (scores.macro_precision, scores.macro_recall, scores.macro_f1) == (0.0, 0.0, 0.0)


def test_relation_lists() -> None:
    gold = {"1": [("cocaine", INFLUENCES, "seizures")], "2": [("lithium", INFLUENCES, "polyuria")]}
    predicted = {"1": [("Cocaine", INFLUENCES, "seizures.")], "2": []}
    scores = score_relation_lists(gold, predicted)
    assert scores.micro == Score(1, 0, 1)
    assert scores.documents["1"].tp == (("cocaine", "seizures"),)
    assert scores.documents["2"].fn == (("lithium", "polyuria"),)
    assert scores.macro_recall == pytest.approx(0.5)


def test_as_dict_for_reports() -> None:
    scores = score_relation_lists({"1": [("a", "b")]}, {"1": [("a", "b"), ("c", "d")]})
    data = scores.as_dict()
    assert data["micro"] == Score(1, 1, 0).as_dict()
    assert data["macro"] == {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3),
                             "documents": 1}  # fmt: skip
    assert data["documents"] == {
        "1": {
            "tp": [["a", "b"]],
            "fp": [["c", "d"]],
            "fn": [],
            "precision": 0.5,
            "recall": 1.0,
            "f1": pytest.approx(2 / 3),
        }
    }


def test_gold_lists_of_the_bundled_sample_score_perfectly_through_the_parser() -> None:
    gold = {
        doc.pmid: list(dict.fromkeys(m.text for m in doc.mentions if m.type == DISEASE))
        for doc in load_sample()
    }
    predicted = {pmid: parse_list(format_list(names)).items for pmid, names in gold.items()}
    scores = score_lists(gold, predicted, exact=True)
    assert scores.micro.fp == scores.micro.fn == 0
    assert scores.micro.f1 == 1.0
    assert scores.macro_f1 == 1.0


# Properties ------------------------------------------------------------------------------


@given(items)
def test_normalization_is_idempotent(text: str) -> None:
    once = normalize_item(text)
    assert normalize_item(once) == once
    assert once == once.strip()


@given(documents, st.booleans())
def test_perfect_predictions_give_f1_one(gold: dict[str, list[str]], exact: bool) -> None:
    scores = score_lists(gold, gold, exact)
    assert scores.micro.fp == scores.micro.fn == 0
    if _gold_count(gold, exact):
        assert scores.micro.f1 == 1.0
        assert scores.macro_f1 == 1.0
        assert scores.macro_precision == scores.macro_recall == 1.0


@given(documents)
def test_predictions_differing_only_in_case_and_punctuation_are_perfect(
    gold: dict[str, list[str]],
) -> None:
    predicted = {doc: [f" **{item.upper()}**. " for item in names] for doc, names in gold.items()}
    scores = score_lists(gold, predicted)
    uppercase_changes = any(
        normalize_item(i.upper()) != normalize_item(i) for names in gold.values() for i in names
    )
    if not uppercase_changes:
        assert scores.micro.fp == scores.micro.fn == 0


@given(documents, st.booleans())
def test_empty_predictions_give_recall_zero(gold: dict[str, list[str]], exact: bool) -> None:
    scores = score_lists(gold, {doc: [] for doc in gold}, exact)
    assert scores.micro.recall == 0.0
    assert scores.micro.tp == scores.micro.fp == 0
    assert scores.macro_recall == 0.0


@given(documents, documents, st.booleans())
def test_micro_tp_plus_fn_is_the_gold_count(
    gold: dict[str, list[str]], predicted: dict[str, list[str]], exact: bool
) -> None:
    scores = score_lists(gold, predicted, exact)
    assert scores.micro.tp + scores.micro.fn == _gold_count(gold, exact)
    assert scores.micro.tp + scores.micro.fp == _gold_count(predicted, exact)
    assert scores.micro == sum((c.score for c in scores.documents.values()), Score(0, 0, 0))
    for value in (scores.macro_precision, scores.macro_recall, scores.macro_f1):
        assert 0.0 <= value <= 1.0


@given(relation_documents, relation_documents)
def test_relation_counts(
    gold: dict[str, list[tuple[str, str]]], predicted: dict[str, list[tuple[str, str]]]
) -> None:
    scores = score_relation_lists(gold, predicted)
    gold_count = sum(
        len({normalize_pair(*p) for p in doc if all(normalize_pair(*p))}) for doc in gold.values()
    )
    assert scores.micro.tp + scores.micro.fn == gold_count
    perfect = score_relation_lists(gold, gold)
    assert perfect.micro.fp == perfect.micro.fn == 0
    if gold_count:
        assert perfect.micro.f1 == 1.0


def test_json_form_keeps_each_documents_items() -> None:
    # The per-document counts once overwrote the item lists of the same names.
    found = score_lists({"1": ["glaucoma", "blindness"]}, {"1": ["glaucoma", "cataract"]})
    document = found.as_dict()["documents"]["1"]  # type: ignore[index]
    assert document["tp"] == ["glaucoma"] and document["fn"] == ["blindness"]
    assert document["fp"] == ["cataract"] and document["f1"] == 0.5
