"""Fine-tuning records from a corpus, checked against Cohere's stated requirements."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cohere_medner._lazy import lazy_exports

_EXPORTS: dict[str, tuple[str, ...]] = {
    "cohere_medner.training.checks": ("check_training_files",),
    "cohere_medner.training.prepare": ("PrepareReport", "UnnamedRelation", "prepare_finetuning"),
    "cohere_medner.training.records": (
        "FORMATS",
        "Format",
        "TrainingRecord",
        "Violation",
        "training_records",
    ),
}
__all__, __getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)

if TYPE_CHECKING:  # `X as X`: re-exported for type checkers
    from cohere_medner.training.checks import check_training_files as check_training_files
    from cohere_medner.training.prepare import PrepareReport as PrepareReport
    from cohere_medner.training.prepare import UnnamedRelation as UnnamedRelation
    from cohere_medner.training.prepare import prepare_finetuning as prepare_finetuning
    from cohere_medner.training.records import FORMATS as FORMATS
    from cohere_medner.training.records import Format as Format
    from cohere_medner.training.records import TrainingRecord as TrainingRecord
    from cohere_medner.training.records import Violation as Violation
    from cohere_medner.training.records import training_records as training_records
