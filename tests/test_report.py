"""Saved runs, the JSON and Markdown reports and the F1 chart, on real runs over the sample."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest

from cohere_medner.corpus import load_sample
from cohere_medner.errors import EmptyReportError, SavedRunError, SavedRunNotFoundError
from cohere_medner.evaluation import EvaluationRun, evaluate
from cohere_medner.extraction import Extraction
from cohere_medner.extractor import Extractor
from cohere_medner.report import (
    CHART_FILE,
    HTML_FILE,
    JSON_FILE,
    MARKDOWN_FILE,
    RUN_FILE,
    SavedRun,
    as_saved,
    f1_chart,
    load_run,
    markdown_report,
    report_json,
    save_run,
    write_report,
)
from cohere_medner.report_chart import PALETTE
from cohere_medner.report_table import with_unique_labels
from cohere_medner.tasks import CHEMICALS, DISEASES, RELATIONS
from cohere_medner.testing import FakeCohere, FakeRequest, Responder
from cohere_medner.testing.oracle import oracle
from cohere_medner.types import CHEMICAL, DISEASE, Document

MODEL = "command-r-08-2024"
UNGROUNDED = 'Made-up <b>syndrome</b> & "co"'
FAILED_PMID = "99999999"
FAILED_ERROR = "Cohere API error 500: <html> & co"


def flawed(documents: list[Document]) -> Responder:
    """The oracle, except that disease lists miss their first name, list a name found nowhere,
    and list the document's first chemical as a disease (a false positive on a true one)."""
    gold = oracle(documents)

    def respond(request: FakeRequest) -> str:
        answer = gold(request)
        prompt = request.last_user_message or request.prompt
        task = max((DISEASES, CHEMICALS, RELATIONS), key=lambda t: prompt.rfind(t.cue))
        if task is not DISEASES:
            return answer
        document = max(documents, key=lambda d: prompt.rfind(d.abstract))
        chemical = next(m.text for m in document.mentions if m.type == CHEMICAL)
        return "\n".join([*answer.splitlines()[1:], f"- {UNGROUNDED}", f"- {chemical}"])

    return respond


@functools.cache
def lexicon_run() -> EvaluationRun:
    """The offline baseline on the bundled test sample: every level scored."""
    return evaluate(Extractor("lexicon", progress=False), load_sample("test"))


@functools.cache
def cohere_run() -> EvaluationRun:
    """A flawed model through the loopback server, without a lexicon, one document failed."""
    documents = load_sample("test").to_list()
    with FakeCohere(responder=flawed(documents)) as server:
        extractor = Extractor(
            MODEL, api_key="k", base_url=server.url, cache=False, progress=False, timeout=5.0
        )
        run = evaluate(extractor, documents)
    failed = Extraction(FAILED_PMID, error=FAILED_ERROR)
    return attrs.evolve(run, extractions=(*run.extractions, failed))


# Saved runs ------------------------------------------------------------------------------------


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


def test_a_saved_run_reads_back_in_another_process(tmp_path: Path) -> None:
    save_run(cohere_run(), tmp_path / "cohere", label="flawed")
    script = (
        "import json, sys\n"
        "from cohere_medner.report import load_run, report_json\n"
        "print(json.dumps(report_json([load_run(sys.argv[1])])))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "cohere")],
        capture_output=True,
        text=True,
        check=True,
    )
    expected = report_json([as_saved(cohere_run(), "flawed")])
    assert json.loads(found.stdout) == json.loads(json.dumps(expected))


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


# Reports -----------------------------------------------------------------------------------------


def test_labels_shared_by_runs_are_told_apart() -> None:
    run = as_saved(lexicon_run())
    renamed = attrs.evolve(run, label="lexicon #2")
    labels = [r.label for r in with_unique_labels([run, run, renamed])]
    assert labels == ["lexicon", "lexicon #2", "lexicon #2 #2"]


def test_markdown_puts_runs_side_by_side() -> None:
    runs = [as_saved(lexicon_run()), as_saved(cohere_run(), "flawed | cohere")]
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


def test_report_json_holds_every_figure() -> None:
    run = cohere_run()
    data = report_json([lexicon_run(), run])
    assert data["format"] == "cohere-medner-report"
    first, second = data["runs"]
    assert (first["label"], second["label"]) == ("lexicon", MODEL)
    assert second["input_tokens"] == run.usage["input_tokens"]
    assert second["failed"] == [{"document": FAILED_PMID, "error": FAILED_ERROR}]
    assert (second["documents"], second["answered"]) == (11, 10)
    for name, scores in run.scores.items():
        task = second["tasks"][name]
        assert task["micro"] == scores.micro.as_dict()
        assert task["macro"]["f1"] == scores.macro_f1
        assert sum(d["tp"] for d in task["documents"].values()) == scores.micro.tp
    for level, by_type in lexicon_run().official.items():
        for kind, score in by_type.items():
            assert first["official"][level][kind] == score.as_dict()
            per_document = first["official_documents"][level][kind].values()
            assert sum(d["fn"] for d in per_document) == score.fn
    assert set(second["official"]) == {"mention"}


def test_write_report_writes_four_files(tmp_path: Path) -> None:
    files = write_report([lexicon_run()], tmp_path / "out")
    assert [p.name for p in files] == [JSON_FILE, MARKDOWN_FILE, CHART_FILE, HTML_FILE]
    assert all(p.is_file() and p.stat().st_size > 0 for p in files)
    assert json.loads(files.json.read_text(encoding="utf-8"))["runs"][0]["model"] == "lexicon"
    with pytest.raises(EmptyReportError):
        write_report([], tmp_path)


def test_a_saved_run_reports_as_the_run_it_was(tmp_path: Path) -> None:
    save_run(cohere_run(), tmp_path)
    assert report_json([load_run(tmp_path)]) == json.loads(json.dumps(report_json([cohere_run()])))
    assert markdown_report([load_run(tmp_path)]) == markdown_report([as_saved(cohere_run())])


# The chart -------------------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


def test_the_chart_has_a_bar_per_run_and_score() -> None:
    runs: list[SavedRun] = [as_saved(lexicon_run()), as_saved(cohere_run(), "<odd> & name")]
    svg = f1_chart(runs)
    root = ET.fromstring(svg)
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    lexicon_bars = [b for b in bars if b.get("fill") == PALETTE[0]]
    cohere_bars = [b for b in bars if b.get("fill") == PALETTE[1]]
    assert len(lexicon_bars) == 8 and len(cohere_bars) == 5  # no id or relation level
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts.count("—") == 3 and "<odd> & name" in texts
    # Bar heights are proportional to F1.
    lists = lexicon_run().scores
    first, second = (float(b.get("height", 0)) for b in lexicon_bars[:2])
    assert first / second == pytest.approx(
        lists["diseases"].micro.f1 / lists["chemicals"].micro.f1, rel=1e-3
    )
