from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cohere_medner.corpus import load_sample
from cohere_medner.errors import LexiconFormatError
from cohere_medner.grounding import (
    MeshDescriptor,
    MeshSupplementaryRecord,
    read_mesh_descriptors,
    read_mesh_supplementary,
)
from vocabulary_files import (
    HYPOTENSION_XML,
    descriptor_xml,
    descriptors_file,
    supplementary_file,
    supplementary_xml,
    write,
)

HYPOTENSION = MeshDescriptor(
    "D007022",
    "Hypotension",
    ("Blood Pressure, Low", "Low Blood Pressure", "Hypotension, Vascular"),
    ("C14.907.514",),
)
CLONIDINE = MeshDescriptor(
    "D003000",
    "Clonidine",
    ("Catapres", "Clonidine Hydrochloride"),
    ("D02.078.370.141.450",),
    ("D000316", "D014665"),
)
LIDOCAINE = MeshDescriptor("D008012", "Lidocaine", ("Xylocaine",), (), ("D000779",))

# Before 2015 permuted terms were listed inside the term they rotate.
LIDOCAINE_XML = descriptor_xml(LIDOCAINE).replace(
    "<String>Xylocaine</String>\n",
    "<String>Xylocaine</String>\n     <PermutedTermList><PermutedTerm><String>Xylocaine, Brand"
    "</String></PermutedTerm></PermutedTermList>\n",
)
DESCRIPTORS = descriptors_file(HYPOTENSION_XML, descriptor_xml(CLONIDINE), LIDOCAINE_XML)

PIRARUBICIN = MeshSupplementaryRecord(
    "C027260",
    "pirarubicin",
    ("4'-O-tetrahydropyranyladriamycin", "THP"),
    ("D004317",),
    ("D000903",),
)
SUPPLEMENTARY = supplementary_file(
    supplementary_xml(PIRARUBICIN),
    # Mapped twice to the same descriptor (with two qualifiers), without the star: once.
    supplementary_xml(
        MeshSupplementaryRecord("C010013", "adriamycinol", mapped_to=("D004317",) * 2),
        star=False,
    ),
)


# Reading ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["desc2024.xml", "desc2024.xml.gz"])
def test_descriptors_read_with_entry_terms_of_every_concept_permuted_ones_left_out(
    tmp_path: Path, name: str
) -> None:
    assert list(read_mesh_descriptors(write(tmp_path / name, DESCRIPTORS))) == [
        HYPOTENSION,
        CLONIDINE,
        LIDOCAINE,
    ]


@pytest.mark.parametrize("name", ["supp2024.xml", "supp2024.xml.gz"])
def test_supplementary_records_read_with_their_headings_without_the_star(
    tmp_path: Path, name: str
) -> None:
    assert list(read_mesh_supplementary(write(tmp_path / name, SUPPLEMENTARY))) == [
        PIRARUBICIN,
        MeshSupplementaryRecord("C010013", "adriamycinol", mapped_to=("D004317",)),
    ]


def test_a_record_s_class_is_read_and_one_without_it_is_a_chemical(tmp_path: Path) -> None:
    # C535700, malignant mesenchymal tumors: a rare disease (SCRClass 3) the sample annotates.
    tumors = MeshSupplementaryRecord(
        "C535700", "Malignant mesenchymal tumor", mapped_to=("D008648",), scr_class=3
    )
    unclassed = supplementary_xml(PIRARUBICIN).replace(' SCRClass = "1"', "")
    text = supplementary_file(supplementary_xml(tumors), unclassed)
    assert list(read_mesh_supplementary(write(tmp_path / "supp.xml", text))) == [
        tumors,
        PIRARUBICIN,
    ]
    bad = supplementary_xml(PIRARUBICIN).replace('SCRClass = "1"', 'SCRClass = "x"')
    assert "line 4: <SupplementalRecord> C027260 has SCRClass 'x'" in refused(
        write(tmp_path / "bad.xml", supplementary_file(bad)), read_mesh_supplementary
    )


def test_the_identifiers_here_are_those_the_bundled_sample_annotates(tmp_path: Path) -> None:
    annotated = {identifier for doc in load_sample() for m in doc.mentions for identifier in m.ids}
    descriptors = read_mesh_descriptors(write(tmp_path / "desc.xml", DESCRIPTORS))
    assert {record.id for record in descriptors} <= annotated
    supplementary = read_mesh_supplementary(write(tmp_path / "supp.xml", SUPPLEMENTARY))
    assert {i for record in supplementary for i in (record.id, *record.mapped_to)} <= annotated


def test_reading_streams_so_a_bad_record_is_met_only_when_reached(tmp_path: Path) -> None:
    padding = "<!-- " + "x" * 70_000 + " -->\n"  # more than one chunk between the records
    text = descriptors_file(
        descriptor_xml(CLONIDINE), padding, "<DescriptorRecord>\n</DescriptorRecord>\n"
    )
    records = read_mesh_descriptors(write(tmp_path / "desc.xml", text))
    assert next(records) == CLONIDINE
    line = text[: text.index("<DescriptorRecord>")].count("\n") + 1
    with pytest.raises(LexiconFormatError, match=rf"line {line}: <DescriptorRecord> without"):
        next(records)


def test_an_empty_file_of_records_reads_as_none(tmp_path: Path) -> None:
    assert list(read_mesh_supplementary(write(tmp_path / "s.xml", supplementary_file()))) == []


# Refusing what is not a MeSH file of the kind asked --------------------------------------------


def refused(path: Path, read: object = read_mesh_descriptors) -> str:
    assert callable(read)
    with pytest.raises(LexiconFormatError) as error:
        list(read(path))
    assert str(path) in str(error.value)
    return str(error.value)


def test_the_other_mesh_file_is_named_with_its_reader(tmp_path: Path) -> None:
    supp = write(tmp_path / "supp2024.xml", SUPPLEMENTARY)
    message = refused(supp)
    assert "line 3: the root element is <SupplementalRecordSet>" in message
    assert "expected <DescriptorRecordSet>, MeSH descriptors (descYYYY.xml)" in message
    assert "read it with read_mesh_supplementary" in message
    desc = write(tmp_path / "desc2024.xml", DESCRIPTORS)
    assert "read it with read_mesh_descriptors" in refused(desc, read_mesh_supplementary)
    qualifiers = write(tmp_path / "qual.xml", "<QualifierRecordSet></QualifierRecordSet>")
    assert "line 1: the root element is <QualifierRecordSet>" in refused(qualifiers)
    assert "looks like" not in refused(write(tmp_path / "x.xml", "<a/>"))


def test_a_record_without_its_ui_or_name_is_refused_with_the_line_it_starts_on(
    tmp_path: Path,
) -> None:
    no_ui = descriptor_xml(LIDOCAINE).replace("<DescriptorUI>D008012</DescriptorUI>", "")
    message = refused(write(tmp_path / "d.xml", descriptors_file(HYPOTENSION_XML, no_ui)))
    first = 4 + HYPOTENSION_XML.count("\n")
    assert f"line {first}: <DescriptorRecord> without its <DescriptorUI>" in message
    no_name = supplementary_xml(PIRARUBICIN).replace("<String>pirarubicin</String>", "<String/>", 1)
    assert (
        "line 4: <SupplementalRecord> C027260 without its <SupplementalRecordName><String>"
        in refused(write(tmp_path / "s.xml", supplementary_file(no_name)), read_mesh_supplementary)
    )


def test_malformed_xml_and_stray_elements_are_refused_with_their_lines(tmp_path: Path) -> None:
    cut = DESCRIPTORS[: DESCRIPTORS.index("<DescriptorRecord", 200)] + "<Descr"
    message = refused(write(tmp_path / "cut.xml.gz", cut))
    assert "not well-formed XML" in message and "expected MeSH descriptors" in message
    assert f"line {cut.count(chr(10)) + 1}:" in message
    stray = descriptors_file(descriptor_xml(LIDOCAINE), "<QualifierRecord/>\n")
    assert "line 29: <QualifierRecord> in <DescriptorRecordSet>; expected <DescriptorRecord>" in (
        refused(write(tmp_path / "stray.xml", stray))
    )
    assert "no element found" in refused(write(tmp_path / "empty.xml", ""))


def test_entities_are_refused_as_the_corpus_reader_refuses_them(tmp_path: Path) -> None:
    laughs = (
        '<?xml version="1.0"?>\n<!DOCTYPE DescriptorRecordSet [\n <!ENTITY lol "lol">\n]>\n'
        "<DescriptorRecordSet>&lol;</DescriptorRecordSet>\n"
    )
    message = refused(write(tmp_path / "laughs.xml", laughs))
    assert "line 3: entity declarations are not allowed" in message
    undefined = descriptors_file("&undefined;")
    assert "undefined entity" in refused(write(tmp_path / "u.xml", undefined))


# Properties -------------------------------------------------------------------------------------

# Text XML can hold, as NLM writes it: no control characters, no surrounding blanks.
_TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Cn", "Zl", "Zp")), min_size=1, max_size=12
).filter(lambda text: text == text.strip() and text.strip() != "")
_UI = st.from_regex(r"[CD][0-9]{6}", fullmatch=True)
_UIS = st.lists(_UI, max_size=3, unique=True).map(tuple)


@st.composite
def _named(draw: st.DrawFn) -> tuple[str, tuple[str, ...]]:
    name = draw(_TEXT)
    terms = draw(st.lists(_TEXT.filter(lambda t: t != name), max_size=4, unique=True))
    return name, tuple(terms)


@st.composite
def descriptors(draw: st.DrawFn) -> MeshDescriptor:
    name, terms = draw(_named())
    trees = draw(st.lists(st.from_regex(r"[A-Z][0-9]{2}(\.[0-9]{3})*", fullmatch=True)))
    return MeshDescriptor(draw(_UI), name, terms, tuple(trees[:3]), draw(_UIS))


@st.composite
def supplementary(draw: st.DrawFn) -> MeshSupplementaryRecord:
    name, terms = draw(_named())
    scr_class = draw(st.integers(1, 4))
    return MeshSupplementaryRecord(draw(_UI), name, terms, draw(_UIS), draw(_UIS), scr_class)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=50)
@given(st.lists(descriptors(), max_size=4))
def test_descriptors_written_as_nlm_writes_them_read_back_equal(
    tmp_path: Path, written: list[MeshDescriptor]
) -> None:
    path = write(tmp_path / "desc.xml.gz", descriptors_file(*map(descriptor_xml, written)))
    assert list(read_mesh_descriptors(path)) == written


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=50)
@given(st.lists(supplementary(), max_size=4), st.booleans())
def test_supplementary_records_written_as_nlm_writes_them_read_back_equal(
    tmp_path: Path, written: Sequence[MeshSupplementaryRecord], star: bool
) -> None:
    text = supplementary_file(*(supplementary_xml(record, star) for record in written))
    assert list(read_mesh_supplementary(write(tmp_path / "supp.xml", text))) == list(written)
