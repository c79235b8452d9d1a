"""FakeCohere's /v1/finetuning: jobs that become chat models, fail, or are retired."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import cohere
import pytest
from cohere.core.api_error import ApiError
from cohere.finetuning import BaseModel, FinetunedModel, Hyperparameters, Settings

from cohere_medner.testing import POLL, FakeCohere, FakeRequest, finetuned_name
from cohere_medner.testing.errors import FakeCohereConfigError
from cohere_medner.testing.finetuning import RETIRED_MESSAGE

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:cohere.core.unchecked_base_model"
)

NO_RETRY: Any = {"max_retries": 0}
READY_PATH = ["STATUS_QUEUED", "STATUS_FINETUNING", "STATUS_DEPLOYING_API", "STATUS_READY"]


def conversation(question: str) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "User", "content": question},
            {"role": "Chatbot", "content": "Chemicals: naloxone"},
        ]
    }


def chat_dataset(co: cohere.ClientV2, *rows: dict[str, Any]) -> str:
    rows = rows or (conversation("a"), conversation("b"))
    content = "".join(json.dumps(row) + "\n" for row in rows).encode()
    created = co.datasets.create(name="train", type="chat-finetune-input", data=content)
    assert created.id is not None
    return created.id


def request(dataset_id: str, **hyperparameters: Any) -> FinetunedModel:
    return FinetunedModel(
        name="bc5cdr-ner",
        settings=Settings(
            base_model=BaseModel(base_type="BASE_TYPE_CHAT"),
            dataset_id=dataset_id,
            hyperparameters=Hyperparameters(**hyperparameters) if hyperparameters else None,
        ),
    )


def model_of(created: Any) -> Any:
    assert created.finetuned_model is not None
    return created.finetuned_model


def echo_model(request: FakeRequest) -> str:
    return f"{request.model}: {request.last_user_message}"


@pytest.fixture
def server() -> Iterator[FakeCohere]:
    with FakeCohere(responder=echo_model, validation_delay=0.01, finetune_step=0.02) as fake:
        yield fake


@pytest.fixture
def co(server: FakeCohere) -> cohere.ClientV2:
    return cohere.ClientV2(api_key="test-key", base_url=server.url)


def wait_for(co: cohere.ClientV2, model_id: str, status: str) -> Any:
    for _ in range(300):
        found = model_of(co.finetuning.get_finetuned_model(model_id))
        if found.status == status:
            return found
        time.sleep(0.01)
    raise AssertionError(f"{model_id} never reached {status}")


def test_a_job_walks_to_ready_and_chat_then_takes_its_ft_name(co: cohere.ClientV2) -> None:
    dataset_id = chat_dataset(co)
    created = model_of(co.finetuning.create_finetuned_model(request=request(dataset_id)))
    assert created.status == "STATUS_QUEUED"
    assert created.name == "bc5cdr-ner"
    assert created.settings.base_model.name == "command-r-08-2024"
    assert created.settings.hyperparameters is not None
    assert created.settings.hyperparameters.train_epochs == 1  # the documented defaults
    assert created.settings.hyperparameters.learning_rate == 0.01
    name = finetuned_name(created.id)
    assert name == created.id + "-ft"

    with pytest.raises(cohere.NotFoundError):  # not ready yet
        co.chat(model=name, messages=[{"role": "user", "content": "hi"}])

    ready = wait_for(co, created.id, "STATUS_READY")
    assert ready.completed_at is not None and ready.completed_at >= ready.created_at
    reply = co.chat(model=name, messages=[{"role": "user", "content": "Naloxone."}])
    assert reply.message.content[0].text == f"{name}: Naloxone."

    events = co.finetuning.list_events(created.id)
    assert [e.status for e in events.events or []] == READY_PATH
    assert events.total_size == 4 and events.next_page_token == ""
    times = [e.created_at for e in events.events or []]
    assert times == sorted(times)
    metrics = co.finetuning.list_training_step_metrics(created.id).step_metrics or []
    assert [m.step_number for m in metrics] == [1, 2, 3, 4, 5]
    losses = [m.metrics["loss"] for m in metrics if m.metrics]
    assert losses == sorted(losses, reverse=True)


def test_one_status_per_poll_and_training_waits_for_the_dataset() -> None:
    with FakeCohere(validation_delay=POLL, finetune_step=POLL) as server:
        co = cohere.ClientV2(api_key="k", base_url=server.url)
        dataset_id = chat_dataset(co)
        model_id = model_of(co.finetuning.create_finetuned_model(request=request(dataset_id))).id

        def status() -> str:
            return str(model_of(co.finetuning.get_finetuned_model(model_id)).status)

        assert [status(), status()] == ["STATUS_QUEUED"] * 2  # the dataset is still queued
        for _ in range(3):
            co.datasets.get(dataset_id)  # queued, processing, validated
        assert [status() for _ in range(5)] == [*READY_PATH, "STATUS_READY"]


def test_a_failed_dataset_fails_the_job_and_the_reason_is_kept(
    co: cohere.ClientV2, server: FakeCohere
) -> None:
    no_user = {"messages": [{"role": "Chatbot", "content": "hi"}]}
    dataset_id = chat_dataset(co, no_user, conversation("a"))
    model_id = model_of(co.finetuning.create_finetuned_model(request=request(dataset_id))).id
    failed = wait_for(co, model_id, "STATUS_FAILED")
    assert failed.completed_at is None
    assert [e.status for e in co.finetuning.list_events(model_id).events or []] == [
        "STATUS_QUEUED",
        "STATUS_FAILED",
    ]
    assert server.finetune_failure_reason(model_id) == (
        f"dataset {dataset_id} failed validation: missing User in example"
    )
    assert co.finetuning.list_training_step_metrics(model_id).step_metrics == []


def test_fail_finetuning_fails_jobs_after_training_starts() -> None:
    with FakeCohere(finetune_step=0.02, validation_delay=0, fail_finetuning=True) as server:
        co = cohere.ClientV2(api_key="k", base_url=server.url)
        model_id = model_of(
            co.finetuning.create_finetuned_model(request=request(chat_dataset(co)))
        ).id
        wait_for(co, model_id, "STATUS_FAILED")
        assert [e.status for e in co.finetuning.list_events(model_id).events or []] == [
            "STATUS_QUEUED",
            "STATUS_FINETUNING",
            "STATUS_FAILED",
        ]
        assert server.finetune_failure_reason(model_id) == (
            "training failed (FakeCohere(fail_finetuning=True))"
        )
        with pytest.raises(cohere.NotFoundError):
            co.chat(model=finetuned_name(model_id), messages=[{"role": "user", "content": "x"}])

        # The reason is there for a job nobody has fetched since it failed.
        unseen = model_of(
            co.finetuning.create_finetuned_model(request=request(chat_dataset(co)))
        ).id
        time.sleep(0.05)
        assert server.finetune_failure_reason(unseen) is not None
        assert server.finetune_failure_reason("no-such-model") is None


def test_retired_fine_tuning_answers_410_gone() -> None:
    with FakeCohere(finetuning="retired") as server:
        co = cohere.ClientV2(api_key="k", base_url=server.url)
        calls = [
            lambda: co.finetuning.list_finetuned_models(),
            lambda: co.finetuning.create_finetuned_model(request=request("any")),
            lambda: co.finetuning.get_finetuned_model("any"),
            lambda: co.finetuning.delete_finetuned_model("any"),
            lambda: co.finetuning.list_events("any"),
        ]
        for call in calls:
            with pytest.raises(ApiError) as raised:
                call()
            assert type(raised.value) is ApiError  # the SDK has no class of its own for 410
            assert raised.value.status_code == 410
            assert raised.value.body == {"message": RETIRED_MESSAGE}
        assert server.outcome_counts == {"retired": len(calls)}
        assert server.finetuning == "retired"


def test_retiring_mid_test_makes_fine_tuned_models_unreachable(
    co: cohere.ClientV2, server: FakeCohere
) -> None:
    model_id = model_of(co.finetuning.create_finetuned_model(request=request(chat_dataset(co)))).id
    wait_for(co, model_id, "STATUS_READY")
    name = finetuned_name(model_id)
    co.chat(model=name, messages=[{"role": "user", "content": "x"}])
    server.finetuning = "retired"
    with pytest.raises(cohere.NotFoundError) as raised:
        co.chat(model=name, messages=[{"role": "user", "content": "x"}])
    assert raised.value.body["message"].startswith(f"model '{name}' not found")
    server.finetuning = "available"
    co.chat(model=name, messages=[{"role": "user", "content": "x"}])
    with pytest.raises(FakeCohereConfigError):
        server.finetuning = "maybe"  # type: ignore[assignment]


def test_refusals_at_creation(co: cohere.ClientV2) -> None:
    dataset_id = chat_dataset(co)
    with pytest.raises(cohere.BadRequestError) as raised:
        co.finetuning.create_finetuned_model(request=request(dataset_id, train_epochs=11))
    assert raised.value.body == {
        "message": "invalid request: train_epochs must be between 1 and 10."
    }
    with pytest.raises(cohere.BadRequestError):
        co.finetuning.create_finetuned_model(request=request(dataset_id, learning_rate=0.5))
    with pytest.raises(cohere.NotFoundError):
        co.finetuning.create_finetuned_model(request=request("no-such-dataset"))

    embed = co.datasets.create(name="e", type="embed-input", data=b'{"text": "x"}\n')
    with pytest.raises(cohere.BadRequestError) as raised:
        co.finetuning.create_finetuned_model(request=request(embed.id or ""))
    assert "needs a chat-finetune-input dataset" in raised.value.body["message"]

    classify = FinetunedModel(
        name="c",
        settings=Settings(
            base_model=BaseModel(base_type="BASE_TYPE_CLASSIFICATION"), dataset_id=dataset_id
        ),
    )
    with pytest.raises(cohere.BadRequestError):
        co.finetuning.create_finetuned_model(request=classify)


def test_list_pages_and_delete(co: cohere.ClientV2) -> None:
    dataset_id = chat_dataset(co)
    ids = [
        model_of(co.finetuning.create_finetuned_model(request=request(dataset_id))).id
        for _ in range(3)
    ]
    first = co.finetuning.list_finetuned_models(page_size=2)
    assert [m.id for m in first.finetuned_models or []] == ids[:2]
    assert first.total_size == 3 and first.next_page_token == "2"
    rest = co.finetuning.list_finetuned_models(page_size=2, page_token=first.next_page_token)
    assert [m.id for m in rest.finetuned_models or []] == ids[2:]
    assert rest.next_page_token == ""
    newest = co.finetuning.list_finetuned_models(order_by="created_at desc")
    assert [m.id for m in newest.finetuned_models or []] == ids[::-1]

    co.finetuning.delete_finetuned_model(ids[0])
    with pytest.raises(cohere.NotFoundError):
        co.finetuning.get_finetuned_model(ids[0])
    assert co.finetuning.list_finetuned_models().total_size == 2
