"""Models by name: a registered factory, else a Cohere chat model."""

from __future__ import annotations

from typing import Any

import pytest

from cohere_medner.extractor import Extractor
from cohere_medner.models.cohere_api import CohereChat
from cohere_medner.models.lexicon import LexiconModel
from cohere_medner.models.registry import MODELS, get_model
from cohere_medner.testing import FakeCohere


def test_lexicon_is_the_baseline_and_any_other_name_a_cohere_chat_model() -> None:
    assert isinstance(get_model("lexicon"), LexiconModel)
    chat = get_model("my-fine-tune-ft", api_key="k", cache=False, requests_per_minute=20)
    assert isinstance(chat, CohereChat) and chat.name == "my-fine-tune-ft"
    assert chat.client.limiter.per_minute == 20


def test_the_extractor_builds_its_model_by_name_through_the_registry(
    fake_cohere: FakeCohere, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[tuple[str, dict[str, Any]]] = []

    def factory(name: str, **settings: Any) -> LexiconModel:
        built.append((name, settings))
        return LexiconModel()

    monkeypatch.setitem(MODELS, "house-model", factory)
    extractor = Extractor("house-model", progress=False, flavour="plain")
    assert built == [("house-model", {"flavour": "plain"})]
    assert isinstance(extractor.model, LexiconModel)
    chat = Extractor("command-r-08-2024", cache=False, requests_per_minute=20).model
    assert isinstance(chat, CohereChat) and chat.client.limiter.per_minute == 20
