"""The library's data: documents, their mentions and relations, and scores.

Offsets follow PubTator: the title and the abstract joined by one space, 0-based,
end exclusive, so that ``doc.text[m.start:m.end] == m.text`` for every mention.
"""

from __future__ import annotations

from typing import Final, Literal, TypeAlias

import attrs

from cohere_medner.errors import AnnotationError

CHEMICAL: Final = "Chemical"
DISEASE: Final = "Disease"
ENTITY_TYPES: Final = (CHEMICAL, DISEASE)
CID: Final = "CID"


def mesh_id(identifier: str) -> str:
    """One identifier as the official evaluator compares it: MeSH without ``MESH:``, others kept.

    ``D003866`` and ``MESH:D003866`` are the same concept; ``CHEBI:32875`` is an identifier
    of its own namespace. The one rule for every layer that compares identifiers.
    """
    prefix, colon, rest = identifier.partition(":")
    return rest if colon and prefix.upper() == "MESH" else identifier


def _check_mention(instance: Mention, attribute: attrs.Attribute[str], text: str) -> None:
    # An empty mention (start == end, no text) is what a prediction file may hold; the
    # official evaluator scores it, so it can be read from one. Gold readers refuse it.
    empty = instance.start == instance.end and not text
    if not (0 <= instance.start < instance.end or (empty and instance.start >= 0)):
        raise AnnotationError(
            f"mention {text!r}: offsets must satisfy 0 <= start < end, "
            f"got {instance.start}..{instance.end}"
        )
    if len(text) != instance.end - instance.start:
        raise AnnotationError(
            f"mention {text!r} is {len(text)} characters long but its offsets "
            f"{instance.start}..{instance.end} span {instance.end - instance.start}"
        )


@attrs.frozen
class Mention:
    """One annotated (or predicted) mention: one PubTator line.

    ``ids`` holds MeSH identifiers as written (``"D003866"``, or prefixed such as
    ``"MESH:D003866"`` in prediction files); it is empty where the corpus writes ``-1``.
    ``parts`` holds the texts of the individual mentions of a composite mention
    ("Ocular and auditory toxicity" -> ``("Ocular toxicity", "auditory toxicity")``).
    ``score`` is the confidence column of prediction files.
    """

    start: int
    end: int
    text: str = attrs.field(validator=_check_mention)
    type: str
    ids: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    score: float | None = None


@attrs.frozen
class Relation:
    """A document-level relation between two MeSH concepts (BC5CDR: ``CID``)."""

    chemical: str
    disease: str
    type: str = CID
    score: float | None = None


def _check_offsets(
    instance: Document,
    attribute: attrs.Attribute[tuple[Mention, ...]],
    mentions: tuple[Mention, ...],
) -> None:
    text = instance.text
    for mention in instance.mentions:
        found = text[mention.start : mention.end]
        if found != mention.text:
            raise AnnotationError(
                f"document {instance.pmid}: mention {mention.text!r} at "
                f"{mention.start}..{mention.end} does not match the text there ({found!r})"
            )


@attrs.frozen
class Document:
    """A PubMed abstract with its title, mentions and relations."""

    pmid: str
    title: str
    abstract: str
    mentions: tuple[Mention, ...] = attrs.field(default=(), validator=_check_offsets)
    relations: tuple[Relation, ...] = ()

    @property
    def text(self) -> str:
        """Title and abstract joined by one space: the text that offsets refer to."""
        return f"{self.title} {self.abstract}"

    @property
    def abstract_start(self) -> int:
        """Offset of the abstract's first character in :attr:`text`."""
        return len(self.title) + 1


def _ratio(numerator: int, denominator: int) -> float:
    # 0/0 is defined as 0.0: a system that predicts nothing has no precision to speak of,
    # and the official evaluator prints 0 there as well.
    return numerator / denominator if denominator else 0.0


@attrs.frozen
class Score:
    """True positives, false positives and false negatives, with P, R and F1."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float:
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall, computed as the official evaluator does."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: Score) -> Score:
        return Score(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def as_dict(self) -> dict[str, float | int]:
        """The JSON form: ``tp fp fn precision recall f1``."""
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


Triple = tuple[str, str, str]
"""A relation as ``(chemical, "influences", disease)``."""


@attrs.frozen
class Rejected:
    """A line of model text that could not be read, with why.

    Reasons: ``preamble`` (text before the first item or heading), ``heading``,
    ``no list marker``, ``commentary``, ``separator``, ``empty item``, ``not a relation``,
    ``ambiguous`` (several arrows or dashes), ``negated`` ("X does not cause Y"),
    ``empty name``.
    """

    line_number: int
    line: str
    reason: str


Origin: TypeAlias = Literal["request", "cache", "offline"]
"""Where an answer came from (:attr:`Completion.origin`)."""


TRUNCATED_REASONS: Final = frozenset({"MAX_TOKENS", "LENGTH"})
"""Finish reasons that say the answer was cut at ``max_tokens`` (Cohere's, and OpenAI's)."""


@attrs.frozen
class Completion:
    """One answer: the model's text, what it was billed, and where it came from.

    ``origin`` says who answered: a ``"request"`` to the model, the response ``"cache"``, or
    an ``"offline"`` model that sends nothing (the lexicon baseline). ``oversized`` marks an
    answer that ran far past ``max_tokens``, of which ``text`` keeps only the beginning.
    """

    text: str
    input_tokens: int = 0
    output_tokens: int = 0
    finish_reason: str | None = None
    origin: Origin = "request"
    oversized: bool = False

    @property
    def truncated(self) -> bool:
        """True when the model stopped at ``max_tokens``: the list may be incomplete."""
        return (self.finish_reason or "").upper() in TRUNCATED_REASONS
