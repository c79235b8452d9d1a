"""Hypothesis strategies for generated documents and texts, shared by the test files."""

from __future__ import annotations

import re

from hypothesis import strategies as st

from cohere_medner.types import ENTITY_TYPES, Document, Mention, Relation

# Letters, digits, spaces and the punctuation abstracts use (with some beyond ASCII); no
# line breaks or tabs, which no corpus format can hold inside a title or an abstract.
TEXT_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:()[]-+/'αβγµ\u2013é"
)
texts = st.text(TEXT_ALPHABET, min_size=1, max_size=60)
mesh_ids = st.from_regex(r"D[0-9]{6}", fullmatch=True)
identifiers = st.lists(mesh_ids, max_size=2, unique=True).map(tuple)
# A token as names are cut into them, for the alphabet above (whose dashes are - and \u2013).
_TOKEN = re.compile(r"[^\W_]+|[^\s\w\-\u2013]|_")


@st.composite
def text_and_name(draw: st.DrawFn) -> tuple[str, str, int, int]:
    """A text and a stretch of it that starts and ends at token boundaries."""
    text = draw(
        st.text(TEXT_ALPHABET, min_size=1, max_size=120).filter(
            lambda t: _TOKEN.search(t) is not None
        )
    )
    tokens = list(_TOKEN.finditer(text))
    first = draw(st.integers(0, len(tokens) - 1))
    last = draw(st.integers(first, min(len(tokens) - 1, first + 5)))
    start, end = tokens[first].start(), tokens[last].end()
    return text, text[start:end], start, end


@st.composite
def documents(draw: st.DrawFn, with_parts: bool = True, with_scores: bool = False) -> Document:
    """A document with mentions at valid offsets, relations, and optional composites."""
    pmid = str(draw(st.integers(1, 99_999_999)))
    title = draw(texts)
    abstract = draw(st.text(TEXT_ALPHABET, max_size=200))
    text = f"{title} {abstract}"
    mentions = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, min(len(text), start + 30)))
        parts: tuple[str, ...] = ()
        if with_parts and draw(st.booleans()):
            parts = tuple(draw(st.lists(texts, min_size=2, max_size=2)))
        score = draw(st.floats(0, 1)) if with_scores else None
        mentions.append(
            Mention(
                start,
                end,
                text[start:end],
                draw(st.sampled_from(ENTITY_TYPES)),
                draw(identifiers),
                parts,
                score,
            )
        )
    relations = tuple(
        Relation(
            draw(mesh_ids), draw(mesh_ids), score=draw(st.floats(0, 1)) if with_scores else None
        )
        for _ in range(draw(st.integers(0, 3)))
    )
    return Document(pmid, title, abstract, tuple(mentions), relations)


def annotated(pmid: str, text: str, *spans: tuple[str, str, tuple[str, ...]]) -> Document:
    """A document whose mentions are every occurrence of the given (text, type, ids)."""
    mentions = []
    for surface, entity_type, ids in spans:
        start = text.find(surface)
        while start >= 0:
            mentions.append(Mention(start, start + len(surface), surface, entity_type, ids))
            start = text.find(surface, start + len(surface))
    return Document(pmid, text, "", tuple(sorted(mentions, key=lambda m: m.start)))
