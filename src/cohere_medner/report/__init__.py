"""Evaluation runs and their reports: JSON, a Markdown table, an F1 chart and an HTML page.

Built from run data alone: an :class:`EvaluationRun` is made by
:func:`~cohere_medner.evaluation.evaluate` (or by :func:`score_run` from extractions made
elsewhere) and read back by :func:`load_run`, the same run either way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cohere_medner._lazy import lazy_exports

_EXPORTS: dict[str, tuple[str, ...]] = {
    "cohere_medner.report._chart": ("f1_chart",),
    "cohere_medner.report._errors": (
        "EmptyReportError",
        "NoDocumentsError",
        "SavedRunError",
        "SavedRunNotFoundError",
    ),
    "cohere_medner.report._html": ("html_report", "marked_text"),
    "cohere_medner.report._runs": (
        "DocumentView",
        "EXTRACTIONS_FILE",
        "EvaluationRun",
        "Mark",
        "RUN_FILE",
        "load_run",
        "save_run",
    ),
    "cohere_medner.report._provenance": ("Provenance",),
    "cohere_medner.report._scoring": ("score_run",),
    "cohere_medner.report._table": ("differences", "markdown_report"),
    "cohere_medner.report._write": (
        "CHART_FILE",
        "HTML_FILE",
        "JSON_FILE",
        "MARKDOWN_FILE",
        "ReportFiles",
        "report_json",
        "write_report",
    ),
}
__all__, __getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)

if TYPE_CHECKING:  # `X as X`: re-exported for type checkers
    from cohere_medner.report._chart import f1_chart as f1_chart
    from cohere_medner.report._errors import EmptyReportError as EmptyReportError
    from cohere_medner.report._errors import NoDocumentsError as NoDocumentsError
    from cohere_medner.report._errors import SavedRunError as SavedRunError
    from cohere_medner.report._errors import SavedRunNotFoundError as SavedRunNotFoundError
    from cohere_medner.report._html import html_report as html_report
    from cohere_medner.report._html import marked_text as marked_text
    from cohere_medner.report._provenance import Provenance as Provenance
    from cohere_medner.report._runs import EXTRACTIONS_FILE as EXTRACTIONS_FILE
    from cohere_medner.report._runs import RUN_FILE as RUN_FILE
    from cohere_medner.report._runs import DocumentView as DocumentView
    from cohere_medner.report._runs import EvaluationRun as EvaluationRun
    from cohere_medner.report._runs import Mark as Mark
    from cohere_medner.report._runs import load_run as load_run
    from cohere_medner.report._runs import save_run as save_run
    from cohere_medner.report._scoring import score_run as score_run
    from cohere_medner.report._table import differences as differences
    from cohere_medner.report._table import markdown_report as markdown_report
    from cohere_medner.report._write import CHART_FILE as CHART_FILE
    from cohere_medner.report._write import HTML_FILE as HTML_FILE
    from cohere_medner.report._write import JSON_FILE as JSON_FILE
    from cohere_medner.report._write import MARKDOWN_FILE as MARKDOWN_FILE
    from cohere_medner.report._write import ReportFiles as ReportFiles
    from cohere_medner.report._write import report_json as report_json
    from cohere_medner.report._write import write_report as write_report
