from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cohere_medner.corpus.pubtator import (
    format_pubtator,
    parse_pubtator,
    read_pubtator,
    write_pubtator,
)
from cohere_medner.errors import (
    AnnotationError,
    CorpusFormatError,
    DuplicateDocumentError,
    EmptyCorpusError,
    OffsetMismatchError,
    UnknownEntityTypeError,
)
from cohere_medner.types import Document, Mention, Relation
from strategies import documents

TITLE = "1|t|Ocular and auditory toxicity."
ABSTRACT = "1|a|Naloxone reverses it."
COMPOSITE = (
    "1\t0\t28\tOcular and auditory toxicity\tDisease\tD014786|D006311"
    "\tOcular toxicity|auditory toxicity"
)


def parse(text: str) -> list[Document]:
    return list(parse_pubtator(text.splitlines(keepends=True), "x.PubTator"))


def test_reads_mentions_composites_and_relations() -> None:
    text = "\n".join(
        [
            TITLE,
            ABSTRACT,
            COMPOSITE,
            "1\t30\t38\tNaloxone\tChemical\t-1",
            "1\tCID\tD009270\tD014786",
            "",
        ]
    )
    [document] = parse(text)
    assert document.pmid == "1"
    assert document.text == "Ocular and auditory toxicity. Naloxone reverses it."
    composite, chemical = document.mentions
    assert composite.ids == ("D014786", "D006311")
    assert composite.parts == ("Ocular toxicity", "auditory toxicity")
    assert chemical.ids == () and chemical.type == "Chemical"
    assert document.relations == (Relation("D009270", "D014786"),)


def test_prediction_columns_carry_scores_and_prefixed_ids() -> None:
    text = "\n".join(
        [
            TITLE,
            ABSTRACT,
            "1\t30\t38\tNaloxone\tChemical\tMESH:D009270\t0.5",
            "1\tCID\tCHEBI:32875\tD014786\t0.25",
        ]
    )
    [document] = parse(text)
    assert document.mentions[0].ids == ("MESH:D009270",)
    assert document.mentions[0].score == 0.5 and document.mentions[0].parts == ()
    assert document.relations == (Relation("CHEBI:32875", "D014786", score=0.25),)


def test_an_empty_parts_column_means_no_parts() -> None:
    # 18 lines of the official CDR_TrainingSet.PubTator.txt end with a tab.
    [document] = parse(f"{TITLE}\n{ABSTRACT}\n1\t30\t38\tNaloxone\tChemical\tD009270\t\n")
    assert document.mentions[0].parts == ()


def test_any_chunking_of_the_text_gives_the_same_documents() -> None:
    text = f"{TITLE}\r\n{ABSTRACT}\r\n{COMPOSITE}\r\n\r\n\r\n  \n2|t|T\n2|a|A\n\n"
    expected = parse(text)
    assert [d.pmid for d in expected] == ["1", "2"]
    for size in (1, 2, 3, 7, 50):
        pieces = [text[i : i + size] for i in range(0, len(text), size)]
        assert list(parse_pubtator(pieces, "x.PubTator")) == expected


def test_line_numbers_count_blank_lines_between_documents() -> None:
    with pytest.raises(OffsetMismatchError, match="line 7:"):
        parse(f"{TITLE}\n{ABSTRACT}\n\n\n2|t|T\n2|a|A\n2\t0\t1\tX\tDisease\t-1\n")


def test_documents_without_blank_line_at_end_and_windows_line_ends() -> None:
    text = f"{TITLE}\r\n{ABSTRACT}\r\n\r\n2|t|T\r\n2|a|A"
    assert [d.pmid for d in parse(text)] == ["1", "2"]


@pytest.mark.parametrize(
    ("lines", "error", "line", "expected"),
    [
        (["1|x|title"], CorpusFormatError, 1, "expected a title line"),
        ([TITLE], CorpusFormatError, 2, "ends before its abstract line"),
        ([TITLE, "1\t0\t3\tOcu\tDisease\t-1"], CorpusFormatError, 2, "expected a abstract line"),
        ([TITLE, "2|a|abstract"], CorpusFormatError, 2, "abstract line is for 2"),
        (
            [TITLE, ABSTRACT, "1\t0\t5\tOcule\tDisease\t-1"],
            OffsetMismatchError,
            3,
            "does not match",
        ),
        ([TITLE, ABSTRACT, "1\t0\t6\tOcular\tGene\t-1"], UnknownEntityTypeError, 3, "'Gene'"),
        ([TITLE, ABSTRACT, "1\t0\t6\tOcular"], CorpusFormatError, 3, "6 to 8"),
        (
            [TITLE, ABSTRACT, "1\t0\tsix\tOcular\tDisease\t-1"],
            CorpusFormatError,
            3,
            "not an integer",
        ),
        ([TITLE, ABSTRACT, "2\t0\t6\tOcular\tDisease\t-1"], CorpusFormatError, 3, "document 1"),
        ([TITLE, ABSTRACT, "1\tCID\tD1"], CorpusFormatError, 3, "relation line"),
        ([TITLE, ABSTRACT, "1\tCID\tD1\tD2\thigh"], CorpusFormatError, 3, "score"),
    ],
)
def test_bad_input_names_file_line_and_expectation(
    lines: list[str], error: type[Exception], line: int, expected: str
) -> None:
    with pytest.raises(error) as raised:
        parse("\n".join(lines) + "\n")
    message = str(raised.value)
    assert f"x.PubTator, line {line}:" in message
    assert expected in message


def test_writer_refuses_what_pubtator_cannot_hold(tmp_path: Path) -> None:
    document = Document("1", "a\ttitle", "abstract")
    with pytest.raises(AnnotationError, match="line break or tab"):
        format_pubtator(document)
    with pytest.raises(AnnotationError, match="numeric PMID"):
        format_pubtator(Document("PMC1", "title", "abstract"))
    assert not list(tmp_path.iterdir())


def _pmid(document: Document) -> str:
    # A file gives each PMID once, and holds at least one document (issue 14).
    return document.pmid


@settings(max_examples=200)
@given(st.lists(documents(), min_size=1, max_size=4, unique_by=_pmid))
def test_round_trip(tmp_path_factory: pytest.TempPathFactory, docs: list[Document]) -> None:
    path = tmp_path_factory.mktemp("rt") / "out.PubTator"
    write_pubtator(docs, path)
    assert list(read_pubtator(path)) == docs


@given(st.lists(documents(with_scores=True), max_size=3))
def test_round_trip_with_scores(docs: list[Document]) -> None:
    text = "".join(format_pubtator(d) for d in docs)
    assert parse(text) == docs


def test_interrupted_write_leaves_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "out.PubTator"
    path.write_text("previous")

    def interrupted() -> Iterator[Document]:
        yield Document("1", "t", "a", (Mention(0, 1, "t", "Disease"),))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_pubtator(interrupted(), path)
    assert path.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.PubTator"]


@pytest.mark.parametrize(
    ("name", "chemicals", "diseases", "relations"),
    [
        ("Training", 5203, 4182, 1038),
        ("Development", 5347, 4244, 1012),
        ("Test", 5385, 4424, 1066),
    ],
)
def test_full_corpus_counts(
    bc5cdr_dir: Path, name: str, chemicals: int, diseases: int, relations: int
) -> None:
    docs = read_pubtator(bc5cdr_dir / f"CDR_{name}Set.PubTator.txt")
    types = Counter(m.type for d in docs for m in d.mentions)
    assert len(docs) == 500
    assert types == {"Chemical": chemicals, "Disease": diseases}
    assert sum(len(d.relations) for d in docs) == relations


def test_stream_reads_afresh_each_iteration(eval_sample_dir: Path) -> None:
    stream = read_pubtator(eval_sample_dir / "CDR_sample.gold.PubTator")
    first = next(iter(stream))
    assert next(iter(stream)) == first
    assert len(stream) == 50 and stream[0] == first and stream[-1].pmid != first.pmid


def test_list_of_a_stream_reads_the_file_once(tmp_path: Path) -> None:
    path = tmp_path / "x.PubTator"
    path.write_text(f"{TITLE}\n{ABSTRACT}\n\n")
    reads = []
    stream = read_pubtator(path)
    opened = stream._open
    stream._open = lambda: (reads.append(1), opened())[1]  # type: ignore[method-assign]
    assert len(list(stream)) == 1 and len(reads) == 1


# Files that used to crash or read as nothing (issue 14) --------------------------------

DOCUMENT = f"{TITLE}\n{ABSTRACT}\n{COMPOSITE}\n\n"


def test_invalid_utf8_names_the_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "latin1.PubTator"
    path.write_bytes(DOCUMENT.encode() + "2|t|Caf\u00e9\n2|a|x\n".encode("latin-1"))
    with pytest.raises(CorpusFormatError, match="line 5: not UTF-8 text: byte b'\\\\xe9' at col"):
        read_pubtator(path).to_list()


def test_an_offset_of_thousands_of_digits_is_a_format_error() -> None:
    line = f"1\t{'9' * 5000}\t{'9' * 5001}\tOcular\tDisease\tD1"
    with pytest.raises(
        CorpusFormatError, match=r"line 3: mention start 9{12}\.\.\. has 5000 digits"
    ):
        parse(f"{TITLE}\n{ABSTRACT}\n{line}\n")


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.PubTator"
    path.write_text("\ufeff" + DOCUMENT, encoding="utf-8")
    assert read_pubtator(path).to_list() == parse(DOCUMENT)


def test_a_file_without_documents_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "blank.PubTator"
    path.write_text("\n\n")
    with pytest.raises(EmptyCorpusError, match=r"blank\.PubTator: holds no documents"):
        read_pubtator(path).to_list()


@given(st.lists(documents(), min_size=1, max_size=4, unique_by=_pmid), st.data())
def test_a_pmid_given_twice_names_both_lines(docs: list[Document], data: st.DataObject) -> None:
    again = data.draw(st.sampled_from(docs))
    docs = [*docs, again]
    text = "".join(format_pubtator(d) for d in docs)
    titles = [
        n for n, line in enumerate(text.split("\n"), 1) if line.startswith(f"{again.pmid}|t|")
    ]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "twice.PubTator"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(DuplicateDocumentError) as caught:
            read_pubtator(path).to_list()
    assert caught.value.where == titles[1]
    assert f"PMID {again.pmid}; the first is at line {titles[0]}" in str(caught.value)


def test_a_zero_length_mention_is_refused_in_gold_and_kept_in_predictions() -> None:
    # Issue 14: the official evaluator scores "806 806" with no text in a system's output;
    # in gold it is an error, whose message used to read "does not match ... ('')".
    text = f"{TITLE}\n{ABSTRACT}\n1\t7\t7\t\tDisease\tD1\n"
    with pytest.raises(OffsetMismatchError, match=r"line 3: mention '' at 7\.\.7 has no extent"):
        parse(text)
    (document,) = parse_pubtator([text], "run.PubTator", predictions=True)
    assert document.mentions == (Mention(7, 7, "", "Disease", ("D1",)),)
    with pytest.raises(OffsetMismatchError, match="has no extent"):
        list(parse_pubtator([text.replace("\t7\t7\t\t", "\t7\t7\tx\t")], predictions=True))
