"""BioC XML: the official corpus, the evaluation kit's files, bad input, hostile XML."""

from __future__ import annotations

import gzip
import io
from collections import Counter
from pathlib import Path

import attrs
import pytest

from cohere_medner.corpus.bioc import parse_bioc, read_bioc
from cohere_medner.corpus.stream import DocumentStream
from cohere_medner.errors import (
    CorpusFormatError,
    OffsetMismatchError,
    UnknownEntityTypeError,
)
from cohere_medner.types import CHEMICAL, DISEASE, Document, Mention, Relation

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


# The evaluation kit's sample -----------------------------------------------------------


def test_gold_sample_composites(eval_sample_dir: Path) -> None:
    documents = {d.pmid: d for d in read_bioc(eval_sample_dir / "CDR_sample.gold.BioC.xml")}
    assert len(documents) == 50
    composites = [m for m in documents["3403780"].mentions if m.parts]
    assert composites == [
        Mention(
            49,
            74,
            "renal and hepatic failure",
            DISEASE,
            ("D058186", "D017093"),
            ("renal failure", "hepatic failure"),
        ),
        Mention(
            106,
            145,
            "acute renal failure and hepatic failure",
            DISEASE,
            ("D058186", "D017114"),
            ("acute renal failure", "acute hepatic failure"),
        ),
    ]
    opistothonus = next(m for m in documents["11587867"].mentions if m.start == 447)
    assert opistothonus.ids == ("D020258", "D020258", "D020258")
    assert opistothonus.parts == (
        "opistothonus dysfunction",
        "sensory dysfunction",
        "motor dysfunction",
    )
    # Parts are not mentions of their own.
    assert all(m.text != "opistothonus dysfunction" for m in documents["11587867"].mentions)


def test_gold_sample_abstract_offset_counted_after_escaping(eval_sample_dir: Path) -> None:
    # The kit writes the abstract of 2224762 at 102 = len(title) + 1 + 5 for one &apos;.
    documents = {d.pmid: d for d in read_bioc(eval_sample_dir / "CDR_sample.gold.BioC.xml")}
    document = documents["2224762"]
    assert document.abstract_start == 97
    mention = next(m for m in document.mentions if m.start == 139)
    assert mention.text == "4'-0-tetrahydropyranyladriamycin"


def test_dner_predictions(eval_sample_dir: Path) -> None:
    documents = read_bioc(eval_sample_dir / "CDR_sample.test.DNER.BioC.xml").to_list()
    mentions = [m for d in documents for m in d.mentions]
    assert len(documents) == 50
    assert len(mentions) == 408
    assert all(m.type == DISEASE and m.score is not None for m in mentions)
    by_pmid = {d.pmid: d for d in documents}
    assert by_pmid["26094"].mentions[0] == Mention(
        27, 37, "depression", DISEASE, ("D003866",), score=0.792633056640625
    )
    cirrhosis = next(m for m in by_pmid["3827439"].mentions if m.start == 75)
    assert cirrhosis.ids == ("OMIM:215600",)


def test_cid_predictions(eval_sample_dir: Path) -> None:
    documents = {d.pmid: d for d in read_bioc(eval_sample_dir / "CDR_sample.test.CID.BioC.xml")}
    assert len(documents) == 50
    assert sum(len(d.relations) for d in documents.values()) == 681
    document = documents["26094"]
    # Annotation ids are not in offset order; mentions keep the file's order.
    assert [m.text for m in document.mentions[:2]] == ["depression", "methyl"]
    assert document.mentions[1] == Mention(
        567, 573, "methyl", CHEMICAL, ("CHEBI:32875",), score=0.554595947265625
    )
    assert document.relations == (
        Relation("CHEBI:32875", "D006973", "CID", 0.884430176565008),
        Relation("CHEBI:32875", "D003866", "CID", 0.850722311396469),
    )


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

HEADER = "<?xml version='1.0' encoding='UTF-8'?><!DOCTYPE collection SYSTEM 'BioC.dtd'>\n"
TITLE = "Naloxone reverses clonidine."
ABSTRACT = "Naloxone alone did not."


def passage(kind: str, offset: int | str, text: str | None, annotations: str = "") -> str:
    body = "" if text is None else f"<text>{text}</text>\n"
    return (
        f'<passage>\n<infon key="type">{kind}</infon>\n<offset>{offset}</offset>\n'
        f"{body}{annotations}</passage>\n"
    )


def annotation(
    text: str = "Naloxone",
    offset: str = "0",
    length: str = "8",
    type_: str = "Chemical",
    extra: str = "",
) -> str:
    return (
        f"<annotation id='0'>\n<infon key=\"type\">{type_}</infon>\n"
        f'<infon key="MESH">D009270</infon>\n{extra}'
        f"<location offset='{offset}' length='{length}' />\n<text>{text}</text>\n</annotation>\n"
    )


def collection(*passages: str, relations: str = "", pmid: str = "<id>1</id>\n") -> bytes:
    document = f"<document>\n{pmid}{''.join(passages)}{relations}</document>\n"
    return f"{HEADER}<collection>\n{document}</collection>\n".encode()


def title(annotations: str = "") -> str:
    return passage("title", 0, TITLE, annotations)


def abstract(annotations: str = "", offset: int | str = len(TITLE) + 1) -> str:
    return passage("abstract", offset, ABSTRACT, annotations)


def parse(data: bytes) -> list[Document]:
    return list(parse_bioc(io.BytesIO(data), "bad.xml"))


def line_of(data: bytes, needle: str) -> int:
    return data.decode().splitlines().index(needle) + 1


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


def test_missing_passage_text() -> None:
    data = collection(title(), passage("abstract", len(TITLE) + 1, None))
    with pytest.raises(CorpusFormatError, match="abstract passage has no <text>") as caught:
        parse(data)
    assert "document 1" in str(caught.value)


def test_missing_annotation_text() -> None:
    broken = annotation().replace("<text>Naloxone</text>\n", "")
    with pytest.raises(CorpusFormatError, match="annotation 0 has no <text>"):
        parse(collection(title(broken), abstract()))


def test_offset_mismatch() -> None:
    data = collection(title(annotation(offset="1")), abstract())
    with pytest.raises(OffsetMismatchError, match=r"'Naloxone' at 1\.\.9 does not match") as caught:
        parse(data)
    assert caught.value.where == line_of(data, "<annotation id='0'>")


def test_unknown_entity_type() -> None:
    with pytest.raises(UnknownEntityTypeError, match="entity type 'Gene'; expected one of"):
        parse(collection(title(annotation(type_="Gene")), abstract()))


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


def test_document_without_abstract_passage() -> None:
    with pytest.raises(CorpusFormatError, match=r"types \['title'\]; expected a title passage"):
        parse(collection(title()))


def test_document_without_title_passage() -> None:
    with pytest.raises(CorpusFormatError, match=r"types \['abstract'\]; expected a title"):
        parse(collection(abstract()))


def test_document_without_id() -> None:
    with pytest.raises(CorpusFormatError, match="document without an <id>"):
        parse(collection(title(), abstract(), pmid=""))


def test_title_passage_not_at_zero() -> None:
    data = collection(passage("title", 3, TITLE), abstract())
    with pytest.raises(CorpusFormatError, match="title passage offset is '3'; expected 0"):
        parse(data)


def test_abstract_passage_at_the_wrong_offset() -> None:
    with pytest.raises(CorpusFormatError, match=f"offset is '40'; expected {len(TITLE) + 1}"):
        parse(collection(title(), abstract(offset=40)))


def test_abstract_offset_counted_after_escaping_is_accepted() -> None:
    # The evaluation kit's slip, and only that one: the length of the escaped title.
    quoted = "Naloxone &apos;reverses&apos; clonidine."
    plain = "Naloxone 'reverses' clonidine."
    data = collection(passage("title", 0, quoted), passage("abstract", len(quoted) + 1, "Yes."))
    assert parse(data)[0].text == f"{plain} Yes."
    with pytest.raises(CorpusFormatError, match="abstract passage offset"):
        parse(collection(passage("title", 0, quoted), passage("abstract", 35, "Yes.")))


def test_individual_mention_outside_any_composite() -> None:
    part = annotation(extra='<infon key="CompositeRole">IndividualMention</infon>\n')
    with pytest.raises(CorpusFormatError, match="lies in no Chemical CompositeMention"):
        parse(collection(title(part), abstract()))


def test_top_level_annotation_with_two_locations() -> None:
    two = annotation().replace("<text>", "<location offset='9' length='8' />\n<text>")
    with pytest.raises(CorpusFormatError, match="has 2 locations; expected one"):
        parse(collection(title(two), abstract()))


def test_score_that_is_not_a_number() -> None:
    scored = annotation(extra='<infon key="score">high</infon>\n')
    with pytest.raises(CorpusFormatError, match="score 'high' is not a number"):
        parse(collection(title(scored), abstract()))


def test_relation_without_disease() -> None:
    relation = (
        "<relation id='R0'>\n<infon key=\"relation\">CID</infon>\n"
        '<infon key="Chemical">D009270</infon>\n</relation>\n'
    )
    with pytest.raises(CorpusFormatError, match="relation R0 has no Disease infon"):
        parse(collection(title(), abstract(), relations=relation))


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
