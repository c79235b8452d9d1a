"""Building documents from BioC ``<document>``s: the evaluation kit's files, and each check."""

from __future__ import annotations

from pathlib import Path

import pytest

from bioc_xml import (
    TITLE,
    abstract,
    annotation,
    collection,
    line_of,
    parse,
    passage,
    title,
)
from cohere_medner.corpus.bioc import read_bioc
from cohere_medner.corpus.bioc_records import (
    RawAnnotation,
    RawDocument,
    RawPassage,
    build_document,
)
from cohere_medner.errors import (
    CorpusFormatError,
    OffsetMismatchError,
    UnknownEntityTypeError,
)
from cohere_medner.types import CHEMICAL, DISEASE, Document, Mention, Relation

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


# Bad input: each names the file, the line and what was expected ------------------------


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


# Raw records, without XML --------------------------------------------------------------


def raw_passage(line: int, kind: str, offset: str, text: str) -> RawPassage:
    record = RawPassage(line)
    record.infons, record.offset, record.text = [("type", kind)], offset, text
    return record


def raw_annotation(
    key: str, line: int, role: str, mesh: str, locations: list[tuple[int, int]], text: str
) -> RawAnnotation:
    record = RawAnnotation(key, line)
    record.infons = [("type", DISEASE), ("CompositeRole", role), ("MESH", mesh)]
    record.locations, record.text = locations, text
    return record


def test_build_document_folds_a_part_into_its_composite_and_errors_name_its_line() -> None:
    text = "Ocular and auditory toxicity"
    raw = RawDocument(2)
    raw.pmid = "2234245"
    raw.passages = [
        raw_passage(3, "title", "0", f"{text}."),
        raw_passage(9, "abstract", "30", "Yes."),
    ]
    part = raw_annotation(
        "1", 20, "IndividualMention", "D014786", [(0, 6), (20, 8)], "Ocular toxicity"
    )
    raw.annotations = [
        raw_annotation("0", 10, "CompositeMention", "D014786|D006311", [(0, 28)], text),
        part,
    ]
    composite = Mention(0, 28, text, DISEASE, ("D014786", "D006311"), ("Ocular toxicity",))
    assert build_document(raw, "raw") == Document("2234245", f"{text}.", "Yes.", (composite,))
    part.locations = [(30, 4)]
    with pytest.raises(CorpusFormatError, match="lies in no Disease CompositeMention") as caught:
        build_document(raw, "raw")
    assert (caught.value.source, caught.value.where) == ("raw", 20)
