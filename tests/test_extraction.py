from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner._redact import remember_secret
from cohere_medner.errors import CorpusFormatError
from cohere_medner.extraction import Extraction, read_extractions, write_extractions
from cohere_medner.parsing.lines import Rejected

names = st.text(min_size=1, max_size=10)
extractions = st.builds(
    Extraction,
    document=st.from_regex(r"[0-9]{1,8}", fullmatch=True),
    entities=st.dictionaries(st.sampled_from(["Disease", "Chemical"]), st.tuples(names)),
    relations=st.lists(st.tuples(names, st.just("influences"), names)).map(tuple),
    raw=st.dictionaries(st.sampled_from(["diseases", "combined"]), st.text(max_size=30)),
    rejected=st.dictionaries(
        st.just("diseases"),
        st.tuples(st.builds(Rejected, st.integers(0, 9), st.text(max_size=9), names)),
    ),
    input_tokens=st.integers(0, 999),
    error=st.none() | names,
    truncated=st.sampled_from([(), ("diseases",), ("combined",)]),
    oversized=st.sampled_from([(), ("chemicals",)]),
)


@given(st.lists(extractions, max_size=4))
def test_jsonl_round_trip(
    tmp_path_factory: pytest.TempPathFactory, items: list[Extraction]
) -> None:
    path = tmp_path_factory.mktemp("x") / "out.jsonl"
    write_extractions(items, path)
    assert list(read_extractions(path)) == items


def test_failed_document_is_not_ok() -> None:
    assert not Extraction("1", error="boom").ok and Extraction("1").ok


def test_unreadable_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text('{"document": "1"}\nnot json\n')
    with pytest.raises(CorpusFormatError, match=r"out\.jsonl, line 2"):
        list(read_extractions(path))


def test_an_error_never_holds_a_key_even_read_back(tmp_path: Path) -> None:
    remember_secret("sk-extraction-0123456789")
    error = "502: refused sk-extraction-0123456789 (Authorization: Bearer sk-other-token)"
    assert Extraction("1", error=error).error == (
        "502: refused [redacted] (Authorization: Bearer [redacted])"
    )
    path = tmp_path / "old.jsonl"  # as a version without redaction wrote it
    path.write_text(json.dumps({"document": "1", "error": error}) + "\n")
    [read] = read_extractions(path)
    assert read.error is not None and "sk-" not in read.error
    assert (read.truncated, read.oversized) == ((), ())
