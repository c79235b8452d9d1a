"""Fine-tuning settings: hyperparameters, requests and polling, checked when made."""

from __future__ import annotations

from pathlib import Path

import pytest

from cohere_medner.errors import ConfigurationError
from cohere_medner.models.finetuning._types import FinetuneRequest, Hyperparameters, Polling


def test_hyperparameters_keep_what_is_given_and_refuse_nonsense() -> None:
    given = Hyperparameters(train_epochs=3, learning_rate=0.01, lora_alpha=16)
    assert given.as_dict() == {"train_epochs": 3, "learning_rate": 0.01, "lora_alpha": 16}
    assert Hyperparameters().to_sdk() is None
    for bad in (
        {"train_epochs": 0},
        {"train_epochs": 1.5},
        {"train_epochs": True},
        {"learning_rate": 0},
        {"early_stopping_patience": -1},
        {"lora_target_modules": "LORA_TARGET_MODULES_ALL"},
    ):
        with pytest.raises(ConfigurationError):
            Hyperparameters(**bad)


def test_requests_and_polling_refuse_bad_settings(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        FinetuneRequest(tmp_path / "t.jsonl", name=" ")
    with pytest.raises(ConfigurationError):
        Polling(interval=0)
    request = FinetuneRequest(tmp_path / "t.jsonl", name="x")
    assert request.state_path == tmp_path / "t.jsonl.cohere-medner.json"
