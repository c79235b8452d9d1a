"""What answers a prompt, and everything that talks to Cohere to get the answer.

The :class:`Model` protocol (a :class:`Request` in, a :class:`~cohere_medner.types.Completion`
out) with its implementations: Cohere's models (:class:`CohereChat`, :class:`CohereGenerate`),
the offline baseline (:class:`LexiconModel`), and names to models (:func:`get_model`). Under
them the retrying, rate-limited client, the answer cache, embeddings and nearest-neighbour
examples, and the folders ``batches/`` and ``finetuning/``. Only this folder imports the
``cohere`` SDK; the names below load their module on first use, so that
``cohere_medner.models.polling``, say, can be imported without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cohere_medner._lazy import lazy_exports

_EXPORTS: dict[str, tuple[str, ...]] = {
    "cohere_medner.models.base": ("Model", "Request"),
    "cohere_medner.models.cohere_api": ("CohereChat", "CohereGenerate"),
    "cohere_medner.models.lexicon": ("LexiconModel",),
    "cohere_medner.models.registry": ("MODELS", "get_model"),
    "cohere_medner.models.client": ("CohereClient", "Usage"),
    "cohere_medner.models.cache": ("ResponseCache",),
    "cohere_medner.models.nearest": ("KNearest",),
    "cohere_medner.models.polling": ("Polling",),
}
__all__, __getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)


if TYPE_CHECKING:  # `X as X`: re-exported for type checkers
    from cohere_medner.models.base import Model as Model
    from cohere_medner.models.base import Request as Request
    from cohere_medner.models.cache import ResponseCache as ResponseCache
    from cohere_medner.models.client import CohereClient as CohereClient
    from cohere_medner.models.client import Usage as Usage
    from cohere_medner.models.cohere_api import CohereChat as CohereChat
    from cohere_medner.models.cohere_api import CohereGenerate as CohereGenerate
    from cohere_medner.models.lexicon import LexiconModel as LexiconModel
    from cohere_medner.models.nearest import KNearest as KNearest
    from cohere_medner.models.polling import Polling as Polling
    from cohere_medner.models.registry import MODELS as MODELS
    from cohere_medner.models.registry import get_model as get_model
