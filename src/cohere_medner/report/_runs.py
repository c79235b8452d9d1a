"""Evaluation runs: one model's scored extractions, written to a directory and read back.

A run holds what its reports need: the figures, and per document scored the gold and
predicted documents and the names left unplaced. :func:`save_run` writes ``run.json`` (every
figure, and per document the text, the gold and predicted mentions with their status, the
ungrounded names) and ``extractions.jsonl`` (what the model answered, as
:func:`~cohere_medner.extraction.write_extractions` writes it), so that :func:`load_run`
rebuilds the same run in another process and reports can compare runs made at different
times. A mention's status follows the official mention level: a predicted mention whose
(start, end, type) is a gold mention's is a true positive (``tp``), any other predicted
mention a false positive (``fp``), a gold mention no prediction matches a false negative
(``fn``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal

import attrs

from cohere_medner._files import PathLike, atomic_write, checked_format
from cohere_medner._redact import redact
from cohere_medner.extraction import Extraction, read_extractions, write_extractions
from cohere_medner.grounding.identify import IDENTIFICATION_RULES, Identification
from cohere_medner.grounding.prediction import Prediction
from cohere_medner.parsing.relations import Triple
from cohere_medner.report._errors import SavedRunError, SavedRunNotFoundError
from cohere_medner.report._provenance import Provenance
from cohere_medner.scoring.lists import Comparison, ListScores
from cohere_medner.types import Document, Mention, Relation, Score

__all__ = [
    "EXTRACTIONS_FILE",
    "RUN_FILE",
    "DocumentView",
    "EvaluationRun",
    "Mark",
    "Status",
    "load_run",
    "save_run",
]

RUN_FILE: Final = "run.json"
EXTRACTIONS_FILE: Final = "extractions.jsonl"
_FORMAT: Final = "cohere-medner-run"
_VERSION: Final = 2
"""Version 2 adds ``provenance``; version 1 runs still load, with their provenance unknown."""

MISSING: Final = "\u2014"
"""What a table shows for a score that does not exist: a level not scored, or no document."""

Status = Literal["tp", "fp", "fn"]
STATUSES: Final[tuple[Status, ...]] = ("tp", "fp", "fn")


@attrs.frozen
class Mark:
    """A span to highlight: a mention with its status (``tp``, ``fp`` or ``fn``).

    ``ids`` are the predicted mention's identifiers (the gold mention's for ``fn``).
    """

    start: int
    end: int
    text: str
    type: str
    status: Status
    ids: tuple[str, ...] = ()


def _same_text(
    instance: DocumentView, attribute: attrs.Attribute[Document], value: Document
) -> None:
    gold = instance.gold
    if (value.pmid, value.title, value.abstract) != (gold.pmid, gold.title, gold.abstract):
        raise SavedRunError(
            f"document {gold.pmid}: the predicted document ({value.pmid}) has another text"
        )


@attrs.frozen
class DocumentView:
    """One scored document as a report shows it: gold and predicted, and what went unplaced.

    ``ungrounded`` holds, by entity type, the names the model gave that were found nowhere in
    the text; ``unidentified``, ``ambiguous``, ``unmapped`` (the listed relations left
    unresolved: a side got no identifier) and ``identifications`` (how each identified name
    got its identifiers) are the prediction's
    (:class:`~cohere_medner.grounding.prediction.Prediction`).
    """

    gold: Document
    predicted: Document = attrs.field(validator=_same_text)
    ungrounded: dict[str, tuple[str, ...]] = attrs.field(factory=dict)
    unidentified: tuple[str, ...] = ()
    ambiguous: tuple[str, ...] = ()
    unmapped: tuple[Triple, ...] = ()
    identifications: tuple[Identification, ...] = ()

    @property
    def pmid(self) -> str:
        return self.gold.pmid

    @property
    def marks(self) -> tuple[Mark, ...]:
        """Every mention to highlight, once per (start, end, type), in text order."""
        gold = {(m.start, m.end, m.type): m for m in self.gold.mentions}
        predicted = {(m.start, m.end, m.type): m for m in self.predicted.mentions}
        found = [
            Mark(m.start, m.end, m.text, m.type, "tp" if key in gold else "fp", m.ids)
            for key, m in predicted.items()
        ]
        found += [
            Mark(m.start, m.end, m.text, m.type, "fn", m.ids)
            for key, m in gold.items()
            if key not in predicted
        ]
        return tuple(sorted(found, key=lambda k: (k.start, -k.end, STATUSES.index(k.status))))

    @classmethod
    def from_prediction(cls, gold: Document, prediction: Prediction) -> DocumentView:
        return cls(
            gold,
            prediction.document,
            {
                kind: grounding.ungrounded
                for kind, grounding in prediction.groundings.items()
                if grounding.ungrounded
            },
            prediction.unidentified,
            prediction.ambiguous,
            prediction.unmapped,
            prediction.identifications,
        )


def _redacted(failed: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Failed documents with their errors, no key in any (runs saved before included)."""
    return tuple((pmid, redact(error)) for pmid, error in failed)


@attrs.frozen
class EvaluationRun:
    """One model's extractions on a set of documents, scored task by task and level by level.

    The same whether just made (:func:`~cohere_medner.evaluation.evaluate`,
    :func:`~cohere_medner.report.score_run`) or read back (:func:`load_run`): reports take
    either alike. ``scores`` are the list-level scores by task; ``official`` the official
    scores by level, then entity type (``"relation"`` by ``"CID"``); ``views`` the documents
    scored (those answered), gold beside predicted. ``documents`` counts every document
    evaluated, failed ones included, and ``failed`` pairs each failed document with its error
    (both default to what ``extractions`` say); ``label`` names the run in reports (default:
    the model); ``provenance`` where the run came from (data, lexicon, prompts, software).
    """

    model: str
    extractions: tuple[Extraction, ...]
    scores: dict[str, ListScores[Any]]
    usage: dict[str, int]
    seconds: float
    official: dict[str, dict[str, Score]] = attrs.field(factory=dict)
    views: tuple[DocumentView, ...] = ()
    documents: int = attrs.field(
        default=attrs.Factory(lambda run: len(run.extractions), takes_self=True)
    )
    failed: tuple[tuple[str, str], ...] = attrs.field(
        default=attrs.Factory(
            lambda run: tuple((e.document, e.error or "") for e in run.extractions if not e.ok),
            takes_self=True,
        ),
        converter=_redacted,
    )
    label: str = attrs.field(default=attrs.Factory(lambda run: run.model, takes_self=True))
    provenance: Provenance = attrs.field(factory=Provenance)

    @property
    def pmids(self) -> frozenset[str]:
        """Every document evaluated: those answered and those failed."""
        return frozenset(view.pmid for view in self.views) | {pmid for pmid, _ in self.failed}

    @property
    def answered(self) -> int:
        """How many documents were answered and scored: with none, a run has no scores."""
        return len(self.views)

    @property
    def gold(self) -> tuple[Document, ...]:
        """The gold documents scored (those answered), in the order evaluated."""
        return tuple(view.gold for view in self.views)

    @property
    def predictions(self) -> tuple[Document, ...]:
        """The predicted documents scored (grounded, identified), as ``gold`` orders them."""
        return tuple(view.predicted for view in self.views)

    @property
    def pair_tasks(self) -> tuple[str, ...]:
        """The tasks scored as (chemical, disease) pairs: relation tasks."""
        return tuple(name for name, s in self.scores.items() if _kind(s) == "pairs")

    @property
    def unresolved(self) -> tuple[tuple[str, Triple], ...]:
        """``(pmid, triple)``: the listed relations a side of which got no identifier.

        They are in no relation score: a model's relation the lexicon cannot place.
        """
        return tuple((view.pmid, triple) for view in self.views for triple in view.unmapped)

    @property
    def listed_relations(self) -> int:
        """How many relation triples the model listed in the documents scored."""
        scored = {view.pmid for view in self.views}
        return sum(len(e.relations) for e in self.extractions if e.document in scored)

    @property
    def truncated(self) -> dict[str, tuple[str, ...]]:
        """By document, the requests whose answers stopped at ``max_tokens``."""
        return {e.document: e.truncated for e in self.extractions if e.truncated}

    @property
    def oversized(self) -> dict[str, tuple[str, ...]]:
        """By document, the requests whose answers ran far past ``max_tokens`` and were cut."""
        return {e.document: e.oversized for e in self.extractions if e.oversized}

    @property
    def identified_by(self) -> dict[str, int]:
        """How many identified names (per document) each rule identified, most literal first."""
        counts = Counter(i.rule for view in self.views for i in view.identifications)
        return {rule: counts[rule] for rule in IDENTIFICATION_RULES if counts[rule]}

    def comparisons(self, pmid: str) -> dict[str, Comparison[Any]]:
        """One document's list-level comparison in each task that scored it."""
        return {name: s.documents[pmid] for name, s in self.scores.items() if pmid in s.documents}

    def as_json(self) -> dict[str, Any]:
        """The summary ``evaluate --json`` prints (micro-averaged P, R, F1 per task).

        With no document answered every score is ``null``: there is nothing to score, not 0.
        """
        scored = self.answered > 0
        return {
            "model": self.model,
            "documents": self.documents,
            "answered": self.answered,
            "provenance": self.provenance.as_json(),
            "tasks": {
                name: {**s.micro.as_dict(), "macro_f1": s.macro_f1} if scored else None
                for name, s in self.scores.items()
            },
            "official": {
                level: {
                    kind: score.as_dict() if scored else None for kind, score in by_type.items()
                }
                for level, by_type in self.official.items()
            },
            "failed": [{"document": pmid, "error": error} for pmid, error in self.failed],
            "truncated": {pmid: list(names) for pmid, names in self.truncated.items()},
            "oversized": {pmid: list(names) for pmid, names in self.oversized.items()},
            "relations_listed": self.listed_relations,
            "relations_unresolved": len(self.unresolved),
            "identified_by": self.identified_by,
            "requests": self.usage.get("requests", 0),
            "retries": self.usage.get("retries", 0),
            "input_tokens": self.usage.get("input_tokens", 0),
            "output_tokens": self.usage.get("output_tokens", 0),
            "seconds": round(self.seconds, 3),
        }

    def summary(self) -> str:
        """A table for a terminal: P, R and F1 by task and official level, then the cost.

        With no document answered the figures read ``—``: nothing was scored.
        """
        figures = self.as_json()
        head = f"model {self.model}: {figures['documents']} documents in {self.seconds:.1f} s"
        if self.failed:
            head += f" ({len(self.failed)} failed, {self.answered} scored)"
        lines = [head, f"{'task':<12} {'precision':>9} {'recall':>9} {'F1':>9}"]
        lines += [
            f"{name:<12} {_figure(task, 'precision'):>9} {_figure(task, 'recall'):>9} "
            f"{_figure(task, 'f1'):>9}"
            for name, task in figures["tasks"].items()
        ]
        lines += [
            f"official {level:<8} {kind:<8} P {_figure(score, 'precision')} "
            f"R {_figure(score, 'recall')} F {_figure(score, 'f1')}"
            for level, by_type in figures["official"].items()
            for kind, score in by_type.items()
        ]
        if self.unresolved:
            lines.append(
                f"relations: {len(self.unresolved)} of {self.listed_relations} listed left "
                "unresolved (a side got no identifier; named in the report)"
            )
        if self.truncated:
            lines.append(
                f"answers cut at max_tokens in {_documents(self.truncated)}: their lists may "
                "be incomplete (raise --max-tokens)"
            )
        if self.oversized:
            lines.append(
                f"answers far past max_tokens in {_documents(self.oversized)}: only their "
                "first lines were read (the server ignored max_tokens)"
            )
        if self.identified_by:
            rules = ", ".join(f"{rule} {n}" for rule, n in self.identified_by.items())
            lines.append(f"identified names by rule: {rules}")
        lines.append(
            f"requests {figures['requests']} (retries {figures['retries']}), tokens "
            f"{figures['input_tokens']} in / {figures['output_tokens']} out"
        )
        return "\n".join(lines)


def _figure(scores: Mapping[str, Any] | None, name: str) -> str:
    """A figure to four places, or ``—`` where nothing was scored (never a misleading 0)."""
    return MISSING if scores is None else f"{scores[name]:.4f}"


def _documents(flagged: Mapping[str, tuple[str, ...]]) -> str:
    """``3 documents (PMIDs 1, 2, 3)``, the first five named."""
    pmids = list(flagged)
    shown = ", ".join(pmids[:5]) + (f" and {len(pmids) - 5} more" if len(pmids) > 5 else "")
    return f"{len(pmids)} document{'s' if len(pmids) != 1 else ''} (PMIDs {shown})"


def save_run(run: EvaluationRun, directory: PathLike, *, label: str | None = None) -> Path:
    """Write ``run`` to ``directory`` (created if needed) for :func:`load_run`; returns its file.

    ``label`` names the run in reports (default: the run's own label, the model unless set).
    """
    if label is not None:
        run = attrs.evolve(run, label=label)
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    # The extractions first: run.json is what marks a complete saved run.
    write_extractions(run.extractions, target / EXTRACTIONS_FILE)
    with atomic_write(target / RUN_FILE) as stream:
        json.dump(_run_json(run), stream, ensure_ascii=False, indent=1)
        stream.write("\n")
    return target / RUN_FILE


def load_run(path: PathLike) -> EvaluationRun:
    """A run :func:`save_run` wrote: its directory, or its ``run.json``."""
    source = Path(path)
    file = source / RUN_FILE if source.is_dir() else source
    if not file.is_file():
        raise SavedRunNotFoundError(
            f"no saved run at {source} (expected {file}, written by save_run or "
            "'cohere-medner evaluate --report')"
        )
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise SavedRunError(f"{file}: not a JSON saved run ({error})") from None
    if not isinstance(data, dict):
        raise SavedRunError(f"{file}: not a saved cohere-medner run (not a JSON object)")
    extractions_file = file.parent / EXTRACTIONS_FILE
    extractions = list(read_extractions(extractions_file)) if extractions_file.is_file() else []
    try:
        return _run_from(data, extractions)
    except SavedRunError as error:
        raise SavedRunError(f"{file}: {error}") from None
    except (KeyError, TypeError, ValueError) as error:
        raise SavedRunError(
            f"{file}: damaged saved run ({type(error).__name__}: {error})"
        ) from None


# JSON forms ---------------------------------------------------------------------------------


def _run_json(run: EvaluationRun) -> dict[str, Any]:
    """The JSON form ``run.json`` holds; :func:`_run_from` reads it back."""
    return {
        "format": _FORMAT,
        "version": _VERSION,
        "model": run.model,
        "label": run.label,
        "documents": run.documents,
        "provenance": run.provenance.as_json(),
        "seconds": run.seconds,
        "usage": dict(run.usage),
        "scores": {name: _scores_json(s) for name, s in run.scores.items()},
        "official": {
            level: {kind: score.as_dict() for kind, score in by_type.items()}
            for level, by_type in run.official.items()
        },
        "failed": [{"document": pmid, "error": error} for pmid, error in run.failed],
        "views": [_view_json(view) for view in run.views],
    }


def _run_from(data: Mapping[str, Any], extractions: Iterable[Extraction]) -> EvaluationRun:
    # Version 1 differs only in having no provenance.
    version = 1 if data.get("version") == 1 else _VERSION
    checked_format(data, _FORMAT, version, "saved run", SavedRunError)
    return EvaluationRun(
        model=str(data["model"]),
        label=str(data.get("label") or data["model"]),
        documents=int(data["documents"]),
        seconds=float(data["seconds"]),
        usage={str(k): int(v) for k, v in data.get("usage", {}).items()},
        scores={name: _scores_from(s) for name, s in data.get("scores", {}).items()},
        official={
            level: {kind: _score_from(s) for kind, s in by_type.items()}
            for level, by_type in data.get("official", {}).items()
        },
        failed=tuple((str(f["document"]), str(f["error"])) for f in data.get("failed", [])),
        views=tuple(_view_from(v) for v in data.get("views", [])),
        extractions=tuple(extractions),
        provenance=Provenance.from_json(data["provenance"]) if version > 1 else Provenance(),
    )


def _kind(scores: ListScores[Any]) -> Literal["items", "pairs"]:
    for comparison in scores.documents.values():
        for item in (*comparison.tp, *comparison.fp, *comparison.fn):
            return "pairs" if isinstance(item, tuple) else "items"
    return "items"


def _scores_json(scores: ListScores[Any]) -> dict[str, object]:
    # Not ListScores.as_dict: its per-document counts overwrite the item lists.
    def items(values: tuple[Any, ...]) -> list[Any]:
        return [list(v) if isinstance(v, tuple) else v for v in values]

    return {
        "kind": _kind(scores),
        "micro": scores.micro.as_dict(),
        "macro_f1": scores.macro_f1,
        "documents": {
            pmid: {"tp": items(c.tp), "fp": items(c.fp), "fn": items(c.fn)}
            for pmid, c in scores.documents.items()
        },
    }


def _scores_from(data: Mapping[str, Any]) -> ListScores[Any]:
    pairs = data.get("kind") == "pairs"

    def items(values: Sequence[Any]) -> tuple[Any, ...]:
        if pairs:
            return tuple((str(chemical), str(disease)) for chemical, disease in values)
        return tuple(str(v) for v in values)

    return ListScores(
        {
            str(pmid): Comparison(items(c["tp"]), items(c["fp"]), items(c["fn"]))
            for pmid, c in data["documents"].items()
        }
    )


def _score_from(data: Mapping[str, Any]) -> Score:
    return Score(int(data["tp"]), int(data["fp"]), int(data["fn"]))


def _mention_json(mention: Mention, status: Status | None = None) -> dict[str, object]:
    found: dict[str, object] = {
        "start": mention.start,
        "end": mention.end,
        "text": mention.text,
        "type": mention.type,
        "ids": list(mention.ids),
    }
    if mention.parts:
        found["parts"] = list(mention.parts)
    if mention.score is not None:
        found["score"] = mention.score
    if status is not None:
        found["status"] = status
    return found


def _mention_from(data: Mapping[str, Any]) -> Mention:
    score = data.get("score")
    return Mention(
        int(data["start"]),
        int(data["end"]),
        str(data["text"]),
        str(data["type"]),
        tuple(str(i) for i in data.get("ids", ())),
        tuple(str(p) for p in data.get("parts", ())),
        None if score is None else float(score),
    )


def _relation_json(relation: Relation) -> dict[str, object]:
    found: dict[str, object] = {
        "chemical": relation.chemical,
        "disease": relation.disease,
        "type": relation.type,
    }
    if relation.score is not None:
        found["score"] = relation.score
    return found


def _relation_from(data: Mapping[str, Any]) -> Relation:
    score = data.get("score")
    return Relation(
        str(data["chemical"]),
        str(data["disease"]),
        str(data["type"]),
        None if score is None else float(score),
    )


def _view_json(view: DocumentView) -> dict[str, object]:
    gold_keys = {(m.start, m.end, m.type) for m in view.gold.mentions}
    predicted_keys = {(m.start, m.end, m.type) for m in view.predicted.mentions}

    def status(mention: Mention, others: set[tuple[int, int, str]], miss: Status) -> Status:
        return "tp" if (mention.start, mention.end, mention.type) in others else miss

    return {
        "pmid": view.pmid,
        "title": view.gold.title,
        "abstract": view.gold.abstract,
        "gold": {
            "mentions": [
                _mention_json(m, status(m, predicted_keys, "fn")) for m in view.gold.mentions
            ],
            "relations": [_relation_json(r) for r in view.gold.relations],
        },
        "predicted": {
            "mentions": [
                _mention_json(m, status(m, gold_keys, "fp")) for m in view.predicted.mentions
            ],
            "relations": [_relation_json(r) for r in view.predicted.relations],
        },
        "ungrounded": {kind: list(names) for kind, names in view.ungrounded.items()},
        "unidentified": list(view.unidentified),
        "ambiguous": list(view.ambiguous),
        "unmapped": [list(t) for t in view.unmapped],
        "identifications": [
            {
                "name": i.name,
                "type": i.entity_type,
                "ids": list(i.ids),
                "rule": i.rule,
                "form": i.form,
                "ambiguous": i.ambiguous,
            }
            for i in view.identifications
        ],
    }


def _document_from(data: Mapping[str, Any], side: Mapping[str, Any]) -> Document:
    return Document(
        str(data["pmid"]),
        str(data["title"]),
        str(data["abstract"]),
        tuple(_mention_from(m) for m in side.get("mentions", ())),
        tuple(_relation_from(r) for r in side.get("relations", ())),
    )


def _view_from(data: Mapping[str, Any]) -> DocumentView:
    return DocumentView(
        _document_from(data, data["gold"]),
        _document_from(data, data["predicted"]),
        {str(k): tuple(str(n) for n in v) for k, v in data.get("ungrounded", {}).items()},
        tuple(str(n) for n in data.get("unidentified", ())),
        tuple(str(n) for n in data.get("ambiguous", ())),
        tuple((str(c), str(v), str(d)) for c, v, d in data.get("unmapped", ())),
        tuple(
            Identification(
                str(i["name"]),
                str(i["type"]),
                tuple(str(n) for n in i["ids"]),
                str(i["rule"]),
                str(i["form"]),
                bool(i.get("ambiguous", False)),
                str(i.get("source", "annotation")),
            )
            for i in data.get("identifications", ())
        ),
    )
