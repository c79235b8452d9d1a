"""The library's errors: one hierarchy, messages that say where, and pickling whole."""

from __future__ import annotations

import importlib
import pickle
import pkgutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import httpx
import pytest

import cohere_medner
from cohere_medner import errors
from cohere_medner.corpus import read_pubtator
from cohere_medner.extraction import Extraction
from cohere_medner.models import batches, finetuning
from cohere_medner.models.batches._job import BatchJob, BatchState
from cohere_medner.models.batches._output import BatchResult
from cohere_medner.models.retrying import final_error
from cohere_medner.testing import errors as fake_errors


def _every_error() -> list[type[errors.MedNerError]]:
    """Every MedNerError subclass the package defines, wherever its area keeps it."""
    for module in pkgutil.walk_packages(cohere_medner.__path__, "cohere_medner."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found: list[type[errors.MedNerError]] = []
    pending = [errors.MedNerError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(set(found), key=lambda cls: cls.__name__)


CLASSES = _every_error()

STATE = BatchState("batch-1", "BATCH_STATUS_FAILED", records=2, failed=2, reason="quota")
JOB = BatchJob("batch-1", "ds-1", "run", "command-r", None, "per-task", ["diseases"], ["d"], ["1"])

# Errors whose constructor takes more than a message, built as the library builds them.
SPECIAL: dict[type[Exception], errors.MedNerError] = {
    errors.CorpusFormatError: errors.CorpusFormatError("CDR_TestSet.txt", 12, "bad line"),
    errors.OffsetMismatchError: errors.OffsetMismatchError("a.xml", "document 1", "offsets"),
    errors.EmptyCorpusError: errors.EmptyCorpusError("a.json", None, "holds no documents"),
    errors.DuplicateDocumentError: errors.DuplicateDocumentError("a.txt", 9, "PMID 1 again"),
    errors.UnknownEntityTypeError: errors.UnknownEntityTypeError("a.txt", None, "Gene"),
    errors.FinetuneRequirementError: errors.FinetuneRequirementError(("a, line 1: x",)),
    fake_errors.UnmappedPromptError: fake_errors.UnmappedPromptError("Create a list " * 10),
    errors.CohereApiError: errors.CohereApiError("server error", 503),
    errors.AuthenticationError: errors.AuthenticationError("invalid api token", 401),
    errors.ModelNotFoundError: errors.ModelNotFoundError("no such model", 404),
    errors.InvalidRequestError: errors.InvalidRequestError("too long", 400),
    errors.RetriesExhaustedError: errors.RetriesExhaustedError("gave up", 429),
    errors.ExampleLeakError: errors.ExampleLeakError(("1", "2", "3", "4", "5", "6", "7"), 10),
    batches.BatchTimeoutError: batches.BatchTimeoutError("still running", STATE),
    batches.BatchFailedError: batches.BatchFailedError(
        "failed", STATE, BatchResult(JOB, STATE, (Extraction("1", error="quota"),))
    ),
    finetuning.FinetuningRetiredError: finetuning.FinetuningRetiredError(
        "gone", 410, kept="ids kept"
    ),
    finetuning.DatasetRejectedError: finetuning.DatasetRejectedError(
        "rejected", dataset_id="ds", validation_error="too few", warnings=("w",)
    ),
    finetuning.BaseModelRefusedError: finetuning.BaseModelRefusedError(
        "refused", base_model="command-r", server_message="no", status=403
    ),
    finetuning.FinetuneFailedError: finetuning.FinetuneFailedError(
        "failed", model_id="m", status="STATUS_FAILED", reason="oom", history=("QUEUED",)
    ),
    finetuning.UnknownFinetuneError: finetuning.UnknownFinetuneError(
        "404", kind="dataset", id="ds"
    ),
    finetuning.FinetuneTimeoutError: finetuning.FinetuneTimeoutError(
        "waited", kind="fine-tune", id="m", status="STATUS_TRAINING"
    ),
}


def example(cls: type[Exception]) -> Exception:
    return SPECIAL.get(cls) or cls("something went wrong")


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_error_is_a_documented_mednererror(cls: type[Exception]) -> None:
    assert issubclass(cls, errors.MedNerError)
    assert cls.__doc__ and cls.__doc__.strip()


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_error_pickles_whole(cls: type[Exception]) -> None:
    error = example(cls)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert str(copy) == str(error) and copy.args == error.args
    assert copy.__dict__ == error.__dict__


def test_corpus_errors_name_the_file_and_the_place() -> None:
    assert str(errors.CorpusFormatError("a.txt", 3, "expected x")) == "a.txt, line 3: expected x"
    assert str(errors.CorpusFormatError("a.json", "document at index 2", "y")) == (
        "a.json, document at index 2: y"
    )
    assert str(errors.CorpusFormatError("a.xml", None, "z")) == "a.xml: z"


def test_messages_list_every_violation_and_shorten_long_lists() -> None:
    assert str(errors.FinetuneRequirementError(("f, line 1: a", "f, line 2: b"))) == (
        "2 violations of Cohere's fine-tuning requirements:\n  f, line 1: a\n  f, line 2: b"
    )
    leak = str(SPECIAL[errors.ExampleLeakError])
    assert "7 of the 10 documents" in leak and "PMIDs 1, 2, 3, 4, 5 and 2 more" in leak
    assert str(SPECIAL[fake_errors.UnmappedPromptError]).endswith("...'")


def read_all(path: Path) -> int:
    return len(read_pubtator(path).to_list())


def test_an_error_in_a_worker_process_reaches_the_parent_whole(tmp_path: Path) -> None:
    path = tmp_path / "broken.PubTator"
    path.write_text("1|t|Title\n1|a|Abstract\n1\t0\t5\tTitlx\tDisease\tD1\n", encoding="utf-8")
    with (
        ProcessPoolExecutor(max_workers=1) as pool,
        pytest.raises(errors.OffsetMismatchError) as caught,
    ):
        pool.submit(read_all, path).result()
    assert caught.value.source == str(path) and caught.value.where == 3


@pytest.mark.parametrize("cls", [c for c in CLASSES if c not in SPECIAL], ids=lambda c: c.__name__)
def test_no_error_shows_a_key(cls: type[Exception]) -> None:
    error = cls("the proxy said: Authorization: Bearer sk-shown-0123456789")
    assert "sk-shown" not in str(error) and "sk-shown" not in repr(error)
    assert "Bearer [redacted]" in str(error)


def test_a_key_an_exception_quotes_is_not_shown_by_the_error_it_becomes() -> None:
    quoted = httpx.LocalProtocolError("Illegal header value b'Bearer sk-quoted-0123\\n456'")
    error = final_error(quoted)
    assert "sk-quoted" not in str(error) and "Illegal header value b'Bearer [redacted]'" in str(
        error
    )
