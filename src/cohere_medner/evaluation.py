"""Evaluation runs: extract from annotated documents and score them at every level.

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

import time
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from cohere_medner.errors import DataLeakError
from cohere_medner.extraction import Extraction
from cohere_medner.extractor import Extractor
from cohere_medner.grounding.lexicon import Lexicon
from cohere_medner.grounding.prediction import Prediction, predict
from cohere_medner.parsing.relations import Triple
from cohere_medner.prompts.tasks import Task
from cohere_medner.prompts.templates import Template
from cohere_medner.scoring import official as scoring
from cohere_medner.scoring.lists import ListScores, score_lists, score_relation_lists
from cohere_medner.types import CID, Document, Score


@attrs.frozen
class EvaluationRun:
    """One model's extractions on a set of documents, scored task by task."""

    model: str
    extractions: tuple[Extraction, ...]
    scores: dict[str, ListScores[Any]]
    usage: dict[str, int]
    seconds: float
    #: Official scores by level, then entity type (``"relation"`` by ``"CID"``).
    official: dict[str, dict[str, Score]] = attrs.field(factory=dict)
    #: The gold documents scored, and the predicted documents (grounded, identified).
    gold: tuple[Document, ...] = ()
    predictions: tuple[Prediction, ...] = ()

    @property
    def failed(self) -> tuple[Extraction, ...]:
        return tuple(e for e in self.extractions if not e.ok)

    def as_json(self) -> dict[str, Any]:
        """The summary ``evaluate --json`` prints (micro-averaged P, R, F1 per task)."""
        return {
            "model": self.model,
            "documents": len(self.extractions),
            "tasks": {
                name: {**s.micro.as_dict(), "macro_f1": s.macro_f1}
                for name, s in self.scores.items()
            },
            "official": {
                level: {kind: score.as_dict() for kind, score in by_type.items()}
                for level, by_type in self.official.items()
            },
            "failed": [{"document": e.document, "error": e.error} for e in self.failed],
            "requests": self.usage.get("requests", 0),
            "retries": self.usage.get("retries", 0),
            "input_tokens": self.usage.get("input_tokens", 0),
            "output_tokens": self.usage.get("output_tokens", 0),
            "seconds": round(self.seconds, 3),
        }

    def summary(self) -> str:
        """A table for a terminal: P, R and F1 by task and official level, then the cost."""
        figures = self.as_json()
        lines = [
            f"model {self.model}: {figures['documents']} documents in {self.seconds:.1f} s",
            f"{'task':<12} {'precision':>9} {'recall':>9} {'F1':>9}",
        ]
        lines += [
            f"{name:<12} {task['precision']:>9.4f} {task['recall']:>9.4f} {task['f1']:>9.4f}"
            for name, task in figures["tasks"].items()
        ]
        lines += [
            f"official {level:<8} {kind:<8} P {score.precision:.4f} "
            f"R {score.recall:.4f} F {score.f1:.4f}"
            for level, by_type in self.official.items()
            for kind, score in by_type.items()
        ]
        lines.append(
            f"requests {figures['requests']} (retries {figures['retries']}), tokens "
            f"{figures['input_tokens']} in / {figures['output_tokens']} out"
        )
        return "\n".join(lines)


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


def evaluate(
    extractor: Extractor,
    documents: Iterable[Document],
    lexicon: Lexicon | None = None,
    *,
    allow_seen: bool = False,
) -> EvaluationRun:
    """Run ``extractor`` over ``documents`` and score every task it extracts.

    ``lexicon`` gives predicted mentions and relations their MeSH identifiers (the
    offline baseline brings its own); without one, only list and mention levels are scored.
    A lexicon built from any of the documents is refused before anything is sent
    (:class:`~cohere_medner.errors.DataLeakError`) unless ``allow_seen``.
    """
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
    scores = score_extractions(extractions, items, extractor.tasks, extractor.template)
    lexicon = lexicon or extractor.lexicon
    answered = {e.document: e for e in extractions if e.ok}
    gold = tuple(d for d in items if d.pmid in answered)
    predicted = tuple(predict(answered[d.pmid], d, lexicon) for d in gold)
    official = official_scores(
        gold, [p.document for p in predicted], extractor.tasks, lexicon is not None
    )
    return EvaluationRun(
        extractor.model.name, tuple(extractions), scores, usage, seconds, official, gold, predicted
    )
