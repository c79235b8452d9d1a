"""What goes wrong with a report: no runs or documents, or a saved run that cannot be read."""

from __future__ import annotations

from cohere_medner.errors import ReportError


class EmptyReportError(ReportError, ValueError):
    """A report was asked for with no runs to report on."""


class SavedRunError(ReportError, ValueError):
    """A file is not a run that ``save_run`` wrote (another format or version), or is damaged."""


class SavedRunNotFoundError(ReportError, FileNotFoundError):
    """No saved run (``run.json``) where one was expected."""


class NoDocumentsError(ReportError, ValueError):
    """An evaluation was asked for over no documents: a score of nothing would read as 0."""
