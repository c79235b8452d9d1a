"""From listed names to mentions with offsets and MeSH identifiers, and the offline baseline."""

from __future__ import annotations

from cohere_medner.grounding.baseline import (
    LexiconBaseline,
)
from cohere_medner.grounding.ground import (
    RULES,
    GroundedName,
    Grounding,
    Match,
    ground,
    ground_extraction,
)
from cohere_medner.grounding.lexicon import (
    Lexicon,
    LexiconEntry,
)
from cohere_medner.grounding.prediction import (
    Prediction,
    predict,
    predictions,
)

__all__ = [
    "RULES",
    "GroundedName",
    "Grounding",
    "Lexicon",
    "LexiconBaseline",
    "LexiconEntry",
    "Match",
    "Prediction",
    "ground",
    "ground_extraction",
    "predict",
    "predictions",
]
