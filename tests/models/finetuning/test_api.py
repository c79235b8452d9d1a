"""Fine-tuning's calls: creates retried only when throttled, waiting that backs off to a deadline."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import cohere
import pytest

from cohere_medner.errors import CohereApiError
from cohere_medner.models.finetuning._errors import FinetuneTimeoutError
from cohere_medner.models.finetuning._finetune import Polling, finetune_status
from cohere_medner.models.finetuning._state import FinetuneState
from cohere_medner.testing import POLL, FakeCohere, Fault
from finetuning import FAST, KEY, create, sent

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:cohere.core.unchecked_base_model"
)


class FakeClock:
    """A clock that moves only when slept on, so that waiting costs no time."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_waiting_times_out_and_status_resumes_by_the_remembered_id(
    chat_files: tuple[Path, Path],
) -> None:
    train, held = chat_files
    clock = FakeClock()
    polling = Polling(interval=1.0, max_interval=4.0, clock=clock, sleep=clock.sleep)
    with FakeCohere(validation_delay=0, finetune_step=POLL) as server:
        with pytest.raises(FinetuneTimeoutError) as raised:
            create(server, train, held, wait=True, timeout=2.5, polling=polling)
        timeout = raised.value
        assert timeout.kind == "fine-tune" and timeout.status != "STATUS_READY"
        assert clock.now == 2.5 and clock.sleeps == [1.0, 1.5]  # backoff, cut at the deadline
        assert f"finetune_status('{timeout.id}', wait=True)" in str(timeout)
        state = FinetuneState.load(train.parent / "train.jsonl.cohere-medner.json")
        (job,) = state.jobs.values()
        assert job.model_id == timeout.id and job.status == timeout.status

        done = finetune_status(
            timeout.id, wait=True, api_key=KEY, base_url=server.url, polling=FAST
        )
        assert done.ready
        again = create(server, train, held, wait=True)
        assert again.resumed and again.model_id == timeout.id
        assert sent(server) == (1, 1)


@pytest.fixture
def server() -> Iterator[FakeCohere]:
    # One status per poll: a job created here is QUEUED however late the next request.
    with FakeCohere(finetune_step=POLL) as fake:
        yield fake


def test_a_throttled_upload_is_retried_and_a_lost_create_is_not(
    chat_files: tuple[Path, Path], server: FakeCohere
) -> None:
    train, held = chat_files
    server.inject(Fault.RATE_LIMITED, retry_after=0.01, endpoint="datasets.create")
    server.inject(Fault.SERVER_ERROR, endpoint="finetuning.create")
    with pytest.raises(CohereApiError) as raised:
        create(server, train, held)
    assert "a create is not retried" in str(raised.value)
    assert sent(server) == (2, 1)
    co = cohere.ClientV2(api_key=KEY, base_url=server.url)
    assert len(co.datasets.list().datasets or []) == 1
    assert create(server, train, held).status == "STATUS_QUEUED"
    assert sent(server) == (2, 2)
    assert Counter(e.outcome for e in server.exchanges)["rate_limited"] == 1
