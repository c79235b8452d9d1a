from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cohere_medner.corpus import load_bc5cdr, load_sample, load_splits, write_bigbio
from cohere_medner.errors import (
    AnnotationError,
    ForbiddenSplitError,
    LexiconFormatError,
    UnknownSplitError,
)
from cohere_medner.grounding.lexicon import Lexicon, LexiconEntry
from cohere_medner.grounding.names import name_key
from cohere_medner.types import CHEMICAL, DISEASE, ENTITY_TYPES, Document, Mention
from strategies import annotated, mesh_ids, texts

TRAIN = [
    annotated(
        "1",
        "Cocaine caused seizures.",
        ("Cocaine", CHEMICAL, ("D003042",)),
        ("seizures", DISEASE, ("D012640",)),
    ),
    annotated(
        "2",
        "cocaine and MESH seizure",
        ("cocaine", CHEMICAL, ("MESH:D003042",)),
        ("seizure", DISEASE, ("D012640",)),
    ),
    annotated("3", "cold as cold", ("cold", DISEASE, ("D003139",))),
    annotated("4", "a cold", ("cold", DISEASE, ("D006255",))),
    annotated("5", "pain, no pain", ("no pain", DISEASE, ())),
    annotated("6", "pain and some pain", ("some pain", DISEASE, ("D010146",))),
]


# Building and looking up ----------------------------------------------------------------------------


def test_forms_identifiers_and_counts() -> None:
    lexicon = Lexicon.from_splits({"train": TRAIN})
    entry = lexicon.lookup("COCAINE", CHEMICAL)
    assert entry == LexiconEntry(
        "cocaine", CHEMICAL, ("D003042",), 2, 2, (), (("Cocaine", 1), ("cocaine", 1)), 0
    )
    assert not entry.ambiguous and entry.annotated_share == 1.0
    assert lexicon.lookup("cocaine", DISEASE) is None
    assert lexicon.lookup("heroin", CHEMICAL) is None
    assert lexicon.splits == ("train",) and lexicon.pmids == {"1", "2", "3", "4", "5", "6"}
    assert lexicon.seen([TRAIN[2], Document("99", "t", "a"), TRAIN[0]]) == ["3", "1"]
    assert len(lexicon) == len(list(lexicon.entries())) == 6
    assert {e.entity_type for e in lexicon.entries(CHEMICAL)} == {CHEMICAL}


def test_ambiguous_forms_resolve_by_frequency_and_keep_the_alternatives() -> None:
    cold = Lexicon.from_splits({"train": TRAIN}).lookup("cold", DISEASE)
    assert cold is not None
    assert cold.ids == ("D003139",) and cold.count == 2 and cold.total == 3
    assert cold.ambiguous and cold.alternatives == ((("D006255",), 1),)


def test_plural_spelling_and_missing_identifiers() -> None:
    lexicon = Lexicon.from_splits({"train": TRAIN})
    seizures = lexicon.lookup("Seizures", DISEASE)
    assert seizures is not None and seizures.form == "seizures"
    # A plural looked up in the singular finds the plural's entry, and the other way round.
    singular = lexicon.lookup("seizure", DISEASE)
    assert singular is not None and singular.form == "seizure"
    plural_only = Lexicon.from_splits({"train": TRAIN[:1]}).lookup("seizure", DISEASE)
    assert plural_only is not None and plural_only.form == "seizures"
    assert lexicon.lookup("no-pain", DISEASE) == LexiconEntry(
        "nopain", DISEASE, (), 1, 1, (), (("no pain", 1),), 0
    )


def test_unannotated_occurrences_are_counted() -> None:
    lexicon = Lexicon.from_splits(
        {
            "train": [
                annotated("1", "pain in pain", ("pain", DISEASE, ("D010146",))),
                Document("2", "pain, and more pain", ""),
                annotated("3", "alcohol abuse", ("alcohol abuse", DISEASE, ("D000437",))),
                annotated("4", "alcohol", ("alcohol", CHEMICAL, ("D000431",))),
                annotated("5", "alcohol as Disease", ("alcohol", DISEASE, ("D000437",))),
            ]
        }
    )
    pain = lexicon.lookup("pain", DISEASE)
    assert pain is not None and (pain.total, pain.unannotated) == (2, 2)
    assert pain.annotated_share == 0.5
    # Inside a longer annotation ("alcohol abuse") is not an unannotated occurrence; the
    # same span annotated as the other type is.
    alcohol = lexicon.lookup("alcohol", CHEMICAL)
    assert alcohol is not None and alcohol.unannotated == 1


def test_composites_give_the_identifiers_together_and_each_part_its_own() -> None:
    text = "renal and hepatic failure"
    composite = Mention(
        0, len(text), text, DISEASE, ("D058186", "D017093"), ("renal failure", "hepatic failure")
    )
    lexicon = Lexicon.from_documents([Document("1", text, "", (composite,))], "train")
    whole = lexicon.lookup(text, DISEASE)
    part = lexicon.lookup("hepatic failure", DISEASE)
    assert whole is not None and whole.ids == ("D058186", "D017093")
    assert part is not None and part.ids == ("D017093",) and part.surfaces == ()


def test_from_data_reads_the_splits_a_data_option_names(tmp_path: Path) -> None:
    sample = Lexicon.from_splits(
        {"train": load_sample("train"), "validation": load_sample("validation")}
    )
    lexicon = Lexicon.from_data()
    assert (lexicon.splits, lexicon.pmids) == (("train", "validation"), sample.pmids)
    assert sorted(lexicon.entries(), key=repr) == sorted(sample.entries(), key=repr)
    corpus = tmp_path / "bc5cdr.json"
    write_bigbio(load_splits(), corpus)
    assert Lexicon.from_data(corpus, ["train"]).pmids == Lexicon.from_data(None, ["train"]).pmids
    with pytest.raises(ForbiddenSplitError):
        Lexicon.from_data(splits=("train", "test"))
    assert Lexicon.from_data(splits=("test",), allow_test=True).splits == ("test",)


# Refusals ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("split", ["test", "Test", " test "])
def test_the_test_split_is_refused(split: str) -> None:
    with pytest.raises(ForbiddenSplitError, match="test split"):
        Lexicon.from_splits({"train": TRAIN, split: TRAIN})
    with pytest.raises(ForbiddenSplitError):
        Lexicon.from_documents(TRAIN, split)
    assert Lexicon.from_documents(TRAIN, split, allow_test=True).splits == ("test",)


def test_test_documents_under_another_name_are_refused() -> None:
    with pytest.raises(ForbiddenSplitError):
        Lexicon.from_splits({"train": load_sample("test")})


@pytest.mark.corpus
def test_the_official_test_file_under_another_name_is_refused(bc5cdr_dir: Path) -> None:
    with pytest.raises(ForbiddenSplitError):
        Lexicon.from_documents(load_bc5cdr("test", bc5cdr_dir, "pubtator"), "validation")


def test_unknown_split_names_are_refused() -> None:
    with pytest.raises(UnknownSplitError):
        Lexicon.from_documents(TRAIN, "holdout")
    assert Lexicon.from_splits({"dev": TRAIN, "training": TRAIN}).splits == ("validation", "train")


# Files ----------------------------------------------------------------------------------------------------


def test_save_and_load(tmp_path: Path) -> None:
    lexicon = Lexicon.from_splits({"train": load_sample("train"), "validation": TRAIN})
    path = tmp_path / "lexicon.json"
    lexicon.save(path)
    again = Lexicon.load(path)
    assert sorted(again.entries(), key=repr) == sorted(lexicon.entries(), key=repr)
    assert (again.splits, again.pmids) == (lexicon.splits, lexicon.pmids)
    assert [p.name for p in tmp_path.iterdir()] == ["lexicon.json"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not a JSON lexicon"),
        ("[1, 2]", "not a cohere-medner lexicon"),
        ('{"format": "cohere-medner lexicon", "version": 99}', "version 99"),
        ('{"format": "cohere-medner lexicon", "version": 1}', "damaged"),
        (
            '{"format": "cohere-medner lexicon", "version": 1, "splits": [], "pmids": [], '
            '"entries": [{"type": "Gene", "form": "x", "ids": [[[], 1]], "surfaces": {}, '
            '"unannotated": 0}]}',
            "Gene",
        ),
        (
            '{"format": "cohere-medner lexicon", "version": 1, "splits": [], "pmids": [], '
            '"entries": [{"type": "Disease", "form": "x", "ids": [], "surfaces": {}, '
            '"unannotated": 0}]}',
            "no positive",
        ),
    ],
)
def test_bad_lexicon_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconFormatError, match=message):
        Lexicon.load(path)


def test_saved_file_holds_one_entry_per_line(tmp_path: Path) -> None:
    lexicon = Lexicon([*Lexicon.from_splits({"train": TRAIN}).entries(), *VOCABULARY])
    lexicon.save(tmp_path / "l.json")
    lines = (tmp_path / "l.json").read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert header == {
        "format": "cohere-medner lexicon",
        "version": 2,
        "splits": [],
        "pmids": [],
        "vocabularies": [],
    }
    cold = next(json.loads(line) for line in lines if '"form": "cold"' in line)
    assert cold["ids"] == [[["D003139"], 2], [["D006255"], 1]]
    # Vocabulary entries after the annotations, tab-separated: the chosen ids first.
    assert lines[-3:] == [
        "Chemical\tclonidine\tD003000",
        "Disease\thypotension\tD007022",
        "Disease\tlowbloodpressure\tD007022\tC000001",
    ]


# Vocabulary entries ---------------------------------------------------------------------------------

HYPOTENSION = LexiconEntry("hypotension", DISEASE, ("D007022",), 0, 0, source="vocabulary")
VOCABULARY = [
    HYPOTENSION,
    LexiconEntry(
        "lowbloodpressure", DISEASE, ("D007022",), 0, 0, ((("C000001",), 0),), source="vocabulary"
    ),
    LexiconEntry("clonidine", CHEMICAL, ("D003000",), 0, 0, source="vocabulary"),
    # Annotated too: the annotation's entry is kept.
    LexiconEntry("cocaine", CHEMICAL, ("D000001",), 0, 0, source="vocabulary"),
]


def test_vocabulary_entries_are_looked_up_after_the_annotations_of_their_form() -> None:
    lexicon = Lexicon(
        [*Lexicon.from_splits({"train": TRAIN}).entries(), *VOCABULARY],
        ["train"],
        vocabularies=["desc2025.gz"],
    )
    assert lexicon.lookup("Hypotension", DISEASE) == HYPOTENSION
    low = lexicon.lookup("low blood pressure", DISEASE)
    assert low is not None and low.ambiguous and low.source == "vocabulary"
    assert (low.count, low.total, low.annotated_share) == (0, 0, 0.0)
    cocaine = lexicon.lookup("cocaine", CHEMICAL)
    assert cocaine is not None and cocaine.source == "annotation" and cocaine.count == 2
    assert lexicon.lookup("hypotensions", DISEASE) == HYPOTENSION
    assert len(lexicon) == 6 + 3 == len(list(lexicon.entries()))
    assert {e.form for e in lexicon.entries(DISEASE, "vocabulary")} == {
        "hypotension",
        "lowbloodpressure",
    }
    assert len(list(lexicon.entries(source="annotation"))) == 6
    assert repr(lexicon) == "Lexicon(9 forms from train, desc2025.gz)"


@pytest.mark.parametrize(
    "changes",
    [
        {"count": 1},
        {"total": 1},
        {"unannotated": 1},
        {"surfaces": (("Hypotension", 1),)},
        {"ids": ()},
        {"alternatives": ((("D1",), 1),)},
        {"alternatives": (((), 0),)},
        {"form": "low blood"},
        {"form": ""},
        {"ids": ("D1|D2",)},
        {"source": "guess"},
    ],
)
def test_a_vocabulary_entry_has_identifiers_and_no_counts(changes: dict[str, Any]) -> None:
    with pytest.raises(AnnotationError):
        attrs.evolve(HYPOTENSION, **changes)


def test_a_version_1_file_still_loads(tmp_path: Path) -> None:
    lexicon = Lexicon.from_splits({"train": TRAIN})
    # As version 1 wrote it: one JSON object, every entry in it.
    data = {
        "format": "cohere-medner lexicon",
        "version": 1,
        "splits": ["train"],
        "pmids": sorted(lexicon.pmids),
        "entries": [
            {
                "type": e.entity_type,
                "form": e.form,
                "ids": [[list(e.ids), e.count]] + [[list(i), n] for i, n in e.alternatives],
                "surfaces": dict(e.surfaces),
                "unannotated": e.unannotated,
            }
            for e in lexicon.entries()
        ],
    }
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(data, indent=0), encoding="utf-8")
    again = Lexicon.load(path)
    assert sorted(again.entries(), key=repr) == sorted(lexicon.entries(), key=repr)
    assert (again.splits, again.pmids, again.vocabularies) == (("train",), lexicon.pmids, ())


HEADER = (
    '{"format": "cohere-medner lexicon", "version": 2, "splits": [], "pmids": [], '
    '"vocabularies": ["desc2025.gz"]}\n'
)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Disease\thypotension\n", "line 2: an empty identifier"),
        ("Disease\thypotension\tD007022\nGene\tbrca1\t672\n",
         "line 3: expected a JSON entry or TYPE<TAB>FORM<TAB>IDS"),
        ("Disease\t\tD007022\n", "line 2: expected"),
        ("Chemical\tx\tD1\nDisease\thypotension\tD007022\t\n", "line 3: an empty identifier"),
        ("Disease\thypotension\tD1||D2\n", "line 2: an empty identifier"),
        ("Disease\thypotension\t|D1\tD2\n", "line 2: an empty identifier"),
        ('{"type": "Disease"}\n', "line 2: damaged lexicon entry"),
        ('{"type": "Disease", "form": "x", "ids": [], "surfaces": {}, "unannotated": 0}\n',
         "line 2: damaged lexicon entry .*no positive"),
    ],
)  # fmt: skip
def test_damaged_lines_are_named_by_file_and_line(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(HEADER + body, encoding="utf-8")
    with pytest.raises(LexiconFormatError, match=rf"bad.json, {message}"):
        Lexicon.load(path)
    path.write_text(HEADER.replace(', "vocabularies": ["desc2025.gz"]', ""), encoding="utf-8")
    with pytest.raises(LexiconFormatError, match="line 1: damaged header"):
        Lexicon.load(path)


# Properties -----------------------------------------------------------------------------------------

_forms = texts.map(name_key).filter(bool)
_ids = st.lists(mesh_ids, min_size=1, max_size=2, unique=True).map(tuple)


@st.composite
def vocabulary_entries(draw: st.DrawFn) -> LexiconEntry:
    alternatives = draw(st.lists(_ids, max_size=2))
    return LexiconEntry(
        draw(_forms),
        draw(st.sampled_from(ENTITY_TYPES)),
        draw(_ids),
        0,
        0,
        tuple((ids, 0) for ids in alternatives),
        source="vocabulary",
    )


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=50)
@given(
    st.lists(vocabulary_entries(), max_size=8),
    st.lists(st.sampled_from(TRAIN), max_size=4),
    st.lists(st.text("ab.gz", min_size=1), max_size=2),
)
def test_save_and_load_round_trip(
    tmp_path: Path,
    vocabulary: list[LexiconEntry],
    documents: list[Document],
    vocabularies: list[str],
) -> None:
    annotation = Lexicon.from_splits({"train": documents})
    lexicon = Lexicon(
        [*annotation.entries(), *vocabulary], ["train"], annotation.pmids, vocabularies
    )
    lexicon.save(tmp_path / "l.json")
    again = Lexicon.load(tmp_path / "l.json")
    assert sorted(again.entries(), key=repr) == sorted(lexicon.entries(), key=repr)
    assert (again.splits, again.pmids, again.vocabularies) == (
        lexicon.splits,
        lexicon.pmids,
        lexicon.vocabularies,
    )
    # Annotations win: no vocabulary entry of an annotated form survives.
    annotated = {(e.entity_type, e.form) for e in annotation.entries()}
    assert all((e.entity_type, e.form) not in annotated for e in again.entries(source="vocabulary"))
