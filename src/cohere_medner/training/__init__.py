"""Fine-tuning records from a corpus, checked against Cohere's stated requirements."""

from __future__ import annotations

from cohere_medner.training.checks import (
    check_training_files,
)
from cohere_medner.training.prepare import (
    PrepareReport,
    UnnamedRelation,
    prepare_finetuning,
)
from cohere_medner.training.records import (
    FORMATS,
    Format,
    TrainingRecord,
    Violation,
    training_records,
)

__all__ = [
    "FORMATS",
    "Format",
    "PrepareReport",
    "TrainingRecord",
    "UnnamedRelation",
    "Violation",
    "check_training_files",
    "prepare_finetuning",
    "training_records",
]
