"""The PubTator format: BC5CDR's own files and the official evaluator's input.

A document is a title line ``PMID|t|TITLE``, an abstract line ``PMID|a|ABSTRACT``, then
one tab-separated line per mention (``PMID START END TEXT TYPE IDS [PARTS]``) and per
relation (``PMID CID CHEMICAL DISEASE``), and a blank line. Prediction files carry a
score in the last column (``... TYPE IDS SCORE`` and ``... CID CHEMICAL DISEASE SCORE``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from cohere_medner._files import PathLike, atomic_write, open_text
from cohere_medner.corpus.stream import DocumentStream, checked_documents, undecodable
from cohere_medner.errors import (
    AnnotationError,
    CorpusFormatError,
    OffsetMismatchError,
    UnknownEntityTypeError,
)
from cohere_medner.types import ENTITY_TYPES, Document, Mention, Relation

NO_ID = "-1"
_TAB = "\t"
_BOM = "\ufeff"
_OFFSET_DIGITS = 9
"""Digits an offset may have: no abstract is a billion characters long."""


_CHUNK = 1 << 20
_SEPARATOR = re.compile(r"(\n(?:[ \t]*\n)+)")
# One gold line, mention or CID relation, matched in C for a whole document at once.
_ROW = re.compile(
    r"^(\d+)\t(?:(\d{1,9})\t(\d{1,9})\t([^\t\n]*)\t(Chemical|Disease)\t([^\t\n]*)"
    r"|CID\t([^\t\n]+)\t([^\t\n]+))$",
    re.MULTILINE,
)


def read_pubtator(path: PathLike, *, predictions: bool = False) -> DocumentStream:
    """Documents of a PubTator file (plain or ``.gz``), streamed when iterated.

    A byte-order mark is skipped. A file that is not UTF-8, holds no document or gives
    one PMID twice is refused with an error naming the file and line. With
    ``predictions``, the file is read as the official evaluator reads a system's output:
    a zero-length mention (``806 806`` with no text) is kept, to score as a false
    positive, where a gold file's is an error.
    """
    source = str(path)

    def documents() -> Iterator[Document]:
        try:
            with open_text(path) as stream:
                chunks = iter(lambda: stream.read(_CHUNK), "")
                first = next(chunks, "").removeprefix(_BOM)
                placed = _parse(itertools.chain([first], chunks), source, predictions)
                yield from checked_documents(placed, source)
        except UnicodeDecodeError as error:
            raise undecodable(path, source, error) from None

    return DocumentStream(documents, source)


def parse_pubtator(
    text: Iterable[str], source: str = "<pubtator>", *, predictions: bool = False
) -> Iterator[Document]:
    """Parse PubTator text into documents, one at a time.

    ``text`` is any iterable of consecutive pieces of the file: its lines, or chunks of
    any size. Only one document's text is held at a time. ``predictions`` as for
    :func:`read_pubtator`.
    """
    for document, _ in _parse(text, source, predictions):
        yield document


def _parse(
    text: Iterable[str], source: str, predictions: bool = False
) -> Iterator[tuple[Document, int]]:
    """Documents, each with the line its title is on."""
    known_ids: dict[str, tuple[str, ...]] = {}
    line = 1
    for block, newlines in _blocks(text):
        content = block.lstrip("\n \t")
        if content:
            first = line + block.count("\n", 0, len(block) - len(content))
            yield _document(content, first, source, known_ids, predictions), first
        line += newlines


def _blocks(text: Iterable[str]) -> Iterator[tuple[str, int]]:
    """Document blocks (text between blank lines), each with the line breaks it spans."""
    pending = ""
    for piece in text:
        pending += piece
        if "\r" in pending:
            if pending.endswith("\r"):
                continue  # a "\r\n" may straddle two pieces
            pending = pending.replace("\r\n", "\n")
        pieces = _SEPARATOR.split(pending)
        pending = pieces.pop()
        for block, separator in zip(pieces[::2], pieces[1::2], strict=True):
            yield block, block.count("\n") + separator.count("\n")
    pending = pending.replace("\r\n", "\n").rstrip("\n")
    if pending:
        yield pending, 0


def _document(
    block: str,
    first: int,
    source: str,
    known_ids: dict[str, tuple[str, ...]],
    predictions: bool = False,
) -> Document:
    lines = block.split("\n")
    pmid, title = _header(lines[0], "t", source, first)
    if len(lines) < 2:
        raise CorpusFormatError(
            source, first + 1, f"document {pmid} ends before its abstract line '{pmid}|a|...'"
        )
    abstract_pmid, abstract = _header(lines[1], "a", source, first + 1)
    if abstract_pmid != pmid:
        raise CorpusFormatError(
            source, first + 1, f"abstract line is for {abstract_pmid}, expected {pmid}|a|..."
        )
    text = f"{title} {abstract}"
    mentions: list[Mention] = []
    relations: list[Relation] = []
    body = block[len(lines[0]) + len(lines[1]) + 2 :]
    rows = _ROW.findall(body) if body else []
    if len(rows) == len(lines) - 2 and _read_rows(rows, pmid, text, mentions, relations, known_ids):
        return Document(pmid, title, abstract, tuple(mentions), tuple(relations))
    # Something unusual (a score, composite parts, an error): read line by line, so that
    # an error names its line.
    mentions.clear()
    relations.clear()
    for number, line in enumerate(lines[2:], start=first + 2):
        columns = line.split("\t")
        if columns[0] != pmid:
            raise CorpusFormatError(
                source,
                number,
                f"expected an annotation of document {pmid} or a blank line, "
                f"got {line.rstrip()[:60]!r}",
            )
        if len(columns) > 1 and columns[1].isdigit():
            mentions.append(_mention(columns, text, source, number, predictions))
        else:
            relations.append(_relation(columns, source, number))
    return Document(pmid, title, abstract, tuple(mentions), tuple(relations))


def _read_rows(
    rows: list[tuple[str, ...]],
    pmid: str,
    text: str,
    mentions: list[Mention],
    relations: list[Relation],
    known_ids: dict[str, tuple[str, ...]],
) -> bool:
    """Read regular-expression rows of plain gold lines; False where any looks wrong."""
    for row_pmid, start_text, end_text, surface, kind, id_text, chemical, disease in rows:
        if row_pmid != pmid:
            return False
        if not start_text:
            relations.append(Relation(chemical, disease))
            continue
        start, end = int(start_text), int(end_text)
        if start >= end or text[start:end] != surface:
            return False
        ids = known_ids.get(id_text)
        if ids is None:
            ids = known_ids[id_text] = _ids(id_text)
        mentions.append(Mention(start, end, surface, kind, ids))
    return True


def _header(line: str, kind: str, source: str, number: int) -> tuple[str, str]:
    pmid, bar, rest = line.partition("|")
    if bar and rest[:2] == f"{kind}|" and pmid.isdigit():
        return pmid, rest[2:]
    what = "title" if kind == "t" else "abstract"
    raise CorpusFormatError(
        source, number, f"expected a {what} line 'PMID|{kind}|...', got {line[:60]!r}"
    )


def _mention(
    columns: list[str], text: str, source: str, number: int, predictions: bool = False
) -> Mention:
    if not 6 <= len(columns) <= 8:
        raise CorpusFormatError(
            source,
            number,
            "expected a mention line 'PMID START END TEXT TYPE IDS [PARTS] [SCORE]' "
            f"(6 to 8 tab-separated columns), got {len(columns)} columns",
        )
    _, start_text, end_text, surface, kind, id_text, *extra = columns
    start = _offset(start_text, "start", source, number)
    end = _offset(end_text, "end", source, number)
    if kind not in ENTITY_TYPES:
        raise UnknownEntityTypeError(
            source,
            number,
            f"unknown entity type {kind!r}, expected one of {', '.join(ENTITY_TYPES)}",
        )
    if start >= end and not (predictions and start == end and not surface):
        raise OffsetMismatchError(
            source,
            number,
            f"mention {surface!r} at {start}..{end} has no extent: a mention's end must lie "
            "after its start",
        )
    if text[start:end] != surface:
        raise OffsetMismatchError(
            source,
            number,
            f"mention {surface!r} at {start}..{end} does not match the document text there "
            f"({text[start:end]!r})",
        )
    parts: tuple[str, ...] = ()
    score = None
    if extra:
        score = _score(extra[-1])
        # The official training file ends some lines with a tab: an empty parts column.
        if (score is None or len(extra) == 2) and extra[0]:
            parts = tuple(extra[0].split("|"))
        if len(extra) == 2 and score is None:
            raise CorpusFormatError(
                source, number, f"the last column should be a score, got {extra[-1]!r}"
            )
    return Mention(start, end, surface, kind, _ids(id_text), parts, score)


def _offset(text: str, what: str, source: str, number: int) -> int:
    if not (text.isascii() and text.isdigit()):
        raise CorpusFormatError(source, number, f"mention {what} {text[:20]!r} is not an integer")
    if len(text) > _OFFSET_DIGITS:
        raise CorpusFormatError(
            source,
            number,
            f"mention {what} {text[:12]}... has {len(text)} digits, more than any offset "
            f"in a document can have ({_OFFSET_DIGITS})",
        )
    return int(text)


def _ids(text: str) -> tuple[str, ...]:
    return () if text in (NO_ID, "") else tuple(text.split("|"))


def _relation(columns: list[str], source: str, number: int) -> Relation:
    if len(columns) not in (4, 5) or not columns[1]:
        raise CorpusFormatError(
            source,
            number,
            "expected a relation line 'PMID CID CHEMICAL DISEASE [SCORE]' "
            f"or a mention line 'PMID START END ...', got {_TAB.join(columns)[:60]!r}",
        )
    score = None
    if len(columns) == 5:
        score = _score(columns[4])
        if score is None:
            raise CorpusFormatError(
                source, number, f"the relation's last column should be a score, got {columns[4]!r}"
            )
    return Relation(columns[2], columns[3], columns[1], score)


def _score(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def format_pubtator(document: Document) -> str:
    """One document in PubTator, ending with the blank line that separates documents."""
    _check_writable(document)
    pmid = document.pmid
    lines = [f"{pmid}|t|{document.title}", f"{pmid}|a|{document.abstract}"]
    for m in document.mentions:
        columns = [pmid, str(m.start), str(m.end), m.text, m.type, "|".join(m.ids) or NO_ID]
        if m.parts:
            columns.append("|".join(m.parts))
        if m.score is not None:
            columns.append(repr(m.score))
        lines.append("\t".join(columns))
    for r in document.relations:
        columns = [pmid, r.type, r.chemical, r.disease]
        if r.score is not None:
            columns.append(repr(r.score))
        lines.append("\t".join(columns))
    return "\n".join(lines) + "\n\n"


def _check_writable(document: Document) -> None:
    # PubTator has no escaping: a line break or tab inside a field would silently
    # turn into a different document when read back.
    fields = [("title", document.title), ("abstract", document.abstract)]
    for m in document.mentions:
        fields += [("mention text", m.text), *(("composite part", p) for p in m.parts)]
        fields += [("identifier", i) for i in m.ids]
    for r in document.relations:
        fields += [("relation type", r.type), ("chemical", r.chemical), ("disease", r.disease)]
    for what, value in fields:
        if "\n" in value or "\r" in value or "\t" in value:
            raise AnnotationError(
                f"document {document.pmid}: the {what} {value[:40]!r} contains a line break "
                "or tab, which PubTator cannot represent"
            )
    if not document.pmid.isdigit():
        raise AnnotationError(f"PubTator needs a numeric PMID, got {document.pmid!r}")


def write_pubtator(documents: Iterable[Document], path: PathLike) -> None:
    """Write documents (gold or predicted) as the official evaluator reads them, atomically."""
    with atomic_write(Path(path)) as stream:
        for document in documents:
            stream.write(format_pubtator(document))
