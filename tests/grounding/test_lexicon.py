from __future__ import annotations

import json
from pathlib import Path

import pytest

from cohere_medner.corpus import load_bc5cdr, load_sample, load_splits, write_bigbio
from cohere_medner.errors import (
    ForbiddenSplitError,
    LexiconFormatError,
    UnknownSplitError,
)
from cohere_medner.grounding.lexicon import Lexicon, LexiconEntry
from cohere_medner.types import CHEMICAL, DISEASE, Document, Mention
from strategies import annotated

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


def test_saved_file_is_plain_json(tmp_path: Path) -> None:
    Lexicon.from_splits({"train": TRAIN}).save(tmp_path / "l.json")
    data = json.loads((tmp_path / "l.json").read_text(encoding="utf-8"))
    cold = next(e for e in data["entries"] if e["form"] == "cold")
    assert cold["ids"] == [[["D003139"], 2], [["D006255"], 1]]
