"""The safe XML parser: entity declarations, external and undefined entities are refused."""

from __future__ import annotations

from typing import NoReturn

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner._xml import entity_free_parser


class Refused(Exception):
    pass


def fail(message: str) -> NoReturn:
    raise Refused(message)


def parse(text: str) -> list[str]:
    seen: list[str] = []
    parser = entity_free_parser(fail)
    parser.CharacterDataHandler = seen.append
    parser.Parse(text.encode(), True)
    return seen


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', "entity declarations are not allowed"),
        ('<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>', "not allowed"),
        ('<!DOCTYPE a SYSTEM "http://example.org/a.dtd"><a>&x;</a>', "undefined entity &x;"),
    ],
)
def test_entities_beyond_the_predefined_five_are_refused(document: str, reason: str) -> None:
    with pytest.raises(Refused, match=reason):
        parse(document)


@given(st.text(alphabet=st.characters(categories=("L", "N", "Zs")), max_size=50))
def test_the_predefined_entities_and_plain_text_read_as_written(text: str) -> None:
    assert "".join(parse(f"<a>{text}&amp;&lt;&gt;&quot;&apos;</a>")) == text + "&<>\"'"
