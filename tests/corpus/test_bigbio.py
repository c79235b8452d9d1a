"""Tests for the tutorial's ``bc5cdr.json`` (BigBio ``bc5cdr_source``) reader."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import attrs
import pytest

from bigbio_records import MYOCLONIC_SEIZURES, RENAL_AND_HEPATIC_FAILURE, write_json
from cohere_medner.corpus import load_sample
from cohere_medner.corpus.bigbio import parse_bigbio, read_bigbio
from cohere_medner.corpus.pubtator import read_pubtator
from cohere_medner.corpus.stream import DocumentStream
from cohere_medner.errors import (
    CorpusFormatError,
    CorpusNotFoundError,
    DuplicateDocumentError,
    EmptyCorpusError,
    OffsetMismatchError,
    UnknownEntityTypeError,
    UnknownSplitError,
)
from cohere_medner.types import Document, Mention, Relation

# Reading ------------------------------------------------------------------------------


def test_folds_individual_mentions_into_their_composites_parts(bigbio_file: Path) -> None:
    stream = read_bigbio(bigbio_file)
    assert isinstance(stream, DocumentStream) and stream.source == str(bigbio_file)
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


def test_gives_the_documents_the_pubtator_files_give(bigbio_file: Path) -> None:
    [from_pubtator] = [d for d in load_sample() if d.pmid == "3403780"]
    assert read_bigbio(bigbio_file)[0] == from_pubtator


def test_stream_reads_the_file_afresh_each_iteration(bigbio_file: Path) -> None:
    stream = read_bigbio(bigbio_file, "train")
    assert list(stream) == list(stream) and len(stream) == 1


@pytest.mark.parametrize(
    ("split", "pmids"),
    [
        (None, ["3403780", "6415512"]),
        ("train", ["3403780"]),
        ("validation", ["6415512"]),
    ],
)
def test_split_chooses_documents_by_dataset_type(
    bigbio_file: Path, split: str | None, pmids: list[str]
) -> None:
    assert [d.pmid for d in read_bigbio(bigbio_file, split)] == pmids
    assert [d.pmid for d in parse_bigbio(json.loads(bigbio_file.read_text()), "x", split)] == pmids


def test_a_split_the_file_does_not_hold_is_an_error(bigbio_file: Path) -> None:
    # Issue 14: an empty selection used to read as an empty corpus, scored as nothing missed.
    with pytest.raises(EmptyCorpusError, match=r"bc5cdr\.json: holds no test documents"):
        list(read_bigbio(bigbio_file, "test"))
    assert list(parse_bigbio(json.loads(bigbio_file.read_text()), "x", "test")) == []


def test_unknown_split_is_refused_before_reading(tmp_path: Path) -> None:
    missing = tmp_path / "absent.json"
    with pytest.raises(UnknownSplitError, match="expected one of train, validation, test"):
        read_bigbio(missing, "dev")
    with pytest.raises(UnknownSplitError, match="train, validation, test"):
        parse_bigbio([], "x", "training")


def test_bc5cdrs_misaligned_individual_offsets_are_read(bigbio_file: Path) -> None:
    # BC5CDR (its BioC files too) puts "atypical absence" at 247..263, one character
    # early; only the fragment's text reaches the Document, and it is right.
    fragment = MYOCLONIC_SEIZURES["passages"][1]["entities"][4]
    assert fragment["offsets"][0] == [247, 263]
    myoclonic = read_bigbio(bigbio_file, "validation")[0]
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


# The full corpus ----------------------------------------------------------------------

SPLITS = {"train": "CDR_TrainingSet", "validation": "CDR_DevelopmentSet", "test": "CDR_TestSet"}


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


# Files that used to crash or read as nothing (issue 14) --------------------------------


def test_a_byte_order_mark_is_accepted(tmp_path: Path, bigbio_file: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + bigbio_file.read_bytes())
    assert read_bigbio(path).to_list() == read_bigbio(bigbio_file).to_list()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "lists or objects nested too deeply"),
        (f"[{'9' * 5000}]", "a number has more than 4300 digits"),
        ("[]", "holds no documents"),
    ],
)
def test_files_that_hold_no_readable_documents(tmp_path: Path, text: str, message: str) -> None:
    path = write_text(tmp_path / "bad.json", text)
    with pytest.raises(CorpusFormatError, match=f"bad.json: {message}"):
        read_bigbio(path).to_list()


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'[\n{"x":\n"caf\xe9"}]')
    with pytest.raises(CorpusFormatError, match=r"latin1\.json, line 3: not UTF-8 text"):
        read_bigbio(path).to_list()


def test_a_pmid_given_twice_names_both_places(tmp_path: Path) -> None:
    validation = copy.deepcopy(RENAL_AND_HEPATIC_FAILURE)
    validation["dataset_type"] = "validation"
    path = write_json(
        tmp_path / "bc5cdr.json", [RENAL_AND_HEPATIC_FAILURE, MYOCLONIC_SEIZURES, validation]
    )
    with pytest.raises(DuplicateDocumentError) as caught:
        read_bigbio(path).to_list()
    assert str(caught.value) == (
        f"{path}, index 2: a second document with PMID 3403780; the first is at index 0. "
        "Each PMID may appear once"
    )


def write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
