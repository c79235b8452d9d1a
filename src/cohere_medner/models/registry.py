"""Models by name: what ``Extractor(model="...")`` builds from a string.

:data:`MODELS` maps a name to a factory; any name it does not hold is a Cohere model (or
fine-tuned model id) answered over the v2 chat API (:class:`~.cohere_api.CohereChat`). Add a
factory of your own to name another model: ``MODELS["mine"] = lambda name, **settings: ...``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

from cohere_medner.grounding.baseline import MODEL as LEXICON
from cohere_medner.grounding.baseline import LexiconBaseline
from cohere_medner.grounding.lexicon import Lexicon
from cohere_medner.models.base import Model
from cohere_medner.models.cohere_api import CohereChat
from cohere_medner.models.lexicon import LexiconModel

__all__ = ["MODELS", "ModelFactory", "get_model"]

ModelFactory: TypeAlias = Callable[..., Model]
"""Builds a model from its name and keyword settings: ``factory(name, **settings)``."""


def _lexicon(name: str, *, lexicon: Lexicon | LexiconBaseline | None = None) -> LexiconModel:
    return LexiconModel(lexicon)


MODELS: dict[str, ModelFactory] = {LEXICON: _lexicon}
"""Factories by model name; a name not here is a :class:`~.cohere_api.CohereChat` model."""


def get_model(name: str, **settings: Any) -> Model:
    """The model called ``name``, built with ``settings`` (client settings, ``lexicon`` ...)."""
    return MODELS.get(name, CohereChat)(name, **settings)
