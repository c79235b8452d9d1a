"""Reports over evaluation runs: JSON, a Markdown table, an F1 chart and an HTML page."""

from __future__ import annotations

from cohere_medner.report._errors import (
    EmptyReportError,
    SavedRunError,
    SavedRunNotFoundError,
)
from cohere_medner.report._write import (
    CHART_FILE,
    EXTRACTIONS_FILE,
    HTML_FILE,
    JSON_FILE,
    MARKDOWN_FILE,
    RUN_FILE,
    DocumentView,
    Mark,
    ReportFiles,
    SavedRun,
    as_saved,
    f1_chart,
    html_report,
    load_run,
    markdown_report,
    marked_text,
    report_json,
    save_run,
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
    "Mark",
    "ReportFiles",
    "SavedRun",
    "SavedRunError",
    "SavedRunNotFoundError",
    "as_saved",
    "f1_chart",
    "html_report",
    "load_run",
    "markdown_report",
    "marked_text",
    "report_json",
    "save_run",
    "write_report",
]
