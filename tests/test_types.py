"""The data model: mentions and documents that cannot be built wrong, and scores."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.errors import AnnotationError
from cohere_medner.types import CHEMICAL, DISEASE, Document, Mention, Relation, Score, mesh_id
from strategies import documents, texts

TITLE = "Naloxone reverses clonidine."
ABSTRACT = "Naloxone alone did not."


def test_text_joins_title_and_abstract_with_one_space() -> None:
    document = Document("1", TITLE, ABSTRACT)
    assert document.text == f"{TITLE} {ABSTRACT}"
    assert document.text[document.abstract_start :] == ABSTRACT


@given(documents(with_scores=True))
def test_every_mention_selects_its_own_text(document: Document) -> None:
    for mention in document.mentions:
        assert document.text[mention.start : mention.end] == mention.text


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (3, 3), (5, 2)])
def test_a_mention_needs_increasing_offsets(start: int, end: int) -> None:
    with pytest.raises(AnnotationError, match="0 <= start < end"):
        Mention(start, end, "abc", CHEMICAL)


@given(texts, st.integers(0, 1000), st.integers(-3, 3).filter(bool))
def test_a_mention_whose_length_disagrees_with_its_offsets_is_refused(
    text: str, start: int, shift: int
) -> None:
    end = start + len(text) + shift
    if end <= start:
        return
    with pytest.raises(AnnotationError, match=f"is {len(text)} characters long"):
        Mention(start, end, text, DISEASE)


def test_a_document_refuses_a_mention_that_is_not_its_text() -> None:
    wrong = Mention(0, 8, "Clonidin", CHEMICAL)
    with pytest.raises(AnnotationError) as caught:
        Document("227508", TITLE, ABSTRACT, (wrong,))
    assert str(caught.value) == (
        "document 227508: mention 'Clonidin' at 0..8 does not match the text there ('Naloxone')"
    )


def test_data_is_frozen_and_hashable() -> None:
    mention = Mention(0, 8, "Naloxone", CHEMICAL, ("D009270",))
    relation = Relation("D009270", "D006973")
    document = Document("1", TITLE, ABSTRACT, (mention,), (relation,))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        mention.start = 1  # type: ignore[misc]
    assert len({document, attrs.evolve(document)}) == 1
    assert relation.type == "CID" and relation.score is None


def test_zero_over_zero_is_zero() -> None:
    empty = Score(0, 0, 0)
    assert (empty.precision, empty.recall, empty.f1) == (0, 0, 0)


def test_the_kits_disease_mention_figures() -> None:
    score = Score(303, 105, 121)
    assert score.precision == 0.7426470588235294
    assert score.recall == 0.714622641509434
    assert score.f1 == 0.7283653846153848


counts = st.integers(0, 10_000)
scores = st.builds(Score, counts, counts, counts)


@given(scores)
def test_scores_lie_between_zero_and_one(score: Score) -> None:
    assert 0 <= score.precision <= 1 and 0 <= score.recall <= 1 and 0 <= score.f1 <= 1
    # The harmonic mean lies between its two terms.
    low, high = sorted((score.precision, score.recall))
    assert low - 1e-12 <= score.f1 <= high + 1e-12


@given(scores)
def test_perfect_recall_and_precision_only_without_misses_and_false_alarms(score: Score) -> None:
    assert (score.f1 == 1) == (score.tp > 0 and score.fp == 0 and score.fn == 0)


@given(scores, scores, scores)
def test_adding_scores_adds_counts(a: Score, b: Score, c: Score) -> None:
    assert a + b == b + a == Score(a.tp + b.tp, a.fp + b.fp, a.fn + b.fn)
    assert (a + b) + c == a + (b + c)
    assert a + Score(0, 0, 0) == a


@given(scores)
def test_as_dict_holds_the_json_keys(score: Score) -> None:
    assert score.as_dict() == {
        "tp": score.tp,
        "fp": score.fp,
        "fn": score.fn,
        "precision": score.precision,
        "recall": score.recall,
        "f1": score.f1,
    }


@given(st.text(alphabet="MESHmeshCBI:D0123456789|-", max_size=20))
def test_mesh_id_drops_only_a_mesh_prefix(identifier: str) -> None:
    found = mesh_id(identifier)
    assert mesh_id(found) == found or found.upper().startswith("MESH:")
    assert identifier.endswith(found)
    if not identifier.upper().startswith("MESH:"):
        assert found == identifier


def test_mesh_id_examples() -> None:
    assert mesh_id("D003866") == mesh_id("MESH:D003866") == mesh_id("mesh:D003866") == "D003866"
    assert mesh_id("CHEBI:32875") == "CHEBI:32875"
