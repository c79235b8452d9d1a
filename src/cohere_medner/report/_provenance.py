"""Where a run came from: its data, lexicon, prompts and software, so a figure says what it is.

A :class:`Provenance` is recorded by :func:`~cohere_medner.report.score_run` (and so by
:func:`~cohere_medner.evaluation.evaluate`), saved in ``run.json`` and shown by every report.
The content hash covers the documents evaluated, text and annotations, in any order: two runs
with one hash scored the same gold, whatever the files were called.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib.metadata
import json
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from cohere_medner.types import Document

__all__ = ["Provenance", "content_hash", "examples_text", "library_version", "now"]


@attrs.frozen
class Provenance:
    """Where a run came from; ``None`` marks what was not recorded (runs saved before 0.2).

    ``corpus`` names the data (a path, or the bundled sample); ``content_hash`` is
    :func:`content_hash` of the documents evaluated; ``split`` the split they are from;
    ``lexicon`` the lexicon's sources (its annotated splits, then its vocabulary files), empty
    for a run without one; ``template``, ``examples`` (the worked examples each prompt
    shows, ``none`` for zero-shot) and ``mode`` how the prompts were made; ``version``
    the library's, and ``date`` when the run was scored (ISO 8601, UTC).
    """

    corpus: str | None = None
    content_hash: str | None = None
    split: str | None = None
    lexicon: tuple[str, ...] | None = None
    template: str | None = None
    examples: str | None = None
    mode: str | None = None
    version: str | None = None
    date: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The JSON form ``run.json`` and ``report.json`` hold; :meth:`from_json` reads it."""
        found = attrs.asdict(self)
        found["lexicon"] = None if self.lexicon is None else list(self.lexicon)
        return found

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Provenance:
        def text(key: str) -> str | None:
            value = data.get(key)
            return None if value is None else str(value)

        lexicon = data.get("lexicon")
        return cls(
            corpus=text("corpus"),
            content_hash=text("content_hash"),
            split=text("split"),
            lexicon=None if lexicon is None else tuple(str(s) for s in lexicon),
            template=text("template"),
            examples=text("examples"),
            mode=text("mode"),
            version=text("version"),
            date=text("date"),
        )

    @property
    def lexicon_text(self) -> str:
        """The lexicon's sources for a table: ``train+validation``, ``none`` or ``unknown``."""
        if self.lexicon is None:
            return "unknown"
        return "+".join(self.lexicon) if self.lexicon else "none"


def examples_text(chooser: object | None) -> str:
    """The worked examples a template's chooser gives: ``3 random (seed 0)``, ``3 nearest``."""
    if chooser is None:
        return "none"
    k = getattr(chooser, "k", "?")
    kind = type(chooser).__name__
    if kind == "FewShot":
        return f"{k} random (seed {getattr(chooser, 'seed', '?')})"
    return f"{k} nearest" if kind == "KNearest" else f"{k} from {kind}"


def content_hash(documents: Iterable[Document]) -> str:
    """SHA-256 of the documents' text and annotations, independent of their order."""
    digests = sorted(
        hashlib.sha256(
            json.dumps(
                [
                    d.pmid,
                    d.title,
                    d.abstract,
                    [[m.start, m.end, m.text, m.type, list(m.ids)] for m in d.mentions],
                    [[r.chemical, r.disease, r.type] for r in d.relations],
                ],
                ensure_ascii=False,
            ).encode("utf-8")
        ).hexdigest()
        for d in documents
    )
    return hashlib.sha256("\n".join(digests).encode("ascii")).hexdigest()


def library_version() -> str:
    """The installed cohere-medner's version, or ``unknown`` when run from a bare checkout."""
    try:
        return importlib.metadata.version("cohere-medner")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def now() -> str:
    """The current time in UTC, to the second, as ISO 8601."""
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()
