"""Fine-tuning Cohere chat models where the platform still offers it.

:func:`create_finetune` uploads the files :func:`~cohere_medner.training.prepare_finetuning`
writes, trains and waits; :func:`finetune_status` resumes waiting by id. Cohere lists its
hosted fine-tuning as deprecated since 2025-09-15: a refusal as retired is
:class:`FinetuningRetiredError`.
"""

from __future__ import annotations

from cohere_medner.models.finetuning._errors import (
    BaseModelRefusedError,
    DatasetRejectedError,
    FinetuneFailedError,
    FinetuneStateError,
    FinetuneTimeoutError,
    FinetuningRetiredError,
    UnknownFinetuneError,
)
from cohere_medner.models.finetuning._finetune import (
    Finetuner,
    check_training_files,
    create_finetune,
    finetune_events,
    finetune_status,
    is_retirement,
    list_finetunes,
)
from cohere_medner.models.finetuning._state import (
    FinetuneState,
    default_state_path,
)
from cohere_medner.models.finetuning._types import (
    DEFAULT_BASE_MODEL,
    FinetuneEvent,
    FinetuneRequest,
    FinetuneResult,
    Hyperparameters,
    Polling,
    StatusChange,
    chat_model_name,
)

__all__ = [
    "DEFAULT_BASE_MODEL",
    "BaseModelRefusedError",
    "DatasetRejectedError",
    "FinetuneEvent",
    "FinetuneFailedError",
    "FinetuneRequest",
    "FinetuneResult",
    "FinetuneState",
    "FinetuneStateError",
    "FinetuneTimeoutError",
    "Finetuner",
    "FinetuningRetiredError",
    "Hyperparameters",
    "Polling",
    "StatusChange",
    "UnknownFinetuneError",
    "chat_model_name",
    "check_training_files",
    "create_finetune",
    "default_state_path",
    "finetune_events",
    "finetune_status",
    "is_retirement",
    "list_finetunes",
]
