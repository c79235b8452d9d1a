"""Writing the tutorial's ``bc5cdr.json`` layout (reading is in ``bigbio``).

Each document becomes a BigBio ``bc5cdr_source`` record with its split under
``dataset_type``; a composite mention is written as the composite entity followed by one
entity per part, made of fragments of the composite's text, as BC5CDR's own file does.
Every record is read back before it is written, so that a document the layout cannot
represent is refused rather than changed.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping, Sequence

import attrs

from cohere_medner._files import PathLike, atomic_write
from cohere_medner.corpus.bigbio import MESH, SPLIT_KEY, check_split, parse_record
from cohere_medner.corpus.splits import SPLITS
from cohere_medner.errors import CorpusFormatError, UnknownSplitError
from cohere_medner.types import Document, Mention


def write_bigbio(
    documents: Iterable[Document] | Mapping[str, Iterable[Document]],
    path: PathLike,
    split: str | None = None,
) -> None:
    """Write documents in the ``bc5cdr.json`` layout, atomically.

    Either ``documents`` with the ``split`` they all belong to, or a mapping from split
    to documents (``split`` left out) to write a whole corpus in one file, splits in
    mapping order. Reading the file back gives the documents written, except that
    scores are dropped (the layout has no place for them), a relation given twice is
    written once, and the title's mentions come before the abstract's (each passage
    lists its own). A document the layout cannot represent, such as a mention lying
    inside a same-type mention with more identifiers (it would read back as a part),
    raises :class:`~cohere_medner.errors.CorpusFormatError` and leaves ``path`` as it was.
    """
    source = str(path)
    if isinstance(documents, Mapping):
        if split is not None:
            raise UnknownSplitError(
                "give either a split or a mapping from split to documents, not both"
            )
        groups = [(check_split(name), docs) for name, docs in documents.items()]
    else:
        if split is None:
            raise UnknownSplitError(
                f"write_bigbio needs the split of the documents, one of {', '.join(SPLITS)}"
            )
        groups = [(check_split(split), documents)]
    with atomic_write(path) as stream:
        # Written record by record, in the spacing json.dumps gives the whole list,
        # so a large corpus never sits in memory twice.
        stream.write("[")
        index = 0
        for name, docs in groups:
            for document in docs:
                if index:
                    stream.write(", ")
                stream.write(json.dumps(_record(document, name, source, index)))
                index += 1
        stream.write("]")


def _record(document: Document, split: str, source: str, index: int) -> dict[str, object]:
    """The JSON of one document, checked to read back as the document it was made from."""
    where = f"document at index {index} (PMID {document.pmid})"
    boundary = document.abstract_start
    title_mentions = [m for m in document.mentions if m.start < boundary]
    abstract_mentions = [m for m in document.mentions if m.start >= boundary]
    relations = list(dict.fromkeys(attrs.evolve(r, score=None) for r in document.relations))
    counter = itertools.count()
    passages = []
    for kind, text, mentions in (
        ("title", document.title, title_mentions),
        ("abstract", document.abstract, abstract_mentions),
    ):
        entities = []
        for mention in mentions:
            entities.append(
                _entity_json(
                    next(counter),
                    [(mention.start, mention.end)],
                    [mention.text],
                    mention.type,
                    mention.ids,
                )
            )
            for number, part in enumerate(mention.parts):
                entities.append(_part_json(next(counter), mention, number, part, source, where))
        passages.append(
            {
                "document_id": document.pmid,
                "type": kind,
                "text": text,
                "entities": entities,
                "relations": [
                    {"id": f"R{n}", "type": r.type, "arg1_id": r.chemical, "arg2_id": r.disease}
                    for n, r in enumerate(relations)
                ],
            }
        )
    record: dict[str, object] = {"passages": passages, SPLIT_KEY: split}
    expected = Document(
        document.pmid,
        document.title,
        document.abstract,
        tuple(attrs.evolve(m, score=None) for m in [*title_mentions, *abstract_mentions]),
        tuple(relations),
    )
    found = parse_record(record, source, index)
    if found != expected:
        raise CorpusFormatError(source, where, _unrepresentable(expected, found))
    return record


def _entity_json(
    number: int,
    spans: Sequence[tuple[int, int]],
    texts: Sequence[str],
    kind: str,
    ids: Sequence[str],
) -> dict[str, object]:
    return {
        "id": str(number),
        "offsets": [[start, end] for start, end in spans],
        "text": list(texts),
        "type": kind,
        "normalized": [_normalized(identifier) for identifier in ids],
    }


def _normalized(identifier: str) -> dict[str, str]:
    # The inverse of reading: "CHEBI:1" is db CHEBI, id 1; a plain id (and, so that it
    # reads back unchanged, a "MESH:"-prefixed one) is written under MESH as it stands.
    name, colon, rest = identifier.partition(":")
    if colon and name != MESH:
        return {"db_name": name, "db_id": rest}
    return {"db_name": MESH, "db_id": identifier}


def _part_json(
    number: int, mention: Mention, index: int, part: str, source: str, where: str
) -> dict[str, object]:
    fragments = _fragments(part, mention.text)
    if fragments is None:
        raise CorpusFormatError(
            source,
            where,
            f"the part {part!r} of {mention.text!r} is not made of pieces of its text in "
            "order; the layout writes each part as fragments of its composite",
        )
    if not mention.ids:
        raise CorpusFormatError(
            source,
            where,
            f"the composite {mention.text!r} has parts but no identifier; the layout tells "
            "an individual mention by its having fewer identifiers than its composite",
        )
    # As BC5CDR does: with one identifier per part, part i has the i-th ("-1": none).
    ids: tuple[str, ...] = ()
    if len(mention.ids) == len(mention.parts) > 1 and mention.ids[index] != "-1":
        ids = (mention.ids[index],)
    spans = [(mention.start + start, mention.start + end) for start, end in fragments]
    texts = [mention.text[start:end] for start, end in fragments]
    return _entity_json(number, spans, texts, mention.type, ids)


def _fragments(part: str, text: str) -> tuple[tuple[int, int], ...] | None:
    """The fewest pieces of ``text``, in order, whose texts joined by spaces give ``part``.

    "Ocular toxicity" in "Ocular and auditory toxicity" gives (0, 6), (20, 28). As in
    BC5CDR, pieces are whole words where they can be ("e antigen" in "surface antigen and
    e antigen" is the second), and each is the leftmost that lets the rest be found.
    """
    words = part.split(" ")

    def whole(start: int, end: int) -> bool:
        return (start == 0 or not text[start - 1].isalnum()) and (
            end == len(text) or not text[end].isalnum()
        )

    def search(whole_words: bool) -> tuple[tuple[int, int], ...] | None:
        memo: dict[tuple[int, int], tuple[tuple[int, int], ...] | None] = {}

        def place(first: int, position: int) -> tuple[tuple[int, int], ...] | None:
            if first == len(words):
                return ()
            if (first, position) in memo:
                return memo[(first, position)]
            best: tuple[tuple[int, int], ...] | None = None
            for last in range(len(words), first, -1):
                piece = " ".join(words[first:last])
                start = text.find(piece, position) if piece else -1
                while start != -1:
                    end = start + len(piece)
                    rest = place(last, end) if whole(start, end) or not whole_words else None
                    if rest is not None:
                        # Leftmost is best for this piece: a later start leaves less room.
                        if best is None or len(rest) + 1 < len(best):
                            best = ((start, end), *rest)
                        break
                    start = text.find(piece, start + 1)
            memo[(first, position)] = best
            return best

        return place(0, 0)

    found = search(whole_words=True)
    return found if found is not None else search(whole_words=False)


def _unrepresentable(expected: Document, found: Document) -> str:
    # The mention that vanished (read as a part), rather than the one that grew a part.
    kept = {attrs.evolve(m, parts=()) for m in found.mentions}
    lost = [m for m in expected.mentions if attrs.evolve(m, parts=()) not in kept]
    if lost:
        mention = lost[0]
        container = next(
            (
                m
                for m in found.mentions
                if m.type == mention.type
                and m.start <= mention.start
                and mention.end <= m.end
                and len(m.ids) > len(mention.ids)
            ),
            None,
        )
        if container is not None:
            return (
                f"the mention {mention.text!r} at {mention.start}..{mention.end} lies inside "
                f"{container.text!r} at {container.start}..{container.end}, a {mention.type} "
                "mention with more identifiers, and would read back as one of its parts; the "
                "layout cannot tell such nested mentions from composite parts"
            )
        return f"the mention {mention!r} would not read back as written"
    return "the document would not read back as written"
