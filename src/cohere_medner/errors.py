"""One base error for the library, and a class for each thing that can go wrong.

:func:`unknown_name` words the message for a task or template name that is not one of the
choices.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any


class MedNerError(Exception):
    """Base class of every error cohere-medner raises on purpose."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as it stands (message and attributes) rather than by calling __init__
        # again, which most subclasses give other arguments: an error raised in a worker
        # process reaches the parent whole (multiprocessing, concurrent.futures).
        return _rebuilt, (type(self), self.args, self.__dict__)


def _rebuilt(cls: type[MedNerError], args: tuple[Any, ...], state: dict[str, Any]) -> MedNerError:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


# Corpora ------------------------------------------------------------------------------


class CorpusError(MedNerError):
    """A corpus could not be found, chosen or read."""


class CorpusFormatError(CorpusError, ValueError):
    """A corpus file does not hold what its format promises.

    The message names the file, the line (or document) and what was expected,
    so that a researcher can open the file at the right place.
    """

    def __init__(self, source: str, where: str | int | None, message: str) -> None:
        self.source = source
        self.where = where
        self.detail = message
        if where is None:
            location = source
        elif isinstance(where, int):
            location = f"{source}, line {where}"
        else:
            location = f"{source}, {where}"
        super().__init__(f"{location}: {message}")


class OffsetMismatchError(CorpusFormatError):
    """A mention's offsets do not select its surface text in the document."""


class UnknownEntityTypeError(CorpusFormatError):
    """An annotation has an entity type other than Chemical or Disease."""


class CorpusNotFoundError(CorpusError, FileNotFoundError):
    """No corpus file (or no official BC5CDR file name) where one was expected."""


class UnknownSplitError(CorpusError, ValueError):
    """A split name that is not ``train``, ``validation`` or ``test``."""


class UnknownFormatError(CorpusError, ValueError):
    """A file whose corpus format (PubTator, BioC XML, BigBio JSON) cannot be told."""


class AnnotationError(MedNerError, ValueError):
    """A data object was built with values that break its invariants."""


# Tasks and training files -----------------------------------------------------------------


class TaskError(MedNerError, ValueError):
    """A task or template cannot be built or used as asked."""


class UnknownTaskError(TaskError):
    """A task name that is not one of the built-in (or registered) tasks."""


class TemplateError(TaskError):
    """A prompt template is malformed (a missing ``{text}`` slot, an unknown slot) or unusable."""


def unknown_name(what: str, name: str, known: Iterable[str]) -> str:
    """The message for an unknown task or template ``name``: the choices, and a close one."""
    choices = list(known)
    message = f"unknown {what} {name!r}; choose from {', '.join(choices)}"
    close = difflib.get_close_matches(name.strip(), choices, n=1)
    return message + (f" (did you mean {close[0]!r}?)" if close else "")


class TrainingDataError(MedNerError, ValueError):
    """Fine-tuning files cannot be written from the documents and settings given."""


class ForbiddenSplitError(TrainingDataError):
    """Training or evaluation files were asked for from the test split without ``allow_test``."""


class DataLeakError(TrainingDataError):
    """The same document would appear in both a training and an evaluation file."""


class FinetuneRequirementError(TrainingDataError):
    """Records break Cohere's stated fine-tuning requirements.

    ``violations`` holds one line per violation (``"FILE, line N: what is wrong"``); the
    message lists them all, so that every problem can be fixed in one pass.
    """

    def __init__(self, violations: tuple[str, ...]) -> None:
        self.violations = violations
        count = len(violations)
        heading = (
            f"{count} violation{'s' if count != 1 else ''} of Cohere's fine-tuning requirements"
        )
        super().__init__(heading + ":\n" + "\n".join(f"  {v}" for v in violations))


# The loopback Cohere server (cohere_medner.testing) -------------------------------------


class FakeCohereError(MedNerError):
    """The loopback Cohere server was misconfigured or misused."""


class FakeCohereConfigError(FakeCohereError, ValueError):
    """A FakeCohere setting out of range: a fault rate above 1, a negative latency ..."""


class ResponderError(FakeCohereError):
    """A FakeCohere responder raised while answering; the client was sent a 500.

    Raised when the server stops (leaving its ``with`` block), chained to the first
    responder exception, so that a bug in a test's responder fails the test instead of
    hiding behind the client's retries.
    """


class UnmappedPromptError(FakeCohereError, LookupError):
    """A ``from_mapping`` responder was asked a prompt it holds no answer for."""

    def __init__(self, prompt: str) -> None:
        self.prompt = prompt
        shown = prompt if len(prompt) <= 80 else prompt[:77] + "..."
        super().__init__(f"no answer mapped for prompt {shown!r}")


# Talking to Cohere ----------------------------------------------------------------------


class ConfigurationError(MedNerError, ValueError):
    """A setting out of range (a non-positive rate limit, a zero concurrency ...)."""


class MissingApiKeyError(MedNerError):
    """No Cohere API key was given and none is set in the environment."""


class CohereApiError(MedNerError):
    """Cohere answered a request with an error; ``status`` is the HTTP status (if any)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        self.status = status
        self.message = message
        prefix = f"Cohere API error {status}" if status is not None else "Cohere API error"
        super().__init__(f"{prefix}: {message}")


class AuthenticationError(CohereApiError):
    """The API key was refused (401/403): check CO_API_KEY."""


class ModelNotFoundError(CohereApiError):
    """The server does not know the model (404): check its name or fine-tuned model id."""


class InvalidRequestError(CohereApiError):
    """The server refused the request as invalid (400/422), e.g. a prompt too long."""


class RetriesExhaustedError(CohereApiError):
    """A retryable failure (429, 5xx, timeout, dropped connection) outlasted the budget."""


class EmptyTextError(MedNerError, ValueError):
    """There is no text to extract from."""


class CacheError(MedNerError):
    """The response cache file cannot be opened or is not a cohere-medner cache."""


class MetricsInputError(MedNerError, ValueError):
    """Gold and predicted lists cannot be scored as given.

    Positional lists of different lengths, one side keyed by document id and the other not,
    or a string where a document's list of items belongs.
    """


# Grounding, lexicons and the offline baseline -------------------------------------------


class LexiconError(MedNerError):
    """A lexicon cannot be built, read or used as asked."""


class LexiconFormatError(LexiconError, ValueError):
    """A file is not a lexicon that :meth:`Lexicon.save` wrote, or it is damaged."""


class UnpairedExtractionError(MedNerError, ValueError):
    """An extraction names a document that was not given, so it cannot be grounded."""


# Worked examples chosen by similarity ---------------------------------------------------


class ExampleError(TemplateError):
    """Worked examples cannot be chosen as asked: an empty pool, ``k`` larger than it ..."""


class ExampleLeakError(ExampleError):
    """Documents to extract are also in the pool of worked examples.

    ``pmids`` names every such document; examples must come from another split than the
    one extracted (and scored), or the scores measure recall of the examples shown.
    """

    def __init__(self, pmids: tuple[str, ...], total: int) -> None:
        self.pmids = pmids
        self.total = total
        shown = ", ".join(pmids[:5]) + (f" and {len(pmids) - 5} more" if len(pmids) > 5 else "")
        super().__init__(
            f"{len(pmids)} of the {total} documents to extract are also in the example pool "
            f"(PMIDs {shown}); draw the examples from another split (the training split) "
            "than the one you extract and score"
        )


# Batches ----------------------------------------------------------------------------------

if TYPE_CHECKING:  # the records batch errors carry; nothing is imported at run time
    from .batch_job import BatchState
    from .batch_output import BatchResult


class BatchError(MedNerError):
    """A batch extraction could not be submitted, followed or collected."""


class BatchTooLargeError(BatchError, ValueError):
    """The batch input would exceed the size Cohere accepts for one dataset: split the corpus."""


class BatchInputError(BatchError):
    """Cohere refused the batch input dataset (its validation failed) or the batch itself."""


class BatchHandleError(BatchError):
    """A batch handle file is missing, unreadable, or does not fit the extractor collecting it."""


class UnknownBatchError(BatchHandleError, LookupError):
    """Cohere knows no batch with this id (404): check the id, the API key and the server."""


class BatchOutputError(BatchError):
    """A batch's output dataset could not be downloaded or read, even after retrying."""


class BatchTimeoutError(BatchError, TimeoutError):
    """The batch was still running when the wait ended; collect it again later.

    ``state`` is the batch's last known :class:`~cohere_medner.batch.BatchState`.
    """

    def __init__(self, message: str, state: BatchState) -> None:
        self.state = state
        super().__init__(message)


class BatchFailedError(BatchError):
    """The batch ended FAILED or CANCELED.

    ``state`` is its last :class:`~cohere_medner.batch.BatchState`; ``result`` the
    :class:`~cohere_medner.batch.BatchResult` of what could be kept (answered requests of
    any partial output, every other document with ``error`` set), and the input dataset
    stays on Cohere, so :func:`~cohere_medner.batch.resubmit` can run it again unchanged.
    """

    def __init__(self, message: str, state: BatchState, result: BatchResult) -> None:
        self.state = state
        self.result = result
        super().__init__(message)


# Fine-tuning through Cohere's API ---------------------------------------------------------


class FinetuneError(MedNerError):
    """A fine-tuning step could not go on; the message says why and what is kept."""


class FinetuningRetiredError(FinetuneError):
    """Cohere refused a fine-tuning call because its hosted fine-tuning is retired.

    Cohere deprecated fine-tuning through its dashboard and API on 15 September 2025. The
    message gives the server's answer, what stays kept, and where the same training files
    can still be used (``ALTERNATIVES``).
    """

    ALTERNATIVES = (
        "The training files still serve elsewhere (see docs/fine-tuning.md):\n"
        "  - no fine-tuning: few-shot prompts whose worked examples are the training documents "
        "most similar to each abstract (cohere_medner.examples.KNearest) with a current "
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


class ReportError(MedNerError):
    """A report could not be written, or a saved run could not be read."""


class EmptyReportError(ReportError, ValueError):
    """A report was asked for with no runs to report on."""


class SavedRunError(ReportError, ValueError):
    """A file is not a run that ``save_run`` wrote (another format or version), or is damaged."""


class SavedRunNotFoundError(ReportError, FileNotFoundError):
    """No saved run (``run.json``) where one was expected."""
