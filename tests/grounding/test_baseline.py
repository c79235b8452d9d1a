from __future__ import annotations

import time
from pathlib import Path

import pytest

from cohere_medner.corpus import load_bc5cdr, load_sample, read_pubtator, write_pubtator
from cohere_medner.errors import (
    ConfigurationError,
    DataLeakError,
    EmptyTextError,
    ForbiddenSplitError,
)
from cohere_medner.grounding.baseline import MODEL, LexiconBaseline
from cohere_medner.grounding.lexicon import Lexicon, LexiconEntry
from cohere_medner.grounding.prediction import predictions
from cohere_medner.scoring import official as scoring
from cohere_medner.scoring.official import Level
from cohere_medner.types import CHEMICAL, CID, DISEASE, ENTITY_TYPES, Document
from strategies import annotated

# The floor the issue sets: a plain case-insensitive dictionary match, scored by the official
# evaluator on the test split with a train+development lexicon (F1).
FLOOR: dict[tuple[Level, str], float] = {
    ("mention", CHEMICAL): 0.716,
    ("mention", DISEASE): 0.742,
    ("id", CHEMICAL): 0.789,
    ("id", DISEASE): 0.773,
}


@pytest.fixture(scope="module")
def sample_baseline() -> LexiconBaseline:
    return LexiconBaseline.from_data()


def test_extracts_names_and_triples_like_a_model(sample_baseline: LexiconBaseline) -> None:
    document = load_sample("test")[0]
    extraction = sample_baseline.extract(document)
    assert extraction.document == document.pmid and extraction.ok
    # The bundled sample's 40 training documents make a small lexicon.
    assert extraction.entities == {CHEMICAL: ("gentamicin",), DISEASE: ("nausea",)}
    assert extraction.relations == (("gentamicin", "influences", "nausea"),)
    assert extraction.requests == 0 and extraction.input_tokens == 0
    assert sample_baseline.model == MODEL == "lexicon"


def test_predicted_documents_are_written_and_scored(
    sample_baseline: LexiconBaseline, tmp_path: Path
) -> None:
    gold = load_sample("test").to_list()
    predicted = sample_baseline.predict_many(gold)
    # The same documents come out of the public path any model's extractions take.
    extractions = sample_baseline.extract_many(gold)
    assert predictions(extractions, gold, sample_baseline.lexicon) == predicted
    path = tmp_path / "pred.PubTator"
    write_pubtator(predicted, path)
    assert read_pubtator(path).to_list() == predicted
    for entity_type in ENTITY_TYPES:
        result = scoring.score(gold, predicted, "mention", entity_type)
        assert result.precision > 0.7 and result.tp > 10
    assert all(r.type == CID for d in predicted for r in d.relations)
    assert scoring.score(gold, predicted, "relation").tp > 0


def test_vocabulary_names_are_not_matched_in_the_text(sample_baseline: LexiconBaseline) -> None:
    document = load_sample("test")[0]
    assert "side effects" in document.text and "cataract" in document.text
    lexicon = sample_baseline.lexicon
    vocabulary = [
        LexiconEntry("sideeffects", DISEASE, ("D064420",), 0, 0, source="vocabulary"),
        LexiconEntry("cataract", DISEASE, ("D002386",), 0, 0, source="vocabulary"),
    ]
    combined = Lexicon([*lexicon.entries(), *vocabulary], lexicon.splits, lexicon.pmids)
    baseline = LexiconBaseline(combined)
    assert baseline.extract(document) == sample_baseline.extract(document)
    assert baseline.predict(document) == sample_baseline.predict(document)


def test_bare_text(sample_baseline: LexiconBaseline) -> None:
    extraction = sample_baseline.extract("Gentamicin caused nausea.")
    assert extraction.document.startswith("text-")
    assert extraction.entities == {CHEMICAL: ("Gentamicin",), DISEASE: ("nausea",)}
    predicted = sample_baseline.predict("Gentamicin caused nausea.")
    assert predicted.pmid == extraction.document and len(predicted.relations) == 1
    with pytest.raises(EmptyTextError):
        sample_baseline.extract("   ")
    with pytest.raises(EmptyTextError):
        sample_baseline.extract(Document("1", " ", ""))


def test_refuses_the_documents_its_lexicon_was_built_on(sample_baseline: LexiconBaseline) -> None:
    seen = load_sample("train")[0]
    with pytest.raises(DataLeakError, match=seen.pmid):
        sample_baseline.extract(seen)
    with pytest.raises(DataLeakError):
        sample_baseline.predict(load_sample("validation")[0])
    told = LexiconBaseline(sample_baseline.lexicon, allow_seen=True)
    assert told.extract(seen).entities[CHEMICAL]


def test_refuses_a_lexicon_from_the_test_split() -> None:
    with pytest.raises(ForbiddenSplitError):
        LexiconBaseline.from_data(splits=("train", "test"))
    allowed = LexiconBaseline.from_data(splits=("test",), allow_test=True)
    assert allowed.lexicon.splits == ("test",)


def test_bad_settings() -> None:
    lexicon = Lexicon.from_documents(load_sample("train"), "train")
    with pytest.raises(ConfigurationError, match="min_share"):
        LexiconBaseline(lexicon, min_share=1.5)
    with pytest.raises(ConfigurationError, match="relations"):
        LexiconBaseline(lexicon, relations="paragraph")  # type: ignore[arg-type]


TRAIN = [
    annotated(
        "1",
        "NO and CO caused Pain. Pain and drug toxicity.",
        ("NO", CHEMICAL, ("D009569",)),
        ("CO", CHEMICAL, ("D002248",)),
        ("Pain", DISEASE, ("D010146",)),
        ("toxicity", DISEASE, ("D064420",)),
    ),
    annotated(
        "2", "drug-induced pain", ("drug", CHEMICAL, ("D004364",)), ("pain", DISEASE, ("D010146",))
    ),
    Document("3", "No drug was given; the drug was safe; drug levels.", ""),
]


def test_matching_rules() -> None:
    baseline = LexiconBaseline(Lexicon.from_documents(TRAIN, "train"))
    document = Document(
        "9", "A title", "NO and CO raised PAIN, no co-factor. Pains, drug toxicity."
    )
    extraction = baseline.extract(document)
    # Abbreviations and short forms only as spelled; other forms ignoring case and in the
    # plural; "drug" is annotated in 1 of its 5 training occurrences: filtered out.
    assert extraction.entities == {
        CHEMICAL: ("NO", "CO"),
        DISEASE: ("PAIN", "Pains", "toxicity"),
    }
    assert set(extraction.relations) == {
        ("NO", "influences", "PAIN"),
        ("CO", "influences", "PAIN"),
    }
    everything = LexiconBaseline(Lexicon.from_documents(TRAIN, "train"), min_share=0.0)
    assert everything.extract(document).entities[CHEMICAL] == ("NO", "CO", "drug")
    whole = LexiconBaseline(Lexicon.from_documents(TRAIN, "train"), relations="document")
    assert len(whole.extract(document).relations) == 4
    none = LexiconBaseline(Lexicon.from_documents(TRAIN, "train"), relations="none")
    assert none.extract(document).relations == ()


@pytest.mark.corpus
def test_beats_the_floor_on_the_full_test_split(bc5cdr_dir: Path) -> None:
    started = time.perf_counter()
    baseline = LexiconBaseline.from_data(bc5cdr_dir)
    gold = load_bc5cdr("test", bc5cdr_dir).to_list()
    predicted = baseline.predict_many(gold)
    elapsed = time.perf_counter() - started
    # Measured: mention F 0.830 (Chemical) and 0.788 (Disease), id F 0.827 and 0.812,
    # relation P 0.268, R 0.446, F 0.335; about 2 s for lexicon and 500 documents.
    for (level, entity_type), floor in FLOOR.items():
        assert scoring.score(gold, predicted, level, entity_type).f1 > floor + 0.02
    assert scoring.score(gold, predicted, "relation").f1 > 0.3
    assert elapsed < 30
