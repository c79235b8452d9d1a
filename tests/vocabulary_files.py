"""Vocabulary files as NLM and CTD write them, for the tests of their readers and lexicons.

MeSH's XML (descriptors, supplementary concept records) and CTD's tab-separated vocabularies
(diseases, chemicals), each from records, with the quirks the real files have: a DOCTYPE
naming a DTD, indented records, headings referred to by their own names, comment lines
before CTD's records. :func:`write` writes a text to a file, gzipped for a ``.gz`` name.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from cohere_medner.grounding import CtdRecord, MeshDescriptor, MeshSupplementaryRecord
from cohere_medner.types import CHEMICAL, DISEASE


def write(path: Path, text: str) -> Path:
    """``text`` in ``path``, as it stands (no line ending translated), gzipped for ``.gz``."""
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8", newline="") as stream:
            stream.write(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


# Records as NLM writes them: a DOCTYPE naming the DTD (never fetched), records indented ------

DESC_HEAD = (
    '<?xml version="1.0"?>\n'
    '<!DOCTYPE DescriptorRecordSet SYSTEM "https://www.nlm.nih.gov/databases/dtd/'
    'nlmdescriptorrecordset_20240101.dtd">\n'
    '<DescriptorRecordSet LanguageCode = "eng">\n'
)
SUPP_HEAD = (
    '<?xml version="1.0"?>\n'
    '<!DOCTYPE SupplementalRecordSet SYSTEM "https://www.nlm.nih.gov/databases/dtd/'
    'nlmsupplementalrecordset_20240101.dtd">\n'
    '<SupplementalRecordSet LanguageCode = "eng">\n'
)


def term(text: str, *, permuted: bool = False, preferred: bool = False) -> str:
    flags = f'ConceptPreferredTermYN="{"Y" if preferred else "N"}" ' + (
        f'IsPermutedTermYN="{"Y" if permuted else "N"}" LexicalTag="NON" '
        f'RecordPreferredTermYN="{"Y" if preferred else "N"}"'
    )
    return (
        f"    <Term {flags}>\n     <TermUI>T000001</TermUI>\n"
        f"     <String>{escape(text)}</String>\n    </Term>\n"
    )


def concept(*terms: str, preferred: bool = False) -> str:
    return (
        f'  <Concept PreferredConceptYN="{"Y" if preferred else "N"}">\n'
        "   <ConceptUI>M0000001</ConceptUI>\n"
        "   <ConceptName><String>a concept</String></ConceptName>\n"
        f"   <TermList>\n{''.join(terms)}   </TermList>\n  </Concept>\n"
    )


def referred(ui: str, name: str = "a heading") -> str:
    return (
        "<DescriptorReferredTo>"
        f"<DescriptorUI>{escape(ui)}</DescriptorUI>"
        f"<DescriptorName><String>{escape(name)}</String></DescriptorName>"
        "</DescriptorReferredTo>"
    )


def actions(*uis: str) -> str:
    if not uis:
        return ""
    items = "".join(f"<PharmacologicalAction>{referred(ui)}</PharmacologicalAction>" for ui in uis)
    return f" <PharmacologicalActionList>{items}</PharmacologicalActionList>\n"


def descriptor_xml(record: MeshDescriptor) -> str:
    """The test side's writer: one descriptor, its name first among its first concept's terms."""
    trees = "".join(f"<TreeNumber>{escape(t)}</TreeNumber>" for t in record.tree_numbers)
    tree_list = f" <TreeNumberList>{trees}</TreeNumberList>\n" if trees else ""
    terms = [term(record.name, preferred=True), *map(term, record.terms)]
    return (
        f'<DescriptorRecord DescriptorClass = "1">\n <DescriptorUI>{escape(record.id)}'
        f"</DescriptorUI>\n <DescriptorName>\n  <String>{escape(record.name)}</String>\n"
        " </DescriptorName>\n <DateCreated><Year>1999</Year></DateCreated>\n"
        # A see-related descriptor refers to another's UI and name: not this record's.
        f" <SeeRelatedList><SeeRelatedDescriptor>{referred('D000001', 'Calcimycin')}"
        "</SeeRelatedDescriptor></SeeRelatedList>\n"
        f"{actions(*record.pharmacological_actions)}{tree_list}"
        f" <ConceptList>\n{concept(*terms, preferred=True)} </ConceptList>\n"
        "</DescriptorRecord>\n"
    )


def supplementary_xml(record: MeshSupplementaryRecord, star: bool = True) -> str:
    """The test side's writer: one supplementary record, each heading starred if ``star``."""
    headings = "".join(
        f"<HeadingMappedTo>{referred(('*' if star else '') + ui)}</HeadingMappedTo>"
        for ui in record.mapped_to
    )
    mapped = f" <HeadingMappedToList>{headings}</HeadingMappedToList>\n" if headings else ""
    terms = [term(record.name, preferred=True), *map(term, record.terms)]
    return (
        f'<SupplementalRecord SCRClass = "{record.scr_class}">\n <SupplementalRecordUI>'
        f"{escape(record.id)}"
        "</SupplementalRecordUI>\n <SupplementalRecordName>\n"
        f"  <String>{escape(record.name)}</String>\n </SupplementalRecordName>\n"
        f" <Note>a note</Note>\n{mapped}{actions(*record.pharmacological_actions)}"
        f" <ConceptList>\n{concept(*terms, preferred=True)} </ConceptList>\n"
        "</SupplementalRecord>\n"
    )


def descriptors_file(*records: str) -> str:
    return DESC_HEAD + "".join(records) + "</DescriptorRecordSet>\n"


def supplementary_file(*records: str) -> str:
    return SUPP_HEAD + "".join(records) + "</SupplementalRecordSet>\n"


# CTD's files open with comment lines (the last but one names the fields) ----------------------

PREAMBLE = (
    "# Comparative Toxicogenomics Database (CTD)\n"
    "# http://ctdbase.org/\n"
    "#\n"
    "# Use is subject to the terms set forth at http://ctdbase.org/about/legal.jsp\n"
    "#\n"
    "# Fields:\n"
)
DISEASE_FIELDS = (
    "DiseaseName",
    "DiseaseID",
    "AltDiseaseIDs",
    "Definition",
    "ParentIDs",
    "TreeNumbers",
    "ParentTreeNumbers",
    "Synonyms",
    "SlimMappings",
)
CHEMICAL_FIELDS = (
    "ChemicalName",
    "ChemicalID",
    "CasRN",
    "Definition",
    "ParentIDs",
    "TreeNumbers",
    "ParentTreeNumbers",
    "Synonyms",
    "DrugBankIDs",
)


def header(fields: Sequence[str]) -> str:
    return PREAMBLE + "# " + "\t".join(fields) + "\n#\n"


def row(fields: Sequence[str], **values: str) -> str:
    return "\t".join(values.get(field, "") for field in fields) + "\n"


def prefixed(identifier: str) -> str:
    return identifier if ":" in identifier else f"MESH:{identifier}"


def ctd_text(records: Sequence[CtdRecord]) -> str:
    """The test side's writer: records as CTD writes them (MeSH ids with their prefix)."""
    chemical = records and records[0].entity_type == CHEMICAL
    fields = CHEMICAL_FIELDS if chemical else DISEASE_FIELDS
    lines = [header(fields)]
    for record in records:
        values = {
            fields[0]: record.name,
            fields[1]: prefixed(record.id),
            "Synonyms": "|".join(record.synonyms),
            "Definition": "A definition.",
        }
        if not chemical:
            values["AltDiseaseIDs"] = "|".join(map(prefixed, record.alt_ids))
        lines.append(row(fields, **values))
    return "".join(lines)


def tsv(*rows: tuple[str, ...] | str) -> str:
    """Records given field by field in the header's order; a string is a line as it stands."""
    return "".join(line if isinstance(line, str) else "\t".join(line) + "\n" for line in rows)


# Stand-ins for the real files, under the names NLM and CTD give them ---------------------------


def stand_ins(directory: Path) -> dict[str, Path]:
    """A few records of each of MeSH's and CTD's files, as ``desc2025.gz``, ``supp2025.gz``,
    ``CTD_diseases.tsv.gz`` and ``CTD_chemicals.tsv.gz`` in ``directory``: for pages and
    tests that show the real files' use without their hundreds of MB."""
    descriptors = descriptors_file(
        descriptor_xml(
            MeshDescriptor(
                "D007022",
                "Hypotension",
                ("Blood Pressure, Low", "Low Blood Pressure", "Hypotension, Vascular"),
                ("C14.907.514",),
            )
        ),
        descriptor_xml(
            MeshDescriptor(
                "D008012", "Lidocaine", ("Lignocaine", "Xylocaine"), ("D02.065.277.500",)
            )
        ),
    )
    supplementary = supplementary_file(
        supplementary_xml(
            MeshSupplementaryRecord("C040029", "gabapentin", ("Neurontin",), ("D000078306",))
        ),
        supplementary_xml(
            MeshSupplementaryRecord("C535700", "Malignant Mesenchymal Tumor", scr_class=3)
        ),
    )
    diseases = ctd_text(
        [CtdRecord("D003866", DISEASE, "Depressive Disorder", ("Depression", "Depressions"))]
    )
    chemicals = ctd_text(
        [CtdRecord("D016559", CHEMICAL, "Tacrolimus", ("FK 506", "FK-506", "FK506", "Prograf"))]
    )
    return {
        "mesh": write(directory / "desc2025.gz", descriptors),
        "supplementary": write(directory / "supp2025.gz", supplementary),
        "ctd_diseases": write(directory / "CTD_diseases.tsv.gz", diseases),
        "ctd_chemicals": write(directory / "CTD_chemicals.tsv.gz", chemicals),
    }


# Hypotension's names as the 2024 file has them: two concepts, permuted terms flagged, a
# see-related descriptor left out of its names.
HYPOTENSION_XML = (
    '<DescriptorRecord DescriptorClass = "1">\n <DescriptorUI>D007022</DescriptorUI>\n'
    " <DescriptorName>\n  <String>Hypotension</String>\n </DescriptorName>\n"
    " <TreeNumberList>\n  <TreeNumber>C14.907.514</TreeNumber>\n </TreeNumberList>\n"
    " <ConceptList>\n"
    + concept(
        term("Hypotension", preferred=True),
        term("Blood Pressure, Low"),
        term("Low Blood Pressure"),
        term("Pressure, Low Blood", permuted=True),
        preferred=True,
    )
    + concept(term("Hypotension, Vascular"), term("Vascular Hypotension", permuted=True))
    + " </ConceptList>\n</DescriptorRecord>\n"
)
