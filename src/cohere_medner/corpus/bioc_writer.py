"""Writing BioC XML laid out like the official BC5CDR files (reading is in ``bioc``).

Title passage at offset 0, abstract passage at ``len(title) + 1``, one annotation per
mention with its type and MeSH infons, a composite mention as a ``CompositeMention``
annotation followed by an ``IndividualMention`` per part, and CID relations.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Final

from cohere_medner._files import PathLike, atomic_write
from cohere_medner.corpus.bioc_records import COMPOSITE, INDIVIDUAL, MESH, NO_ID, NOT_IDS, ROLE_KEY
from cohere_medner.errors import CorpusFormatError, UnknownEntityTypeError
from cohere_medner.types import ENTITY_TYPES, Document, Mention

_HEADER: Final = (
    "<?xml version='1.0' encoding='UTF-8'?><!DOCTYPE collection SYSTEM 'BioC.dtd'>\n"
    "<collection>\n<source>PubTator</source>\n<date>0/0/0</date>\n<key>PubTator.key</key>\n"
)
# Characters XML 1.0 cannot carry at all, even as character references.
_NOT_XML: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TEXT_ESCAPES: Final = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&apos;", '"': "&quot;", "\r": "&#13;"}
)
# In attributes, XML turns tabs and newlines into spaces unless they are references.
_ATTRIBUTE_ESCAPES: Final = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "'": "&apos;",
        "\r": "&#13;",
        "\n": "&#10;",
        "\t": "&#9;",
    }
)


def write_bioc(documents: Iterable[Document], path: PathLike) -> None:
    """Write documents as a BioC XML collection laid out like the official BC5CDR files.

    Each mention goes into the passage where it starts, so mentions of the title come
    first when read back. A composite mention is written with one IndividualMention per
    part, located by finding the part's words in the composite's text.
    """
    source = str(path)
    with atomic_write(path) as out:
        out.write(_HEADER)
        for document in documents:
            out.write("".join(_document_xml(document, source)))
        out.write("</collection>\n\n")


def _document_xml(document: Document, source: str) -> list[str]:
    where = f"document {document.pmid}"
    if not document.pmid:
        raise CorpusFormatError(source, None, "a document has an empty PMID; BioC needs an <id>")
    abstract_start = document.abstract_start
    title_mentions = [m for m in document.mentions if m.start < abstract_start]
    abstract_mentions = [m for m in document.mentions if m.start >= abstract_start]
    out = [f"<document>\n<id>{_text(document.pmid, source, where)}</id>\n"]
    counter = itertools.count()
    for kind, offset, text, mentions in (
        ("title", 0, document.title, title_mentions),
        ("abstract", abstract_start, document.abstract, abstract_mentions),
    ):
        out.append(
            f'<passage>\n<infon key="type">{kind}</infon>\n<offset>{offset}</offset>\n'
            f"<text>{_text(text, source, where)}</text>\n"
        )
        for mention in mentions:
            _mention_xml(mention, counter, out, source, where)
        out.append("</passage>\n")
    for number, relation in enumerate(document.relations):
        out.append(
            f"<relation id='R{number}'>\n"
            f'<infon key="relation">{_text(relation.type, source, where)}</infon>\n'
            f'<infon key="Chemical">{_text(relation.chemical, source, where)}</infon>\n'
            f'<infon key="Disease">{_text(relation.disease, source, where)}</infon>\n'
        )
        if relation.score is not None:
            out.append(f'<infon key="score">{relation.score!r}</infon>\n')
        out.append("</relation>\n")
    out.append("</document>\n")
    return out


def _mention_xml(
    mention: Mention, counter: Iterator[int], out: list[str], source: str, where: str
) -> None:
    if mention.type not in ENTITY_TYPES:
        raise UnknownEntityTypeError(
            source,
            where,
            f"mention {mention.text!r} has entity type {mention.type!r}; "
            f"expected one of {', '.join(ENTITY_TYPES)}",
        )
    role = COMPOSITE if mention.parts else None
    _annotation_xml(
        counter,
        out,
        mention.type,
        role,
        mention.ids,
        mention.score,
        [(mention.start, mention.end - mention.start)],
        mention.text,
        source,
        where,
    )
    part_ids: list[tuple[str, ...]] = (
        [(id,) if id != NO_ID else () for id in mention.ids]
        if len(mention.ids) == len(mention.parts)
        else []
    )
    for number, part in enumerate(mention.parts):
        locations = _locate(part, mention, source, where)
        ids = part_ids[number] if part_ids else ()
        _annotation_xml(
            counter, out, mention.type, INDIVIDUAL, ids, None, locations, part, source, where
        )


def _annotation_xml(
    counter: Iterator[int],
    out: list[str],
    type_: str,
    role: str | None,
    ids: tuple[str, ...],
    score: float | None,
    locations: list[tuple[int, int]],
    text: str,
    source: str,
    where: str,
) -> None:
    out.append(f"<annotation id='{next(counter)}'>\n<infon key=\"type\">{type_}</infon>\n")
    if role is not None:
        out.append(f'<infon key="{ROLE_KEY}">{role}</infon>\n')
    key, value = _id_infon(ids, source, where)
    out.append(
        f'<infon key="{_attribute(key, source, where)}">{_text(value, source, where)}</infon>\n'
    )
    if score is not None:
        out.append(f'<infon key="score">{score!r}</infon>\n')
    for offset, length in locations:
        out.append(f"<location offset='{offset}' length='{length}' />\n")
    out.append(f"<text>{_text(text, source, where)}</text>\n</annotation>\n")


def _id_infon(ids: tuple[str, ...], source: str, where: str) -> tuple[str, str]:
    """The one infon that reads back as ``ids``: MESH, or a namespace all ids share.

    ``-1`` may stand among other ids (a composite part without a concept), but not alone:
    alone it is how the corpus writes "no id", which reads back as ``()``.
    """
    if not ids:
        return MESH, NO_ID
    for id in ids:
        if not id or "|" in id or ids == (NO_ID,):
            raise CorpusFormatError(
                source,
                where,
                f"identifiers {ids!r} cannot be written: expected non-empty identifiers "
                f"without '|', and () rather than ({NO_ID!r},) for none",
            )
    prefixes = {id.partition(":")[0] for id in ids}
    if len(prefixes) == 1 and all(":" in id for id in ids):
        (key,) = prefixes
        values = [id.partition(":")[2] for id in ids]
        if key not in NOT_IDS and key != MESH and all(v and v != NO_ID for v in values):
            return key, "|".join(values)
    return MESH, "|".join(ids)


def _locate(part: str, mention: Mention, source: str, where: str) -> list[tuple[int, int]]:
    """Document-level locations of ``part``'s words inside the composite ``mention``.

    Each word goes to one of its occurrences (whole words where there are any), in order,
    so that as few locations as possible are needed; words that meet across nothing but
    white space share one location. Ties go to later occurrences, which keeps a part's
    own words together as the corpus does ("thrombosis of" + "the venous sinus" within
    "thrombosis of the ICA and the venous sinus").
    """
    text = mention.text
    words = part.split()
    if not words:
        raise CorpusFormatError(source, where, f"composite mention {text!r} has an empty part")

    def fail(message: str) -> CorpusFormatError:
        return CorpusFormatError(
            source, where, f"part {part!r} of composite mention {text!r}: {message}"
        )

    spans: list[tuple[int, int]] = []
    for word, start in zip(words, _fewest_locations(words, text, fail), strict=True):
        end = start + len(word)
        if spans and not text[spans[-1][1] : start].strip():
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return [(mention.start + start, end - start) for start, end in spans]


def _fewest_locations(
    words: Sequence[str], text: str, fail: Callable[[str], CorpusFormatError]
) -> list[int]:
    """Where in ``text`` each word starts, in order, so that the fewest locations are needed."""
    # For the current word at each of its occurrences: the fewest locations needed so far
    # and the chosen starts, latest word first (negated, so that min() prefers later).
    previous: list[tuple[tuple[int, ...], int, int]] = []  # (key, start, end) per occurrence
    paths: list[list[int]] = []
    for number, word in enumerate(words):
        occurrences = _occurrences(text, word)
        if not occurrences:
            raise fail(
                f"the word {word!r} is not in the composite's text, so its location cannot "
                "be written"
            )
        current: list[tuple[tuple[int, ...], int, int]] = []
        current_paths: list[list[int]] = []
        for start in occurrences:
            end = start + len(word)
            if number == 0:
                current.append(((1, -start), start, end))
                current_paths.append([start])
                continue
            options = [
                ((key[0] + (0 if not text[p_end:start].strip() else 1), -start, *key[1:]), i)
                for i, (key, _, p_end) in enumerate(previous)
                if p_end <= start
            ]
            if options:
                key, i = min(options)
                current.append((key, start, end))
                current_paths.append([*paths[i], start])
        if not current:
            raise fail(
                "its words do not occur in this order in the composite's text, so its "
                "locations cannot be written"
            )
        previous, paths = current, current_paths
    return paths[min(range(len(previous)), key=lambda i: previous[i][0])]


def _occurrences(text: str, word: str) -> list[int]:
    """Starts of ``word`` in ``text``: its whole-word occurrences, else any occurrence."""
    found = []
    index = text.find(word)
    while index >= 0:
        found.append(index)
        index = text.find(word, index + 1)
    whole = [
        index
        for index in found
        if (index == 0 or not text[index - 1].isalnum())
        and (index + len(word) == len(text) or not text[index + len(word)].isalnum())
    ]
    return whole or found


def _text(value: str, source: str, where: str) -> str:
    _check_xml_characters(value, source, where)
    return value.translate(_TEXT_ESCAPES)


def _attribute(value: str, source: str, where: str) -> str:
    _check_xml_characters(value, source, where)
    return value.translate(_ATTRIBUTE_ESCAPES)


def _check_xml_characters(value: str, source: str, where: str) -> None:
    bad = _NOT_XML.search(value)
    if bad:
        raise CorpusFormatError(
            source,
            where,
            f"character {bad.group()!r} at {bad.start()} of {value[:40]!r} cannot be "
            "written in XML",
        )
