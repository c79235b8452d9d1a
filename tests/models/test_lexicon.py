"""The offline baseline as a model: its answers read back as exactly what the baseline found."""

from __future__ import annotations

from pathlib import Path

import pytest

from cohere_medner.corpus import load_bc5cdr, load_sample
from cohere_medner.errors import DataLeakError
from cohere_medner.extraction import Extraction
from cohere_medner.extractor import Extractor, Mode
from cohere_medner.grounding.baseline import LexiconBaseline
from cohere_medner.models.lexicon import LexiconModel
from cohere_medner.types import Document


def assert_as_found(
    extractions: list[Extraction], baseline: LexiconBaseline, documents: list[Document]
) -> None:
    for extraction, document in zip(extractions, documents, strict=True):
        found = baseline.extract(document)
        assert extraction.ok and not extraction.rejected
        assert extraction.entities == found.entities and extraction.relations == found.relations
        assert (extraction.requests, extraction.cached) == (0, 0)


@pytest.mark.parametrize("mode", ["per-task", "combined"])
def test_every_name_the_baseline_finds_in_the_test_split_reads_back_exactly(
    bc5cdr_dir: Path, mode: Mode
) -> None:
    baseline = LexiconBaseline.from_data(bc5cdr_dir)
    documents = load_bc5cdr("test", bc5cdr_dir).to_list()
    extractor = Extractor("lexicon", mode=mode, lexicon=baseline, progress=False)
    assert_as_found(extractor.extract_many(documents), baseline, documents)
    assert set(extractor.usage.values()) == {0}


def test_the_default_lexicon_is_the_bundled_sample_s_train_and_validation() -> None:
    model = LexiconModel()
    assert model.name == "lexicon" and model.lexicon.splits == ("train", "validation")
    documents = load_sample("test").to_list()
    extractions = Extractor(model, progress=False).extract_many(documents)
    assert_as_found(extractions, LexiconBaseline.from_data(), documents)


def test_documents_the_lexicon_was_built_from_are_refused_before_any_answer() -> None:
    model = LexiconModel()
    extractor = Extractor(model, progress=False)
    seen = load_sample("train")[0]
    with pytest.raises(DataLeakError, match=seen.pmid):
        extractor.extract_many([*load_sample("test"), seen])
    allowed = LexiconBaseline(model.lexicon, allow_seen=True)
    assert Extractor("lexicon", lexicon=allowed, progress=False).extract(seen).ok
