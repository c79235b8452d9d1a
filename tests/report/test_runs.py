"""Runs: what each mention's mark says, the summary, and reading a run back whole."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest

from cohere_medner.report import (
    RUN_FILE,
    EvaluationRun,
    Provenance,
    SavedRunError,
    SavedRunNotFoundError,
    load_run,
    save_run,
)
from cohere_medner.types import CHEMICAL, DISEASE
from evaluation_runs import (
    FAILED_ERROR,
    FAILED_PMID,
    UNGROUNDED,
    cohere_run,
    lexicon_run,
    unresolved_run,
)


@pytest.mark.parametrize("make", [lexicon_run, cohere_run])
def test_marks_count_as_the_official_mention_level(make: Callable[[], EvaluationRun]) -> None:
    run = make()
    for kind in (CHEMICAL, DISEASE):
        marks = [m for view in run.views for m in view.marks if m.type == kind]
        counted = tuple(sum(1 for m in marks if m.status == s) for s in ("tp", "fp", "fn"))
        official = run.official["mention"][kind]
        assert counted == (official.tp, official.fp, official.fn)
        assert official.tp > 0


def test_a_flawed_run_has_every_status_and_its_ungrounded_name() -> None:
    saved = cohere_run()
    statuses = {m.status for view in saved.views for m in view.marks}
    assert statuses == {"tp", "fp", "fn"}
    assert all(view.ungrounded == {DISEASE: (UNGROUNDED,)} for view in saved.views)
    assert saved.failed == ((FAILED_PMID, FAILED_ERROR),)
    assert saved.documents == len(saved.views) + 1
    # Same span, both types: the chemical is a true positive and, as a disease, a false one.
    first = saved.views[0]
    chemical = next(m for m in first.gold.mentions if m.type == CHEMICAL)
    at_span = {(m.type, m.status) for m in first.marks if m.start == chemical.start}
    assert {(CHEMICAL, "tp"), (DISEASE, "fp")} <= at_span


def test_summary_lists_every_task_and_official_level() -> None:
    result = lexicon_run()
    lines = result.summary().splitlines()
    assert lines[0].startswith("model lexicon: 10 documents in ") and lines[0].endswith(" s")
    assert lines[1].split() == ["task", "precision", "recall", "F1"]
    # List-level gold is what the titled prompts show: title and abstract.
    assert lines[2].split() == ["diseases", "0.7647", "0.2203", "0.3421"]
    assert [line.split()[0] for line in lines[2:5]] == ["diseases", "chemicals", "relations"]
    official = [line.split()[1:3] for line in lines if line.startswith("official ")]
    assert official == [
        [level, kind] for level in result.official for kind in result.official[level]
    ]
    assert lines[-1] == "requests 0 (retries 0), tokens 0 in / 0 out"


@pytest.mark.parametrize("make", [lexicon_run, cohere_run])
def test_a_saved_run_reads_back_whole(make: Callable[[], EvaluationRun], tmp_path: Path) -> None:
    saved = make()
    assert save_run(make(), tmp_path / "run") == tmp_path / "run" / RUN_FILE
    loaded = load_run(tmp_path / "run")
    assert loaded == saved
    assert load_run(tmp_path / "run" / RUN_FILE) == saved
    assert loaded.pair_tasks == ("relations",)


def test_run_json_states_each_mention_status(tmp_path: Path) -> None:
    save_run(cohere_run(), tmp_path)
    data = json.loads((tmp_path / RUN_FILE).read_text(encoding="utf-8"))
    view = data["views"][0]
    assert {m["status"] for m in view["gold"]["mentions"]} == {"tp", "fn"}
    assert {m["status"] for m in view["predicted"]["mentions"]} == {"tp", "fp"}
    assert view["ungrounded"] == {DISEASE: [UNGROUNDED]}
    assert data["failed"] == [{"document": FAILED_PMID, "error": FAILED_ERROR}]
    diseases = data["scores"]["diseases"]["documents"][view["pmid"]]
    assert UNGROUNDED in diseases["fp"] and diseases["fn"]


def test_load_run_refuses_what_is_not_a_saved_run(tmp_path: Path) -> None:
    with pytest.raises(SavedRunNotFoundError, match="no saved run"):
        load_run(tmp_path / "absent")
    (tmp_path / RUN_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(SavedRunError, match="not a JSON saved run"):
        load_run(tmp_path)
    save_run(lexicon_run(), tmp_path)
    data = json.loads((tmp_path / RUN_FILE).read_text(encoding="utf-8"))
    (tmp_path / RUN_FILE).write_text(json.dumps({**data, "version": 99}), encoding="utf-8")
    with pytest.raises(SavedRunError, match="version 99"):
        load_run(tmp_path)
    data["views"][0]["gold"]["mentions"][0]["start"] += 1
    (tmp_path / RUN_FILE).write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SavedRunError, match="damaged saved run"):
        load_run(tmp_path)


def test_unresolved_relations_are_counted_named_and_kept(tmp_path: Path) -> None:
    run = unresolved_run()
    assert run.unresolved == (("5", ("Timolol maleate", "influences", "rash")),)
    assert run.listed_relations == 2
    figures = run.as_json()
    assert (figures["relations_listed"], figures["relations_unresolved"]) == (2, 1)
    assert figures["identified_by"] == {"exact": 1, "salt": 1}
    assert "relations: 1 of 2 listed left unresolved" in run.summary()
    assert "identified names by rule: exact 1, salt 1" in run.summary()
    again = load_run(save_run(run, tmp_path))
    assert again.unresolved == run.unresolved
    assert again.views[0].identifications == run.views[0].identifications


def test_a_run_records_where_it_came_from(tmp_path: Path) -> None:
    made = lexicon_run().provenance
    assert made.corpus is not None and made.corpus.startswith("bundled sample")
    assert made.content_hash is not None and len(made.content_hash) == 64
    assert (made.lexicon, made.template, made.mode) == (
        ("train", "validation"),
        "titled",
        "per-task",
    )
    assert made.examples == "none"
    assert made.version and made.date and made.date.endswith("+00:00")
    assert cohere_run().provenance.lexicon == ()  # no lexicon, and it says so
    save_run(lexicon_run(), tmp_path)
    data = json.loads((tmp_path / RUN_FILE).read_text(encoding="utf-8"))
    assert data["version"] == 2 and data["provenance"]["content_hash"] == made.content_hash
    assert load_run(tmp_path).provenance == made


def test_a_run_saved_before_provenance_still_loads(tmp_path: Path) -> None:
    save_run(lexicon_run(), tmp_path)
    data = json.loads((tmp_path / RUN_FILE).read_text(encoding="utf-8"))
    del data["provenance"]  # what version 1 wrote: the rest is the same
    (tmp_path / RUN_FILE).write_text(json.dumps({**data, "version": 1}), encoding="utf-8")
    old = load_run(tmp_path)
    assert old.provenance == Provenance() and old.provenance.lexicon_text == "unknown"
    assert attrs.evolve(old, provenance=lexicon_run().provenance) == lexicon_run()


def test_answers_cut_or_run_past_max_tokens_are_named_and_kept(tmp_path: Path) -> None:
    run = lexicon_run()
    flagged = [
        attrs.evolve(
            e, truncated=("diseases",) if i < 6 else (), oversized=("chemicals",) * (i == 2)
        )
        for i, e in enumerate(run.extractions)
    ]
    run = attrs.evolve(run, extractions=tuple(flagged))
    pmids = [e.document for e in flagged]
    assert list(run.truncated) == pmids[:6] and run.oversized == {pmids[2]: ("chemicals",)}
    summary = run.summary()
    assert (
        f"answers cut at max_tokens in 6 documents (PMIDs {', '.join(pmids[:5])} and 1 more)"
        in summary
    )
    assert f"answers far past max_tokens in 1 document (PMIDs {pmids[2]})" in summary
    again = load_run(save_run(run, tmp_path))
    assert (again.truncated, again.oversized) == (run.truncated, run.oversized)
