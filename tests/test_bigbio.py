"""Tests for the tutorial's ``bc5cdr.json`` (BigBio ``bc5cdr_source``) reader and writer."""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cohere_medner.corpus.bigbio import parse_bigbio, read_bigbio, write_bigbio
from cohere_medner.corpus.pubtator import read_pubtator
from cohere_medner.corpus.stream import DocumentStream
from cohere_medner.errors import (
    CorpusFormatError,
    CorpusNotFoundError,
    OffsetMismatchError,
    UnknownEntityTypeError,
    UnknownSplitError,
)
from cohere_medner.types import ENTITY_TYPES, Document, Mention, Relation
from strategies import documents

# Two documents exactly as bc5cdr.json holds them (checked against the file below when
# the full corpus is present), built by small helpers so that they stay readable.


def entity(key: str, offsets: list[list[int]], texts: list[str], kind: str, *ids: str) -> Any:
    normalized = [{"db_name": "MESH", "db_id": i} for i in ids]
    return {"id": key, "offsets": offsets, "text": texts, "type": kind, "normalized": normalized}


def passage(text: str, *entities: Any) -> tuple[str, list[Any]]:
    return text, list(entities)


def record(
    pmid: str,
    split: str,
    *,
    relations: list[tuple[str, str]],
    title: tuple[str, list[Any]],
    abstract: tuple[str, list[Any]],
) -> Any:
    relation_json = [
        {"id": f"R{n}", "type": "CID", "arg1_id": chemical, "arg2_id": disease}
        for n, (chemical, disease) in enumerate(relations)
    ]
    passages = [
        {
            "document_id": pmid,
            "type": kind,
            "text": text,
            "entities": entities,
            "relations": copy.deepcopy(relation_json),
        }
        for kind, (text, entities) in (("title", title), ("abstract", abstract))
    ]
    return {"passages": passages, "dataset_type": split}


RENAL_AND_HEPATIC_FAILURE = record(
    "3403780",
    "train",
    relations=[("D000082", "D000138"), ("D000082", "D017114"), ("D000082", "D058186")],
    title=passage(
        ("Paracetamol-associated coma, metabolic acidosis, renal and hepatic failure."),
        entity("0", [[0, 11]], ["Paracetamol"], "Chemical", "D000082"),
        entity("1", [[23, 27]], ["coma"], "Disease", "D003128"),
        entity("2", [[29, 47]], ["metabolic acidosis"], "Disease", "D000138"),
        entity("3", [[49, 74]], ["renal and hepatic failure"], "Disease", "D058186", "D017093"),
        entity("4", [[49, 54], [67, 74]], ["renal", "failure"], "Disease", "D058186"),
        entity("5", [[59, 74]], ["hepatic failure"], "Disease", "D017093"),
    ),
    abstract=passage(
        (
            "A case of metabolic acidosis, acute renal failure and hepatic failure "
            "following paracetamol ingestion is presented. The diagnostic difficulty at "
            "presentation is highlighted. Continuous arteriovenous haemofiltration proved"
            " a valuable means of maintaining fluid and electrolyte balance. The patient "
            "recovered."
        ),
        entity("6", [[86, 104]], ["metabolic acidosis"], "Disease", "D000138"),
        entity(
            "7",
            [[106, 145]],
            ["acute renal failure and hepatic failure"],
            "Disease",
            "D058186",
            "D017114",
        ),
        entity("8", [[106, 125]], ["acute renal failure"], "Disease", "D058186"),
        entity("9", [[106, 111], [130, 145]], ["acute", "hepatic failure"], "Disease", "D017114"),
        entity("10", [[156, 167]], ["paracetamol"], "Chemical", "D000082"),
    ),
)

MYOCLONIC_SEIZURES = record(
    "6415512",
    "validation",
    relations=[("D002220", "D004832"), ("D002220", "D004831")],
    title=passage(
        (
            "Myoclonic, atonic, and absence seizures following institution of "
            "carbamazepine therapy in children."
        ),
        entity(
            "0",
            [[0, 39]],
            ["Myoclonic, atonic, and absence seizures"],
            "Disease",
            "D004831",
            "D004832",
        ),
        entity("1", [[0, 9], [31, 39]], ["Myoclonic", "seizures"], "Disease", "D004831"),
        entity("2", [[23, 39]], ["absence seizures"], "Disease", "D004832"),
        entity("3", [[65, 78]], ["carbamazepine"], "Chemical", "D002220"),
    ),
    abstract=passage(
        (
            "Five children, aged 3 to 11 years, treated with carbamazepine for epilepsy, "
            "had an acute aberrant reaction characterized by the onset of myoclonic, "
            "atypical absence and/or atonic (minor motor) seizures within a few days. "
            "When the carbamazepine was discontinued, two of the children returned to "
            "their former state very quickly, two had the minor motor seizures resolve in"
            " 3 and 6 months, and one had the seizures persist. The child in whom the "
            "seizures persisted was later found to have ceroid lipofuscinosis. The other "
            "children are doing well on other anticonvulsants."
        ),
        entity("4", [[148, 161]], ["carbamazepine"], "Chemical", "D002220"),
        entity("5", [[166, 174]], ["epilepsy"], "Disease", "D004827"),
        entity(
            "6",
            [[237, 301]],
            ["myoclonic, atypical absence and/or atonic (minor motor) seizures"],
            "Disease",
            "D004831",
            "D004832",
        ),
        entity("7", [[237, 246], [293, 301]], ["myoclonic", "seizures"], "Disease", "D004831"),
        entity(
            "8", [[247, 263], [293, 301]], ["atypical absence", "seizures"], "Disease", "D004832"
        ),
        entity("9", [[330, 343]], ["carbamazepine"], "Chemical", "D002220"),
        entity("10", [[451, 459]], ["seizures"], "Disease", "D012640"),
        entity("11", [[503, 511]], ["seizures"], "Disease", "D012640"),
        entity("12", [[543, 551]], ["seizures"], "Disease", "D012640"),
        entity("13", [[586, 607]], ["ceroid lipofuscinosis"], "Disease", "D009472"),
    ),
)


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def corpus_file(tmp_path: Path) -> Path:
    return write_json(tmp_path / "bc5cdr.json", [RENAL_AND_HEPATIC_FAILURE, MYOCLONIC_SEIZURES])


def bundled_sample() -> Path:
    import cohere_medner.corpus

    return Path(cohere_medner.corpus.__file__).parent / "data" / "CDR_sample.gold.PubTator.gz"


# Reading ------------------------------------------------------------------------------


def test_folds_individual_mentions_into_their_composites_parts(corpus_file: Path) -> None:
    stream = read_bigbio(corpus_file)
    assert isinstance(stream, DocumentStream) and stream.source == str(corpus_file)
    renal, myoclonic = stream
    assert renal.pmid == "3403780"
    assert renal.title.startswith("Paracetamol-associated coma")
    assert [m.text for m in renal.mentions] == [
        "Paracetamol",
        "coma",
        "metabolic acidosis",
        "renal and hepatic failure",
        "metabolic acidosis",
        "acute renal failure and hepatic failure",
        "paracetamol",
    ]
    assert renal.mentions[3] == Mention(
        49,
        74,
        "renal and hepatic failure",
        "Disease",
        ("D058186", "D017093"),
        ("renal failure", "hepatic failure"),
    )
    assert renal.mentions[5].parts == ("acute renal failure", "acute hepatic failure")
    # Given in both passages, each relation is read once.
    assert renal.relations == (
        Relation("D000082", "D000138"),
        Relation("D000082", "D017114"),
        Relation("D000082", "D058186"),
    )
    assert [m.parts for m in myoclonic.mentions if m.parts] == [
        ("Myoclonic seizures", "absence seizures"),
        ("myoclonic seizures", "atypical absence seizures"),
    ]


def test_gives_the_documents_the_pubtator_files_give(corpus_file: Path) -> None:
    [from_pubtator] = [d for d in read_pubtator(bundled_sample()) if d.pmid == "3403780"]
    assert read_bigbio(corpus_file)[0] == from_pubtator


def test_stream_reads_the_file_afresh_each_iteration(corpus_file: Path) -> None:
    stream = read_bigbio(corpus_file, "train")
    assert list(stream) == list(stream) and len(stream) == 1


@pytest.mark.parametrize(
    ("split", "pmids"),
    [
        (None, ["3403780", "6415512"]),
        ("train", ["3403780"]),
        ("validation", ["6415512"]),
        ("test", []),
    ],
)
def test_split_chooses_documents_by_dataset_type(
    corpus_file: Path, split: str | None, pmids: list[str]
) -> None:
    assert [d.pmid for d in read_bigbio(corpus_file, split)] == pmids
    assert [d.pmid for d in parse_bigbio(json.loads(corpus_file.read_text()), "x", split)] == pmids


def test_unknown_split_is_refused_before_reading(tmp_path: Path) -> None:
    missing = tmp_path / "absent.json"
    with pytest.raises(UnknownSplitError, match="expected one of train, validation, test"):
        read_bigbio(missing, "dev")
    with pytest.raises(UnknownSplitError, match="train, validation, test"):
        parse_bigbio([], "x", "training")


def test_bc5cdrs_misaligned_individual_offsets_are_read(corpus_file: Path) -> None:
    # BC5CDR (its BioC files too) puts "atypical absence" at 247..263, one character
    # early; only the fragment's text reaches the Document, and it is right.
    fragment = MYOCLONIC_SEIZURES["passages"][1]["entities"][4]
    assert fragment["offsets"][0] == [247, 263]
    myoclonic = read_bigbio(corpus_file, "validation")[0]
    assert myoclonic.text[247:263] == " atypical absenc"
    assert myoclonic.mentions[4].parts[1] == "atypical absence seizures"


# Bad input: each names the file, the document and what was expected -------------------


def broken(tmp_path: Path, change: Any) -> Path:
    """The two-document corpus with ``change`` applied to a copy of the first record."""
    first = copy.deepcopy(RENAL_AND_HEPATIC_FAILURE)
    change(first)
    return write_json(tmp_path / "broken.json", [first, MYOCLONIC_SEIZURES])


def first_entity(record: Any) -> Any:
    return record["passages"][0]["entities"][0]


def test_invalid_json_gives_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[\n  {"passages": [}\n]\n', encoding="utf-8")
    with pytest.raises(CorpusFormatError) as caught:
        list(read_bigbio(path))
    assert caught.value.where == 2
    assert str(caught.value) == f"{path}, line 2: invalid JSON at column 17: Expecting value"


def test_json_that_is_not_a_list_of_documents(tmp_path: Path) -> None:
    path = write_json(tmp_path / "object.json", {"train": []})
    with pytest.raises(CorpusFormatError, match="expected a JSON list of documents, got an object"):
        list(read_bigbio(path))


def test_document_without_passages(tmp_path: Path) -> None:
    path = broken(tmp_path, lambda r: r.pop("passages"))
    with pytest.raises(CorpusFormatError) as caught:
        list(read_bigbio(path))
    assert str(caught.value) == (
        f"{path}, document at index 0: expected 'passages' to be a list, got null"
    )


@pytest.mark.parametrize(("index", "kind"), [(0, "title"), (1, "abstract")])
def test_document_without_title_or_abstract(tmp_path: Path, index: int, kind: str) -> None:
    path = broken(tmp_path, lambda r: r["passages"].pop(index))
    with pytest.raises(CorpusFormatError) as caught:
        list(read_bigbio(path))
    assert str(caught.value) == (
        f"{path}, document at index 0 (PMID 3403780): has no {kind} passage, "
        "expected one title and one abstract"
    )


def test_entity_whose_offsets_do_not_select_its_text(tmp_path: Path) -> None:
    path = broken(tmp_path, lambda r: first_entity(r).update(offsets=[[1, 12]]))
    with pytest.raises(OffsetMismatchError) as caught:
        list(read_bigbio(path))
    assert str(caught.value) == (
        f"{path}, document at index 0 (PMID 3403780), entity 0: 'Paracetamol' at 1..12 "
        "does not match the document text there ('aracetamol-')"
    )


def test_entity_offsets_outside_the_text(tmp_path: Path) -> None:
    path = broken(tmp_path, lambda r: first_entity(r).update(offsets=[[900, 911]]))
    with pytest.raises(OffsetMismatchError, match=r"entity 0: offsets \[\[900, 911\]\] are not"):
        list(read_bigbio(path))


def test_individual_mention_fragment_outside_its_composite(tmp_path: Path) -> None:
    def misplace(record: Any) -> None:
        record["passages"][0]["entities"][4].update(text=["renal", "liver"])

    path = broken(tmp_path, misplace)
    with pytest.raises(OffsetMismatchError) as caught:
        list(read_bigbio(path))
    assert str(caught.value) == (
        f"{path}, document at index 0 (PMID 3403780), entity 4: the individual mention "
        "fragment 'liver' is not in the text of its composite 'renal and hepatic failure' "
        "at 49..74"
    )


def test_unknown_entity_type(tmp_path: Path) -> None:
    path = broken(tmp_path, lambda r: first_entity(r).update(type="Gene"))
    with pytest.raises(UnknownEntityTypeError) as caught:
        list(read_bigbio(path))
    assert str(caught.value) == (
        f"{path}, document at index 0 (PMID 3403780), entity 0: unknown entity type 'Gene', "
        "expected one of Chemical, Disease"
    )


def test_missing_dataset_type_when_a_split_is_asked(tmp_path: Path) -> None:
    path = broken(tmp_path, lambda r: r.pop("dataset_type"))
    assert len(read_bigbio(path)) == 2
    with pytest.raises(CorpusFormatError) as caught:
        list(read_bigbio(path, "test"))
    assert str(caught.value) == (
        f"{path}, document at index 0 (PMID 3403780): has no 'dataset_type', expected one "
        "of train, validation, test to choose a split"
    )


def test_unknown_dataset_type_when_a_split_is_asked(tmp_path: Path) -> None:
    path = broken(tmp_path, lambda r: r.update(dataset_type="dev"))
    with pytest.raises(CorpusFormatError, match="has 'dev' 'dataset_type', expected one of"):
        list(read_bigbio(path, "validation"))


def test_top_level_mention_in_several_pieces(tmp_path: Path) -> None:
    def split_paracetamol(record: Any) -> None:
        first_entity(record).update(offsets=[[0, 5], [7, 11]], text=["Parac", "amol"])

    path = broken(tmp_path, split_paracetamol)
    with pytest.raises(CorpusFormatError, match="entity 0: 'Parac amol' has 2 fragments but"):
        list(read_bigbio(path))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CorpusNotFoundError, match="no such corpus file"):
        list(read_bigbio(tmp_path / "absent.json"))


# Writing ------------------------------------------------------------------------------


def test_writes_bc5cdr_records_back_byte_for_byte(tmp_path: Path, corpus_file: Path) -> None:
    path = tmp_path / "out.json"
    write_bigbio(read_bigbio(corpus_file, "train"), path, "train")
    assert path.read_text(encoding="utf-8") == json.dumps([RENAL_AND_HEPATIC_FAILURE])


def test_writing_puts_misaligned_individual_mentions_right(
    tmp_path: Path, corpus_file: Path
) -> None:
    path = tmp_path / "out.json"
    write_bigbio(read_bigbio(corpus_file, "validation"), path, "validation")
    expected = copy.deepcopy(MYOCLONIC_SEIZURES)
    expected["passages"][1]["entities"][4]["offsets"] = [[248, 264], [293, 301]]
    assert json.loads(path.read_text(encoding="utf-8")) == [expected]


def test_writes_a_whole_corpus_from_a_mapping_of_splits(tmp_path: Path, corpus_file: Path) -> None:
    path = tmp_path / "out.json"
    corpus = {split: read_bigbio(corpus_file, split) for split in ("validation", "train")}
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


@settings(max_examples=200)
@given(st.lists(representable_documents(), max_size=4), st.sampled_from(["train", "test"]))
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

SPLITS = {"train": "CDR_TrainingSet", "validation": "CDR_DevelopmentSet", "test": "CDR_TestSet"}


@pytest.fixture(scope="module")
def bc5cdr_json(bc5cdr_dir: Path) -> Path:
    path = bc5cdr_dir / "bc5cdr.json"
    if not path.is_file():
        pytest.skip(f"the tutorial's bc5cdr.json is not at {path}")
    return path


@pytest.mark.corpus
def test_the_records_above_are_those_of_bc5cdr_json(bc5cdr_json: Path) -> None:
    corpus = {r["passages"][0]["document_id"]: r for r in json.loads(bc5cdr_json.read_text())}
    assert corpus["3403780"] == RENAL_AND_HEPATIC_FAILURE
    assert corpus["6415512"] == MYOCLONIC_SEIZURES


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("split", "chemicals", "diseases", "relations", "composites", "parts"),
    [
        ("train", 5203, 4182, 1038, 89, 185),
        ("validation", 5347, 4244, 1012, 89, 182),
        ("test", 5385, 4424, 1066, 57, 119),
    ],
)
def test_full_corpus_counts(
    bc5cdr_json: Path,
    split: str,
    chemicals: int,
    diseases: int,
    relations: int,
    composites: int,
    parts: int,
) -> None:
    docs = read_bigbio(bc5cdr_json, split)
    assert len(docs) == 500
    assert Counter(m.type for d in docs for m in d.mentions) == {
        "Chemical": chemicals,
        "Disease": diseases,
    }
    assert sum(len(d.relations) for d in docs) == relations
    # The official BioC files count these CompositeMention and IndividualMention
    # annotations: the rule for individual mentions finds each of them, and no other.
    assert sum(1 for d in docs for m in d.mentions if m.parts) == composites
    assert sum(len(m.parts) for d in docs for m in d.mentions) == parts


def without_empty_parts_column(document: Document) -> Document:
    # 18 mention lines of CDR_TrainingSet.PubTator.txt (PMIDs 19211690 and 17879945)
    # end in a tab: an empty seventh column, which read_pubtator gives as parts ("",).
    mentions = tuple(
        attrs.evolve(m, parts=()) if m.parts == ("",) else m for m in document.mentions
    )
    return attrs.evolve(document, mentions=mentions)


@pytest.mark.corpus
@pytest.mark.parametrize("split", list(SPLITS))
def test_json_and_pubtator_give_the_same_documents(bc5cdr_json: Path, split: str) -> None:
    from_json = list(read_bigbio(bc5cdr_json, split))
    pubtator = read_pubtator(bc5cdr_json.parent / f"{SPLITS[split]}.PubTator.txt")
    assert from_json == [without_empty_parts_column(d) for d in pubtator]


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
