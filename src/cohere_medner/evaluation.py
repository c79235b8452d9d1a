"""Evaluation runs: extract from annotated documents with an Extractor, then score them.

The extracting is the Extractor's, timed and counted here; the scoring, at the list level and
by the official definitions, is :func:`~cohere_medner.report.score_run`'s, and what comes out
is an :class:`~cohere_medner.report.EvaluationRun`, the run every report takes (importable
from here too, beside what makes it).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from cohere_medner.corpus import DocumentStream
from cohere_medner.errors import DataLeakError
from cohere_medner.extractor import Extractor
from cohere_medner.grounding.lexicon import Lexicon
from cohere_medner.report import EvaluationRun, score_run
from cohere_medner.types import Document

__all__ = ["EvaluationRun", "evaluate"]


def evaluate(
    extractor: Extractor,
    documents: Iterable[Document],
    lexicon: Lexicon | None = None,
    *,
    allow_seen: bool = False,
    corpus: str | None = None,
    split: str | None = None,
) -> EvaluationRun:
    """Run ``extractor`` over ``documents`` and score every task it extracts.

    ``lexicon`` gives predicted mentions and relations their MeSH identifiers (the
    offline baseline brings its own); without one, only list and mention levels are scored.
    A lexicon built from any of the documents is refused before anything is sent
    (:class:`~cohere_medner.errors.DataLeakError`) unless ``allow_seen``. Documents whose
    requests failed are left out of every score and listed in the run's ``failed``:
    re-running the evaluation (answers are cached) fills them in. No documents at all is
    an error (:class:`~cohere_medner.report.NoDocumentsError`), not a table of zeros.
    ``corpus`` (default: where a :class:`~cohere_medner.corpus.DocumentStream` was read from)
    and ``split`` name the documents in the run's provenance.
    """
    if corpus is None and isinstance(documents, DocumentStream):
        corpus = documents.source
    items = list(documents)
    seen = lexicon.seen(items) if lexicon is not None and not allow_seen else []
    if seen:
        raise DataLeakError(
            f"{len(seen)} of the {len(items)} documents to evaluate are ones the lexicon was "
            f"built from (PMIDs {', '.join(seen[:5])}{' ...' if len(seen) > 5 else ''}): "
            "their identifiers would come from their own annotations. Evaluate another "
            "split, build the lexicon from other splits, or pass allow_seen=True"
        )
    before = dict(extractor.usage)
    start = time.monotonic()
    extractions = extractor.extract_many(items)
    seconds = time.monotonic() - start
    usage = {k: v - before.get(k, 0) for k, v in extractor.usage.items()}
    return score_run(
        extractor.model.name,
        extractions,
        items,
        extractor.tasks,
        extractor.template,
        lexicon or extractor.lexicon,
        usage=usage,
        seconds=seconds,
        mode=extractor.mode,
        corpus=corpus,
        split=split,
    )
