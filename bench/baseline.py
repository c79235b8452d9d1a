"""Benchmark: the offline lexicon baseline against the plain dictionary floor, by official scores.

Run by hand (``python bench/baseline.py [DATA_DIR]``); prints one JSON object. The lexicon
is built from the train and validation splits, the scores are the official evaluator's on
the test split (mention and id level per entity type, relation level), side by side with:

- the floor the issue states (a plain case-insensitive dictionary match, scored by the
  official evaluator): mention F 0.716 (Chemical) and 0.742 (Disease), id F 0.789 and 0.773;
- that floor as measured here: every annotated spelling, lowercased, matched ignoring case
  between word boundaries, longest first, with its most frequent (type, identifiers);
- the same baseline with its settings tuned on the validation split (lexicon from train).

Also: the share of gold offsets that grounding recovers from the gold lists, and timings.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

from cohere_medner.corpus import load_bc5cdr
from cohere_medner.grounding.baseline import LexiconBaseline
from cohere_medner.grounding.ground import ground
from cohere_medner.grounding.lexicon import Lexicon
from cohere_medner.scoring import official as scoring
from cohere_medner.types import ENTITY_TYPES, Document, Mention

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "bc5cdr"
STATED_FLOOR = {
    "mention": {"Chemical": 0.716, "Disease": 0.742},
    "id": {"Chemical": 0.789, "Disease": 0.773},
}


def figures(gold: list[Document], predicted: list[Document]) -> dict[str, object]:
    out: dict[str, object] = {}
    for level in ("mention", "id"):
        for entity_type in ENTITY_TYPES:
            result = scoring.score(gold, predicted, level, entity_type)
            out[f"{level} {entity_type}"] = _rounded(result.as_dict())
    out["relation"] = _rounded(scoring.score(gold, predicted, "relation").as_dict())
    return out


def _rounded(values: dict[str, float | int]) -> dict[str, float | int]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in values.items()}


def plain_floor(train: list[Document], test: list[Document]) -> list[Document]:
    """A plain case-insensitive dictionary match, with each spelling's most frequent ids."""
    forms: dict[str, Counter[tuple[str, tuple[str, ...]]]] = {}
    for document in train:
        for m in document.mentions:
            forms.setdefault(m.text.lower(), Counter())[(m.type, m.ids)] += 1
    best = {form: counts.most_common(1)[0][0] for form, counts in forms.items()}
    alternatives = "|".join(re.escape(f) for f in sorted(best, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
    predicted = []
    for document in test:
        mentions = []
        for found in pattern.finditer(document.text):
            entity_type, ids = best[found.group().lower()]
            mentions.append(Mention(found.start(), found.end(), found.group(), entity_type, ids))
        predicted.append(
            Document(document.pmid, document.title, document.abstract, tuple(mentions))
        )
    return predicted


def grounding_share(documents: list[Document]) -> dict[str, float | int]:
    gold = found = both = 0
    for document in documents:
        for entity_type in ENTITY_TYPES:
            ordered = sorted(document.mentions, key=lambda m: m.start)
            names = list(dict.fromkeys(m.text for m in ordered if m.type == entity_type))
            spans = {(m.start, m.end) for m in ground(names, document, entity_type).mentions}
            truth = {(m.start, m.end) for m in document.mentions if m.type == entity_type}
            gold, found, both = gold + len(truth), found + len(spans), both + len(truth & spans)
    return {"gold": gold, "grounded": found, "recovered": both, "share": round(both / gold, 5)}


def main(data: Path) -> dict[str, object]:
    splits = {
        s: load_bc5cdr(s, data, "pubtator").to_list() for s in ("train", "validation", "test")
    }
    started = time.perf_counter()
    lexicon = Lexicon.from_splits({"train": splits["train"], "validation": splits["validation"]})
    built = time.perf_counter()
    baseline = LexiconBaseline(lexicon)
    predicted = baseline.predict_many(splits["test"])
    done = time.perf_counter()
    tuning = LexiconBaseline(Lexicon.from_splits({"train": splits["train"]}))
    return {
        "lexicon": {"forms": len(lexicon), "seconds": round(built - started, 2)},
        "baseline test": figures(splits["test"], predicted),
        "baseline seconds (500 documents)": round(done - built, 2),
        "stated floor (F)": STATED_FLOOR,
        "plain floor test": figures(
            splits["test"], plain_floor(splits["train"] + splits["validation"], splits["test"])
        ),
        "baseline validation (train lexicon)": figures(
            splits["validation"], tuning.predict_many(splits["validation"])
        ),
        "grounding of gold lists": {s: grounding_share(d) for s, d in splits.items()},
    }


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA), indent=1))
