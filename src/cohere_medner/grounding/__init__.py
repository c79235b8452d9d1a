"""From listed names to mentions with offsets and MeSH identifiers, and the offline baseline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cohere_medner._lazy import lazy_exports

_EXPORTS: dict[str, tuple[str, ...]] = {
    "cohere_medner.grounding.baseline": ("LexiconBaseline",),
    "cohere_medner.grounding.ctd": ("CtdRecord", "read_ctd_chemicals", "read_ctd_diseases"),
    "cohere_medner.grounding.ground": (
        "GroundedName",
        "Grounding",
        "Match",
        "RULES",
        "ground",
        "ground_extraction",
    ),
    "cohere_medner.grounding.identify": ("IDENTIFICATION_RULES", "Identification", "Identifier"),
    "cohere_medner.grounding.lexicon": ("Lexicon", "LexiconEntry"),
    "cohere_medner.grounding.mesh": (
        "MeshDescriptor",
        "MeshSupplementaryRecord",
        "read_mesh_descriptors",
        "read_mesh_supplementary",
    ),
    "cohere_medner.grounding.prediction": ("Prediction", "predict", "predictions"),
    "cohere_medner.grounding.vocabulary": ("build_lexicon",),
}
__all__, __getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)

if TYPE_CHECKING:  # `X as X`: re-exported for type checkers
    from cohere_medner.grounding.baseline import LexiconBaseline as LexiconBaseline
    from cohere_medner.grounding.ctd import CtdRecord as CtdRecord
    from cohere_medner.grounding.ctd import read_ctd_chemicals as read_ctd_chemicals
    from cohere_medner.grounding.ctd import read_ctd_diseases as read_ctd_diseases
    from cohere_medner.grounding.ground import RULES as RULES
    from cohere_medner.grounding.ground import GroundedName as GroundedName
    from cohere_medner.grounding.ground import Grounding as Grounding
    from cohere_medner.grounding.ground import Match as Match
    from cohere_medner.grounding.ground import ground as ground
    from cohere_medner.grounding.ground import ground_extraction as ground_extraction
    from cohere_medner.grounding.identify import IDENTIFICATION_RULES as IDENTIFICATION_RULES
    from cohere_medner.grounding.identify import Identification as Identification
    from cohere_medner.grounding.identify import Identifier as Identifier
    from cohere_medner.grounding.lexicon import Lexicon as Lexicon
    from cohere_medner.grounding.lexicon import LexiconEntry as LexiconEntry
    from cohere_medner.grounding.mesh import MeshDescriptor as MeshDescriptor
    from cohere_medner.grounding.mesh import MeshSupplementaryRecord as MeshSupplementaryRecord
    from cohere_medner.grounding.mesh import read_mesh_descriptors as read_mesh_descriptors
    from cohere_medner.grounding.mesh import read_mesh_supplementary as read_mesh_supplementary
    from cohere_medner.grounding.prediction import Prediction as Prediction
    from cohere_medner.grounding.prediction import predict as predict
    from cohere_medner.grounding.prediction import predictions as predictions
    from cohere_medner.grounding.vocabulary import build_lexicon as build_lexicon
