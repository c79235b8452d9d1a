"""Reports over evaluation runs: JSON, a Markdown table, an F1 chart and an HTML page.

::

    run = evaluate(Extractor("lexicon"), load_sample("test"))
    save_run(run, "reports/lexicon")             # for a later comparison
    write_report([run], "reports/lexicon")       # report.json, report.md, f1.svg, report.html
    write_report([load_run("reports/lexicon"), load_run("reports/command-r")], "reports/both")

Runs just made and runs read back are the same :class:`EvaluationRun` and mix freely; runs
that share a label are told apart by a number.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Final

import attrs

from cohere_medner._files import PathLike, atomic_write
from cohere_medner.report._chart import f1_chart
from cohere_medner.report._errors import EmptyReportError
from cohere_medner.report._html import html_report
from cohere_medner.report._runs import EvaluationRun
from cohere_medner.report._table import differences, markdown_report, with_unique_labels
from cohere_medner.scoring import official as scoring
from cohere_medner.types import Score

__all__ = [
    "CHART_FILE",
    "HTML_FILE",
    "JSON_FILE",
    "MARKDOWN_FILE",
    "ReportFiles",
    "report_json",
    "write_report",
]

JSON_FILE: Final = "report.json"
MARKDOWN_FILE: Final = "report.md"
CHART_FILE: Final = "f1.svg"
HTML_FILE: Final = "report.html"
_FORMAT: Final = "cohere-medner-report"
_VERSION: Final = 1


@attrs.frozen
class ReportFiles:
    """The files :func:`write_report` wrote."""

    json: Path
    markdown: Path
    chart: Path
    html: Path

    def __iter__(self) -> Iterator[Path]:
        return iter((self.json, self.markdown, self.chart, self.html))


def _labelled(runs: Sequence[EvaluationRun]) -> list[EvaluationRun]:
    if not runs:
        raise EmptyReportError("a report needs at least one run")
    return with_unique_labels(runs)


def _official_by_document(run: EvaluationRun) -> dict[str, dict[str, dict[str, dict[str, int]]]]:
    """Per-document official counts, recomputed from the run's gold and predicted documents."""
    gold = [view.gold for view in run.views]
    predicted = [view.predicted for view in run.views]
    found: dict[str, dict[str, dict[str, dict[str, int]]]] = {}
    for level, by_type in run.official.items():
        if level not in scoring.LEVELS:
            continue
        found[level] = {}
        for kind in by_type:
            entity_type = None if level == "relation" else kind
            scores = scoring.score_by_document(gold, predicted, level, entity_type)
            found[level][kind] = {
                view.pmid: {"tp": s.tp, "fp": s.fp, "fn": s.fn}
                for view in run.views
                for s in [scores.get(view.pmid, Score(0, 0, 0))]
            }
    return found


def report_json(runs: Sequence[EvaluationRun]) -> dict[str, Any]:
    """Every figure of every run: micro and macro scores, per document counts, cost.

    A run with no document answered has ``null`` scores: nothing was scored, not 0.
    """
    labelled = _labelled(runs)
    return {
        "format": _FORMAT,
        "version": _VERSION,
        "comparable": not differences(labelled),
        "differences": differences(labelled),
        "runs": [
            {
                "label": run.label,
                "model": run.model,
                "documents": run.documents,
                "answered": run.answered,
                "provenance": run.provenance.as_json(),
                "failed": [{"document": pmid, "error": error} for pmid, error in run.failed],
                "requests": run.usage.get("requests", 0),
                "retries": run.usage.get("retries", 0),
                "input_tokens": run.usage.get("input_tokens", 0),
                "output_tokens": run.usage.get("output_tokens", 0),
                "usage": dict(run.usage),
                "seconds": run.seconds,
                "tasks": {
                    name: {
                        "micro": scores.micro.as_dict() if run.answered else None,
                        "macro": {
                            "precision": scores.macro_precision,
                            "recall": scores.macro_recall,
                            "f1": scores.macro_f1,
                            "documents": len(scores.scored_documents),
                        }
                        if run.answered
                        else None,
                        "documents": {
                            pmid: {"tp": c.score.tp, "fp": c.score.fp, "fn": c.score.fn}
                            for pmid, c in scores.documents.items()
                        },
                    }
                    for name, scores in run.scores.items()
                },
                "official": {
                    level: {
                        kind: score.as_dict() if run.answered else None
                        for kind, score in by_type.items()
                    }
                    for level, by_type in run.official.items()
                },
                "official_documents": _official_by_document(run),
            }
            for run in labelled
        ],
    }


def write_report(runs: Sequence[EvaluationRun], directory: PathLike) -> ReportFiles:
    """Write ``report.json``, ``report.md``, ``f1.svg`` and ``report.html`` for ``runs``.

    ``directory`` is created if needed; each file is replaced whole (never left half
    written). Raises :class:`~cohere_medner.report.EmptyReportError` for no runs.
    """
    labelled = _labelled(runs)
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    files = ReportFiles(
        target / JSON_FILE, target / MARKDOWN_FILE, target / CHART_FILE, target / HTML_FILE
    )
    chart = f1_chart(labelled)
    with atomic_write(files.json) as stream:
        json.dump(report_json(labelled), stream, ensure_ascii=False, indent=1)
        stream.write("\n")
    with atomic_write(files.markdown) as stream:
        stream.write(markdown_report(labelled, chart=CHART_FILE))
    with atomic_write(files.chart) as stream:
        stream.write(chart)
    with atomic_write(files.html) as stream:
        stream.write(html_report(labelled, chart=chart))
    return files
