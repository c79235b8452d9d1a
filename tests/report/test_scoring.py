"""Scoring a run from its data: the run evaluate makes, rebuilt from its extractions."""

from __future__ import annotations

import attrs

from cohere_medner.corpus import load_sample
from cohere_medner.extraction import Extraction
from cohere_medner.extractor import Extractor
from cohere_medner.report import score_run
from evaluation_runs import lexicon_run


def test_a_run_scored_from_its_extractions_is_the_run_evaluate_made() -> None:
    made = lexicon_run()
    extractor = Extractor("lexicon", progress=False)
    again = score_run(
        made.model,
        made.extractions,
        load_sample("test"),
        extractor.tasks,
        extractor.template,
        extractor.lexicon,
        usage=made.usage,
        seconds=made.seconds,
        mode=extractor.mode,
    )
    # Alike but for when each was scored.
    assert again.provenance.date and made.provenance.date
    assert attrs.evolve(again, provenance=attrs.evolve(again.provenance, date=None)) == (
        attrs.evolve(made, provenance=attrs.evolve(made.provenance, date=None))
    )


def test_a_failed_document_is_listed_and_left_out_of_every_score() -> None:
    made = lexicon_run()
    extractor = Extractor("lexicon", progress=False)
    first = made.extractions[0].document
    extractions = [Extraction(first, error="boom"), *made.extractions[1:]]
    run = score_run(
        "lexicon", extractions, load_sample("test"), extractor.tasks, extractor.template
    )
    assert (run.documents, run.failed) == (10, ((first, "boom"),))
    assert [view.pmid for view in run.views] == [e.document for e in made.extractions[1:]]
    assert all(first not in scores.documents for scores in run.scores.values())
    assert set(run.official) == {"mention"}  # no lexicon, no identifiers
    assert run.label == "lexicon" and attrs.evolve(run, label="x").label == "x"
