"""The Markdown report: runs side by side, and labels told apart."""

from __future__ import annotations

import attrs
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.report._table import differences, markdown_report, with_unique_labels
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


def test_runs_sharing_a_label_are_named_by_what_differs() -> None:
    run = lexicon_run()
    seed = attrs.evolve(run, provenance=attrs.evolve(run.provenance, template="seed"))
    labels = [r.label for r in with_unique_labels([run, seed])]
    assert labels == ["lexicon, titled", "lexicon, seed"]
    nearest = attrs.evolve(run, provenance=attrs.evolve(run.provenance, examples="3 nearest"))
    labels = [r.label for r in with_unique_labels([run, nearest])]
    assert labels == ["lexicon, examples none", "lexicon, examples 3 nearest"]
    few = attrs.evolve(run, views=run.views[:2], documents=2)
    few = attrs.evolve(few, provenance=attrs.evolve(few.provenance, content_hash="0" * 64))
    assert [r.label for r in with_unique_labels([run, few])] == [
        "lexicon, 10 documents",
        "lexicon, 2 documents",
    ]
    later = attrs.evolve(run, provenance=attrs.evolve(run.provenance, date="2030-01-01"))
    assert [r.label for r in with_unique_labels([run, later])] == ["lexicon", "lexicon #2"]
    other = attrs.evolve(run, provenance=attrs.evolve(run.provenance, lexicon=("train",)))
    labels = [r.label for r in with_unique_labels([run, other, seed])]
    assert labels == [
        "lexicon, titled, lexicon train+validation",
        "lexicon, titled, lexicon train",
        "lexicon, seed, lexicon train+validation",
    ]


def test_runs_over_other_documents_are_flagged_and_not_ranked() -> None:
    full, flawed = lexicon_run(), cohere_run()
    few = attrs.evolve(full, views=full.views[:2], documents=2, label="few")
    assert differences([full, full]) == []
    assert differences([full, few]) == [
        "they evaluated different documents (lexicon: 10 vs few: 2)"
    ]
    text = markdown_report([full, few])
    assert "> **Not comparable, not ranked:** they evaluated different documents" in text
    assert "**0." not in text
    # Comparable runs are ranked: the better F1 in bold.
    assert "**0." in markdown_report([full, attrs.evolve(flawed, failed=(), label="c")])
    test = attrs.evolve(full, provenance=attrs.evolve(full.provenance, split="test"))
    other = attrs.evolve(full, provenance=attrs.evolve(full.provenance, split="validation"))
    assert differences([test, other]) == ["they are from different splits (test, validation)"]
    changed = attrs.evolve(full, provenance=attrs.evolve(full.provenance, content_hash="0" * 64))
    assert differences([full, changed]) == [
        "the same documents have other text or annotations (content hashes differ)"
    ]


def test_the_report_says_where_each_run_came_from() -> None:
    run = lexicon_run()
    text = markdown_report([run])
    assert "## Where each run came from" in text
    row = next(line for line in text.splitlines() if line.startswith("| lexicon | bundled"))
    assert f"| {run.provenance.content_hash[:12]} |" in row and "| train+validation |" in row
    assert "| titled | none | per-task | lexicon |" in row
