"""The fine-tuning lifecycle, through the real SDK over HTTP against FakeCohere."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import cohere
import pytest

from cohere_medner.errors import MissingApiKeyError
from cohere_medner.models.finetuning._errors import FinetuningRetiredError
from cohere_medner.models.finetuning._finetune import (
    Finetuner,
    FinetuneRequest,
    Hyperparameters,
    StatusChange,
    finetune_events,
    finetune_status,
    list_finetunes,
)
from cohere_medner.models.finetuning._state import FinetuneState
from cohere_medner.testing import POLL, FakeCohere, finetuned_name
from cohere_medner.testing.finetuning import RETIRED_MESSAGE
from finetuning import FAST, KEY, create, sent

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:cohere.core.unchecked_base_model"
)

READY_PATH = ["STATUS_QUEUED", "STATUS_FINETUNING", "STATUS_DEPLOYING_API", "STATUS_READY"]


@pytest.fixture
def server() -> Iterator[FakeCohere]:
    with FakeCohere() as fake:
        yield fake


def test_create_validates_trains_and_chat_then_answers_as_the_model(
    chat_files: tuple[Path, Path],
) -> None:
    train, held = chat_files
    changes: list[StatusChange] = []
    settings = Hyperparameters(
        train_epochs=2,
        learning_rate=0.001,
        lora_rank=8,
        lora_target_modules="LORA_TARGET_MODULES_QV",
    )
    with FakeCohere(validation_delay=POLL, finetune_step=POLL) as server:
        result = create(
            server, train, held, wait=True, on_status=changes.append, hyperparameters=settings
        )
        assert [(c.kind, c.status) for c in changes] == [
            ("dataset", "queued"),
            ("dataset", "processing"),
            ("dataset", "validated"),
            *[("fine-tune", status) for status in READY_PATH],
        ]
        assert [c.previous for c in changes[3:]] == [None, *READY_PATH[:-1]]
        assert result.ready and result.status == "STATUS_READY" and not result.resumed
        assert result.chat_model == finetuned_name(result.model_id) == result.model_id + "-ft"
        assert result.job_id == result.model_id
        assert result.base_model == "command-r-08-2024" and result.name == "bc5cdr-chemicals"
        assert json.loads(result.to_json()) == {
            "model_id": result.model_id,
            "status": "STATUS_READY",
            "chat_model": result.chat_model,
        }

        upload = next(r for r in server.requests if r.endpoint == "datasets.create")
        assert upload.param("type") == "chat-finetune-input"
        lines = len(train.read_text().splitlines()) + len(held.read_text().splitlines())
        assert len(server.datasets.records(result.dataset_id)) == lines
        body = next(r for r in server.requests if r.endpoint == "finetuning.create").body
        assert body["settings"]["base_model"] == {
            "name": "command-r-08-2024",
            "base_type": "BASE_TYPE_CHAT",
        }
        assert body["settings"]["hyperparameters"] == settings.as_dict()

        co = cohere.ClientV2(api_key=KEY, base_url=server.url)
        reply = co.chat(
            model=result.chat_model, messages=[{"role": "user", "content": "Naloxone."}]
        )
        assert reply.message.content[0].text == "Naloxone."
        assert server.requests[-1].model == result.chat_model

        # Done already: a repeated create only looks.
        again = create(server, train, held, wait=True, hyperparameters=settings)
        assert again.model_id == result.model_id and again.resumed and again.ready
        assert sent(server) == (1, 1)
    assert KEY not in (train.parent / "train.jsonl.cohere-medner.json").read_text()


def test_a_state_file_in_a_missing_directory_remembers_what_was_sent(
    server: FakeCohere, chat_files: tuple[Path, Path], tmp_path: Path
) -> None:
    # The upload used to go out and the state file then fail to open: a retry uploaded
    # again, although an uploaded dataset is meant to stay remembered.
    train, held = chat_files
    state = tmp_path / "runs" / "ids.json"
    result = create(server, train, held, state=state)
    remembered = FinetuneState.load(state)
    assert [job.model_id for job in remembered.jobs.values()] == [result.model_id]
    assert result.state_file == str(state)
    assert sent(server) == (1, 1)


def test_without_wait_create_returns_at_once_and_status_resumes_waiting(
    chat_files: tuple[Path, Path],
) -> None:
    train, held = chat_files
    with FakeCohere(validation_delay=0, finetune_step=POLL) as server:
        started = create(server, train, held)
        assert started.status == "STATUS_QUEUED" and not started.ready
        seen: list[str] = []
        done = finetune_status(
            started.chat_model,  # the chat name is understood too
            wait=True,
            on_status=lambda change: seen.append(change.status),
            api_key=KEY,
            base_url=server.url,
            polling=FAST,
        )
        assert done.ready and done.model_id == started.model_id
        assert seen == READY_PATH[1:]
        assert done.dataset_id == started.dataset_id
        events = finetune_events(started.model_id, api_key=KEY, base_url=server.url)
        assert [e.status for e in events] == READY_PATH
        listed = list_finetunes(api_key=KEY, base_url=server.url)
        assert [(m.model_id, m.status) for m in listed] == [(started.model_id, "STATUS_READY")]


def test_retired_fine_tuning_says_so_and_keeps_the_dataset(chat_files: tuple[Path, Path]) -> None:
    train, held = chat_files
    with FakeCohere(finetuning="retired") as server:
        with pytest.raises(FinetuningRetiredError) as raised:
            create(server, train, held, wait=True)
        message = str(raised.value)
        assert raised.value.status == 410 and raised.value.server_message == RETIRED_MESSAGE
        assert "retired" in message and "15 September 2025" in message
        for alternative in ("KNearest", "Bedrock", "SageMaker", "OCI", "open-weight"):
            assert alternative in message
        state = FinetuneState.load(train.parent / "train.jsonl.cohere-medner.json")
        (dataset,) = state.datasets.values()
        assert dataset.status == "validated" and dataset.dataset_id in message

        for call in (
            lambda: finetune_status("any", api_key=KEY, base_url=server.url),
            lambda: finetune_events("any", api_key=KEY, base_url=server.url),
            lambda: list_finetunes(api_key=KEY, base_url=server.url),
        ):
            with pytest.raises(FinetuningRetiredError):
                call()

        server.finetuning = "available"
        assert create(server, train, held).dataset_id == dataset.dataset_id
        assert sent(server) == (1, 2)


def test_a_repeated_create_after_an_interruption_uploads_and_creates_once(
    chat_files: tuple[Path, Path], server: FakeCohere
) -> None:
    train, held = chat_files
    with Finetuner(KEY, base_url=server.url, polling=FAST) as finetuner:
        uploaded = finetuner.upload(FinetuneRequest(train, eval=held, name="first"))
        assert sent(server) == (1, 0)  # ... and the process was killed here
        result = create(server, train, held, name="first", wait=True)
        assert result.dataset_id == uploaded.dataset_id and result.ready
        assert sent(server) == (1, 1)

        job = finetuner.start(FinetuneRequest(train, eval=held, name="second"))
        assert sent(server) == (1, 2)  # killed again, before waiting
        resumed = create(server, train, held, name="second", wait=True)
        assert resumed.model_id == job.model_id and resumed.resumed and resumed.ready
        assert sent(server) == (1, 2)


def test_a_finetuner_needs_a_key_and_never_shows_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CO_API_KEY", raising=False)
    monkeypatch.delenv("COHERE_API_KEY", raising=False)
    with pytest.raises(MissingApiKeyError):
        Finetuner()
    with Finetuner("sk-secret", base_url="http://127.0.0.1:1") as finetuner:
        assert "sk-secret" not in repr(finetuner)
