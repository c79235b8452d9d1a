"""Runs side by side: the figures a comparison has, and the Markdown summary of them.

A *column* is one scored thing: a task at the list level (``list``, ``diseases``) or an
entity type (or ``CID``) at an official level (``mention``, ``id``, ``relation``). The
columns of a comparison are those any of its runs scored; a run that did not score one
shows ``—`` there (a Cohere run without a lexicon has no identifier or relation level), and
so does a run that had no document answered: a score over nothing is no score, not 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import attrs

from cohere_medner.report._runs import MISSING, EvaluationRun
from cohere_medner.scoring.official import LEVELS
from cohere_medner.types import Score

__all__ = [
    "Column",
    "columns",
    "cost",
    "differences",
    "markdown_report",
    "provenance_rows",
    "score_of",
    "with_unique_labels",
]

LIST: Final = "list"
LEVEL_TITLES: Final = {
    LIST: "List level: names as listed, after normalization",
    "mention": "Mention level (official): offsets and entity type",
    "id": "Identifier level (official): MeSH identifiers per document",
    "relation": "Relation level (official): CID identifier pairs per document",
}


@attrs.frozen
class Column:
    """One scored thing: a task at the list level, or an entity type at an official level."""

    level: str
    key: str

    @property
    def label(self) -> str:
        return f"{self.level} {self.key}"


def columns(runs: Sequence[EvaluationRun]) -> tuple[Column, ...]:
    """Every column any run scored: list tasks first, then official levels in their order."""
    found: dict[Column, None] = {}
    for run in runs:
        for task in run.scores:
            found[Column(LIST, task)] = None
    levels = [*LEVELS, *(lv for run in runs for lv in run.official if lv not in LEVELS)]
    for level in dict.fromkeys(levels):
        for run in runs:
            for kind in run.official.get(level, {}):
                found[Column(level, kind)] = None
    return tuple(found)


def score_of(run: EvaluationRun, column: Column) -> Score | None:
    """The run's micro-averaged score in ``column``, or ``None`` where it was not scored.

    A run with no document answered scored nothing: ``None`` everywhere, never a 0.
    """
    if not run.answered:
        return None
    if column.level == LIST:
        scores = run.scores.get(column.key)
        return scores.micro if scores is not None else None
    return run.official.get(column.level, {}).get(column.key)


def cost(run: EvaluationRun) -> dict[str, float]:
    """Tokens in and out, requests and seconds: what the run cost."""
    return {
        "input_tokens": run.usage.get("input_tokens", 0),
        "output_tokens": run.usage.get("output_tokens", 0),
        "requests": run.usage.get("requests", 0),
        "seconds": run.seconds,
    }


def _facets(run: EvaluationRun) -> dict[str, str]:
    """What may tell runs apart, most telling first, as a label would say it."""
    made = run.provenance
    return {
        "model": run.model,
        "template": made.template or "",
        "examples": f"examples {made.examples}" if made.examples else "",
        "mode": made.mode or "",
        "lexicon": f"lexicon {made.lexicon_text}",
        "split": f"split {made.split}" if made.split else "",
        "documents": f"{run.documents} documents",
        "data": made.corpus or "",
        "hash": f"data {(made.content_hash or '')[:12]}",
    }


def with_unique_labels(runs: Sequence[EvaluationRun]) -> list[EvaluationRun]:
    """The runs, those sharing a label told apart by what differs between them.

    ``command-r, titled`` and ``command-r, seed`` for two runs of one model with two
    templates; runs alike in all that is recorded but the date are told apart by a number
    (``model #2``).
    """
    facets = [_facets(run) for run in runs]
    named = []
    for run, own in zip(runs, facets, strict=True):
        alike = [f for r, f in zip(runs, facets, strict=True) if r.label == run.label]
        differing = [key for key in own if len({f[key] for f in alike}) > 1]
        # Where the data is, or what it hashes to, only names runs nothing else tells apart.
        named_by = [key for key in differing if key not in ("data", "hash")] or differing
        named.append(", ".join([run.label, *(own[key] for key in named_by if own[key])]))
    taken: set[str] = set()
    unique = []
    for run, base in zip(runs, named, strict=True):
        label, number = base, 1
        while label in taken:
            number += 1
            label = f"{base} #{number}"
        taken.add(label)
        unique.append(run if label == run.label else attrs.evolve(run, label=label))
    return unique


def differences(runs: Sequence[EvaluationRun]) -> list[str]:
    """Why ``runs`` cannot be ranked: other documents, splits or data; empty if they can.

    Only what both runs recorded is compared (runs saved before provenance have no split or
    content hash); the documents evaluated are always known.
    """
    if len(runs) < 2:
        return []
    found = []
    if len({run.pmids for run in runs}) > 1:
        counts = " vs ".join(f"{run.label}: {run.documents}" for run in runs)
        found.append(f"they evaluated different documents ({counts})")
    splits = {run.provenance.split for run in runs} - {None}
    if len(splits) > 1:
        found.append(f"they are from different splits ({', '.join(sorted(map(str, splits)))})")
    hashes = {run.provenance.content_hash for run in runs} - {None}
    if len(hashes) > 1 and not found:
        found.append("the same documents have other text or annotations (content hashes differ)")
    return found


def provenance_rows(run: EvaluationRun) -> list[str]:
    """The run's provenance as table cells, in :data:`PROVENANCE_HEADER`'s order."""
    made = run.provenance

    def known(value: str | None) -> str:
        return value if value else "unknown"

    return [
        known(made.corpus),
        known(made.content_hash and made.content_hash[:12]),
        known(made.split),
        str(run.documents),
        made.lexicon_text,
        known(made.template),
        known(made.examples),
        known(made.mode),
        run.model,
        known(made.version),
        known(made.date),
    ]


PROVENANCE_HEADER: Final = (
    "data",
    "content hash",
    "split",
    "documents",
    "lexicon",
    "template",
    "examples",
    "mode",
    "model",
    "version",
    "date",
)


# Markdown -------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    """Text safe in a Markdown table cell: pipes escaped, no line breaks."""
    return " ".join(text.replace("\\", "\\\\").replace("|", "\\|").split())


def _fraction(value: float) -> str:
    return f"{value:.4f}"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int) -> list[str]:
    align = ["---" if i < numeric_from else "---:" for i in range(len(header))]
    return [_row(header), _row(align), *(_row(r) for r in rows)]


def _best_marked(values: Sequence[float | None], rank: bool = True) -> list[str]:
    """Each run's figure, the best in bold when several runs are compared and ``rank``."""
    known = [v for v in values if v is not None]
    # Bold only tells something where the runs differ, and only between comparable runs.
    best = round(max(known), 4) if rank and len({round(v, 4) for v in known}) > 1 else None
    return [
        MISSING
        if v is None
        else f"**{_fraction(v)}**"
        if best is not None and round(v, 4) == best
        else _fraction(v)
        for v in values
    ]


def _documents_cell(run: EvaluationRun) -> str:
    return f"{run.documents} ({len(run.failed)} failed)" if run.failed else str(run.documents)


def markdown_report(runs: Sequence[EvaluationRun], chart: str | None = None) -> str:
    """The Markdown summary: F1 of every run side by side, with cost, then level by level.

    ``chart`` is the file name of the F1 chart to show under the summary, if any.
    """
    cols = columns(runs)
    unlike = differences(runs)
    lines = [
        "# cohere-medner evaluation report",
        "",
        f"{len(runs)} run{'s' if len(runs) != 1 else ''}. Scores are micro-averaged over "
        f"the documents answered; {MISSING} marks a level a run was not scored at, or a run "
        "with no document answered.",
        "",
        "## Summary: F1, and what each run cost",
        "",
    ]
    if unlike:
        lines += [f"> **Not comparable, not ranked:** {'; '.join(unlike)}.", ""]
    lines += _summary_table(runs, cols, rank=not unlike)
    if chart:
        lines += ["", f"![F1 by run, task and level]({chart})"]
    for level, title in LEVEL_TITLES.items():
        level_cols = [c for c in cols if c.level == level]
        if level_cols:
            lines += ["", f"## {title}", ""]
            lines += _level_table(runs, level, level_cols, rank=not unlike)
    lines += ["", "## Where each run came from", ""]
    lines += _table(
        ["run", *PROVENANCE_HEADER],
        [[_cell(run.label), *map(_cell, provenance_rows(run))] for run in runs],
        numeric_from=len(PROVENANCE_HEADER) + 1,
    )
    failed = [(run.label, pmid, error) for run in runs for pmid, error in run.failed]
    if failed:
        lines += ["", "## Failed documents (left out of every score)", ""]
        lines += [
            f"- {_cell(label)}: {_cell(pmid)}: {_cell(error)}" for label, pmid, error in failed
        ]
    return "\n".join(lines + _unresolved(runs)) + "\n"


def _unresolved(runs: Sequence[EvaluationRun]) -> list[str]:
    """The listed relations no relation score counts, because a side got no identifier."""
    if not any(run.unresolved for run in runs):
        return []
    lines = ["", "## Relations left unresolved (a side got no identifier)", ""]
    for run in runs:
        lines.append(
            f"- {_cell(run.label)}: {len(run.unresolved)} of {run.listed_relations} listed"
        )
        lines += [
            f"  - {_cell(pmid)}: {_cell(chemical)} \u2192 {_cell(disease)}"
            for pmid, (chemical, _, disease) in run.unresolved
        ]
    return lines


def _summary_table(
    runs: Sequence[EvaluationRun], cols: Sequence[Column], rank: bool = True
) -> list[str]:
    """A row per run: its model and documents, its F1 in every column, and its cost."""
    header = ["run", "model", "documents", *(_cell(c.label) for c in cols)]
    header += ["tokens in", "tokens out", "requests", "seconds"]
    f1s = [_best_marked([_f1(score_of(run, c)) for run in runs], rank) for c in cols]
    rows = []
    for index, run in enumerate(runs):
        spent = cost(run)
        rows.append(
            [
                _cell(run.label),
                _cell(run.model),
                _documents_cell(run),
                *(values[index] for values in f1s),
                f"{int(spent['input_tokens']):,}",
                f"{int(spent['output_tokens']):,}",
                f"{int(spent['requests']):,}",
                f"{spent['seconds']:.1f}",
            ]
        )
    return _table(header, rows, numeric_from=2)


def _level_table(
    runs: Sequence[EvaluationRun], level: str, level_cols: Sequence[Column], rank: bool = True
) -> list[str]:
    """A row per run: precision, recall and F1 in each of the level's columns.

    At the list level, each column also has the macro-averaged F1 over documents.
    """
    header = ["run"]
    figures: list[list[str]] = []
    for column in level_cols:
        header += [f"{_cell(column.key)} {name}" for name in ("P", "R", "F1")]
        scores = [score_of(run, column) for run in runs]
        figures += [
            [MISSING if s is None else _fraction(s.precision) for s in scores],
            [MISSING if s is None else _fraction(s.recall) for s in scores],
            _best_marked([_f1(s) for s in scores], rank),
        ]
        if level == LIST:
            header.append(f"{_cell(column.key)} macro F1")
            figures.append(_best_marked([_macro_f1(run, column) for run in runs], rank))
    rows = [[_cell(run.label), *(f[i] for f in figures)] for i, run in enumerate(runs)]
    return _table(header, rows, numeric_from=1)


def _f1(score: Score | None) -> float | None:
    return None if score is None else score.f1


def _macro_f1(run: EvaluationRun, column: Column) -> float | None:
    scores = run.scores.get(column.key)
    return None if scores is None or not run.answered else scores.macro_f1
