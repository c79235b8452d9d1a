"""Keys are never shown: the API key and any bearer token, cut out of what leaves the library.

:func:`redact` is applied where text leaves: every library error's message
(:class:`~cohere_medner.errors.MedNerError`), each extraction's ``error`` and each failed
document of a run, hence every line on stderr, ``extractions.jsonl``, saved run and report.
It removes the keys the library was given (:func:`remember_secret`, which resolving a key
calls), those the environment holds, and whatever follows ``Bearer``, as a server or proxy
may echo an ``Authorization`` header, or the SDK quote it in an exception.
"""

from __future__ import annotations

import json
import os
import re
import threading
from typing import Final

__all__ = ["KEY_VARIABLES", "MIN_SECRET", "REDACTED", "redact", "remember_secret"]

KEY_VARIABLES: Final = ("CO_API_KEY", "COHERE_API_KEY")
"""Where Cohere's SDK and this library look for the API key, first to last."""
REDACTED: Final = "[redacted]"
MIN_SECRET: Final = 8
"""Shorter secrets are not cut out word for word: they would cut ordinary words too."""

_BEARER = re.compile(r"(?i)\b(bearer)\s+(?!\[redacted\])[^\s'\",;)\]}]+")
_secrets: set[str] = set()
_lock = threading.Lock()


def _forms(secret: str) -> set[str]:
    """``secret`` as text shows it: itself, and escaped as repr and JSON write it."""
    escaped = {repr(secret)[1:-1], json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)}
    return {form for form in {secret, *escaped} if len(form) >= MIN_SECRET}


def remember_secret(secret: str) -> None:
    """Cut ``secret`` out of everything :func:`redact` sees from now on, in this process."""
    forms = _forms(secret.strip())
    with _lock:
        _secrets.update(forms)


def redact(text: str) -> str:
    """``text`` without any key this process knows (given or in the environment) or bearer token."""
    with _lock:
        secrets = set(_secrets)
    for variable in KEY_VARIABLES:
        secrets |= _forms(os.environ.get(variable, "").strip())
    # Longest first: a key that holds another is cut whole.
    for secret in sorted(secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _BEARER.sub(lambda match: f"{match.group(1)} {REDACTED}", text)
