"""The offline baseline as a model: dictionary matching that answers like a perfect model.

:class:`LexiconModel` runs the :class:`~cohere_medner.grounding.baseline.LexiconBaseline` on
each request's document and answers with the list a perfect model would write for what it
found: the task's gold-completion layout (``- name`` lines, ``- Chemical X influences disease
Y`` for relations, each list under its cue in a combined answer). The Extractor then parses
that answer as it parses any model's, so the baseline goes through the same road. Every
name the baseline finds in BC5CDR (all three splits) reads back exactly; a name no list
answer could carry (see :func:`~cohere_medner.parsing.lists.is_listable_item`) would read
back as it does from any model. No key, no network.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Final

from cohere_medner.grounding.baseline import MODEL, LexiconBaseline
from cohere_medner.grounding.lexicon import Lexicon
from cohere_medner.models.base import Request
from cohere_medner.types import Completion, Document

__all__ = ["LexiconModel"]

_REMEMBERED: Final = 1024
"""Documents whose baseline extraction is kept: each is asked once per task in per-task mode."""


class LexiconModel:
    """The offline baseline (``Extractor(model="lexicon")``): answers from a lexicon, no key.

    ``lexicon`` is a :class:`~cohere_medner.grounding.lexicon.Lexicon` or a ready
    :class:`~cohere_medner.grounding.baseline.LexiconBaseline`; by default one is built from
    the bundled sample's train and validation splits. Documents the lexicon was built from
    are refused (:class:`~cohere_medner.errors.DataLeakError`) before any answer, unless the
    baseline allows them.
    """

    name: Final = MODEL

    def __init__(self, lexicon: Lexicon | LexiconBaseline | None = None) -> None:
        if isinstance(lexicon, LexiconBaseline):
            self.baseline = lexicon
        elif lexicon is not None:
            self.baseline = LexiconBaseline(lexicon)
        else:
            self.baseline = LexiconBaseline.from_data()
        self._found = functools.lru_cache(maxsize=_REMEMBERED)(self.baseline.extract)

    def __repr__(self) -> str:
        return f"LexiconModel({self.baseline!r})"

    @property
    def lexicon(self) -> Lexicon:
        """The lexicon the baseline matches, and predictions take identifiers from."""
        return self.baseline.lexicon

    async def prepare(self, documents: Sequence[Document]) -> None:
        """Refuse documents the lexicon was built from, as the baseline does, before any answer."""
        for document in documents:
            if document.pmid in self.lexicon.pmids:
                self._found(document)

    async def complete(self, request: Request) -> Completion:
        """The list a perfect model would write for what the baseline finds in the document."""
        found = self._found(request.document)
        text = request.unit.format_answer(found.entities, found.relations)
        return Completion(text, origin="offline")
