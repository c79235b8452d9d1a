"""Abbreviations a text defines as ``long form (SF)``, found after Schwartz and Hearst (2003).

A short form is what a parenthesis of at most 40 characters holds, up to a ``;`` or ``,``
and a space: 2 to 10 characters, at most two words, with a letter, starting with a letter or
a digit. Its long form is the fewest last words before the parenthesis in which every letter
and digit of the short form is found in order, the first at the start of a word; it is
looked for in the same sentence, among at most ``min(|SF| + 5, 2 |SF|)`` words, none past a
parenthesis or semicolon. A long form no longer than its short form, or holding it as a
word, is none.
"""

from __future__ import annotations

import functools
import re
from typing import Final

import attrs

from cohere_medner.grounding.names import DASHES

__all__ = ["Abbreviation", "find_abbreviations"]


@attrs.frozen
class Abbreviation:
    """A short form defined in the text as ``long form (SF)``, with both offsets."""

    short: str
    long: str
    short_start: int
    long_start: int

    @property
    def short_end(self) -> int:
        return self.short_start + len(self.short)

    @property
    def long_end(self) -> int:
        return self.long_start + len(self.long)


_PARENTHESIS: Final = re.compile(r"\(([^()]{1,40})\)")
_SENTENCE_END: Final = re.compile(r"[.!?]\s+(?=[A-Z0-9(])")


def _valid_short(short: str) -> bool:
    return (
        2 <= len(short) <= 10
        and len(short.split()) <= 2
        and any(c.isalpha() for c in short)
        and short[0].isalnum()
    )


def _best_long_form(short: str, candidate: str) -> int | None:
    """Where in ``candidate`` the long form of ``short`` starts (Schwartz and Hearst), if any.

    Every letter and digit of the short form, right to left, must be found in the candidate,
    right to left; the first one at the start of a word.
    """
    s, position = len(short) - 1, len(candidate) - 1
    while s >= 0:
        char = short[s].lower()
        if not char.isalnum():
            s -= 1
            continue
        while position >= 0 and (
            candidate[position].lower() != char
            or (s == 0 and position > 0 and candidate[position - 1].isalnum())
        ):
            position -= 1
        if position < 0:
            return None
        position -= 1
        s -= 1
    return candidate.rfind(" ", 0, position + 1) + 1


@functools.lru_cache(maxsize=1024)
def find_abbreviations(text: str) -> tuple[Abbreviation, ...]:
    """Abbreviations the text defines as ``long form (SF)``, in text order."""
    found: list[Abbreviation] = []
    for parenthesis in _PARENTHESIS.finditer(text):
        inner = re.split(r"[;,]\s", parenthesis.group(1), maxsplit=1)[0]
        short = inner.strip()
        if not _valid_short(short):
            continue
        short_start = parenthesis.start(1) + len(inner) - len(inner.lstrip())
        # The candidate long form: at most min(|SF| + 5, 2 |SF|) words, in the same sentence.
        end = parenthesis.start()
        sentence_start = 0
        for boundary in _SENTENCE_END.finditer(text, 0, end):
            sentence_start = boundary.end()
        words = list(re.finditer(r"\S+", text[sentence_start:end]))
        limit = min(len(short) + 5, 2 * len(short))
        if not words:
            continue
        window = sentence_start + words[-limit:][0].start()
        # A long form holds no parenthesis or semicolon: "infarction (ANT-MI) and ...".
        window = max(window, *(text.rfind(c, window, end) + 1 for c in "();"))
        candidate = text[window:end].rstrip()
        offset = _best_long_form(short, candidate)
        if offset is None:
            continue
        long = candidate[offset:].lstrip(DASHES)
        offset = len(candidate) - len(long)
        if len(long) <= len(short) or short.lower() in long.lower().split():
            continue
        found.append(Abbreviation(short, long, short_start, window + offset))
    return tuple(found)
