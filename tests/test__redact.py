"""Keys are cut out of every text that leaves the library, however they are quoted."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner._redact import MIN_SECRET, REDACTED, redact, remember_secret
from strategies import TEXT_ALPHABET

KEY_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
keys = st.text(KEY_ALPHABET, min_size=MIN_SECRET, max_size=48).map(lambda k: "zq" + k)
plain = st.text(TEXT_ALPHABET.replace("r", "").replace("z", ""), max_size=60)  # no bearer, no key


def test_a_remembered_key_is_cut_out_however_it_is_quoted() -> None:
    key = "sk-remembered-0123456789"
    remember_secret(key)
    message = f"refused {key}; headers {{'authorization': 'Bearer {key}'}}; {json.dumps(key)}"
    assert key not in redact(message)
    assert redact(message).count(REDACTED) == 3


def test_the_keys_in_the_environment_are_cut_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CO_API_KEY", "  env-key-abcdefgh  ")
    monkeypatch.setenv("COHERE_API_KEY", "other-env-key-1234")
    assert redact("a env-key-abcdefgh b other-env-key-1234") == f"a {REDACTED} b {REDACTED}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Illegal header value b'Bearer sk-abc\\n'", f"Illegal header value b'Bearer {REDACTED}'"),
        ("authorization: bearer abc.def, next", f"authorization: bearer {REDACTED}, next"),
        ("(Authorization: Bearer xyz)", f"(Authorization: Bearer {REDACTED})"),
        (f"Bearer {REDACTED}", f"Bearer {REDACTED}"),
    ],
)
def test_whatever_follows_bearer_is_cut_out(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_a_key_with_a_line_break_is_cut_out_as_repr_shows_it() -> None:
    key = "sk-broken\nkey-0123456789"
    remember_secret(key)
    assert redact(f"value {key!r}") == f"value '{REDACTED}'"


def test_short_keys_are_not_cut_out_word_for_word() -> None:
    remember_secret("k")
    assert redact("keep the kidney") == "keep the kidney"


@given(key=keys, before=plain, after=plain)
def test_a_remembered_key_never_survives(key: str, before: str, after: str) -> None:
    remember_secret(key)
    shown = redact(before + key + after)
    assert key not in shown and shown == before + REDACTED + after
    assert redact(shown) == shown


@given(text=plain)
def test_text_without_keys_is_left_as_it_is(text: str) -> None:
    assert redact(text) == text
