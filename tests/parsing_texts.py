"""What the parsing tests read: generated names, triples and model texts, and gold lists."""

from __future__ import annotations

from collections.abc import Iterable

from hypothesis import strategies as st

from cohere_medner.parsing.lines import Rejected
from cohere_medner.parsing.lists import is_listable_item
from cohere_medner.parsing.relations import INFLUENCES, is_listable_triple
from cohere_medner.types import CHEMICAL, DISEASE, Document

HEADINGS = {
    "diseases": ("Diseases", "List of extracted diseases"),
    "chemicals": ("Chemicals", "List of extracted chemicals"),
    "relations": ("Influences", "List of extracted influences"),
}

# Letters, digits and the punctuation of chemical and disease names, with some beyond ASCII.
NAME_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:()[]-+/'*_#αβγµé\u2013→"
)
names = st.one_of(
    st.text(NAME_ALPHABET, min_size=1, max_size=30),
    st.text(min_size=1, max_size=20),
).filter(is_listable_item)
item_lists = st.lists(names, max_size=8, unique=True)
triples = st.tuples(names, st.just(INFLUENCES), names).filter(is_listable_triple)
triple_lists = st.lists(triples, max_size=6, unique=True)

# Pieces that reach every branch of the parsers when strung together at random.
FRAGMENTS = (
    "- ", "* ", "• ", "1. ", "2) ", "(3) ", "+ ", "**", "__", "`", '"', "“", "”", ":", ".",
    ",", ";", "None", "N/A", "No diseases mentioned", "There are no chemicals", "Chemical ",
    " influences ", " disease ", " induces ", " is induced by ", " causes ", " does not ",
    " -> ", " → ", " => ", " - ", " \u2013 ", "|", "| a | b |", "|---|", "#", "## ", "---", "\n",
    "\r\n", "\n\n", "  ", "\t", "NO", "i.v.", "spp.", "glaucoma", "cocaine", "(", ")",
    "Here are the diseases:", "does not mention any", "Diseases:", "Influences", "\u2028",
    "\x85", "Sure!", "?", "chemical: x, disease: y",
)  # fmt: skip
model_texts = st.one_of(
    st.text(),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=30).map("".join),
)


def check_rejected(text: str, rejected: tuple[Rejected, ...]) -> None:
    """Rejects come in line order, each naming a line of ``text`` as it stands, with why."""
    lines = text.splitlines()
    numbers = [r.line_number for r in rejected]
    assert numbers == sorted(numbers)
    for r in rejected:
        assert 1 <= r.line_number <= len(lines)
        assert lines[r.line_number - 1] == r.line
        assert r.reason


def gold_lists(documents: Iterable[Document]) -> list[tuple[list[str], list[str]]]:
    """Each document's distinct disease and chemical names, in order."""
    lists = []
    for document in documents:
        diseases = list(dict.fromkeys(m.text for m in document.mentions if m.type == DISEASE))
        chemicals = list(dict.fromkeys(m.text for m in document.mentions if m.type == CHEMICAL))
        lists.append((diseases, chemicals))
    return lists
