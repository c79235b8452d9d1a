"""FakeCohere's /v2/batches: dataset lines answered by the responder, read back via the SDK."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cohere
import pytest
from cohere.batches import Batch

from cohere_medner.testing import POLL, FakeCohere, Fault, from_mapping
from cohere_medner.testing.errors import ResponderError

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:cohere.core.unchecked_base_model"
)

MODEL = "command-r-08-2024"
NO_RETRY: Any = {"max_retries": 0}


def line(custom_id: str, text: str, **body: Any) -> dict[str, Any]:
    return {
        "custom_id": custom_id,
        "body": {"messages": [{"role": "user", "content": text}], **body},
    }


def batch_input(co: cohere.ClientV2, *lines: dict[str, Any]) -> str:
    content = "".join(json.dumps(row) + "\n" for row in lines).encode()
    created = co.datasets.create(
        name="abstracts",
        type="batch-chat-v2-input",
        data=("in.jsonl", content, "application/jsonl"),
    )
    return co.wait(created, interval=0.01).dataset.id


def create(co: cohere.ClientV2, dataset_id: str, model: str = MODEL, **options: Any) -> Any:
    return co.batches.create(
        request=Batch(name="ner-run", input_dataset_id=dataset_id, model=model), **options
    ).batch


def wait_until(co: cohere.ClientV2, batch_id: str, *statuses: str) -> Any:
    for _ in range(300):
        batch = co.batches.retrieve(batch_id).batch
        if batch.status in statuses:
            return batch
        time.sleep(0.01)
    raise AssertionError(f"batch {batch_id} never reached {statuses}")


def read_output(co: cohere.ClientV2, dataset_id: str, tmp_path: Path) -> list[dict[str, Any]]:
    dataset = co.datasets.get(dataset_id).dataset
    co.utils.save_dataset(dataset, str(tmp_path / "out.jsonl"))
    return [json.loads(row) for row in (tmp_path / "out.jsonl").read_text().splitlines()]


@pytest.fixture
def server() -> Iterator[FakeCohere]:
    answers = {
        "Naloxone.": "Chemicals: naloxone",
        "Clonidine lowers blood pressure.": "Chemicals: clonidine Diseases: hypotension",
    }
    responder = from_mapping(answers, default="none")
    with FakeCohere(responder=responder, validation_delay=0, batch_step=0.02) as fake:
        yield fake


@pytest.fixture
def co(server: FakeCohere) -> cohere.ClientV2:
    return cohere.ClientV2(api_key="test-key", base_url=server.url)


def test_a_batch_completes_with_per_line_failures_and_readable_output(
    co: cohere.ClientV2, server: FakeCohere, tmp_path: Path
) -> None:
    dataset_id = batch_input(
        co,
        line("doc-1", "Naloxone."),
        line("doc-2", "Clonidine lowers blood pressure.", max_tokens=2),
        line("doc-3", "hi", model="gpt-4"),  # a model the account does not have
        {"custom_id": "doc-4", "body": {"messages": [{"role": "wizard", "content": "x"}]}},
    )
    created = create(co, dataset_id)
    assert created.status == "BATCH_STATUS_QUEUED"
    assert (created.name, created.model, created.input_dataset_id) == ("ner-run", MODEL, dataset_id)
    assert created.num_records == 4
    assert created.output_dataset_id is None

    done = wait_until(co, created.id, "BATCH_STATUS_COMPLETED")
    assert (done.num_successful_records, done.num_failed_records) == (2, 2)
    assert (done.input_tokens, done.output_tokens) == ("5", "4")  # strings: int64 in JSON
    assert done.output_dataset_id is not None

    output = co.datasets.get(done.output_dataset_id).dataset
    assert output.validation_status == "validated"
    assert output.dataset_type == "batch-chat-v2-output"
    rows = {row["custom_id"]: row for row in read_output(co, done.output_dataset_id, tmp_path)}
    assert list(rows) == ["doc-1", "doc-2", "doc-3", "doc-4"]
    first = rows["doc-1"]
    assert first["error"] is None
    assert first["body"]["message"]["content"] == [{"type": "text", "text": "Chemicals: naloxone"}]
    assert first["body"]["finish_reason"] == "COMPLETE"
    assert rows["doc-2"]["body"]["finish_reason"] == "MAX_TOKENS"
    assert rows["doc-2"]["body"]["usage"]["billed_units"] == {"input_tokens": 4, "output_tokens": 2}
    assert rows["doc-3"]["body"] is None
    assert rows["doc-3"]["error"].startswith("model 'gpt-4' not found")
    assert rows["doc-4"]["error"] == (
        "invalid request: message at index 0 must have a role of system, user, assistant or tool."
    )
    # Lines are answered inside the server: they are not requests of their own.
    assert "chat" not in server.endpoint_counts


def test_statuses_one_per_poll() -> None:
    with FakeCohere(validation_delay=0, batch_step=POLL) as server:
        co = cohere.ClientV2(api_key="k", base_url=server.url)
        batch_id = create(co, batch_input(co, line("1", "a"))).id
        seen = [co.batches.retrieve(batch_id).batch.status for _ in range(4)]
        assert seen == [
            "BATCH_STATUS_QUEUED",
            "BATCH_STATUS_IN_PROGRESS",
            "BATCH_STATUS_COMPLETED",
            "BATCH_STATUS_COMPLETED",
        ]
        listed = co.batches.list().batches or []
        assert [(b.id, b.status) for b in listed] == [(batch_id, "BATCH_STATUS_COMPLETED")]


def test_cancel_walks_canceling_then_canceled_and_leaves_no_output(co: cohere.ClientV2) -> None:
    with FakeCohere(validation_delay=0, batch_step=POLL) as server:
        co = cohere.ClientV2(api_key="k", base_url=server.url)
        batch_id = create(co, batch_input(co, line("1", "a"))).id
        assert co.batches.cancel(batch_id) == {}
        seen = [co.batches.retrieve(batch_id).batch for _ in range(3)]
        assert [b.status for b in seen] == [
            "BATCH_STATUS_CANCELING",
            "BATCH_STATUS_CANCELED",
            "BATCH_STATUS_CANCELED",
        ]
        assert seen[-1].output_dataset_id is None
        assert seen[-1].num_successful_records == 0


def test_cancelling_an_ended_batch_changes_nothing(co: cohere.ClientV2) -> None:
    batch_id = create(co, batch_input(co, line("1", "a"))).id
    wait_until(co, batch_id, "BATCH_STATUS_COMPLETED")
    co.batches.cancel(batch_id)
    assert co.batches.retrieve(batch_id).batch.status == "BATCH_STATUS_COMPLETED"
    with pytest.raises(cohere.NotFoundError):
        co.batches.cancel("no-such-batch")


def test_fail_batches_ends_in_failed_with_a_reason() -> None:
    with FakeCohere(validation_delay=0, batch_step=0, fail_batches=True) as server:
        co = cohere.ClientV2(api_key="k", base_url=server.url)
        batch = co.batches.retrieve(create(co, batch_input(co, line("1", "a"))).id).batch
        assert batch.status == "BATCH_STATUS_FAILED"
        assert batch.status_reason == "batch failed (FakeCohere(fail_batches=True))"
        assert batch.output_dataset_id is None


def test_refusals_at_creation(co: cohere.ClientV2) -> None:
    dataset_id = batch_input(co, line("1", "a"))
    with pytest.raises(cohere.NotFoundError):
        create(co, dataset_id, model="gpt-4")
    with pytest.raises(cohere.NotFoundError):
        create(co, "no-such-dataset")
    chat = co.datasets.create(name="c", type="embed-input", data=b'{"text": "x"}\n')
    with pytest.raises(cohere.BadRequestError) as raised:
        create(co, chat.id or "", request_options=NO_RETRY)
    assert "needs a batch-chat-v2-input dataset" in raised.value.body["message"]


def test_a_dataset_still_validating_is_refused() -> None:
    with FakeCohere(validation_delay=POLL) as server:
        co = cohere.ClientV2(api_key="k", base_url=server.url)
        content = (json.dumps(line("1", "a")) + "\n").encode()
        dataset_id = co.datasets.create(name="x", type="batch-chat-v2-input", data=content).id
        with pytest.raises(cohere.BadRequestError) as raised:
            create(co, dataset_id or "", request_options=NO_RETRY)
        assert raised.value.body["message"] == (
            f"invalid request: dataset {dataset_id} is not validated (validation_status: queued)."
        )


def test_batches_can_use_a_ready_fine_tuned_model(tmp_path: Path) -> None:
    from cohere.finetuning import BaseModel, FinetunedModel, Settings

    with FakeCohere(
        responder=lambda r: str(r.model), validation_delay=0, finetune_step=0, batch_step=0
    ) as server:
        co = cohere.ClientV2(api_key="k", base_url=server.url)
        train = b"".join(
            json.dumps(
                {"messages": [{"role": "User", "content": q}, {"role": "Chatbot", "content": "a"}]}
            ).encode()
            + b"\n"
            for q in ("q1", "q2")
        )
        train_id = co.datasets.create(name="t", type="chat-finetune-input", data=train).id or ""
        settings = Settings(base_model=BaseModel(base_type="BASE_TYPE_CHAT"), dataset_id=train_id)
        created = co.finetuning.create_finetuned_model(
            request=FinetunedModel(name="m", settings=settings)
        )
        assert created.finetuned_model is not None
        model = f"{created.finetuned_model.id}-ft"
        batch = create(co, batch_input(co, line("1", "a")), model=model)
        done = co.batches.retrieve(batch.id).batch
        [row] = read_output(co, done.output_dataset_id, tmp_path)
        assert row["body"]["message"]["content"][0]["text"] == model


def test_faults_and_retries_apply_to_batch_calls(co: cohere.ClientV2, server: FakeCohere) -> None:
    batch_id = create(co, batch_input(co, line("1", "a"))).id
    server.inject(Fault.RATE_LIMITED, count=2, retry_after=0.01, endpoint="batches.get")
    assert co.batches.retrieve(batch_id).batch.id == batch_id  # the SDK retried twice
    assert server.outcome_counts["rate_limited"] == 2


def test_a_raising_responder_fails_its_line_and_the_with_block() -> None:
    def broken(request: Any) -> str:
        raise RuntimeError("responder bug")

    server = FakeCohere(responder=broken, validation_delay=0, batch_step=0)
    with pytest.raises(ResponderError), server:
        co = cohere.ClientV2(api_key="k", base_url=server.url)
        batch = co.batches.retrieve(create(co, batch_input(co, line("1", "a"))).id).batch
        assert (batch.num_successful_records, batch.num_failed_records) == (0, 1)
