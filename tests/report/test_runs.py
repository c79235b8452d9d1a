"""Saved runs: what each mention's mark says, and reading a run back whole."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from cohere_medner.evaluation import EvaluationRun
from cohere_medner.report._errors import SavedRunError, SavedRunNotFoundError
from cohere_medner.report._runs import RUN_FILE, as_saved, load_run, save_run
from cohere_medner.types import CHEMICAL, DISEASE
from evaluation_runs import FAILED_ERROR, FAILED_PMID, UNGROUNDED, cohere_run, lexicon_run


@pytest.mark.parametrize("make", [lexicon_run, cohere_run])
def test_marks_count_as_the_official_mention_level(make: Callable[[], EvaluationRun]) -> None:
    run = make()
    saved = as_saved(run)
    for kind in (CHEMICAL, DISEASE):
        marks = [m for view in saved.views for m in view.marks if m.type == kind]
        counted = tuple(sum(1 for m in marks if m.status == s) for s in ("tp", "fp", "fn"))
        official = run.official["mention"][kind]
        assert counted == (official.tp, official.fp, official.fn)
        assert official.tp > 0


def test_a_flawed_run_has_every_status_and_its_ungrounded_name() -> None:
    saved = as_saved(cohere_run())
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


@pytest.mark.parametrize("make", [lexicon_run, cohere_run])
def test_a_saved_run_reads_back_whole(make: Callable[[], EvaluationRun], tmp_path: Path) -> None:
    saved = as_saved(make())
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
