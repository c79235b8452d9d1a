from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.grounding import CtdRecord, build_lexicon
from cohere_medner.grounding.identify import (
    IDENTIFICATION_RULES,
    Identifier,
    Nearest,
    composite_parts,
    edit_distance,
    spelling_key,
    variant_keys,
)
from cohere_medner.grounding.lexicon import Lexicon
from cohere_medner.grounding.names import name_key
from cohere_medner.types import CHEMICAL, DISEASE
from strategies import annotated
from vocabulary_files import ctd_text


def _lexicon(*names: tuple[str, str, str]) -> Lexicon:
    """A lexicon with one training document per (name, type, identifier)."""
    return Lexicon.from_splits(
        {
            "train": [
                annotated(str(n), name, (name, entity_type, (identifier,)))
                for n, (name, entity_type, identifier) in enumerate(names)
            ]
        }
    )


LEXICON = _lexicon(
    ("seizure", DISEASE, "D012640"),
    ("hematoma", DISEASE, "D006406"),
    ("angioedema", DISEASE, "D000799"),
    ("Parkinson disease", DISEASE, "D010300"),
    ("hyperammonemia", DISEASE, "D022124"),
    ("myopathy", DISEASE, "D009135"),
    ("necrosis", DISEASE, "D009336"),
    ("paralysis", DISEASE, "D010243"),
    ("hearing loss", DISEASE, "D034381"),
    ("breast carcinoma", DISEASE, "D001943"),
    ("panic disorders", DISEASE, "D016584"),
    ("pain", DISEASE, "D010146"),
    ("hyperglycemia", DISEASE, "D006943"),
    ("hypoglycemia", DISEASE, "D007003"),
    ("timolol", CHEMICAL, "D013999"),
    ("pentobarbital", CHEMICAL, "D010424"),
    ("phenytoin", CHEMICAL, "D010672"),
    ("phenytoin sodium", CHEMICAL, "C043114"),
    ("propranolol", CHEMICAL, "D011433"),
    ("isoniazid", CHEMICAL, "D007538"),
    ("sulfadiazine", CHEMICAL, "D013411"),
    ("methotrexate", CHEMICAL, "D008727"),
    ("metoprolol", CHEMICAL, "D008790"),
    ("metoprolal", CHEMICAL, "D999999"),
    ("nephrotoxicity", DISEASE, "D007674"),
    ("hepatic toxicity", DISEASE, "D056486"),
    ("renal toxicity", DISEASE, "D007674"),
    ("atrial fibrillation", DISEASE, "D001281"),
    ("atrial flutter", DISEASE, "D001282"),
)
IDENTIFIER = Identifier(LEXICON)


@pytest.mark.parametrize(
    ("name", "entity_type", "ids", "rule"),
    [
        ("Seizure", DISEASE, ("D012640",), "exact"),
        ("seizures", DISEASE, ("D012640",), "plural"),
        ("haematoma", DISEASE, ("D006406",), "spelling"),
        ("angio-oedema", DISEASE, ("D000799",), "spelling"),
        ("Parkinson's disease", DISEASE, ("D010300",), "spelling"),
        ("sulphadiazine", CHEMICAL, ("D013411",), "spelling"),
        ("hyperammonemic", DISEASE, ("D022124",), "adjective"),
        ("myopathic", DISEASE, ("D009135",), "adjective"),
        ("necrotic", DISEASE, ("D009336",), "adjective"),
        ("paralytic", DISEASE, ("D010243",), "adjective"),
        ("loss of hearing", DISEASE, ("D034381",), "word order"),
        ("carcinoma of the breast", DISEASE, ("D001943",), "word order"),
        ("timolol maleate", CHEMICAL, ("D013999",), "salt"),
        ("sodium pentobarbital", CHEMICAL, ("D010424",), "salt"),
        # The lexicon knows the salt itself: its own identifier, not the parent's.
        ("phenytoin sodium", CHEMICAL, ("C043114",), "exact"),
        ("propanolol", CHEMICAL, ("D011433",), "fuzzy"),
        ("isoniazide", CHEMICAL, ("D007538",), "fuzzy"),
        ("methothexate", CHEMICAL, ("D008727",), "fuzzy"),
        ("hepatic and renal toxicity", DISEASE, ("D056486", "D007674"), "composite"),
        ("atrial fibrillation and flutter", DISEASE, ("D001281", "D001282"), "composite"),
        (
            "seizures, hematoma or angioedema",
            DISEASE,
            ("D012640", "D006406", "D000799"),
            "composite",
        ),
    ],
)
def test_each_rule_finds_its_case_and_says_so(
    name: str, entity_type: str, ids: tuple[str, ...], rule: str
) -> None:
    found = IDENTIFIER.identify(name, entity_type)
    assert found is not None
    assert (found.ids, found.rule) == (ids, rule)
    assert found.name == name and found.entity_type == entity_type
    assert rule in IDENTIFICATION_RULES


@pytest.mark.parametrize(
    ("name", "entity_type"),
    [
        # Two known words are not a misspelling of two other known words.
        ("pain disorders", DISEASE),
        # Never across hypo and hyper, however close.
        ("hypoglycaemia-like", DISEASE),
        # Never at the start of the word, where other words differ.
        ("neurotoxicity", DISEASE),
        # A coordinated name with a part no rule finds: the rest would be a guess.
        ("seizures, mystery or hematoma", DISEASE),
        # Too short to fuzz.
        ("painn", DISEASE),
        # Two forms equally near: no guess.
        ("metoprolel", CHEMICAL),
        # A chemical rule does not apply to diseases, nor an entity type's forms to the other.
        ("seizure maleate", DISEASE),
        ("timolol", DISEASE),
        ("", DISEASE),
    ],
)
def test_no_guess_where_the_rules_do_not_reach(name: str, entity_type: str) -> None:
    assert IDENTIFIER.identify(name, entity_type) is None


def test_fuzzy_can_be_switched_off() -> None:
    assert Identifier(LEXICON, fuzzy=False).identify("propanolol", CHEMICAL) is None


def test_the_most_literal_rule_wins() -> None:
    lexicon = _lexicon(("edema", DISEASE, "D004487"), ("oedema", DISEASE, "D000001"))
    found = Identifier(lexicon).identify("oedema", DISEASE)
    assert found is not None and (found.ids, found.rule) == (("D000001",), "exact")


@pytest.mark.parametrize(
    ("name", "readings"),
    [
        (
            "hepatic and renal toxicity",
            [["hepatic", "renal toxicity"], ["hepatic toxicity", "renal toxicity"]],
        ),
        (
            "atrial fibrillation and flutter",
            [["atrial fibrillation", "flutter"], ["atrial fibrillation", "atrial flutter"]],
        ),
        ("a, b, and c d", [["a", "b", "c d"], ["a d", "b d", "c d"]]),
        ("tonic-clonic seizures", []),
    ],
)
def test_composite_names_are_read_as_their_parts(name: str, readings: list[list[str]]) -> None:
    assert composite_parts(name) == readings


@given(st.lists(st.text(alphabet="abc", min_size=1, max_size=5), min_size=1, max_size=4))
def test_every_composite_reading_has_a_part_per_conjunct(words: list[str]) -> None:
    name = " and ".join(words)
    for reading in composite_parts(name):
        assert len(reading) == len(words)
        assert all(word in part for word, part in zip(words, reading, strict=True))


@given(st.text(alphabet="aehlmopstu'", max_size=20))
def test_spelling_key_is_a_fixed_point(key: str) -> None:
    assert spelling_key(spelling_key(key)) == spelling_key(key)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz -", min_size=1, max_size=30))
def test_variant_keys_start_with_the_name_key(name: str) -> None:
    keys = list(variant_keys(name, DISEASE))
    if name_key(name):
        assert keys[0] == ("exact", name_key(name))
        assert all(rule in IDENTIFICATION_RULES for rule, _ in keys)
    else:
        assert keys == []


words = st.text(alphabet="abcdefgh", max_size=12)


@given(words, words)
def test_edit_distance_is_symmetric_and_zero_only_for_equals(a: str, b: str) -> None:
    assert edit_distance(a, b, 3) == edit_distance(b, a, 3)
    assert (edit_distance(a, b, 3) == 0) == (a == b)
    assert edit_distance(a, b, 3) <= 4


@given(words, st.data())
def test_one_edit_is_distance_one(word: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(word)))
    inserted = word[:position] + "z" + word[position:]
    assert edit_distance(word, inserted, 2) == 1
    if len(word) >= 2 and position < len(word) - 1 and word[position] != word[position + 1]:
        swapped = word[:position] + word[position + 1] + word[position] + word[position + 2 :]
        assert edit_distance(word, swapped, 2) == 1


@given(st.lists(st.text(alphabet="abcd", min_size=7, max_size=9), max_size=20), st.data())
def test_nearest_is_unique_and_within_the_limit(keys: list[str], data: st.DataObject) -> None:
    key = data.draw(st.text(alphabet="abcd", min_size=7, max_size=9))
    found = Nearest(keys).nearest(key)
    if found is not None:
        assert found in keys and edit_distance(key, found, 1) <= 1
        others = [k for k in set(keys) if k != found]
        assert all(edit_distance(key, k, 1) > edit_distance(key, found, 1) for k in others)


names = st.lists(
    st.text(alphabet="bcdfgklmnprstvz", min_size=4, max_size=8), min_size=1, max_size=3
)


@given(names, st.data())
def test_case_space_and_dash_variants_are_exact(words: list[str], data: st.DataObject) -> None:
    lexicon = _lexicon((" ".join(words), DISEASE, "D000001"))
    flips = data.draw(st.lists(st.booleans(), min_size=len(words), max_size=len(words)))
    joints = data.draw(st.lists(st.sampled_from([" ", "-", "\u2013"]), min_size=len(words)))
    written = "".join(
        (word.title() if flip else word) + joint
        for word, flip, joint in zip(words, flips, joints, strict=False)
    ).strip(" -\u2013")
    found = Identifier(lexicon).identify(written, DISEASE)
    assert found is not None and (found.ids, found.rule) == (("D000001",), "exact")


@given(names, st.sampled_from(sorted(["maleate", "hydrochloride", "sulfate", "monohydrate"])))
def test_a_salt_of_a_known_chemical_is_the_chemical(words: list[str], salt: str) -> None:
    lexicon = _lexicon((" ".join(words), CHEMICAL, "D000002"))
    found = Identifier(lexicon).identify(f"{' '.join(words)} {salt}", CHEMICAL)
    assert found is not None and (found.ids, found.rule) == (("D000002",), "salt")


def test_an_identification_says_whether_a_vocabulary_gave_it(tmp_path: Path) -> None:
    ctd = tmp_path / "CTD_chemicals.tsv"
    ctd.write_text(
        ctd_text([CtdRecord("D011433", CHEMICAL, "Propranolol", ("Inderal",))]), encoding="utf-8"
    )
    lexicon = build_lexicon(
        ctd_chemicals=ctd,
        splits={"train": [annotated("1", "timolol", ("timolol", CHEMICAL, ("D013999",)))]},
    )
    identifier = Identifier(lexicon)
    found = {
        name: identifier.identify(name, CHEMICAL)
        for name in ("timolol maleate", "Inderal", "propanolol")
    }
    assert {n: (f.rule, f.source) for n, f in found.items() if f} == {
        "timolol maleate": ("salt", "annotation"),
        "Inderal": ("exact", "vocabulary"),
        "propanolol": ("fuzzy", "vocabulary"),
    }
