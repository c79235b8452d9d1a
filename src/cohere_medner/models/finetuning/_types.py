"""What fine-tuning takes and gives: settings, requests, results, events, status changes.

Plain, frozen data with validators at the boundary; nothing here talks to Cohere.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, Literal

import attrs
from cohere.finetuning import Hyperparameters as SdkHyperparameters

from cohere_medner.errors import ConfigurationError
from cohere_medner.models.finetuning._state import default_state_path
from cohere_medner.models.polling import Polling

__all__ = [
    "CHAT_BASE_TYPE",
    "CHAT_DATASET_TYPE",
    "DEFAULT_BASE_MODEL",
    "DEFAULT_TIMEOUT",
    "FINETUNED_SUFFIX",
    "LORA_TARGET_MODULES",
    "FinetuneEvent",
    "FinetuneRequest",
    "FinetuneResult",
    "Hyperparameters",
    "Kind",
    "OnStatus",
    "Polling",
    "StatusChange",
    "chat_model_name",
]

DEFAULT_BASE_MODEL: Final = "command-r-08-2024"
"""The base model fine-tuned unless told otherwise (Command R 08-2024)."""
DEFAULT_TIMEOUT: Final = 12 * 3600.0
"""How long a create or status waits, in seconds, unless told otherwise."""
CHAT_DATASET_TYPE: Final = "chat-finetune-input"
CHAT_BASE_TYPE: Final = "BASE_TYPE_CHAT"
FINETUNED_SUFFIX: Final = "-ft"
LORA_TARGET_MODULES: Final = (
    "LORA_TARGET_MODULES_QV",
    "LORA_TARGET_MODULES_QKVO",
    "LORA_TARGET_MODULES_QKVO_FFN",
)

READY: Final = "STATUS_READY"
FAILED: Final = "STATUS_FAILED"
DELETED: Final = "STATUS_DELETED"
JOB_SETTLED: Final = frozenset({READY, FAILED, DELETED, "STATUS_PAUSED"})
VALIDATED: Final = "validated"
REJECTED: Final = "failed"
DATASET_USABLE: Final = frozenset({VALIDATED, "skipped"})
DATASET_SETTLED: Final = DATASET_USABLE | {REJECTED}


Kind = Literal["dataset", "fine-tune"]
"""What is waited for: a dataset's validation or a fine-tuning job."""


def chat_model_name(model_id: str) -> str:
    """The name chat takes for a ready fine-tuned model: its id with ``-ft`` appended."""
    return model_id + FINETUNED_SUFFIX


# Settings -----------------------------------------------------------------------------------


def _at_least(minimum: float, whole: bool) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None:
            return
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or (whole and not isinstance(value, int)) or value < minimum:
            kind = "a whole number" if whole else "a number"
            raise ConfigurationError(
                f"{attribute.name} must be {kind} >= {minimum:g}, got {value!r}"
            )

    return check


def _positive(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0
    ):
        raise ConfigurationError(f"{attribute.name} must be a number > 0, got {value!r}")


def _lora_modules(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and value not in LORA_TARGET_MODULES:
        raise ConfigurationError(
            f"lora_target_modules must be one of {', '.join(LORA_TARGET_MODULES)}, got {value!r}"
        )


@attrs.frozen(kw_only=True)
class Hyperparameters:
    """Chat fine-tuning hyperparameters; ``None`` leaves one to Cohere's default.

    Checked here for type and sign only: Cohere's ranges (epochs 1-10, learning rate
    0.00005-0.1, batch size 2-16 ...) are the server's to enforce, and its refusal is reported
    verbatim.
    """

    train_epochs: int | None = attrs.field(default=None, validator=_at_least(1, whole=True))
    learning_rate: float | None = attrs.field(default=None, validator=_positive)
    train_batch_size: int | None = attrs.field(default=None, validator=_at_least(1, whole=True))
    early_stopping_threshold: float | None = attrs.field(
        default=None, validator=_at_least(0, whole=False)
    )
    early_stopping_patience: int | None = attrs.field(
        default=None, validator=_at_least(0, whole=True)
    )
    lora_alpha: int | None = attrs.field(default=None, validator=_at_least(1, whole=True))
    lora_rank: int | None = attrs.field(default=None, validator=_at_least(1, whole=True))
    lora_target_modules: str | None = attrs.field(default=None, validator=_lora_modules)

    def as_dict(self) -> dict[str, int | float | str]:
        """The settings given (not ``None``), by the API's names."""
        return {k: v for k, v in attrs.asdict(self).items() if v is not None}

    def to_sdk(self) -> SdkHyperparameters | None:
        given = self.as_dict()
        return SdkHyperparameters(**given) if given else None  # type: ignore[arg-type]


@attrs.frozen
class StatusChange:
    """A dataset or job reached a new status while being waited for."""

    kind: Kind
    id: str
    status: str
    previous: str | None
    elapsed: float

    def __str__(self) -> str:
        return f"{self.kind} {self.id}: {self.status} (after {self.elapsed:.0f} s)"


OnStatus = Callable[[StatusChange], None]


@attrs.frozen
class FinetuneRequest:
    """What to fine-tune: the files, the model's name, the base model and hyperparameters.

    ``state`` is the file where ids are remembered (``<train>.cohere-medner.json`` when
    ``None``).
    """

    train: Path = attrs.field(converter=Path)
    eval: Path | None = attrs.field(
        default=None, converter=attrs.converters.optional(Path), kw_only=True
    )
    name: str = attrs.field(kw_only=True)
    base_model: str = attrs.field(default=DEFAULT_BASE_MODEL, kw_only=True)
    hyperparameters: Hyperparameters = attrs.field(factory=Hyperparameters, kw_only=True)
    state: Path | None = attrs.field(
        default=None, converter=attrs.converters.optional(Path), kw_only=True
    )

    @name.validator
    def _check_name(self, attribute: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str) or not value.strip():
            raise ConfigurationError("a fine-tuned model needs a name")

    @base_model.validator
    def _check_base_model(self, attribute: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str) or not value.strip():
            raise ConfigurationError("base_model must name a model")

    @property
    def state_path(self) -> Path:
        return self.state if self.state is not None else default_state_path(self.train)


@attrs.frozen
class FinetuneResult:
    """A fine-tuned model (the job and the model share the id) and where it stands."""

    model_id: str
    status: str
    name: str
    base_model: str
    dataset_id: str
    created_at: str | None = None
    completed_at: str | None = None
    dataset_warnings: tuple[str, ...] = ()
    """Cohere's validation warnings for the dataset."""
    warnings: tuple[str, ...] = ()
    """The local check's warnings (estimated token counts) from the upload."""
    state_file: str | None = None
    resumed: bool = False
    """Whether the job was found remembered rather than created by this call."""

    @property
    def chat_model(self) -> str:
        """The name chat (and ``Extractor(model=...)``) takes, once ``ready``."""
        return chat_model_name(self.model_id)

    @property
    def job_id(self) -> str:
        return self.model_id

    @property
    def ready(self) -> bool:
        return self.status == READY

    def as_dict(self) -> dict[str, object]:
        return {**attrs.asdict(self), "chat_model": self.chat_model}

    def to_json(self) -> str:
        """One JSON line: ``{"model_id", "status", "chat_model"}``."""
        return json.dumps(
            {"model_id": self.model_id, "status": self.status, "chat_model": self.chat_model}
        )


@attrs.frozen
class FinetuneEvent:
    """A status a fine-tuned model reached, and when (RFC 3339)."""

    status: str
    created_at: str | None
    user_id: str | None = None
