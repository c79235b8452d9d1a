"""Fine-tuning's job step: started once, failures and refusals explained, unknown ids named."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cohere
import pytest

from cohere_medner.errors import InvalidRequestError
from cohere_medner.models.finetuning._errors import (
    BaseModelRefusedError,
    FinetuneFailedError,
    UnknownFinetuneError,
)
from cohere_medner.models.finetuning._finetune import (
    Hyperparameters,
    finetune_events,
    finetune_status,
)
from cohere_medner.models.finetuning._state import FinetuneState
from cohere_medner.testing import POLL, FakeCohere
from finetuning import KEY, create, sent

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:cohere.core.unchecked_base_model"
)


def test_a_failed_job_is_reported_and_kept_until_forced(chat_files: tuple[Path, Path]) -> None:
    train, held = chat_files
    with FakeCohere(validation_delay=0, finetune_step=POLL, fail_finetuning=True) as server:
        with pytest.raises(FinetuneFailedError) as raised:
            create(server, train, held, wait=True)
        failed = raised.value
        assert failed.status == "STATUS_FAILED"
        assert failed.history == ("STATUS_QUEUED", "STATUS_FINETUNING", "STATUS_FAILED")
        assert failed.reason is None  # the API has no field for it
        assert "the API gives no reason" in str(failed)
        state = FinetuneState.load(train.parent / "train.jsonl.cohere-medner.json")
        assert [j.status for j in state.jobs.values()] == ["STATUS_FAILED"]

        with pytest.raises(FinetuneFailedError) as again:
            create(server, train, held, wait=True)
        assert again.value.remembered and again.value.model_id == failed.model_id
        with pytest.raises(FinetuneFailedError):
            finetune_status(failed.model_id, api_key=KEY, base_url=server.url)
        assert sent(server) == (1, 1)

        server.finetunes.fail = False
        result = create(server, train, held, wait=True, force=True)
        assert result.ready and result.model_id != failed.model_id
        assert sent(server) == (1, 2)  # the validated dataset was reused


@pytest.fixture
def server() -> Iterator[FakeCohere]:
    with FakeCohere() as fake:
        yield fake


def test_unknown_and_deleted_ids(chat_files: tuple[Path, Path], server: FakeCohere) -> None:
    with pytest.raises(UnknownFinetuneError) as raised:
        finetune_status("no-such-model", api_key=KEY, base_url=server.url)
    assert raised.value.kind == "fine-tune" and raised.value.id == "no-such-model"
    assert "cohere-medner finetune list" in str(raised.value)
    with pytest.raises(UnknownFinetuneError):
        finetune_events("no-such-model", api_key=KEY, base_url=server.url)

    train, held = chat_files
    first = create(server, train, held)
    cohere.ClientV2(api_key=KEY, base_url=server.url).finetuning.delete_finetuned_model(
        first.model_id
    )
    with pytest.raises(UnknownFinetuneError) as gone:
        create(server, train, held)
    assert gone.value.id == first.model_id and "force=True" in str(gone.value)
    renewed = create(server, train, held, force=True)
    assert renewed.model_id != first.model_id
    assert sent(server) == (1, 2)


def test_a_base_model_the_account_cannot_fine_tune_keeps_the_dataset(
    chat_files: tuple[Path, Path], server: FakeCohere
) -> None:
    train, held = chat_files
    with pytest.raises(BaseModelRefusedError) as raised:
        create(server, train, held, base_model="command-nonesuch")
    assert raised.value.base_model == "command-nonesuch"
    assert (
        raised.value.server_message
        == "invalid request: base model 'command-nonesuch' cannot be fine-tuned."
    )
    assert raised.value.server_message in str(raised.value)
    result = create(server, train, held)
    assert result.base_model == "command-r-08-2024"
    assert sent(server) == (1, 2)  # one upload; the refused create and the good one


def test_hyperparameters_out_of_the_servers_range_are_refused_verbatim(
    chat_files: tuple[Path, Path], server: FakeCohere
) -> None:
    train, held = chat_files
    with pytest.raises(InvalidRequestError) as raised:
        create(server, train, held, hyperparameters=Hyperparameters(train_epochs=11))
    assert raised.value.message == "invalid request: train_epochs must be between 1 and 10."
