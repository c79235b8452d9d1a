"""What counts as Cohere saying its hosted fine-tuning is retired."""

from __future__ import annotations

import pytest

from cohere_medner.models.finetuning._translate import is_retirement


@pytest.mark.parametrize(
    ("status", "message", "retired"),
    [
        (410, "Gone", True),
        (404, "fine-tuning is no longer available", True),
        (400, "This endpoint is deprecated", True),
        (403, "Fine-tuning has been retired for all customers", True),
        (404, "finetuned model with id abc not found", False),
        (400, "train_epochs must be between 1 and 10.", False),
        (429, "deprecated", False),
        (500, "retired", False),
        (None, "retired", False),
    ],
)
def test_what_counts_as_retired(status: int | None, message: str, retired: bool) -> None:
    assert is_retirement(status, message) is retired
