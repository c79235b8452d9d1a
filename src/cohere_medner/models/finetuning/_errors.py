"""What goes wrong with fine-tuning: retired, refused, failed, unknown, late, unsaved."""

from __future__ import annotations

from cohere_medner.errors import FinetuneError


class FinetuningRetiredError(FinetuneError):
    """Cohere refused a fine-tuning call because its hosted fine-tuning is retired.

    Cohere deprecated fine-tuning through its dashboard and API on 15 September 2025. The
    message gives the server's answer, what stays kept, and where the same training files
    can still be used (``ALTERNATIVES``).
    """

    ALTERNATIVES = (
        "The training files still serve elsewhere (see docs/fine-tuning.md):\n"
        "  - no fine-tuning: few-shot prompts whose worked examples are the training documents "
        "most similar to each abstract (cohere_medner.models.nearest.KNearest) with a current "
        "Command model;\n"
        "  - Amazon Bedrock (Command, Command Light: the prompt-completion file) or Amazon "
        "SageMaker (Command R: the chat file), through the SDK's Bedrock/SageMaker clients;\n"
        "  - Oracle OCI Generative AI (Command R 08-2024: the prompt-completion file);\n"
        "  - Cohere's open-weight Command models on Hugging Face, fine-tuned yourself "
        "(e.g. TRL with PEFT/LoRA)."
    )

    def __init__(self, server_message: str, status: int | None = None, *, kept: str = "") -> None:
        self.server_message = server_message
        self.status = status
        self.kept = kept
        answer = f"{status}: {server_message}" if status is not None else server_message
        lines = [
            "Cohere's hosted fine-tuning is retired (deprecated on 15 September 2025); "
            f"the server answered {answer}"
        ]
        if kept:
            lines.append(kept)
        lines.append(self.ALTERNATIVES)
        super().__init__("\n".join(lines))


class DatasetRejectedError(FinetuneError, ValueError):
    """Cohere's validation rejected an uploaded dataset.

    ``validation_error`` is the server's message verbatim; ``warnings`` its validation
    warnings; ``remembered`` tells that the verdict is from an earlier run's upload.
    """

    def __init__(
        self,
        message: str,
        *,
        dataset_id: str,
        validation_error: str,
        warnings: tuple[str, ...] = (),
        remembered: bool = False,
    ) -> None:
        self.dataset_id = dataset_id
        self.validation_error = validation_error
        self.warnings = warnings
        self.remembered = remembered
        super().__init__(message)


class BaseModelRefusedError(FinetuneError):
    """Cohere will not fine-tune the chosen base model for this account."""

    def __init__(
        self, message: str, *, base_model: str, server_message: str, status: int | None
    ) -> None:
        self.base_model = base_model
        self.server_message = server_message
        self.status = status
        super().__init__(message)


class FinetuneFailedError(FinetuneError):
    """A fine-tuning job ended ``STATUS_FAILED`` (or was deleted).

    ``reason`` is whatever the API gave for it (``None`` when it gave nothing); ``history``
    the statuses its events went through.
    """

    def __init__(
        self,
        message: str,
        *,
        model_id: str,
        status: str,
        reason: str | None = None,
        history: tuple[str, ...] = (),
        remembered: bool = False,
    ) -> None:
        self.model_id = model_id
        self.status = status
        self.reason = reason
        self.history = history
        self.remembered = remembered
        super().__init__(message)


class UnknownFinetuneError(FinetuneError, LookupError):
    """Cohere knows no fine-tuned model (or dataset) by that id (404)."""

    def __init__(self, message: str, *, kind: str, id: str) -> None:
        self.kind = kind
        self.id = id
        super().__init__(message)


class FinetuneTimeoutError(FinetuneError, TimeoutError):
    """Waiting ended before the dataset or job settled; nothing was cancelled.

    ``kind`` is ``"dataset"`` or ``"fine-tune"``, ``id`` what was waited for and ``status``
    its last status; the ids stay remembered, so waiting can resume.
    """

    def __init__(self, message: str, *, kind: str, id: str, status: str) -> None:
        self.kind = kind
        self.id = id
        self.status = status
        super().__init__(message)


class FinetuneStateError(FinetuneError):
    """The file of remembered fine-tuning ids cannot be read or is not one."""


# Reports ----------------------------------------------------------------------------------
