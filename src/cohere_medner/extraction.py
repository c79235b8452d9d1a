"""What extraction returns for one document: the lists, the raw answers, and their cost."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from cohere_medner._files import PathLike, atomic_write, open_text
from cohere_medner._redact import redact
from cohere_medner.errors import CorpusFormatError, EmptyTextError
from cohere_medner.types import Document, Rejected, Triple


def as_document(item: str | Document) -> Document:
    """A document for a bare text (the text as its abstract, an id from its hash), or ``item``.

    Raises :class:`~cohere_medner.errors.EmptyTextError` where there is no text.
    """
    if isinstance(item, Document):
        if not item.abstract.strip() and not item.title.strip():
            raise EmptyTextError(f"document {item.pmid} has no text to extract from")
        return item
    if not item.strip():
        raise EmptyTextError("the text to extract from is empty")
    digest = hashlib.sha1(item.encode("utf-8")).hexdigest()[:12]
    return Document(f"text-{digest}", "", item)


def _frozen_mapping(value: Mapping[str, Any]) -> dict[str, Any]:
    return dict(value)


def _redacted(error: str | None) -> str | None:
    """An error without any key, however it came (also read back from an older file)."""
    return None if error is None else redact(error)


@attrs.frozen
class Extraction:
    """The extracted entities (by entity type) and relation triples of one document.

    ``raw`` keeps each request's answer text by task name, and ``rejected`` the lines
    of those answers the parsers could not read, so nothing the model said is lost.
    ``error`` is set when the document failed (its requests still failed after
    retrying); what was answered before the failure is kept, and no key is ever in it.
    ``truncated`` names the requests (task names) whose answers stopped at ``max_tokens``,
    and ``oversized`` those whose answers ran far past it and were cut: their lists may be
    incomplete, though the document did not fail.
    """

    document: str
    entities: dict[str, tuple[str, ...]] = attrs.field(factory=dict, converter=_frozen_mapping)
    relations: tuple[Triple, ...] = ()
    raw: dict[str, str] = attrs.field(factory=dict, converter=_frozen_mapping)
    rejected: dict[str, tuple[Rejected, ...]] = attrs.field(factory=dict, converter=_frozen_mapping)
    input_tokens: int = 0
    output_tokens: int = 0
    requests: int = 0
    cached: int = 0
    error: str | None = attrs.field(default=None, converter=_redacted)
    truncated: tuple[str, ...] = ()
    oversized: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when every request for the document was answered."""
        return self.error is None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; :meth:`from_json` reads it back."""
        return {
            "document": self.document,
            "entities": {k: list(v) for k, v in self.entities.items()},
            "relations": [list(t) for t in self.relations],
            "raw": self.raw,
            "rejected": {k: [attrs.asdict(r) for r in v] for k, v in self.rejected.items() if v},
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "requests": self.requests,
            "cached": self.cached,
            "error": self.error,
            "truncated": list(self.truncated),
            "oversized": list(self.oversized),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Extraction:
        return cls(
            document=str(data["document"]),
            entities={k: tuple(v) for k, v in data.get("entities", {}).items()},
            relations=tuple((str(c), str(v), str(d)) for c, v, d in data.get("relations", [])),
            raw=dict(data.get("raw", {})),
            rejected={
                k: tuple(Rejected(**r) for r in v) for k, v in data.get("rejected", {}).items()
            },
            input_tokens=int(data.get("input_tokens", 0)),
            output_tokens=int(data.get("output_tokens", 0)),
            requests=int(data.get("requests", 0)),
            cached=int(data.get("cached", 0)),
            error=data.get("error"),
            truncated=tuple(str(name) for name in data.get("truncated", ())),
            oversized=tuple(str(name) for name in data.get("oversized", ())),
        )


def write_extractions(extractions: Iterable[Extraction], path: PathLike) -> None:
    """One JSON object per line, written atomically."""
    with atomic_write(path) as stream:
        for extraction in extractions:
            stream.write(json.dumps(extraction.to_json(), ensure_ascii=False) + "\n")


def read_extractions(path: PathLike) -> Iterator[Extraction]:
    """Extractions written by :func:`write_extractions`."""
    source = str(path)
    with open_text(path) as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                yield Extraction.from_json(json.loads(line))
            except (ValueError, KeyError, TypeError) as error:
                raise CorpusFormatError(
                    source, number, f"expected one extraction as a JSON object ({error})"
                ) from None
