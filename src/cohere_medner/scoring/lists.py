"""List-level scores: the items a model listed against the gold list, per document.

This is the tutorial's view of the task (the names in a list, not their offsets or MeSH
identifiers; for those see :mod:`cohere_medner.scoring.official`). Per document, the predicted and gold
items are compared as sets after :func:`normalize_item`:

1. Unicode NFKC, case-folded (and NFKC again, as Unicode's NFKC_Casefold does);
2. every run of whitespace becomes one space, and the ends are trimmed;
3. surrounding punctuation is removed: ``. , ; : ! ? " ' ` * _`` and curly quotes at either
   end, and a pair of brackets ``()`` ``[]`` ``{}`` around the whole name (``(POAG)`` ->
   ``poag``, while ``(+)-nicotine`` and ``[3H]-thymidine`` keep theirs);

repeated until nothing changes, so that it is idempotent. Inner punctuation, hyphens and
word order are left alone: ``open-angle glaucoma`` and ``open angle glaucoma`` differ.
``exact=True`` compares the strings as given. Items that normalize to nothing are ignored,
and an item listed twice (after normalization) counts once.

Relations compare (chemical, disease) name pairs, each name normalized the same way.

Averages: *micro* sums TP, FP and FN over documents (:attr:`ListScores.micro`); *macro*
averages the per-document precision, recall and F1 over the documents that have gold or
predicted items. A document with neither is left out of the macro averages (any value for
it would be arbitrary); one with gold but no predictions scores P = R = F1 = 0, as does one
with predictions but no gold (0/0 is 0.0, as in :class:`~cohere_medner.types.Score`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Final, Generic, TypeAlias, TypeVar

import attrs

from cohere_medner.errors import MetricsInputError
from cohere_medner.parsing.relations import Triple
from cohere_medner.types import Score

__all__ = [
    "Comparison",
    "ItemComparison",
    "ListScores",
    "Pair",
    "PairComparison",
    "normalize_item",
    "normalize_pair",
    "score_items",
    "score_lists",
    "score_relation_lists",
    "score_relations",
]

Pair: TypeAlias = tuple[str, str]
"""A relation as the names it joins: ``(chemical, disease)``."""

K = TypeVar("K", str, Pair)
V = TypeVar("V")

_PUNCTUATION: Final = frozenset(".,;:!?\"'`*_\u201c\u201d\u2018\u2019")
_BRACKETS: Final = {"(": ")", "[": "]", "{": "}"}


def normalize_item(text: str, exact: bool = False) -> str:
    """``text`` as it is compared: case-folded, spaces collapsed, surrounding punctuation off."""
    if exact:
        return text
    while True:
        before = text
        text = unicodedata.normalize("NFKC", text)
        text = unicodedata.normalize("NFKC", text.casefold())
        text = " ".join(text.split())
        text = _strip_punctuation(text)
        if text == before:
            return text


def _strip_punctuation(text: str) -> str:
    start, end = 0, len(text)
    while start < end and (text[start] in _PUNCTUATION or text[start].isspace()):
        start += 1
    while end > start and (text[end - 1] in _PUNCTUATION or text[end - 1].isspace()):
        end -= 1
    text = text[start:end]
    if len(text) >= 2 and _BRACKETS.get(text[0]) == text[-1] and _balanced(text[1:-1]):
        text = text[1:-1]
    return text


def _balanced(text: str) -> bool:
    """True if every bracket in ``text`` closes one opened before it, and all are closed."""
    stack: list[str] = []
    closers = set(_BRACKETS.values())
    for char in text:
        if char in _BRACKETS:
            stack.append(_BRACKETS[char])
        elif char in closers and (not stack or stack.pop() != char):
            return False
    return not stack


def normalize_pair(chemical: str, disease: str, exact: bool = False) -> Pair:
    """A (chemical, disease) pair with both names normalized by :func:`normalize_item`."""
    return normalize_item(chemical, exact), normalize_item(disease, exact)


@attrs.frozen
class Comparison(Generic[K]):
    """One document's items sorted into true positives, false positives and false negatives.

    Each holds the items as they were first written: ``tp`` and ``fn`` as in the gold list,
    ``fp`` as in the predictions.
    """

    tp: tuple[K, ...] = ()
    fp: tuple[K, ...] = ()
    fn: tuple[K, ...] = ()

    @property
    def score(self) -> Score:
        """The counts: one per distinct (normalized) item."""
        return Score(len(self.tp), len(self.fp), len(self.fn))

    @property
    def is_empty(self) -> bool:
        """True if the document had neither gold nor predicted items."""
        return not (self.tp or self.fp or self.fn)


ItemComparison: TypeAlias = Comparison[str]
PairComparison: TypeAlias = Comparison[Pair]


def _compare(gold: Iterable[K], predicted: Iterable[K], key: Callable[[K], K]) -> Comparison[K]:
    gold_by_key = _first_by_key(gold, key)
    predicted_by_key = _first_by_key(predicted, key)
    return Comparison(
        tp=tuple(item for k, item in gold_by_key.items() if k in predicted_by_key),
        fp=tuple(item for k, item in predicted_by_key.items() if k not in gold_by_key),
        fn=tuple(item for k, item in gold_by_key.items() if k not in predicted_by_key),
    )


def _first_by_key(items: Iterable[K], key: Callable[[K], K]) -> dict[K, K]:
    """Normalized item -> the item as first written; items that normalize to nothing go."""
    found: dict[K, K] = {}
    for item in items:
        k = key(item)
        if all(k) if isinstance(k, tuple) else k:
            found.setdefault(k, item)
    return found


def score_items(
    gold: Sequence[str], predicted: Sequence[str], exact: bool = False
) -> ItemComparison:
    """Compare one document's predicted items with its gold items."""
    if isinstance(gold, str) or isinstance(predicted, str):
        raise MetricsInputError("items must be a list of names, not one string")
    return _compare(gold, predicted, lambda item: normalize_item(item, exact))


def _pair(relation: Triple | Pair) -> Pair:
    # A parser triple is (chemical, "influences", disease); the verb carries no information.
    return (relation[0], relation[-1])


def score_relations(
    gold: Sequence[Triple | Pair], predicted: Sequence[Triple | Pair], exact: bool = False
) -> PairComparison:
    """Compare one document's predicted relations with its gold relations, as name pairs."""
    return _compare(
        [_pair(r) for r in gold],
        [_pair(r) for r in predicted],
        lambda pair: normalize_pair(*pair, exact=exact),
    )


@attrs.frozen
class ListScores(Generic[K]):
    """Per-document comparisons of one task, with their micro and macro averages."""

    documents: dict[str, Comparison[K]] = attrs.field(factory=dict)

    @property
    def micro(self) -> Score:
        """TP, FP and FN summed over documents."""
        return sum((c.score for c in self.documents.values()), Score(0, 0, 0))

    @property
    def scored_documents(self) -> tuple[str, ...]:
        """The documents the macro averages run over: those with gold or predicted items."""
        return tuple(doc for doc, c in self.documents.items() if not c.is_empty)

    def _macro(self, value: Callable[[Score], float]) -> float:
        scores = [self.documents[doc].score for doc in self.scored_documents]
        return sum(value(s) for s in scores) / len(scores) if scores else 0.0

    @property
    def macro_precision(self) -> float:
        return self._macro(lambda s: s.precision)

    @property
    def macro_recall(self) -> float:
        return self._macro(lambda s: s.recall)

    @property
    def macro_f1(self) -> float:
        """The mean of per-document F1 (not the F1 of the macro precision and recall)."""
        return self._macro(lambda s: s.f1)

    def as_dict(self) -> dict[str, object]:
        """The JSON form: micro and macro figures, and each document's TP, FP and FN."""
        return {
            "micro": self.micro.as_dict(),
            "macro": {
                "precision": self.macro_precision,
                "recall": self.macro_recall,
                "f1": self.macro_f1,
                "documents": len(self.scored_documents),
            },
            "documents": {
                doc: {
                    # The items themselves: the counts are their lengths.
                    "tp": [_jsonable(i) for i in c.tp],
                    "fp": [_jsonable(i) for i in c.fp],
                    "fn": [_jsonable(i) for i in c.fn],
                    "precision": c.score.precision,
                    "recall": c.score.recall,
                    "f1": c.score.f1,
                }
                for doc, c in self.documents.items()
            },
        }


def _jsonable(item: str | Pair) -> str | list[str]:
    return item if isinstance(item, str) else list(item)


def _paired(
    gold: Mapping[str, Sequence[V]] | Sequence[Sequence[V]],
    predicted: Mapping[str, Sequence[V]] | Sequence[Sequence[V]],
) -> Iterator[tuple[str, Sequence[V], Sequence[V]]]:
    """(document id, gold, predicted) for every document either side has."""
    for side in (gold, predicted):
        values = side.values() if isinstance(side, Mapping) else side
        if isinstance(side, str) or any(isinstance(items, str) for items in values):
            raise MetricsInputError(
                "a document's items must be a list of items, not one string "
                "(score one document with score_items, or wrap its list in a mapping)"
            )
    if isinstance(gold, Mapping) and isinstance(predicted, Mapping):
        for doc in dict.fromkeys([*gold, *predicted]):
            yield doc, gold.get(doc, ()), predicted.get(doc, ())
        return
    if isinstance(gold, Mapping) or isinstance(predicted, Mapping):
        raise MetricsInputError(
            "gold and predictions must both be keyed by document id, or both be lists in "
            "the same document order; got one of each"
        )
    if len(gold) != len(predicted):
        raise MetricsInputError(
            f"{len(gold)} gold documents but {len(predicted)} predicted ones: positional "
            "lists must pair one to one (key them by document id to score partial runs)"
        )
    for index, (g, p) in enumerate(zip(gold, predicted, strict=True)):
        yield str(index), g, p


def score_lists(
    gold: Mapping[str, Sequence[str]] | Sequence[Sequence[str]],
    predicted: Mapping[str, Sequence[str]] | Sequence[Sequence[str]],
    exact: bool = False,
) -> ListScores[str]:
    """Score one task's item lists over documents.

    Both sides are keyed by document id (a document only one side has counts as all false
    negatives or all false positives), or both are lists in the same order (ids ``"0"``,
    ``"1"``, ...; their lengths must agree, else :class:`MetricsInputError`).
    """
    return ListScores({doc: score_items(g, p, exact) for doc, g, p in _paired(gold, predicted)})


def score_relation_lists(
    gold: Mapping[str, Sequence[Triple | Pair]] | Sequence[Sequence[Triple | Pair]],
    predicted: Mapping[str, Sequence[Triple | Pair]] | Sequence[Sequence[Triple | Pair]],
    exact: bool = False,
) -> ListScores[Pair]:
    """Score relation lists (triples or pairs) over documents, as :func:`score_lists` does."""
    return ListScores({doc: score_relations(g, p, exact) for doc, g, p in _paired(gold, predicted)})
