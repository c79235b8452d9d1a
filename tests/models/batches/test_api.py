"""The batch calls, each safe to repeat: the real SDK against the loopback server."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import cohere
import pytest

from cohere_medner.errors import AuthenticationError
from cohere_medner.models.batches._api import (
    await_validation,
    create,
    find,
    forget_dataset,
    retrieve,
    sdk_client,
    upload,
)
from cohere_medner.models.batches._errors import BatchInputError, UnknownBatchError
from cohere_medner.models.polling import Polling
from cohere_medner.testing import FakeCohere, Fault

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:cohere.core.unchecked_base_model"
)

MODEL = "command-r-08-2024"
KEY = "test-key"


def no_sleep(seconds: float) -> None:
    pass


QUICK = Polling(0.01, 0.01, sleep=no_sleep)


def lines(*texts: str) -> io.BytesIO:
    rows = [
        {"custom_id": str(n), "body": {"messages": [{"role": "user", "content": text}]}}
        for n, text in enumerate(texts)
    ]
    return io.BytesIO("".join(json.dumps(row) + "\n" for row in rows).encode())


@pytest.fixture
def server() -> Iterator[FakeCohere]:
    with FakeCohere(validation_delay=0) as fake:
        yield fake


@pytest.fixture
def co(server: FakeCohere) -> cohere.ClientV2:
    return cohere.ClientV2(api_key=KEY, base_url=server.url)


# Uploading -------------------------------------------------------------------------------------


def test_a_failed_upload_is_sent_whole_again(server: FakeCohere, co: cohere.ClientV2) -> None:
    server.inject(Fault.SERVICE_UNAVAILABLE, count=2, endpoint="datasets.create")
    data = lines("glaucoma", "blindness", "naloxone")
    data.read()  # a retry must not send only what is left after the first attempt
    slept: list[float] = []
    dataset_id = upload(co, "run", data, slept.append)
    assert server.endpoint_counts["datasets.create"] == 3
    assert len(server.datasets.records(dataset_id)) == 3
    assert len(slept) == 2 and all(wait > 0 for wait in slept)  # a wait before each retry only


def test_a_throttled_upload_waits_as_the_server_asks(
    server: FakeCohere, co: cohere.ClientV2
) -> None:
    server.inject(Fault.RATE_LIMITED, retry_after=7.0, endpoint="datasets.create")
    slept: list[float] = []
    upload(co, "run", lines("x"), slept.append)
    assert slept and slept[0] >= 7.0


def test_a_refused_key_is_not_retried() -> None:
    with FakeCohere(api_keys=[KEY]) as strict:
        co = cohere.ClientV2(api_key="wrong", base_url=strict.url)
        with pytest.raises(AuthenticationError):
            upload(co, "run", lines("x"), no_sleep)
        assert strict.endpoint_counts["datasets.create"] == 1


def test_validation_is_awaited_and_a_refusal_says_why(co: cohere.ClientV2) -> None:
    good = upload(co, "good", lines("x"), no_sleep)
    await_validation(co, good, QUICK)
    bad = upload(co, "bad", io.BytesIO(b'{"custom_id": "1"}\n'), no_sleep)
    with pytest.raises(BatchInputError, match=f"refused the batch input dataset {bad}: .+"):
        await_validation(co, bad, QUICK)


def test_forgetting_a_dataset_is_best_effort(server: FakeCohere, co: cohere.ClientV2) -> None:
    dataset_id = upload(co, "run", lines("x"), no_sleep)
    forget_dataset(co, dataset_id)
    forget_dataset(co, dataset_id)  # already gone: nothing raised
    assert server.endpoint_counts["datasets.delete"] == 2


# Batches ---------------------------------------------------------------------------------------


def validated(co: cohere.ClientV2, name: str) -> str:
    dataset_id = upload(co, name, lines("x"), no_sleep)
    await_validation(co, dataset_id, QUICK)
    return dataset_id


def test_a_batch_is_created_once_through_transient_failures(
    server: FakeCohere, co: cohere.ClientV2
) -> None:
    dataset_id = validated(co, "run")
    server.inject(Fault.SERVER_ERROR, count=2, endpoint="batches.create")
    made = create(co, "run", dataset_id, MODEL, no_sleep)
    listed = co.batches.list().batches or []
    assert [b.id for b in listed] == [made.id]
    assert retrieve(co, made.id or "").batch_id == made.id


def test_find_looks_a_batch_up_by_name_and_input(co: cohere.ClientV2) -> None:
    first, second = validated(co, "a"), validated(co, "b")
    made = {
        name: create(co, name, ds, MODEL, no_sleep) for name, ds in (("a", first), ("b", second))
    }
    assert find(co, "b", second) == made["b"]
    assert find(co, "b", first) is None
    assert find(co, "c", second) is None


def test_find_gives_nothing_when_listing_fails(server: FakeCohere, co: cohere.ClientV2) -> None:
    dataset_id = validated(co, "a")
    create(co, "a", dataset_id, MODEL, no_sleep)
    server.inject(Fault.SERVER_ERROR, count=10, endpoint="batches.list")
    assert find(co, "a", dataset_id) is None


def test_without_a_server_the_client_goes_where_co_api_url_says(
    server: FakeCohere, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CO_API_URL", server.url)
    with pytest.raises(UnknownBatchError):
        retrieve(sdk_client(None, KEY, None), "nope")
    assert server.endpoint_counts["batches.get"] == 1


def test_an_unknown_batch_is_named_as_such(co: cohere.ClientV2) -> None:
    with pytest.raises(UnknownBatchError, match="Cohere knows no batch with id 'nope' \\(404\\)"):
        retrieve(co, "nope")
