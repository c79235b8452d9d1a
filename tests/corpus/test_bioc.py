"""Reading BioC XML: the official corpus, streaming, gzip, what the reader refuses, hostile XML.

Building each document from what was read, and its checks, are tested in test_bioc_records.
"""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import attrs
import pytest

from bioc_xml import (
    ABSTRACT,
    TITLE,
    abstract,
    annotation,
    collection,
    line_of,
    parse,
    passage,
    title,
)
from cohere_medner.corpus.bioc import parse_bioc, read_bioc
from cohere_medner.corpus.stream import DocumentStream
from cohere_medner.errors import CorpusFormatError, DuplicateDocumentError, EmptyCorpusError
from cohere_medner.types import CHEMICAL, DISEASE, Document, Mention

SPLITS = {"train": "Training", "validation": "Development", "test": "Test"}


def bioc_file(directory: Path, split: str) -> Path:
    path = directory / f"CDR_{SPLITS[split]}Set.BioC.xml"
    if not path.is_file():
        pytest.skip(f"{path.name} is not in {directory}")
    return path


# The official corpus -------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("split", "chemicals", "diseases", "relations"),
    [("train", 5203, 4182, 1038), ("validation", 5347, 4244, 1012), ("test", 5385, 4424, 1066)],
)
def test_official_counts(
    bc5cdr_dir: Path, split: str, chemicals: int, diseases: int, relations: int
) -> None:
    documents = read_bioc(bioc_file(bc5cdr_dir, split)).to_list()
    types = Counter(mention.type for document in documents for mention in document.mentions)
    cid = sum(relation.type == "CID" for document in documents for relation in document.relations)
    assert len(documents) == 500
    assert types == {CHEMICAL: chemicals, DISEASE: diseases}
    assert cid == relations


@pytest.mark.corpus
@pytest.mark.parametrize("split", list(SPLITS))
def test_bioc_and_pubtator_agree(bc5cdr_dir: Path, split: str) -> None:
    from cohere_medner.corpus.pubtator import read_pubtator

    bioc = read_bioc(bioc_file(bc5cdr_dir, split)).to_list()
    pubtator = read_pubtator(bc5cdr_dir / f"CDR_{SPLITS[split]}Set.PubTator.txt").to_list()
    assert [d.pmid for d in bioc] == [d.pmid for d in pubtator]
    differing = [b.pmid for b, p in zip(bioc, pubtator, strict=True) if b != p]
    assert differing == []


def test_gold_sample_bioc_and_pubtator_agree(eval_sample_dir: Path) -> None:
    from cohere_medner.corpus.pubtator import read_pubtator

    bioc = read_bioc(eval_sample_dir / "CDR_sample.gold.BioC.xml").to_list()
    assert bioc == read_pubtator(eval_sample_dir / "CDR_sample.gold.PubTator").to_list()


@pytest.mark.parametrize("kind", ["DNER", "CID"])
def test_prediction_bioc_and_pubtator_differ_only_in_mesh_prefix_and_order(
    eval_sample_dir: Path, kind: str
) -> None:
    # The kit's PubTator predictions write "MESH:D003866" where its BioC has a MESH infon
    # "D003866", and list mentions in annotation-id order rather than passage by passage.
    from cohere_medner.corpus.pubtator import read_pubtator

    bioc = read_bioc(eval_sample_dir / f"CDR_sample.test.{kind}.BioC.xml").to_list()
    pubtator = read_pubtator(eval_sample_dir / f"CDR_sample.test.{kind}.PubTator").to_list()

    def unprefixed(mention: Mention) -> Mention:
        return attrs.evolve(mention, ids=tuple(i.removeprefix("MESH:") for i in mention.ids))

    for b, p in zip(bioc, pubtator, strict=True):
        assert attrs.evolve(b, mentions=()) == attrs.evolve(p, mentions=())
        assert Counter(b.mentions) == Counter(map(unprefixed, p.mentions))


@pytest.mark.corpus
def test_reading_streams_one_chunk_at_a_time(bc5cdr_dir: Path) -> None:
    path = bioc_file(bc5cdr_dir, "train")
    with path.open("rb") as stream:
        first = next(iter(parse_bioc(stream, str(path))))
        assert stream.tell() <= 1 << 16 < path.stat().st_size
    assert first.pmid == "227508"
    assert first.title == "Naloxone reverses the antihypertensive effect of clonidine."


def test_read_bioc_is_a_document_stream_and_reads_gzip(
    eval_sample_dir: Path, tmp_path: Path
) -> None:
    plain = eval_sample_dir / "CDR_sample.gold.BioC.xml"
    packed = tmp_path / "gold.BioC.xml.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    stream = read_bioc(packed)
    assert isinstance(stream, DocumentStream)
    assert stream.source == str(packed)
    assert list(stream) == list(read_bioc(plain))


# Bad input: each names the file, the line and what was expected ------------------------


def test_a_well_formed_document_parses() -> None:
    (document,) = parse(collection(title(annotation()), abstract()))
    assert document == Document(
        "1", TITLE, ABSTRACT, (Mention(0, 8, "Naloxone", CHEMICAL, ("D009270",)),)
    )


def test_broken_xml_names_the_line() -> None:
    data = collection(title(), abstract()).replace(b"</passage>", b"</pasage>", 1)
    with pytest.raises(CorpusFormatError, match="not well-formed XML") as caught:
        parse(data)
    assert caught.value.source == "bad.xml"
    assert caught.value.where == line_of(data, "</pasage>")
    assert str(caught.value).startswith(f"bad.xml, line {caught.value.where}: ")


def test_truncated_file() -> None:
    data = collection(title(), abstract())[:-30]
    with pytest.raises(CorpusFormatError, match="not well-formed XML"):
        parse(data)


@pytest.mark.parametrize("offset", ["x", "-1", "1.0", "", "\u0661"])
def test_location_offset_not_an_integer(offset: str) -> None:
    data = collection(title(annotation(offset=offset)), abstract())
    with pytest.raises(CorpusFormatError, match="is not a non-negative integer") as caught:
        parse(data)
    assert caught.value.where == line_of(data, f"<location offset='{offset}' length='8' />")


@pytest.mark.parametrize("length", ["8x", "0"])
def test_location_length_not_a_positive_integer(length: str) -> None:
    with pytest.raises(CorpusFormatError, match="is not a positive integer"):
        parse(collection(title(annotation(length=length)), abstract()))


def test_root_that_is_not_a_collection() -> None:
    with pytest.raises(CorpusFormatError, match="expected a BioC <collection>"):
        parse(b"<?xml version='1.0'?><html><body/></html>")


def test_annotation_inside_an_annotation() -> None:
    nested = annotation().replace("</annotation>\n", annotation() + "</annotation>\n")
    with pytest.raises(CorpusFormatError, match="inside another <annotation>"):
        parse(collection(title(nested), abstract()))


def test_markup_inside_text() -> None:
    data = collection(passage("title", 0, "Nal<b>ox</b>one"), abstract())
    with pytest.raises(CorpusFormatError, match="unexpected <b> inside"):
        parse(data)


# Hostile XML ---------------------------------------------------------------------------


def test_billion_laughs_is_refused() -> None:
    lol = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">\n' for n in range(1, 10))
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE collection [\n<!ENTITY lol0 "lol">\n{lol}]>\n'
        "<collection><document><id>&lol9;</id></document></collection>\n"
    ).encode()
    with pytest.raises(CorpusFormatError, match="entity declarations are not allowed") as caught:
        parse(data)
    assert caught.value.where == 3


def test_external_entity_cannot_read_local_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE collection [<!ENTITY x SYSTEM "{secret.as_uri()}">]>\n'
        "<collection><document><id>&x;</id></document></collection>\n"
    ).encode()
    with pytest.raises(CorpusFormatError, match="entity declarations are not allowed") as caught:
        parse(data)
    assert "TOP SECRET" not in str(caught.value)


def test_external_parameter_entity_is_refused(tmp_path: Path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY leak "TOP SECRET">')
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE collection [\n<!ENTITY % x SYSTEM "{dtd.as_uri()}">\n'
        "%x;\n]>\n"
        "<collection><document><id>&leak;</id></document></collection>\n"
    ).encode()
    with pytest.raises(CorpusFormatError, match="entity declarations are not allowed"):
        parse(data)


def test_external_dtd_is_not_fetched(tmp_path: Path) -> None:
    # Were the DTD read, &leak; would expand to its contents.
    dtd = tmp_path / "BioC.dtd"
    dtd.write_text('<!ENTITY leak "TOP SECRET">')
    data = (
        f"<?xml version='1.0'?><!DOCTYPE collection SYSTEM '{dtd.as_uri()}'>\n"
        "<collection><document><id>&leak;</id></document></collection>\n"
    ).encode()
    with pytest.raises(CorpusFormatError, match="undefined entity &leak;"):
        parse(data)


# Files that used to read as empty or crash (issue 14) ----------------------------------


def test_an_offset_of_thousands_of_digits_names_its_line() -> None:
    offset = "9" * 5000
    data = collection(title(annotation(offset=offset)), abstract())
    with pytest.raises(CorpusFormatError, match="more digits than any place") as caught:
        parse(data)
    assert caught.value.where == line_of(data, f"<location offset='{offset}' length='8' />")


def test_a_collection_without_documents_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.BioC.xml"
    path.write_text("<?xml version='1.0'?><collection><source>x</source></collection>\n")
    with pytest.raises(EmptyCorpusError, match=r"empty\.BioC\.xml: holds no documents"):
        read_bioc(path).to_list()


def test_a_deeply_nested_file_is_an_error_not_an_empty_corpus(tmp_path: Path) -> None:
    depth = 200_000
    path = tmp_path / "deep.BioC.xml"
    path.write_text(f"<collection>{'<a>' * depth}{'</a>' * depth}</collection>")
    with pytest.raises(EmptyCorpusError, match="holds no documents"):
        read_bioc(path).to_list()


def test_two_documents_with_one_pmid_name_both_lines(tmp_path: Path) -> None:
    one = collection(title(), abstract()).decode()
    document = one[one.index("<document>") : one.index("</collection>")]
    data = one.replace("</collection>", document + "</collection>")
    path = tmp_path / "twice.BioC.xml"
    path.write_text(data)
    lines = [number for number, line in enumerate(data.splitlines(), 1) if line == "<document>"]
    with pytest.raises(DuplicateDocumentError, match=f"the first is at line {lines[0]}") as caught:
        read_bioc(path).to_list()
    assert caught.value.where == lines[1]
    assert str(caught.value).startswith(f"{path}, line {lines[1]}: a second document with PMID 1")


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.BioC.xml"
    path.write_bytes(b"\xef\xbb\xbf" + collection(title(), abstract()))
    assert [d.pmid for d in read_bioc(path)] == ["1"]
