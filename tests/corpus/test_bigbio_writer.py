"""Tests for writing the tutorial's ``bc5cdr.json`` layout: refusals and round trips."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bigbio_records import MYOCLONIC_SEIZURES, RENAL_AND_HEPATIC_FAILURE, write_json
from cohere_medner.corpus import SPLITS
from cohere_medner.corpus.bigbio import read_bigbio
from cohere_medner.corpus.bigbio_writer import write_bigbio
from cohere_medner.errors import CorpusFormatError, UnknownSplitError
from cohere_medner.types import ENTITY_TYPES, Document, Mention, Relation
from strategies import documents

# Writing ------------------------------------------------------------------------------


def test_writes_bc5cdr_records_back_byte_for_byte(tmp_path: Path, bigbio_file: Path) -> None:
    path = tmp_path / "out.json"
    write_bigbio(read_bigbio(bigbio_file, "train"), path, "train")
    assert path.read_text(encoding="utf-8") == json.dumps([RENAL_AND_HEPATIC_FAILURE])


def test_writing_puts_misaligned_individual_mentions_right(
    tmp_path: Path, bigbio_file: Path
) -> None:
    path = tmp_path / "out.json"
    write_bigbio(read_bigbio(bigbio_file, "validation"), path, "validation")
    expected = copy.deepcopy(MYOCLONIC_SEIZURES)
    expected["passages"][1]["entities"][4]["offsets"] = [[248, 264], [293, 301]]
    assert json.loads(path.read_text(encoding="utf-8")) == [expected]


def test_writes_a_whole_corpus_from_a_mapping_of_splits(tmp_path: Path, bigbio_file: Path) -> None:
    path = tmp_path / "out.json"
    corpus = {split: read_bigbio(bigbio_file, split) for split in ("validation", "train")}
    write_bigbio(corpus, path)
    assert [d.pmid for d in read_bigbio(path)] == ["6415512", "3403780"]
    assert list(read_bigbio(path, "train")) == list(corpus["train"])


def test_write_needs_one_known_split(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    with pytest.raises(UnknownSplitError, match="needs the split"):
        write_bigbio([], path)
    with pytest.raises(UnknownSplitError, match="unknown split 'dev'"):
        write_bigbio([], path, "dev")
    with pytest.raises(UnknownSplitError, match="not both"):
        write_bigbio({"train": []}, path, "train")
    assert not path.exists()


RENAL_INJURY = "renal injury"


def test_refuses_a_nested_mention_that_would_read_back_as_a_part(tmp_path: Path) -> None:
    path = write_json(tmp_path / "out.json", [])
    document = Document(
        "1",
        "Acute renal injury.",
        "",
        (
            Mention(0, 18, "Acute renal injury", "Disease", ("D058186", "D007674")),
            Mention(6, 18, RENAL_INJURY, "Disease", ("D007674",)),
        ),
    )
    with pytest.raises(CorpusFormatError) as caught:
        write_bigbio([document], path, "test")
    assert str(caught.value) == (
        f"{path}, document at index 0 (PMID 1): the mention 'renal injury' at 6..18 lies "
        "inside 'Acute renal injury' at 0..18, a Disease mention with more identifiers, and "
        "would read back as one of its parts; the layout cannot tell such nested mentions "
        "from composite parts"
    )
    assert path.read_text() == "[]"


def test_nested_mentions_with_as_many_identifiers_are_written(tmp_path: Path) -> None:
    document = Document(
        "1",
        "Acute renal injury.",
        "",
        (
            Mention(0, 18, "Acute renal injury", "Disease", ("D058186",)),
            Mention(6, 18, RENAL_INJURY, "Disease", ("D007674",)),
            Mention(6, 11, "renal", "Chemical", ("D1", "D2")),
        ),
    )
    path = tmp_path / "out.json"
    write_bigbio([document], path, "test")
    assert list(read_bigbio(path)) == [document]


def test_refuses_a_composite_without_identifiers(tmp_path: Path) -> None:
    composite = Mention(0, 25, "renal and hepatic failure", "Disease", (), ("renal failure",))
    document = Document("1", "renal and hepatic failure", "", (composite,))
    with pytest.raises(CorpusFormatError, match="has parts but no identifier"):
        write_bigbio([document], tmp_path / "out.json", "train")


def test_refuses_a_part_not_made_of_its_composites_text(tmp_path: Path) -> None:
    composite = Mention(0, 25, "renal and hepatic failure", "Disease", ("D1",), ("liver failure",))
    document = Document("1", "renal and hepatic failure", "", (composite,))
    with pytest.raises(CorpusFormatError, match="the part 'liver failure' of 'renal and hepatic"):
        write_bigbio([document], tmp_path / "out.json", "train")


def test_drops_scores_and_writes_a_relation_once(tmp_path: Path) -> None:
    scored = Document(
        "1",
        "Naloxone",
        "",
        (Mention(0, 8, "Naloxone", "Chemical", ("D009270",), score=0.5),),
        (Relation("D009270", "D1", score=0.25), Relation("D009270", "D1")),
    )
    path = tmp_path / "out.json"
    write_bigbio([scored], path, "train")
    [document] = read_bigbio(path)
    assert document.mentions == (Mention(0, 8, "Naloxone", "Chemical", ("D009270",)),)
    assert document.relations == (Relation("D009270", "D1"),)


def test_identifiers_of_other_databases(tmp_path: Path) -> None:
    ids = ("D000001", "CHEBI:1234", "MESH:D000002")
    document = Document("1", "x", "", (Mention(0, 1, "x", "Chemical", ids),))
    path = tmp_path / "out.json"
    write_bigbio([document], path, "train")
    [written] = json.loads(path.read_text())
    assert written["passages"][0]["entities"][0]["normalized"] == [
        {"db_name": "MESH", "db_id": "D000001"},
        {"db_name": "CHEBI", "db_id": "1234"},
        {"db_name": "MESH", "db_id": "MESH:D000002"},
    ]
    assert list(read_bigbio(path)) == [document]


def test_interrupted_write_leaves_previous_file(tmp_path: Path) -> None:
    path = write_json(tmp_path / "out.json", [])

    def interrupted() -> Iterator[Document]:
        yield Document("1", "t", "a")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_bigbio(interrupted(), path, "train")
    assert path.read_text() == "[]" and [p.name for p in tmp_path.iterdir()] == ["out.json"]


# Properties ---------------------------------------------------------------------------

WORD_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-,.()/'αβé"
words = st.text(WORD_ALPHABET, min_size=1, max_size=8)
identifiers = st.one_of(
    st.from_regex(r"[CD][0-9]{6}", fullmatch=True),
    st.from_regex(r"(CHEBI|MESH):[0-9A-Z]{1,6}", fullmatch=True),
    st.just("-1"),
)


@st.composite
def representable_documents(draw: st.DrawFn) -> Document:
    """Documents the layout holds: mentions side by side, composites made of their words."""
    title_words = draw(st.lists(words, min_size=1, max_size=6))
    abstract_words = draw(st.lists(words, max_size=12))
    title, abstract = " ".join(title_words), " ".join(abstract_words)
    text = f"{title} {abstract}"
    tokens = [*title_words, *abstract_words]
    starts = []
    position = 0
    for token in tokens:
        starts.append(position)
        position += len(token) + 1
    mentions = []
    first = 0
    while first < len(tokens):
        size = draw(st.integers(0, min(3, len(tokens) - first)))
        if not size:
            first += 1
            continue
        covered = tokens[first : first + size]
        start, end = starts[first], starts[first + size - 1] + len(covered[-1])
        ids = tuple(draw(st.lists(identifiers, max_size=3)))
        parts: tuple[str, ...] = ()
        if size > 1 and ids and draw(st.booleans()):
            chosen = st.sets(st.integers(0, size - 1), min_size=1)
            parts = tuple(
                " ".join(covered[k] for k in sorted(picked))
                for picked in draw(st.lists(chosen, min_size=1, max_size=3))
            )
        kind = draw(st.sampled_from(ENTITY_TYPES))
        mentions.append(Mention(start, end, text[start:end], kind, ids, parts))
        first += size
    relation = st.builds(Relation, identifiers, identifiers, st.sampled_from(["CID", "X"]))
    relations = draw(st.lists(relation, unique=True, max_size=3))
    pmid = draw(st.text("0123456789PMC", min_size=1, max_size=9))
    return Document(pmid, title, abstract, tuple(mentions), tuple(relations))


def _pmid(document: Document) -> str:
    # A file gives each PMID once, and holds at least one document (issue 14).
    return document.pmid


@settings(max_examples=200)
@given(
    st.lists(representable_documents(), min_size=1, max_size=4, unique_by=_pmid),
    st.sampled_from(["train", "test"]),
)
def test_round_trip(
    tmp_path_factory: pytest.TempPathFactory, docs: list[Document], split: str
) -> None:
    path = tmp_path_factory.mktemp("rt") / "bc5cdr.json"
    write_bigbio(docs, path, split)
    assert list(read_bigbio(path, split)) == docs


def as_written(document: Document) -> Document:
    """What write_bigbio promises to give back: title's mentions first, no scores."""
    boundary = document.abstract_start
    mentions = [m for m in document.mentions if m.start < boundary]
    mentions += [m for m in document.mentions if m.start >= boundary]
    relations = dict.fromkeys(attrs.evolve(r, score=None) for r in document.relations)
    return attrs.evolve(
        document,
        mentions=tuple(attrs.evolve(m, score=None) for m in mentions),
        relations=tuple(relations),
    )


@settings(max_examples=300)
@given(documents(with_parts=False, with_scores=True))
def test_any_document_reads_back_as_written_or_is_refused(
    tmp_path_factory: pytest.TempPathFactory, document: Document
) -> None:
    path = tmp_path_factory.mktemp("any") / "bc5cdr.json"
    try:
        write_bigbio([document], path, "train")
    except CorpusFormatError:
        assert not path.exists()
        return
    assert list(read_bigbio(path)) == [as_written(document)]


# The full corpus ----------------------------------------------------------------------

# What rewriting bc5cdr.json changes: the individual mentions whose offsets BC5CDR has
# one or two characters early (the rewrite puts them right), and two whose identifiers
# BC5CDR gives inconsistently (the rewrite gives part i the composite's i-th identifier).
REWRITTEN = {
    ("20722491", "6"): "offsets",
    ("11587867", "7"): "offsets",
    ("15863244", "12"): "offsets",
    ("6415512", "8"): "offsets",
    ("24100055", "13"): "normalized",
    ("7477981", "22"): "normalized",
}


@pytest.mark.corpus
def test_full_corpus_round_trip(bc5cdr_json: Path, tmp_path: Path) -> None:
    corpus = {split: read_bigbio(bc5cdr_json, split).to_list() for split in SPLITS}
    path = tmp_path / "bc5cdr.json"
    write_bigbio(corpus, path)
    assert {split: read_bigbio(path, split).to_list() for split in SPLITS} == corpus
    changed = {}
    original = json.loads(bc5cdr_json.read_text())
    for before, after in zip(original, json.loads(path.read_text()), strict=True):
        for old, new in zip(before["passages"], after["passages"], strict=True):
            assert {**old, "entities": None} == {**new, "entities": None}
            for a, b in zip(old["entities"], new["entities"], strict=True):
                for key in a:
                    if a[key] != b[key]:
                        changed[(old["document_id"], a["id"])] = key
    assert changed == REWRITTEN
