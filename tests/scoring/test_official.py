from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.corpus.pubtator import parse_pubtator, read_pubtator
from cohere_medner.scoring.official import (
    LEVELS,
    Level,
    coverage,
    document_keys,
    normalize_identifier,
    score,
)
from cohere_medner.types import Document, Mention, Relation, Score
from strategies import documents

# What the official evaluator prints for its own kit's sample (issue 2; the kit's readme says
# 150/56/64 at id level, but its evaluator run on the shipped files prints 149/57/65).
OFFICIAL = [
    (
        "DNER",
        "mention",
        "Disease",
        Score(303, 105, 121),
        (0.7426470588235294, 0.714622641509434, 0.7283653846153848),
    ),
    (
        "DNER",
        "id",
        "Disease",
        Score(149, 57, 65),
        (0.7233009708737864, 0.6962616822429907, 0.7095238095238096),
    ),
    ("CID", "relation", None, Score(90, 533, 33), None),
]


@pytest.mark.parametrize(("run", "level", "entity_type", "expected", "prf"), OFFICIAL)
def test_reproduces_the_official_evaluator_on_its_sample(
    eval_sample_dir: Path,
    run: str,
    level: Level,
    entity_type: str | None,
    expected: Score,
    prf: tuple[float, float, float] | None,
) -> None:
    gold = read_pubtator(eval_sample_dir / "CDR_sample.gold.PubTator")
    predicted = read_pubtator(eval_sample_dir / f"CDR_sample.test.{run}.PubTator")
    result = score(gold, predicted, level, entity_type)
    assert result == expected
    if prf is not None:
        assert (result.precision, result.recall, result.f1) == prf


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("D003866", ("D003866",)),
        ("MESH:D003866", ("D003866",)),
        ("D014786|D006311", ("D014786", "D006311")),
        ("-1", ()),
        ("CHEBI:32875", ("CHEBI:32875",)),
    ],
)
def test_identifier_rules(written: str, expected: tuple[str, ...]) -> None:
    assert normalize_identifier(written) == expected


def test_id_level_composites_and_namespaces() -> None:
    gold = Document(
        "1",
        "ab",
        "cd",
        (Mention(0, 2, "ab", "Disease", ("D1", "D2")), Mention(3, 5, "cd", "Chemical")),
        (Relation("D9", "D1"),),
    )
    predicted = Document(
        "1",
        "ab",
        "cd",
        (Mention(0, 1, "a", "Disease", ("MESH:D1|D3",)), Mention(3, 5, "cd", "Chemical", ("-1",))),
        (Relation("MESH:D9", "D1|D2"), Relation("CHEBI:1", "D1", type="OTHER")),
    )
    assert score([gold], [predicted], "id", "Disease") == Score(1, 1, 1)
    assert score([gold], [predicted], "id", "Chemical") == Score(0, 0, 0)
    assert score([gold], [predicted], "mention", "Disease") == Score(0, 1, 1)
    assert score([gold], [predicted], "mention", "Chemical") == Score(1, 0, 0)
    # A composite in a CID line is one identifier (issue 14): "D1|D2" matches nothing.
    assert score([gold], [predicted], "relation") == Score(0, 1, 1)


# A third-party prediction file with the cases where the official evaluator's reading differs
# from a strict one. The expected counts are the evaluator's, as issue 14 reports them from
# running BC5CDR_Evaluation-0.0.3 itself (its jar ships without source and Java is not run
# here): a zero-length mention ("14 14" with no text) is scored, a false positive at mention
# level; a "-1" in a CID line is a pair like any other (a false positive); and a composite
# "D1|D2" in a CID line is one identifier, not two.
GOLD_PUBTATOR = """\
7|t|Drug X
7|a|causes pain.
7\t0\t6\tDrug X\tChemical\tD1
7\t14\t18\tpain\tDisease\tD2
7\tCID\tD1\tD2

"""
THIRD_PARTY_PUBTATOR = """\
7|t|Drug X
7|a|causes pain.
7\t0\t6\tDrug X\tChemical\tD1\t0.9
7\t14\t14\t\tDisease\tD2\t0.4
7\tCID\tD1\tD2\t0.9
7\tCID\t-1\tD2\t0.5
7\tCID\tD1\t-1\t0.5
7\tCID\tD1|D3\tD2\t0.5

"""


def test_a_third_party_file_scores_as_the_evaluator_scores_it() -> None:
    gold = list(parse_pubtator([GOLD_PUBTATOR]))
    predicted = list(parse_pubtator([THIRD_PARTY_PUBTATOR], predictions=True))
    # The empty mention at 14..14 is a false positive; "pain" at 14..18 is missed.
    assert score(gold, predicted, "mention", "Disease") == Score(0, 1, 1)
    assert score(gold, predicted, "mention", "Chemical") == Score(1, 0, 0)
    # Its identifier still names the document's disease (the id level is per document).
    assert score(gold, predicted, "id", "Disease") == Score(1, 0, 0)
    # (D1, D2) is right; (-1, D2), (D1, -1) and (D1|D3, D2) are three false positives.
    assert score(gold, predicted, "relation") == Score(1, 3, 0)


def test_documents_on_one_side_only_count_as_misses_or_false_alarms() -> None:
    one = Document("1", "ab", "", (Mention(0, 2, "ab", "Disease", ("D1",)),))
    two = attrs.evolve(one, pmid="2")
    assert score([one], [two], "mention", "Disease") == Score(0, 1, 1)


def test_unknown_level_or_type() -> None:
    with pytest.raises(ValueError, match="unknown level"):
        score([], [], "token")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown entity type"):
        score([], [], "mention", "Gene")


corpora = st.lists(documents(), max_size=5, unique_by=lambda d: d.pmid)
levels = st.sampled_from(LEVELS)
entity_types = st.sampled_from(["Chemical", "Disease"])


@given(corpora, levels, entity_types)
def test_perfect_predictions_score_one(docs: list[Document], level: Level, kind: str) -> None:
    result = score(docs, docs, level, kind)
    assert result.fp == result.fn == 0
    assert result.f1 == (1.0 if result.tp else 0.0)


@given(corpora, levels, entity_types)
def test_empty_predictions_have_zero_recall(docs: list[Document], level: Level, kind: str) -> None:
    empty = [attrs.evolve(d, mentions=(), relations=()) for d in docs]
    result = score(docs, empty, level, kind)
    assert result.recall == 0.0 and result.tp == result.fp == 0


@given(corpora, corpora, levels, entity_types)
def test_tp_plus_fn_is_the_gold_count(
    gold: list[Document], predicted: list[Document], level: Level, kind: str
) -> None:
    result = score(gold, predicted, level, kind)
    gold_count = sum(len(document_keys(d, level, kind)) for d in gold)
    predicted_count = sum(len(document_keys(d, level, kind)) for d in predicted)
    assert result.tp + result.fn == gold_count
    assert result.tp + result.fp == predicted_count
    assert 0.0 <= result.f1 <= 1.0


@given(corpora, corpora)
def test_coverage_splits_the_documents_into_both_and_one_side_only(
    gold: list[Document], predicted: list[Document]
) -> None:
    found = coverage(gold, predicted)
    gold_pmids, predicted_pmids = {d.pmid for d in gold}, {d.pmid for d in predicted}
    assert found.both | found.gold_only == gold_pmids
    assert found.both | found.predicted_only == predicted_pmids
    assert not found.gold_only & predicted_pmids and not found.predicted_only & gold_pmids
    assert found.complete == (gold_pmids == predicted_pmids)
    assert sum(found.as_dict().values()) == len(gold_pmids | predicted_pmids)
