"""Scoring a run from its data: extractions against the documents they were made from.

List-level scores compare, per document and task, the model's list with the gold list
the task builds from the annotations (the text the prompt showed only), after the
normalization of :mod:`cohere_medner.scoring.lists`. Official scores ground the lists in the
text (:mod:`cohere_medner.grounding.ground`) and score the mentions by the official BC5CDR
definitions; with a lexicon (:mod:`cohere_medner.grounding.lexicon`) the mentions and relation
triples also get MeSH identifiers, and the identifier and relation levels are scored.
Documents whose requests failed are left out of every score and listed in ``failed``: a
failure is the API's, not the model's, and re-running the evaluation (answers are cached)
fills them in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cohere_medner.corpus import DocumentStream
from cohere_medner.extraction import Extraction
from cohere_medner.grounding.lexicon import Lexicon
from cohere_medner.grounding.prediction import predict
from cohere_medner.parsing.relations import Triple
from cohere_medner.prompts.tasks import Task
from cohere_medner.prompts.templates import Template
from cohere_medner.report._errors import NoDocumentsError
from cohere_medner.report._provenance import (
    Provenance,
    content_hash,
    examples_text,
    library_version,
    now,
)
from cohere_medner.report._runs import DocumentView, EvaluationRun
from cohere_medner.scoring import official as scoring
from cohere_medner.scoring.lists import ListScores, score_lists, score_relation_lists
from cohere_medner.types import CID, Document, Score

__all__ = ["official_scores", "score_extractions", "score_run"]


def score_run(
    model: str,
    extractions: Iterable[Extraction],
    documents: Iterable[Document],
    tasks: Sequence[Task],
    template: Template,
    lexicon: Lexicon | None = None,
    *,
    usage: Mapping[str, int] | None = None,
    seconds: float = 0.0,
    mode: str | None = None,
    corpus: str | None = None,
    split: str | None = None,
) -> EvaluationRun:
    """The run of ``model``'s extractions on ``documents``, scored by the tasks that asked.

    ``template`` is the one the prompts were made with (the gold lists hold what its prompts
    showed); ``lexicon`` gives predicted mentions and relations their MeSH identifiers, and
    without one only list and mention levels are scored. ``usage`` and ``seconds`` are what
    the extractions cost, for the reports; ``mode`` (the extractor's), ``corpus`` (the
    data's name or path; default: where a :class:`~cohere_medner.corpus.DocumentStream` was
    read from) and ``split`` go with them into the run's provenance. No documents at all is an error
    (:class:`~cohere_medner.report.NoDocumentsError`): its scores would read as 0.
    """
    found = tuple(extractions)
    if corpus is None and isinstance(documents, DocumentStream):
        corpus = documents.source
    items = list(documents)
    if not items:
        raise NoDocumentsError(
            "nothing to evaluate: no documents given (an empty corpus or split, or a limit "
            "of 0); evaluate at least one document"
        )
    answered = {e.document: e for e in found if e.ok}
    gold = [d for d in items if d.pmid in answered]
    predicted = [predict(answered[d.pmid], d, lexicon) for d in gold]
    return EvaluationRun(
        model=model,
        extractions=found,
        scores=score_extractions(found, items, tasks, template),
        usage=dict(usage or {}),
        seconds=seconds,
        official=official_scores(gold, [p.document for p in predicted], tasks, lexicon is not None),
        views=tuple(
            DocumentView.from_prediction(d, p) for d, p in zip(gold, predicted, strict=True)
        ),
        provenance=Provenance(
            corpus=corpus,
            content_hash=content_hash(items),
            split=split,
            lexicon=() if lexicon is None else (*lexicon.splits, *lexicon.vocabularies),
            template=template.name,
            examples=examples_text(template.few_shot),
            mode=mode,
            version=library_version(),
            date=now(),
        ),
    )


def score_extractions(
    extractions: Iterable[Extraction],
    documents: Iterable[Document],
    tasks: Sequence[Task],
    template: Template,
) -> dict[str, ListScores[Any]]:
    """List-level scores per task of answered extractions against their documents' gold."""
    answered = {e.document: e for e in extractions if e.ok}
    gold_docs = [d for d in documents if d.pmid in answered]
    scores: dict[str, ListScores[Any]] = {}
    for task in tasks:
        if task.entity_type is not None:
            kind = task.entity_type
            scores[task.name] = score_lists(
                {d.pmid: task.gold_target(d, template).items for d in gold_docs},
                {d.pmid: answered[d.pmid].entities.get(kind, ()) for d in gold_docs},
            )
        else:
            gold: dict[str, Sequence[Triple]] = {
                d.pmid: task.gold_target(d, template).triples for d in gold_docs
            }
            scores[task.name] = score_relation_lists(
                gold, {d.pmid: answered[d.pmid].relations for d in gold_docs}
            )
    return scores


def official_scores(
    gold: Sequence[Document], predicted: Sequence[Document], tasks: Sequence[Task], ids: bool
) -> dict[str, dict[str, Score]]:
    """Official scores of the tasks' entity types (and CID relations), by level and type.

    ``ids`` says whether the predictions carry identifiers (a lexicon was used): without
    them only the mention level means anything.
    """
    kinds = [t.entity_type for t in tasks if t.entity_type is not None]
    found: dict[str, dict[str, Score]] = {
        "mention": {kind: scoring.score(gold, predicted, "mention", kind) for kind in kinds}
    }
    if ids:
        found["id"] = {kind: scoring.score(gold, predicted, "id", kind) for kind in kinds}
        if any(t.relation_type == CID for t in tasks):
            found["relation"] = {CID: scoring.score(gold, predicted, "relation")}
    return found
