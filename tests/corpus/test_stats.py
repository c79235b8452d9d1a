from __future__ import annotations

from cohere_medner.corpus import corpus_stats, load_sample
from cohere_medner.types import CHEMICAL
from strategies import annotated


def test_the_bundled_sample() -> None:
    stats = corpus_stats(load_sample())
    assert stats.as_dict() == {
        "documents": 50,
        "mentions": {"Chemical": 510, "Disease": 424},
        "relations": 123,
    }
    assert corpus_stats(load_sample("test")).summary().splitlines()[0] == "documents  10"


def test_every_entity_type_is_listed_even_without_mentions() -> None:
    documents = [annotated("1", "Cocaine caused seizures.", ("Cocaine", CHEMICAL, ("D003042",)))]
    stats = corpus_stats(documents)
    assert (stats.documents, stats.relations) == (1, 0)
    assert stats.mentions == {"Chemical": 1, "Disease": 0}
    assert stats.summary().splitlines() == [
        "documents  1",
        "Chemical   1 mentions",
        "Disease    0 mentions",
        "relations  0",
    ]
    assert corpus_stats([]).as_dict() == {
        "documents": 0,
        "mentions": {"Chemical": 0, "Disease": 0},
        "relations": 0,
    }
