"""The Markdown report: runs side by side, and labels told apart."""

from __future__ import annotations

import attrs
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.report._table import markdown_report, with_unique_labels
from cohere_medner.types import DISEASE
from evaluation_runs import FAILED_ERROR, FAILED_PMID, cohere_run, lexicon_run, unresolved_run

CHART_FILE = "f1.svg"


def test_labels_shared_by_runs_are_told_apart() -> None:
    run = lexicon_run()
    renamed = attrs.evolve(run, label="lexicon #2")
    labels = [r.label for r in with_unique_labels([run, run, renamed])]
    assert labels == ["lexicon", "lexicon #2", "lexicon #2 #2"]


@given(st.lists(st.sampled_from(["lexicon", "lexicon #2", "command-r", "a|b"]), max_size=8))
def test_unique_labels_keep_order_and_first_names(labels: list[str]) -> None:
    run = lexicon_run()
    runs = [attrs.evolve(run, label=label) for label in labels]
    found = [r.label for r in with_unique_labels(runs)]
    assert len(set(found)) == len(found)
    for index, (label, unique) in enumerate(zip(labels, found, strict=True)):
        assert unique.startswith(label)
        if label not in labels[:index] and label not in found[:index]:
            assert unique == label


def test_markdown_puts_runs_side_by_side() -> None:
    runs = [lexicon_run(), attrs.evolve(cohere_run(), label="flawed | cohere")]
    text = markdown_report(runs, chart=CHART_FILE)
    rows: dict[str, str] = {}
    for line in text.splitlines():  # the first table's rows: the summary
        if line.startswith("| "):
            rows.setdefault(line.split(" | ")[0], line)
    lexicon, cohere = rows["| lexicon"], rows["| flawed \\| cohere"]
    summary_header = next(line for line in text.splitlines() if "tokens in" in line)
    assert "list diseases" in summary_header and "relation CID" in summary_header
    # The flawed model has no lexicon: no identifier or relation level, and it cost tokens.
    assert cohere.count("—") == 3 and "—" not in lexicon
    tokens_in = cohere.split(" | ")[-4]
    assert int(tokens_in.replace(",", "")) == cohere_run().usage["input_tokens"] > 999
    assert "," in tokens_in
    assert f"![F1 by run, task and level]({CHART_FILE})" in text
    for title in ("## List level", "## Mention level", "## Identifier level", "## Relation"):
        assert title in text
    assert f"- flawed \\| cohere: {FAILED_PMID}: {FAILED_ERROR}" in text
    assert "10 (1 failed)" not in text and "11 (1 failed)" in text
    # The best F1 of each column is in bold where the runs differ.
    mention = lexicon_run().official["mention"][DISEASE].f1
    assert f"{mention:.4f}" in lexicon and f"**{mention:.4f}**" not in lexicon


def test_unresolved_relations_are_named_under_their_run() -> None:
    text = markdown_report([unresolved_run(), lexicon_run()])
    assert "## Relations left unresolved (a side got no identifier)" in text
    assert "- m: 1 of 2 listed" in text
    assert "  - 5: Timolol maleate \u2192 rash" in text
    assert "Relations left unresolved" not in markdown_report([lexicon_run()])
