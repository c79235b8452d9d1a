"""Fine-tuning's dataset step: uploaded once, Cohere's verdict kept verbatim and remembered."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import cohere
import pytest

from cohere_medner.models.finetuning._errors import DatasetRejectedError
from cohere_medner.testing import FakeCohere
from finetuning import KEY, create, sent

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:cohere.core.unchecked_base_model"
)


@pytest.fixture
def server() -> Iterator[FakeCohere]:
    with FakeCohere() as fake:
        yield fake


def test_a_dataset_the_server_rejects_is_reported_verbatim_and_not_uploaded_again(
    tmp_path: Path, server: FakeCohere
) -> None:
    conversation = {
        "messages": [
            {"role": "System", "content": "List the chemicals."},
            {"role": "User", "content": "Naloxone reverses clonidine."},
            {"role": "Chatbot", "content": "- naloxone\n- clonidine"},
        ]
    }
    train = tmp_path / "twice.jsonl"
    train.write_text((json.dumps(conversation) + "\n") * 2)  # passes the local check
    with pytest.raises(DatasetRejectedError) as raised:
        create(server, train)
    co = cohere.ClientV2(api_key=KEY, base_url=server.url)
    verdict = co.datasets.get(raised.value.dataset_id).dataset
    assert raised.value.validation_error == verdict.validation_error
    assert verdict.validation_error.startswith("not enough valid examples")
    assert verdict.validation_error in str(raised.value)
    assert raised.value.warnings == tuple(verdict.validation_warnings or ())
    assert not raised.value.remembered
    assert sent(server) == (1, 0)

    with pytest.raises(DatasetRejectedError) as again:
        create(server, train)
    assert again.value.remembered and again.value.validation_error == verdict.validation_error
    assert "force=True" in str(again.value)
    assert sent(server) == (1, 0)

    with pytest.raises(DatasetRejectedError) as forced:
        create(server, train, force=True)
    assert forced.value.dataset_id != raised.value.dataset_id
    assert sent(server) == (2, 0)
