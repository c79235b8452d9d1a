"""One base error for the library, and a class for each thing that can go wrong.

:func:`unknown_name` words the message for a task or template name that is not one of the
choices.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from cohere_medner._redact import redact


class MedNerError(Exception):
    """Base class of every error cohere-medner raises on purpose."""

    def __str__(self) -> str:
        # Whatever a message quotes (a server's answer, an exception), it never shows a key.
        return redact(super().__str__())

    def __repr__(self) -> str:
        return redact(super().__repr__())

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


class EmptyCorpusError(CorpusFormatError):
    """A corpus file (or the split asked of it) holds no documents: nothing to run or score."""


class DuplicateDocumentError(CorpusFormatError):
    """Two documents of one corpus file have the same PMID; the message names both places."""


class DocumentMismatchError(CorpusError, ValueError):
    """Gold and predictions do not hold the same documents, so their score would mislead."""


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


# Talking to Cohere ----------------------------------------------------------------------


class ConfigurationError(MedNerError, ValueError):
    """A setting out of range (a non-positive rate limit, a zero concurrency ...)."""


class MissingApiKeyError(MedNerError):
    """No Cohere API key was given and none is set in the environment."""


class CohereApiError(MedNerError):
    """Cohere answered a request with an error; ``status`` is the HTTP status (if any)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        self.status = status
        self.message = redact(message)
        prefix = f"Cohere API error {status}" if status is not None else "Cohere API error"
        super().__init__(f"{prefix}: {self.message}")


class UnexpectedAnswerError(CohereApiError):
    """A 200 answer that is not what the endpoint answers: another shape, or no text.

    The message says what was expected and what came. Retried a few times, as a glitch may
    pass; then the request fails, and with it its document.
    """


class EmptyAnswerError(UnexpectedAnswerError):
    """An answer without text: ``content`` empty or null, or tool calls only; never cached."""


class InvalidApiKeyError(ConfigurationError):
    """The API key holds characters no HTTP header can carry (a line break, non-ASCII ...)."""


class FatalApiError(CohereApiError):
    """A refusal no request of the run can get past: the run stops at the first one.

    The key, the model or the request's settings are wrong, or nothing answers at the
    server's address: every other request would meet the same answer. Requests not yet
    sent are not sent, those in flight are awaited (their answers are cached), and the
    message says what to fix.
    """


class AuthenticationError(FatalApiError):
    """The API key was refused (401; 403 is :class:`ForbiddenError`): check CO_API_KEY."""


class ForbiddenError(AuthenticationError):
    """The API key may not use the model or endpoint asked for (403)."""


class ModelNotFoundError(FatalApiError):
    """The server does not know the model (404): check its name or fine-tuned model id."""


class InvalidRequestError(CohereApiError):
    """The server refused one request as invalid (400/422), e.g. a prompt too long.

    Only that request's document fails; :class:`RequestRejectedError` is the refusal that
    is not about one prompt.
    """


class RequestRejectedError(FatalApiError, InvalidRequestError):
    """The server refused a request as invalid for a reason not about its prompt (400/422).

    A setting every request shares (``max_tokens``, ``temperature``, a parameter the model
    does not take) is wrong, so every other request would be refused alike.
    """


class RetriesExhaustedError(CohereApiError):
    """A retryable failure (429, 5xx, timeout, dropped connection) outlasted the budget."""


class ServerUnreachableError(FatalApiError, RetriesExhaustedError):
    """Nothing answered at the server's address since the client started: check the URL."""


class EmptyTextError(MedNerError, ValueError):
    """There is no text to extract from."""


class CacheError(MedNerError):
    """A cache file cannot be used; the message names the file and how to go on.

    Every problem with the response or embedding cache is one of these, found when the cache
    is opened (before anything is sent) wherever it can be: the fix is another cache file,
    or none (``--no-cache``, ``cache=False``).
    """


class CacheAccessError(CacheError):
    """A cache file or its directory cannot be created, read or written (permissions, disk)."""


class CacheCorruptError(CacheError):
    """A cache file is not an SQLite database, or is damaged inside."""


class CacheSchemaError(CacheError):
    """A cache file is a database of another kind: other tables, columns or column types."""


class CacheBusyError(CacheError):
    """Another process kept a cache file locked for longer than a write may wait."""


class MetricsInputError(MedNerError, ValueError):
    """Gold and predicted lists cannot be scored as given.

    Positional lists of different lengths, one side keyed by document id and the other not,
    or a string where a document's list of items belongs.
    """


# Grounding, lexicons and the offline baseline -------------------------------------------


class LexiconError(MedNerError):
    """A lexicon cannot be built, read or used as asked."""


class LexiconFormatError(LexiconError, ValueError):
    """A file is not a lexicon :meth:`Lexicon.save` wrote, nor the CTD vocabulary it is read as."""


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


class BatchError(MedNerError):
    """A batch extraction could not be submitted, followed or collected."""


# Fine-tuning through Cohere's API ---------------------------------------------------------


class FinetuneError(MedNerError):
    """A fine-tuning step could not go on; the message says why and what is kept."""


class ReportError(MedNerError):
    """A report could not be written, or a saved run could not be read."""
