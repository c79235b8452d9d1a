"""Evaluation runs and their reports: JSON, a Markdown table, an F1 chart and an HTML page.

Built from run data alone: an :class:`EvaluationRun` is made by
:func:`~cohere_medner.evaluation.evaluate` (or by :func:`score_run` from extractions made
elsewhere) and read back by :func:`load_run`, the same run either way.
"""

from __future__ import annotations

from cohere_medner.report._chart import f1_chart
from cohere_medner.report._errors import (
    EmptyReportError,
    SavedRunError,
    SavedRunNotFoundError,
)
from cohere_medner.report._html import html_report, marked_text
from cohere_medner.report._runs import (
    EXTRACTIONS_FILE,
    RUN_FILE,
    DocumentView,
    EvaluationRun,
    Mark,
    load_run,
    save_run,
)
from cohere_medner.report._scoring import score_run
from cohere_medner.report._table import markdown_report
from cohere_medner.report._write import (
    CHART_FILE,
    HTML_FILE,
    JSON_FILE,
    MARKDOWN_FILE,
    ReportFiles,
    report_json,
    write_report,
)

__all__ = [
    "CHART_FILE",
    "EXTRACTIONS_FILE",
    "HTML_FILE",
    "JSON_FILE",
    "MARKDOWN_FILE",
    "RUN_FILE",
    "DocumentView",
    "EmptyReportError",
    "EvaluationRun",
    "Mark",
    "ReportFiles",
    "SavedRunError",
    "SavedRunNotFoundError",
    "f1_chart",
    "html_report",
    "load_run",
    "markdown_report",
    "marked_text",
    "report_json",
    "save_run",
    "score_run",
    "write_report",
]
