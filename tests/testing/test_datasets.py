"""FakeCohere's /v1/datasets: uploads, validation as Cohere validates, downloads via the SDK."""

from __future__ import annotations

import io
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cohere
import fastavro
import pytest
from cohere.core.api_error import ApiError

from cohere_medner.testing import POLL, FakeCohere, Fault
from cohere_medner.testing.errors import FakeCohereConfigError

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:cohere.core.unchecked_base_model"
)

NO_RETRY: Any = {"max_retries": 0}


def conversation(question: str, answer: str = "Chemicals: naloxone") -> dict[str, Any]:
    return {
        "messages": [
            {"role": "System", "content": "Extract chemicals."},
            {"role": "User", "content": question},
            {"role": "Chatbot", "content": answer},
        ]
    }


def jsonl(*rows: object) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


def upload(
    co: cohere.ClientV2, content: bytes, kind: str = "chat-finetune-input", **options: Any
) -> str:
    created = co.datasets.create(
        name="bc5cdr train",
        type=kind,
        data=("train.jsonl", content, "application/jsonl"),
        **options,
    )
    assert created.id is not None
    return created.id


def settle(co: cohere.ClientV2, dataset_id: str) -> Any:
    """Fetch the dataset until validation has ended (statuses as the SDK's wait sees them)."""
    for _ in range(200):
        dataset = co.datasets.get(dataset_id).dataset
        if dataset.validation_status in ("validated", "failed"):
            return dataset
        time.sleep(0.01)
    raise AssertionError("validation did not end")


@pytest.fixture
def server() -> Iterator[FakeCohere]:
    with FakeCohere(validation_delay=0.02) as fake:
        yield fake


@pytest.fixture
def co(server: FakeCohere) -> cohere.ClientV2:
    return cohere.ClientV2(api_key="test-key", base_url=server.url)


# Validation ----------------------------------------------------------------------------------


def test_a_valid_chat_dataset_validates_and_co_wait_returns_it(co: cohere.ClientV2) -> None:
    content = jsonl(conversation("Naloxone and clonidine."), conversation("Lidocaine."))
    created = co.datasets.create(
        name="bc5cdr train",
        type="chat-finetune-input",
        data=("train.jsonl", content, "application/jsonl"),
    )
    dataset = co.wait(created, interval=0.01).dataset
    assert dataset.id == created.id and dataset.id.startswith("bc5cdr-train-")
    assert dataset.name == "bc5cdr train"
    assert dataset.dataset_type == "chat-finetune-input"
    assert dataset.validation_status == "validated"
    assert dataset.validation_error is None
    assert dataset.validation_warnings == [
        "dataset has 0 valid eval rows. dataset will be auto-split"
    ]
    assert dataset.required_fields == ["messages"]
    assert dataset.created_at <= dataset.updated_at
    [part] = dataset.dataset_parts or []
    assert (part.name, part.index, part.num_rows) == ("train.jsonl", 0, 2)
    assert part.samples is not None and json.loads(part.samples[0]) == conversation(
        "Naloxone and clonidine."
    )


def test_the_statuses_walk_queued_processing_validated_one_per_poll() -> None:
    with FakeCohere(validation_delay=POLL) as server:
        co = cohere.ClientV2(api_key="k", base_url=server.url)
        dataset_id = upload(co, jsonl(conversation("a"), conversation("b")))
        seen = [co.datasets.get(dataset_id).dataset.validation_status for _ in range(4)]
        assert seen == ["queued", "processing", "validated", "validated"]
        # Listing does not move a polled dataset along; only fetching it does.
        other = upload(co, jsonl(conversation("c"), conversation("d")))
        listed = co.datasets.list().datasets or []
        assert {d.id: d.validation_status for d in listed} == {
            dataset_id: "validated",
            other: "queued",
        }


def test_the_statuses_follow_the_clock_by_default() -> None:
    with FakeCohere(validation_delay=0.1) as server:
        co = cohere.ClientV2(api_key="k", base_url=server.url)
        dataset_id = upload(co, jsonl(conversation("a"), conversation("b")))
        assert co.datasets.get(dataset_id).dataset.validation_status == "queued"
        time.sleep(0.12)
        assert co.datasets.get(dataset_id).dataset.validation_status == "processing"
        time.sleep(0.1)
        assert co.datasets.get(dataset_id).dataset.validation_status == "validated"


def test_an_extra_speaker_fails_validation_with_cohere_s_message(co: cohere.ClientV2) -> None:
    bad = conversation("a")
    bad["messages"][2]["role"] = "Assistant"
    dataset = settle(co, upload(co, jsonl(conversation("b"), bad, conversation("c"))))
    assert dataset.validation_status == "failed"
    assert dataset.validation_error == "extra speaker in example: Assistant (line : 2)"
    assert dataset.dataset_parts is None


def test_co_wait_raises_with_the_validation_error(co: cohere.ClientV2) -> None:
    no_chatbot = {"messages": [{"role": "User", "content": "hello"}]}
    created = co.datasets.create(
        name="x", type="chat-finetune-input", data=jsonl(no_chatbot, conversation("a"))
    )
    with pytest.raises(Exception, match="error : missing Chatbot in example"):
        co.wait(created, interval=0.01)


def test_too_few_valid_examples_counts_what_was_dropped(co: cohere.ClientV2) -> None:
    content = jsonl(conversation("a"), conversation("a")) + b"{not json\n" + jsonl({"text": "x"})
    dataset = settle(co, upload(co, content))
    assert dataset.validation_error == (
        "not enough valid examples: found only 1 valid train examples of 4 received "
        "(2 incorrectly encoded, 1 duplicated, 0 too many tokens); at least 2 valid examples "
        "required since no eval data was provided"
    )


def test_several_errors_one_error_and_the_rest_as_warnings(co: cohere.ClientV2) -> None:
    robot = conversation("a")
    robot["messages"][1]["role"] = "Robot"
    lonely = {"messages": [{"role": "Chatbot", "content": "hi"}]}
    dataset = settle(co, upload(co, jsonl(robot, lonely, conversation("b"), conversation("c"))))
    assert dataset.validation_error == "extra speaker in example: Robot (line : 1)"
    assert "missing User in example" in (dataset.validation_warnings or [])


def test_eval_data_is_a_second_part_and_validated_on_its_own(co: cohere.ClientV2) -> None:
    train = jsonl(conversation("a"), conversation("b"))
    good = co.datasets.create(
        name="with eval",
        type="chat-finetune-input",
        data=("train.jsonl", train, "application/jsonl"),
        eval_data=("eval.jsonl", jsonl(conversation("c")), "application/jsonl"),
    )
    dataset = co.wait(good, interval=0.01).dataset
    assert [p.name for p in dataset.dataset_parts or []] == ["train.jsonl", "eval.jsonl"]
    assert dataset.validation_warnings == []

    empty_eval = co.datasets.create(
        name="bad eval", type="chat-finetune-input", data=train, eval_data=b"\n"
    )
    failed = settle(co, empty_eval.id or "")
    assert failed.validation_error.startswith("invalid eval file: not enough valid examples")


def test_embed_and_batch_inputs_and_skip_malformed_input(co: cohere.ClientV2) -> None:
    rows = jsonl({"text": "naloxone"}, {"title": "no text"}, {"text": "clonidine"})
    strict = settle(co, upload(co, rows, "embed-input"))
    assert strict.validation_error == "missing required field text (line : 2)"
    lenient = settle(co, upload(co, rows, "embed-input", skip_malformed_input=True))
    assert lenient.validation_status == "validated"
    assert lenient.validation_warnings == [
        "skipped malformed row: missing required field text (line : 2)"
    ]
    [part] = lenient.dataset_parts
    assert part.num_rows == 2

    batch = jsonl(
        {"custom_id": "1", "body": {"messages": []}}, {"custom_id": "1", "body": {"messages": []}}
    )
    duplicate = settle(co, upload(co, batch, "batch-chat-v2-input"))
    assert duplicate.validation_error == "duplicate custom_id '1' (line : 2)"


def test_keep_fields_must_be_present_and_are_kept(co: cohere.ClientV2, tmp_path: Path) -> None:
    rows = jsonl({"text": "a", "pmid": "1"}, {"text": "b", "pmid": 2})
    kept = settle(co, upload(co, rows, "embed-input", keep_fields=["pmid"]))
    assert kept.preserve_fields == ["pmid"]
    co.utils.save_dataset(kept, str(tmp_path / "kept.jsonl"))
    lines = (tmp_path / "kept.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"text": "a", "pmid": "1"},
        {"text": "b", "pmid": "2"},  # a kept field that is not a string keeps its JSON text
    ]
    missing = settle(co, upload(co, jsonl({"text": "a"}), "embed-input", keep_fields=["pmid"]))
    assert missing.validation_error == "missing field pmid named in keep_fields (line : 1)"


def test_types_the_fake_does_not_model_are_refused_plainly(co: cohere.ClientV2) -> None:
    with pytest.raises(cohere.BadRequestError) as raised:
        upload(co, b"{}\n", "reranker-finetune-input", request_options=NO_RETRY)
    assert "does not model dataset type 'reranker-finetune-input'" in raised.value.body["message"]
    with pytest.raises(cohere.BadRequestError):
        upload(co, b"{}\n", "poems", request_options=NO_RETRY)


# Reading a dataset back ----------------------------------------------------------------------


def test_save_dataset_reads_the_records_back(co: cohere.ClientV2, tmp_path: Path) -> None:
    rows = [conversation("Naloxone."), conversation("Clonidine, café 🌳.")]
    dataset = co.wait(
        co.datasets.create(name="n", type="chat-finetune-input", data=jsonl(*rows)), interval=0.01
    ).dataset
    co.utils.save_dataset(dataset, str(tmp_path / "out.jsonl"))
    saved = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert saved == rows

    assert dataset.schema_ is not None
    schema = json.loads(dataset.schema_)
    assert [field["name"] for field in schema["fields"]] == ["messages"]


def test_download_links_are_signed_and_need_no_api_key(
    co: cohere.ClientV2, server: FakeCohere
) -> None:
    content = jsonl(conversation("a"), conversation("b"))
    dataset = settle(co, upload(co, content, keep_original_file=True))
    [part] = dataset.dataset_parts
    with urllib.request.urlopen(part.url, timeout=5) as answer:  # no Authorization header
        records = list(fastavro.reader(io.BytesIO(answer.read())))
    assert records == [conversation("a"), conversation("b")]
    with urllib.request.urlopen(part.original_url, timeout=5) as answer:
        assert answer.read() == content

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(part.url.replace("signature=", "signature=0"), timeout=5)
    assert refused.value.code == 403
    assert server.outcome_counts["forbidden"] == 1

    plain = settle(co, upload(co, content))
    assert plain.dataset_parts[0].original_url is None


def test_faults_apply_to_downloads(co: cohere.ClientV2, server: FakeCohere, tmp_path: Path) -> None:
    dataset = settle(co, upload(co, jsonl(conversation("a"), conversation("b"))))
    server.inject(Fault.SERVICE_UNAVAILABLE, endpoint="datasets.download")
    # The SDK never looks at the download's status: it hands the 503's body to fastavro.
    with pytest.raises(ValueError, match="is it an avro file"):
        co.utils.save_dataset(dataset, str(tmp_path / "x.jsonl"))
    co.utils.save_dataset(dataset, str(tmp_path / "x.jsonl"))  # the fault was for one request
    assert server.endpoint_counts["datasets.download"] == 2


# Listing, deleting, usage ----------------------------------------------------------------------


def test_list_filters_delete_and_usage(co: cohere.ClientV2) -> None:
    chat = settle(co, upload(co, jsonl(conversation("a"), conversation("b")))).id
    embed = settle(co, upload(co, jsonl({"text": "x"}), "embed-input")).id
    failed = settle(co, upload(co, jsonl({"nope": 1}), "embed-input")).id

    def ids(**filters: Any) -> list[str]:
        return [d.id for d in co.datasets.list(**filters).datasets or []]

    assert ids() == [chat, embed, failed]
    assert ids(dataset_type="embed-input") == [embed, failed]
    assert ids(validation_status="failed") == [failed]
    assert ids(limit=1, offset=1) == [embed]
    assert co.datasets.get_usage().organization_usage > 0

    co.datasets.delete(embed)
    assert ids() == [chat, failed]
    with pytest.raises(cohere.NotFoundError) as raised:
        co.datasets.get(embed)
    assert raised.value.body == {"message": f"dataset with id {embed} not found"}


def test_uploads_need_a_key_name_type_and_file(server: FakeCohere) -> None:
    anonymous = cohere.ClientV2(api_key="", base_url=server.url)
    with pytest.raises(cohere.UnauthorizedError):
        upload(anonymous, jsonl(conversation("a")))
    request = urllib.request.Request(
        server.url + "/v1/datasets?name=x&type=embed-input",
        data=b"{}",
        headers={"Authorization": "Bearer k", "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 400
    assert "a data file is required" in json.loads(refused.value.read())["message"]


def test_pace_settings_are_checked() -> None:
    with pytest.raises(FakeCohereConfigError):
        FakeCohere(validation_delay=-1)
    with pytest.raises(FakeCohereConfigError):
        FakeCohere(batch_step="sometimes")  # type: ignore[arg-type]


def test_every_dataset_error_is_an_api_error(co: cohere.ClientV2) -> None:
    with pytest.raises(ApiError):
        co.datasets.delete("missing")
