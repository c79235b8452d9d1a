"""The tutorial's prompt strings and task documents, shared by the task and template tests."""

from __future__ import annotations

from hypothesis import strategies as st

from cohere_medner.prompts.templates import SEED, TITLED
from cohere_medner.types import CHEMICAL, DISEASE, Document, Mention, Relation

# The tutorial's strings, copied from its code (seeds), not from the library.
TUTORIAL_INSTRUCTION = (
    "The following article contains technical terms including diseases, drugs and chemicals. "
    "Create a list only of the {what} mentioned.\n\n"
)
TUTORIAL_CUE = "\n\nList of extracted {what}:\n"


def tutorial_prompt(what: str, abstract: str) -> str:
    return TUTORIAL_INSTRUCTION.format(what=what) + abstract + TUTORIAL_CUE.format(what=what)


def doc(title: str, abstract: str, *spans: tuple[str, str, int, tuple[str, ...]]) -> Document:
    """A document whose mentions are given as (surface, type, occurrence, ids)."""
    text = f"{title} {abstract}"
    mentions = []
    for surface, kind, occurrence, ids in spans:
        start = -1
        for _ in range(occurrence + 1):
            start = text.index(surface, start + 1)
        mentions.append(Mention(start, start + len(surface), surface, kind, ids))
    return Document("12345", title, abstract, tuple(mentions))


NALOXONE = doc(
    "Naloxone reverses the antihypertensive effect of clonidine.",
    "In spontaneously hypertensive rats clonidine was reversed by naloxone. "
    "The hypotensive effect of alpha-methyldopa was reversed by naloxone. "
    "Naloxone alone did not cause hypertensive crises.",
    ("Naloxone", CHEMICAL, 0, ("D009270",)),
    ("antihypertensive", DISEASE, 0, ()),
    ("clonidine", CHEMICAL, 0, ("D003000",)),
    ("hypertensive", DISEASE, 1, ("D006973",)),
    ("clonidine", CHEMICAL, 1, ("D003000",)),
    ("naloxone", CHEMICAL, 0, ("D009270",)),
    ("hypotensive", DISEASE, 0, ("D007022",)),
    ("alpha-methyldopa", CHEMICAL, 0, ("D008750",)),
    ("naloxone", CHEMICAL, 1, ("D009270",)),
    ("Naloxone", CHEMICAL, 1, ("D009270",)),
    ("hypertensive", DISEASE, 2, ("D006973",)),
)


# Generated documents ----------------------------------------------------------------------

WORD = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789µé()[],'+/.-",
    min_size=1,
    max_size=8,
).filter(lambda w: not w.startswith("-"))
IDS = st.sampled_from(["D000001", "D000002", "D000003", "D000004"])


def _words_and_mentions(
    draw: st.DrawFn, words: list[str], offset: int
) -> tuple[str, list[Mention]]:
    """Join ``words`` with spaces; mentions cover whole words, as corpus mentions do."""
    text = " ".join(words)
    starts, position = [], 0
    for word in words:
        starts.append(position)
        position += len(word) + 1
    mentions = []
    for _ in range(draw(st.integers(0, 5))):
        first = draw(st.integers(0, len(words) - 1))
        last = draw(st.integers(first, min(len(words) - 1, first + 2)))
        start, end = starts[first], starts[last] + len(words[last])
        mentions.append(
            Mention(
                offset + start,
                offset + end,
                text[start:end],
                draw(st.sampled_from([CHEMICAL, DISEASE])),
                (draw(IDS),),
            )
        )
    return text, mentions


@st.composite
def documents(draw: st.DrawFn) -> Document:
    """Documents with mentions in the title and in the abstract, and relations."""
    title, in_title = _words_and_mentions(draw, draw(st.lists(WORD, min_size=1, max_size=6)), 0)
    abstract, in_abstract = _words_and_mentions(
        draw, draw(st.lists(WORD, min_size=1, max_size=30)), len(title) + 1
    )
    mentions = draw(st.permutations([*in_title, *in_abstract]))
    relations = tuple(Relation(draw(IDS), draw(IDS)) for _ in range(draw(st.integers(0, 4))))
    return Document("1", title, abstract, tuple(mentions), relations)


TEMPLATES = st.sampled_from([SEED, TITLED])
