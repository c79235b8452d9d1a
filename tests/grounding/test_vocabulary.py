from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cohere_medner.corpus import load_sample
from cohere_medner.errors import ForbiddenSplitError, LexiconError, LexiconFormatError
from cohere_medner.evaluation import evaluate
from cohere_medner.extractor import Extractor
from cohere_medner.grounding import (
    CtdRecord,
    Lexicon,
    LexiconEntry,
    MeshDescriptor,
    MeshSupplementaryRecord,
    build_lexicon,
)
from cohere_medner.grounding.names import name_key
from cohere_medner.types import CHEMICAL, DISEASE, ENTITY_TYPES
from strategies import annotated
from vocabulary_files import (
    HYPOTENSION_XML,
    ctd_text,
    descriptor_xml,
    descriptors_file,
    header,
    supplementary_file,
    supplementary_xml,
    tsv,
    write,
)

# Vocabulary files in the real formats, with identifiers the bundled sample annotates -----------

DESCRIPTORS = descriptors_file(
    HYPOTENSION_XML,
    # A chemical, with pharmacological actions ("a heading"s: not its names).
    descriptor_xml(
        MeshDescriptor(
            "D008012",
            "Lidocaine",
            ("Lignocaine", "Xylocaine"),
            ("D02.065.277.500", "D03.383.621.432"),
            ("D000779", "D026941"),
        )
    ),
    descriptor_xml(
        MeshDescriptor("D014635", "Valproic Acid", ("VPA", "Valproate"), ("D02.241.081.844.915",))
    ),
    # A mental disorder (F03) that is a disease under C too: one disease.
    descriptor_xml(
        MeshDescriptor("D003693", "Delirium", ("Subacute Delirium",), ("F03.615.350", "C10.1"))
    ),
    descriptor_xml(
        MeshDescriptor(
            "D028361", "Mitochondrial Diseases", ("Mitochondrial Cytopathy",), ("C18.452.660",)
        )
    ),
    # Behaviour (F01) and anatomy (A): left out.
    descriptor_xml(MeshDescriptor("D003863", "Depression", ("Depressive Symptoms",), ("F01.1",))),
    descriptor_xml(MeshDescriptor("D007668", "Kidney", ("Kidneys",), ("A05.810.453",))),
)
SUPPLEMENTARY = supplementary_file(
    supplementary_xml(
        MeshSupplementaryRecord(
            "C040029", "gabapentin", ("Neurontin",), ("D000078306",), ("D000927",)
        )
    ),
    # "VPA" is also Valproic Acid's: the descriptor comes first.
    supplementary_xml(
        MeshSupplementaryRecord(
            "C108761", "N-(2-propylpentanoyl)urea", ("valpromide urea", "VPU", "VPA", "VP|U")
        )
    ),
    # A rare disease: a disease, the preferred name of which beats a descriptor's entry term.
    supplementary_xml(
        MeshSupplementaryRecord(
            "C540770", "Mitochondrial cytopathy", mapped_to=("D028361",), scr_class=3
        )
    ),
    supplementary_xml(
        MeshSupplementaryRecord("C535700", "Malignant Mesenchymal Tumor", scr_class=3)
    ),
    # A protocol (class 2): left out.
    supplementary_xml(MeshSupplementaryRecord("C000001", "CHOP protocol", ("CHOP",), scr_class=2)),
)
_DISEASE_LINES = ctd_text(
    [
        CtdRecord("D003866", DISEASE, "Depressive Disorder", ("Depression", "Depressions")),
        CtdRecord("D012640", DISEASE, "Seizures", ("Seizure", "Convulsive Seizures")),
        # MEDIC's OMIM diseases: BC5CDR annotates none.
        CtdRecord("OMIM:601764", DISEASE, "SEIZURES, BENIGN FAMILIAL INFANTILE, 1", ("BFIS1",)),
    ]
).splitlines(keepends=True)
CTD_DISEASES = "".join([*_DISEASE_LINES[:-1], "# a comment between records\n", _DISEASE_LINES[-1]])
CTD_CHEMICALS = ctd_text(
    [
        CtdRecord("D016559", CHEMICAL, "Tacrolimus", ("FK 506", "FK-506", "FK506", "Prograf")),
        CtdRecord("C040029", CHEMICAL, "gabapentin", ("Neurontin", "GBP")),
    ]
)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return {
        "mesh": write(tmp_path / "desc2025.gz", DESCRIPTORS),
        "supplementary": write(tmp_path / "supp2025.xml", SUPPLEMENTARY),
        "ctd_diseases": write(tmp_path / "CTD_diseases.tsv.gz", CTD_DISEASES),
        "ctd_chemicals": write(tmp_path / "CTD_chemicals.tsv", CTD_CHEMICALS),
    }


def ids(lexicon: Lexicon, name: str, entity_type: str) -> tuple[str, ...] | None:
    entry = lexicon.lookup(name, entity_type)
    return None if entry is None else entry.ids


def test_the_identifiers_here_are_those_the_bundled_sample_annotates(
    files: dict[str, Path],
) -> None:
    annotated = {(m.type, i) for d in load_sample() for m in d.mentions for i in m.ids}
    lexicon = build_lexicon(**files)
    assert {(e.entity_type, *e.ids) for e in lexicon.entries()} <= annotated


# Building ---------------------------------------------------------------------------------------


def test_every_name_of_every_concept_is_a_form_of_its_type(files: dict[str, Path]) -> None:
    lexicon = build_lexicon(**files)
    assert lexicon.vocabularies == (
        "desc2025.gz",
        "supp2025.xml",
        "CTD_diseases.tsv.gz",
        "CTD_chemicals.tsv",
    )
    assert (lexicon.splits, lexicon.pmids) == ((), frozenset())
    entry = lexicon.lookup("low blood pressure", DISEASE)
    assert entry == LexiconEntry(
        "lowbloodpressure", DISEASE, ("D007022",), 0, 0, source="vocabulary"
    )
    assert not entry.ambiguous and entry.annotated_share == 0.0
    assert ids(lexicon, "Blood Pressure, Low", DISEASE) == ("D007022",)
    assert ids(lexicon, "Hypotension, Vascular", DISEASE) == ("D007022",)
    assert ids(lexicon, "lignocaine", CHEMICAL) == ids(lexicon, "Xylocaine", CHEMICAL)
    assert ids(lexicon, "lidocaine", DISEASE) is None
    assert ids(lexicon, "Delirium", DISEASE) == ("D003693",)
    assert ids(lexicon, "Malignant mesenchymal tumors", DISEASE) == ("C535700",)
    assert ids(lexicon, "gabapentin", CHEMICAL) == ids(lexicon, "GBP", CHEMICAL) == ("C040029",)
    assert ids(lexicon, "FK-506", CHEMICAL) == ids(lexicon, "fk506", CHEMICAL) == ("D016559",)
    # A name may hold a '|', which separates identifiers in a lexicon file, not forms.
    assert ids(lexicon, "VP|U", CHEMICAL) == ("C108761",)
    # CTD's disease synonyms, where MeSH's Depression (behaviour) is left out.
    assert ids(lexicon, "depression", DISEASE) == ("D003866",)
    assert ids(lexicon, "Depressive Symptoms", DISEASE) is None
    assert ids(lexicon, "Seizure", DISEASE) == ("D012640",)


@pytest.mark.parametrize(
    ("name", "entity_type", "why"),
    [
        ("Pressure, Low Blood", DISEASE, "a permuted term"),
        ("Vascular Hypotension", DISEASE, "a permuted term"),
        ("a heading", CHEMICAL, "a pharmacological action's or mapped heading's name"),
        ("a heading", DISEASE, "a mapped heading's name"),
        ("Calcimycin", CHEMICAL, "a see-related descriptor's name"),
        ("Kidney", DISEASE, "anatomy"),
        ("Kidney", CHEMICAL, "anatomy"),
        ("CHOP", CHEMICAL, "a protocol"),
        ("BFIS1", DISEASE, "an OMIM-only disease"),
    ],
)
def test_what_is_left_out(files: dict[str, Path], name: str, entity_type: str, why: str) -> None:
    assert build_lexicon(**files).lookup(name, entity_type) is None, why


def test_a_shared_form_keeps_every_concept_and_chooses_one(files: dict[str, Path]) -> None:
    lexicon = build_lexicon(**files)
    # A descriptor before a supplementary record.
    vpa = lexicon.lookup("VPA", CHEMICAL)
    assert vpa is not None and vpa.ids == ("D014635",)
    assert vpa.ambiguous and vpa.alternatives == ((("C108761",), 0),)
    # The concept whose preferred name the form is, before a descriptor.
    cytopathy = lexicon.lookup("mitochondrial cytopathy", DISEASE)
    assert cytopathy is not None and cytopathy.ids == ("C540770",)
    assert cytopathy.alternatives == ((("D028361",), 0),)
    # The same concept named by two files is one concept.
    neurontin = lexicon.lookup("Neurontin", CHEMICAL)
    assert neurontin is not None and not neurontin.ambiguous


def test_any_subset_of_the_files_builds(files: dict[str, Path]) -> None:
    only_ctd = build_lexicon(ctd_chemicals=files["ctd_chemicals"])
    assert only_ctd.vocabularies == ("CTD_chemicals.tsv",)
    assert {e.entity_type for e in only_ctd.entries()} == {CHEMICAL}
    assert ids(only_ctd, "VPA", CHEMICAL) is None
    only_supplementary = build_lexicon(supplementary=files["supplementary"])
    assert ids(only_supplementary, "VPA", CHEMICAL) == ("C108761",)
    with pytest.raises(LexiconError, match="nothing to build a lexicon from"):
        build_lexicon()


# Annotations first --------------------------------------------------------------------------

TRAIN = [
    annotated(
        "1",
        "Seizure after lidocaine.",
        # Annotated otherwise than CTD names it: the annotation wins.
        ("Seizure", DISEASE, ("D004827",)),
        ("lidocaine", CHEMICAL, ("D008012",)),
    ),
    annotated("2", "Pain, and no pain.", ("no pain", DISEASE, ())),
]


def test_annotated_forms_keep_the_annotations_entries(files: dict[str, Path]) -> None:
    lexicon = build_lexicon(**files, splits={"train": TRAIN})
    annotations = Lexicon.from_splits({"train": TRAIN})
    assert (lexicon.splits, lexicon.pmids) == (("train",), frozenset({"1", "2"}))
    assert lexicon.lookup("seizure", DISEASE) == annotations.lookup("seizure", DISEASE)
    assert ids(lexicon, "Seizure", DISEASE) == ("D004827",)
    assert ids(lexicon, "Convulsive Seizures", DISEASE) == ("D012640",)
    lidocaine = lexicon.lookup("Lidocaine", CHEMICAL)
    assert lidocaine is not None and lidocaine.source == "annotation" and lidocaine.count == 1
    xylocaine = lexicon.lookup("xylocaine", CHEMICAL)
    assert xylocaine is not None and xylocaine.source == "vocabulary"
    assert set(annotations.entries()) <= set(lexicon.entries(source="annotation"))
    vocabulary = {(e.entity_type, e.form) for e in lexicon.entries(source="vocabulary")}
    assert not vocabulary & {(e.entity_type, e.form) for e in annotations.entries()}
    assert len(lexicon) == len(annotations) + len(vocabulary)


@pytest.mark.parametrize("split", ["test", "Test"])
def test_the_test_split_is_refused_before_any_file_is_read(tmp_path: Path, split: str) -> None:
    missing = tmp_path / "desc2025.gz"  # never opened: the refusal comes first
    with pytest.raises(ForbiddenSplitError, match="test split"):
        build_lexicon(mesh=missing, splits={split: TRAIN})
    with pytest.raises(ForbiddenSplitError):
        build_lexicon(mesh=missing, splits={"train": load_sample("test")})
    allowed = build_lexicon(splits={split: TRAIN}, allow_test=True)
    assert allowed.splits == ("test",)


# Bad files ------------------------------------------------------------------------------------


def test_a_file_given_as_another_kind_is_named_with_its_line(files: dict[str, Path]) -> None:
    with pytest.raises(LexiconFormatError, match=r"CTD_chemicals\.tsv, line 7: the header"):
        build_lexicon(ctd_diseases=files["ctd_chemicals"])
    with pytest.raises(LexiconFormatError, match=r"supp2025\.xml, line 3: the root element"):
        build_lexicon(mesh=files["supplementary"])
    broken = files["ctd_chemicals"].with_name("broken.tsv")
    write(broken, header(("ChemicalName", "ChemicalID", "Synonyms")) + tsv(("Aspirin",)))
    with pytest.raises(LexiconFormatError, match=r"broken\.tsv, line 9: expected 3"):
        build_lexicon(ctd_chemicals=broken)


# Saved and used --------------------------------------------------------------------------------


def test_saved_loaded_and_used_to_evaluate(files: dict[str, Path], tmp_path: Path) -> None:
    lexicon = build_lexicon(
        **files, splits={"train": load_sample("train"), "validation": load_sample("validation")}
    )
    lexicon.save(tmp_path / "lexicon.tsv")
    loaded = Lexicon.load(tmp_path / "lexicon.tsv")
    assert sorted(loaded.entries(), key=repr) == sorted(lexicon.entries(), key=repr)
    assert (loaded.splits, loaded.pmids, loaded.vocabularies) == (
        lexicon.splits,
        lexicon.pmids,
        lexicon.vocabularies,
    )
    test = load_sample("test").to_list()
    run = evaluate(Extractor("lexicon", lexicon=loaded, progress=False), test, loaded)
    baseline = evaluate(Extractor("lexicon", progress=False), test)
    # The baseline matches only annotated names: the vocabulary changes no mention.
    assert run.official["mention"] == baseline.official["mention"]


# Properties -----------------------------------------------------------------------------------

_NAMES = st.sampled_from(["Aspirin", "ASA", "acetylsalicylic acid", "Salicylate", "aspirins"])
_CONCEPTS = st.sampled_from(["D001241", "D012459", "C000123", "C000456"])


@st.composite
def chemicals(draw: st.DrawFn) -> list[CtdRecord]:
    """CTD chemicals sharing a few names, each concept once."""
    concepts = draw(st.lists(_CONCEPTS, min_size=1, max_size=4, unique=True))
    return [
        CtdRecord(
            concept,
            CHEMICAL,
            draw(_NAMES),
            tuple(draw(st.lists(_NAMES, max_size=3, unique=True))),
        )
        for concept in concepts
    ]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=50)
@given(chemicals(), st.randoms(use_true_random=False))
def test_a_form_resolves_by_rank_whatever_the_order_of_the_records(
    tmp_path: Path, records: list[CtdRecord], shuffler: random.Random
) -> None:
    lexicon = build_lexicon(ctd_chemicals=write(tmp_path / "a.tsv", ctd_text(records)))
    shuffled = records[:]
    shuffler.shuffle(shuffled)
    again = build_lexicon(ctd_chemicals=write(tmp_path / "b.tsv", ctd_text(shuffled)))
    assert sorted(again.entries(), key=repr) == sorted(lexicon.entries(), key=repr)
    for entry in lexicon.entries():
        naming = [r for r in records if entry.form in map(name_key, (r.name, *r.synonyms))]
        preferred = {r.id for r in naming if name_key(r.name) == entry.form}
        ranked = sorted((r.id for r in naming), key=lambda c: (c not in preferred, c[0] != "D", c))
        assert (entry.ids, *(i for i, _ in entry.alternatives)) == tuple((c,) for c in ranked)
        assert entry.source == "vocabulary" and entry.count == entry.total == 0
    assert {e.entity_type for e in lexicon.entries()} <= set(ENTITY_TYPES)
