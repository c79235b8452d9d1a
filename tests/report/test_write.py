"""The JSON report and the four report files, over real runs on the bundled sample."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

from cohere_medner.corpus import load_sample
from cohere_medner.extraction import Extraction
from cohere_medner.grounding.lexicon import Lexicon
from cohere_medner.prompts.tasks import CHEMICALS, DISEASES, RELATIONS
from cohere_medner.prompts.templates import TITLED
from cohere_medner.report import (
    CHART_FILE,
    HTML_FILE,
    JSON_FILE,
    MARKDOWN_FILE,
    EmptyReportError,
    EvaluationRun,
    NoDocumentsError,
    html_report,
    load_run,
    markdown_report,
    report_json,
    save_run,
    score_run,
    write_report,
)
from evaluation_runs import FAILED_ERROR, FAILED_PMID, MODEL, cohere_run, lexicon_run


def nothing_answered() -> EvaluationRun:
    """Every document of the sample failed: a run with nothing scored, at every level."""
    documents = load_sample("test").to_list()
    failed = [Extraction(d.pmid, error="Cohere API error 500") for d in documents]
    tasks = (DISEASES, CHEMICALS, RELATIONS)
    return score_run(MODEL, failed, documents, tasks, TITLED, Lexicon.from_data())


def test_a_run_with_nothing_answered_shows_no_score_not_zero(tmp_path: Path) -> None:
    run = nothing_answered()
    assert (run.documents, run.answered, len(run.failed)) == (10, 0, 10)
    assert "0.0000" not in run.summary() and "\u2014" in run.summary()
    assert "(10 failed, 0 scored)" in run.summary().splitlines()[0]
    figures = run.as_json()
    assert set(figures["tasks"].values()) == {None}
    assert all(s is None for by_type in figures["official"].values() for s in by_type.values())
    text = markdown_report([run])
    assert "0.0000" not in text and "| 10 (10 failed) | \u2014 |" in text
    assert "0.0000" not in html_report([run])
    reported = report_json([run])["runs"][0]
    assert {t["micro"] is None and t["macro"] is None for t in reported["tasks"].values()} == {True}
    assert {s for by_type in reported["official"].values() for s in by_type.values()} == {None}
    assert load_run(save_run(run, tmp_path)).as_json() == figures


def test_no_documents_is_an_error_not_a_table_of_zeros() -> None:
    with pytest.raises(NoDocumentsError, match="no documents given"):
        score_run(MODEL, [], [], (DISEASES,), TITLED)


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
    expected = report_json([attrs.evolve(cohere_run(), label="flawed")])
    assert json.loads(found.stdout) == json.loads(json.dumps(expected))


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
    assert markdown_report([load_run(tmp_path)]) == markdown_report([cohere_run()])


def test_every_report_says_where_runs_came_from_and_whether_they_compare() -> None:
    full = lexicon_run()
    few = attrs.evolve(full, views=full.views[:2], documents=2, label="few")
    reported = report_json([full, few])
    assert reported["comparable"] is False and reported["differences"]
    assert reported["runs"][0]["provenance"] == full.provenance.as_json()
    assert report_json([full])["comparable"] is True
    page = html_report([full, few])
    assert "Not comparable, not ranked: they evaluated different documents" in page
    assert "Where each run came from" in page and full.provenance.content_hash[:12] in page
    assert "Not comparable" not in html_report([full])
