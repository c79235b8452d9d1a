"""Fine-tuning Cohere chat models where the platform still offers it.

:func:`create_finetune` uploads the files :func:`~cohere_medner.training.prepare_finetuning`
writes, trains and waits; :func:`finetune_status` resumes waiting by id. Cohere lists its
hosted fine-tuning as deprecated since 2025-09-15: a refusal as retired is
:class:`FinetuningRetiredError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cohere_medner._lazy import lazy_exports

_EXPORTS: dict[str, tuple[str, ...]] = {
    "cohere_medner.models.finetuning._errors": (
        "BaseModelRefusedError",
        "DatasetRejectedError",
        "FinetuneFailedError",
        "FinetuneStateError",
        "FinetuneTimeoutError",
        "FinetuningRetiredError",
        "UnknownFinetuneError",
    ),
    "cohere_medner.models.finetuning._finetune": (
        "Finetuner",
        "check_training_files",
        "create_finetune",
        "finetune_events",
        "finetune_status",
        "is_retirement",
        "list_finetunes",
    ),
    "cohere_medner.models.finetuning._state": ("FinetuneState", "default_state_path"),
    "cohere_medner.models.finetuning._types": (
        "DEFAULT_BASE_MODEL",
        "FinetuneEvent",
        "FinetuneRequest",
        "FinetuneResult",
        "Hyperparameters",
        "Polling",
        "StatusChange",
        "chat_model_name",
    ),
}
__all__, __getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)

if TYPE_CHECKING:  # `X as X`: re-exported for type checkers
    from cohere_medner.models.finetuning._errors import (
        BaseModelRefusedError as BaseModelRefusedError,
    )
    from cohere_medner.models.finetuning._errors import DatasetRejectedError as DatasetRejectedError
    from cohere_medner.models.finetuning._errors import FinetuneFailedError as FinetuneFailedError
    from cohere_medner.models.finetuning._errors import FinetuneStateError as FinetuneStateError
    from cohere_medner.models.finetuning._errors import FinetuneTimeoutError as FinetuneTimeoutError
    from cohere_medner.models.finetuning._errors import (
        FinetuningRetiredError as FinetuningRetiredError,
    )
    from cohere_medner.models.finetuning._errors import UnknownFinetuneError as UnknownFinetuneError
    from cohere_medner.models.finetuning._finetune import Finetuner as Finetuner
    from cohere_medner.models.finetuning._finetune import (
        check_training_files as check_training_files,
    )
    from cohere_medner.models.finetuning._finetune import create_finetune as create_finetune
    from cohere_medner.models.finetuning._finetune import finetune_events as finetune_events
    from cohere_medner.models.finetuning._finetune import finetune_status as finetune_status
    from cohere_medner.models.finetuning._finetune import is_retirement as is_retirement
    from cohere_medner.models.finetuning._finetune import list_finetunes as list_finetunes
    from cohere_medner.models.finetuning._state import FinetuneState as FinetuneState
    from cohere_medner.models.finetuning._state import default_state_path as default_state_path
    from cohere_medner.models.finetuning._types import DEFAULT_BASE_MODEL as DEFAULT_BASE_MODEL
    from cohere_medner.models.finetuning._types import FinetuneEvent as FinetuneEvent
    from cohere_medner.models.finetuning._types import FinetuneRequest as FinetuneRequest
    from cohere_medner.models.finetuning._types import FinetuneResult as FinetuneResult
    from cohere_medner.models.finetuning._types import Hyperparameters as Hyperparameters
    from cohere_medner.models.finetuning._types import Polling as Polling
    from cohere_medner.models.finetuning._types import StatusChange as StatusChange
    from cohere_medner.models.finetuning._types import chat_model_name as chat_model_name
