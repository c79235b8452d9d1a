from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cohere_medner.corpus import load_sample
from cohere_medner.errors import LexiconFormatError
from cohere_medner.grounding import CtdRecord, read_ctd_chemicals, read_ctd_diseases
from cohere_medner.types import CHEMICAL, DISEASE
from vocabulary_files import (
    CHEMICAL_FIELDS,
    DISEASE_FIELDS,
    ctd_text,
    header,
    row,
    tsv,
    write,
)

# DiseaseName, DiseaseID, AltDiseaseIDs, Definition, ParentIDs, TreeNumbers, ParentTreeNumbers,
# Synonyms, SlimMappings
DISEASES = header(DISEASE_FIELDS) + tsv(
    ("Hypotension", "MESH:D007022", "", "Abnormally low BLOOD PRESSURE ...", "MESH:D014652",
     "C14.907.514", "C14", "Blood Pressure, Low|Hypotension, Vascular|Low Blood Pressure",
     "Cardiovascular disease"),
    ("Seizures", "MESH:D012640", "DO:DOID:1826|MESH:D004827", "", "", "", "",
     "Seizure|Convulsive Seizures", ""),
    ("Proteinuria", "MESH:D011507", "", "", "", "", "", "", ""),
    "# a comment between records\n",
    ("SEIZURES, BENIGN FAMILIAL INFANTILE, 1", "OMIM:601764", "", "", "MESH:D012640", "", "",
     "BFIS1", ""),
)  # fmt: skip
# ChemicalName, ChemicalID, CasRN, Definition, ParentIDs, TreeNumbers, ParentTreeNumbers,
# Synonyms, DrugBankIDs
CHEMICALS = header(CHEMICAL_FIELDS) + tsv(
    ("Tacrolimus", "MESH:D016559", "104987-11-3", "", "", "", "", "FK 506|FK-506|FK506|Prograf",
     "DB00864"),
    ("Cisplatin", "MESH:D002945", "", "", "", "", "", "", ""),
    ("gabapentin", "C040029", "", "", "", "", "", "Neurontin", ""),
)  # fmt: skip


# Reading ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["CTD_diseases.tsv", "CTD_diseases.tsv.gz"])
def test_diseases_read_with_their_ids_synonyms_and_alternative_ids(
    tmp_path: Path, name: str
) -> None:
    records = list(read_ctd_diseases(write(tmp_path / name, DISEASES)))
    assert records == [
        CtdRecord(
            "D007022",
            DISEASE,
            "Hypotension",
            ("Blood Pressure, Low", "Hypotension, Vascular", "Low Blood Pressure"),
        ),
        CtdRecord(
            "D012640",
            DISEASE,
            "Seizures",
            ("Seizure", "Convulsive Seizures"),
            ("DO:DOID:1826", "D004827"),
        ),
        CtdRecord("D011507", DISEASE, "Proteinuria"),
        CtdRecord("OMIM:601764", DISEASE, "SEIZURES, BENIGN FAMILIAL INFANTILE, 1", ("BFIS1",)),
    ]


@pytest.mark.parametrize("name", ["CTD_chemicals.tsv", "CTD_chemicals.tsv.gz"])
def test_chemicals_read_with_or_without_the_mesh_prefix(tmp_path: Path, name: str) -> None:
    records = list(read_ctd_chemicals(write(tmp_path / name, CHEMICALS)))
    assert records == [
        CtdRecord("D016559", CHEMICAL, "Tacrolimus", ("FK 506", "FK-506", "FK506", "Prograf")),
        CtdRecord("D002945", CHEMICAL, "Cisplatin"),
        CtdRecord("C040029", CHEMICAL, "gabapentin", ("Neurontin",)),
    ]


def test_the_identifiers_here_are_those_the_bundled_sample_annotates(tmp_path: Path) -> None:
    annotated = {
        (mention.type, identifier)
        for doc in load_sample()
        for mention in doc.mentions
        for identifier in mention.ids
    }
    records = [
        *read_ctd_diseases(write(tmp_path / "d.tsv", DISEASES)),
        *read_ctd_chemicals(write(tmp_path / "c.tsv", CHEMICALS)),
    ]
    mesh = {(r.entity_type, r.id) for r in records if not r.id.startswith("OMIM:")}
    assert mesh <= annotated


def test_columns_are_found_by_the_names_the_header_gives_and_crlf_is_read(tmp_path: Path) -> None:
    # CTD's descriptions of MEDIC disagree on where Definition sits; the header decides.
    fields = ("DiseaseName", "DiseaseID", "Definition", "AltDiseaseIDs", "Synonyms")
    text = header(fields) + row(
        fields,
        DiseaseName="Delirium",
        DiseaseID="MESH:D003693",
        AltDiseaseIDs="MESH:D000071257",
        Synonyms="Subacute Delirium",
    )
    path = write(tmp_path / "CTD_diseases.tsv", text.replace("\n", "\r\n"))
    assert list(read_ctd_diseases(path)) == [
        CtdRecord("D003693", DISEASE, "Delirium", ("Subacute Delirium",), ("D000071257",))
    ]


def test_reading_streams_so_a_bad_line_is_met_only_when_reached(tmp_path: Path) -> None:
    path = write(tmp_path / "CTD_chemicals.tsv", CHEMICALS + "Broken\tMESH:D1\n")
    records = read_ctd_chemicals(path)
    assert next(records).name == "Tacrolimus"
    with pytest.raises(LexiconFormatError, match=r"line 12: expected 9 tab-separated fields"):
        list(records)


def test_a_header_with_no_records_reads_as_no_records(tmp_path: Path) -> None:
    assert list(read_ctd_chemicals(write(tmp_path / "c.tsv", header(CHEMICAL_FIELDS)))) == []


# Refusing what is not a CTD vocabulary ----------------------------------------------------------


def refused(path: Path, read: object = read_ctd_diseases) -> str:
    assert callable(read)
    with pytest.raises(LexiconFormatError) as error:
        list(read(path))
    assert str(path) in str(error.value)
    return str(error.value)


def test_an_empty_id_or_name_is_refused_with_its_line(tmp_path: Path) -> None:
    no_id = header(DISEASE_FIELDS) + row(
        DISEASE_FIELDS, DiseaseName="Hypotension", DiseaseID="MESH:"
    )
    message = refused(write(tmp_path / "d.tsv", no_id))
    assert "line 9: empty DiseaseID" in message
    no_name = header(DISEASE_FIELDS) + row(
        DISEASE_FIELDS, DiseaseName=" ", DiseaseID="MESH:D007022"
    )
    assert "line 9: empty DiseaseName for MESH:D007022" in refused(
        write(tmp_path / "n.tsv", no_name)
    )


def test_a_file_without_the_header_is_not_ctd(tmp_path: Path) -> None:
    pubtator = "227508|t|Naloxone reverses the antihypertensive effect of clonidine.\n"
    message = refused(write(tmp_path / "train.txt", pubtator))
    assert (
        "line 1: not a CTD vocabulary" in message
        and "among them DiseaseName, DiseaseID, AltDiseaseIDs, Synonyms" in message
    )
    assert "not a CTD vocabulary: no header in it" in refused(write(tmp_path / "empty.tsv", ""))


def test_a_chemicals_file_read_as_diseases_is_named(tmp_path: Path) -> None:
    message = refused(write(tmp_path / "CTD_chemicals.tsv", CHEMICALS))
    assert "line 7: the header names ChemicalName, ChemicalID" in message
    assert "without DiseaseName, DiseaseID, AltDiseaseIDs" in message
    assert "it looks like CTD_chemicals.tsv: read it with read_ctd_chemicals" in message
    diseases = write(tmp_path / "CTD_diseases.tsv", DISEASES)
    assert "read it with read_ctd_diseases" in refused(diseases, read_ctd_chemicals)


def test_an_association_file_is_not_a_vocabulary(tmp_path: Path) -> None:
    fields = ("ChemicalName", "ChemicalID", "CasRN", "DiseaseName", "DiseaseID", "DirectEvidence")
    text = header(fields) + row(
        fields, ChemicalName="Tacrolimus", ChemicalID="D016559", DiseaseID="MESH:D007022"
    )
    message = refused(write(tmp_path / "CTD_chemicals_diseases.tsv", text), read_ctd_chemicals)
    assert "without Synonyms" in message and "chemical-disease association file" in message
    other = header(("Name", "Id")) + "x\ty\n"
    assert "looks like" not in refused(write(tmp_path / "other.tsv", other))


# Properties -------------------------------------------------------------------------------------

# Any printable text without tabs and line breaks, not starting a comment, not blank.
_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=12)
_NAMES = _TEXT.filter(lambda text: text.strip() != "" and not text.startswith("#"))
_ITEMS = st.lists(_TEXT.filter(lambda text: "|" not in text), max_size=3).map(tuple)
_MESH = st.from_regex(r"[CD][0-9]{6}", fullmatch=True)
_IDS = _MESH | st.from_regex(r"OMIM:[0-9]{6}", fullmatch=True)


@st.composite
def records(draw: st.DrawFn) -> list[CtdRecord]:
    if draw(st.booleans()):
        ids, entity_type, alt = _MESH, CHEMICAL, st.just(())
    else:
        ids, entity_type, alt = _IDS, DISEASE, st.lists(_IDS, max_size=3).map(tuple)
    return draw(
        st.lists(
            st.builds(CtdRecord, ids, st.just(entity_type), _NAMES, _ITEMS, alt),
            min_size=1,
            max_size=5,
        )
    )


def read_back(path: Path, records: Sequence[CtdRecord]) -> list[CtdRecord]:
    write(path, ctd_text(records))
    read = read_ctd_chemicals if records[0].entity_type == CHEMICAL else read_ctd_diseases
    return list(read(path))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=50)
@given(records())
def test_records_written_as_ctd_writes_them_read_back_equal(
    tmp_path: Path, written: list[CtdRecord]
) -> None:
    assert read_back(tmp_path / "CTD.tsv.gz", written) == written


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=50)
@given(records(), st.data())
def test_any_record_line_with_too_few_or_too_many_tabs_is_refused_with_its_number(
    tmp_path: Path, written: list[CtdRecord], data: st.DataObject
) -> None:
    text = ctd_text(written)
    lines = [line + "\n" for line in text.split("\n")[:-1]]
    at = data.draw(st.integers(lines.index("#\n", 6) + 1, len(lines)), label="at")
    # Eight fields reach Synonyms; the ninth may be left out when empty.
    tabs = data.draw(st.integers(0, 12).filter(lambda n: n + 1 not in (8, 9)), label="tabs")
    bad = "\t".join(
        data.draw(
            st.lists(_TEXT, min_size=tabs + 1, max_size=tabs + 1).filter(
                lambda f: f[0].strip() != "" and not f[0].startswith("#")
            )
        )
    )
    path = write(tmp_path / "CTD.tsv", "".join([*lines[:at], bad + "\n", *lines[at:]]))
    read = read_ctd_chemicals if written[0].entity_type == CHEMICAL else read_ctd_diseases
    with pytest.raises(
        LexiconFormatError, match=rf"CTD\.tsv, line {at + 1}: expected 9 tab-separated fields"
    ):
        list(read(path))


def test_a_record_without_its_empty_trailing_fields_is_read(tmp_path: Path) -> None:
    """A writer that strips trailing tabs leaves SlimMappings out: the record is whole."""
    full = ctd_text([CtdRecord("D007022", DISEASE, "Hypotension", ("Low Blood Pressure",))])
    stripped = "\n".join(line.rstrip("\t") for line in full.split("\n"))
    path = write(tmp_path / "CTD_diseases.tsv", stripped)
    assert list(read_ctd_diseases(path)) == [
        CtdRecord("D007022", DISEASE, "Hypotension", ("Low Blood Pressure",))
    ]
