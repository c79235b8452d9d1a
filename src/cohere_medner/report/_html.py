"""The HTML report: each abstract with its true positive, false positive and missed mentions.

One self-contained page (inline CSS and script, nothing fetched), generated from the runs
alone. The text is cut at every mention boundary; each piece covered by mentions becomes
one ``<mark>`` whose classes are the statuses covering it (``tp``, ``fp``, ``fn``), so
overlapping and nested mentions of any status show without losing a character, and ``s`` /
``e`` where a mention starts or ends, so that adjacent mentions stay apart. Status is shown
twice over, by colour and by the underline (solid, wavy, dashed), for readers who do not
tell the colours apart. The script filters documents by PMID or text, switches between runs,
and sets ``data-ready="true"`` on ``<body>`` once it has run (the browser test checks it).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any, Final

from cohere_medner.extraction import Extraction
from cohere_medner.report._runs import (
    MISSING,
    STATUSES,
    DocumentView,
    EvaluationRun,
    Mark,
    Status,
)
from cohere_medner.report._table import (
    PROVENANCE_HEADER,
    Column,
    columns,
    cost,
    differences,
    provenance_rows,
    score_of,
)
from cohere_medner.scoring.lists import Comparison
from cohere_medner.types import CHEMICAL

__all__ = ["STATUS_NAMES", "html_report", "marked_text"]

STATUS_NAMES: Final[dict[Status, str]] = {
    "tp": "true positive",
    "fp": "false positive",
    "fn": "false negative (missed)",
}

_CSS: Final = """
:root { --tp: #b4e5c1; --tp-line: #1a7f37; --fp: #ffc8c0; --fp-line: #cf222e;
        --fn: #c9ddff; --fn-line: #0a58ca; color-scheme: light; }
* { box-sizing: border-box; }
body { font: 15px/1.6 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       margin: 0; color: #1f2328; background: #f6f8fa; }
header.page, main, #summary { max-width: 70rem; margin: 0 auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 1rem 0 .25rem; }
h2 { font-size: 1rem; margin: 0; }
table.summary { border-collapse: collapse; font-size: .85rem; background: #fff;
                margin: .5rem 0; display: block; overflow-x: auto; }
table.summary th, table.summary td { border: 1px solid #d0d7de; padding: .2rem .4rem; }
table.summary td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.summary th { background: #eef1f4; }
table.summary .sub { font-weight: normal; color: #57606a; font-size: .75rem; }
.chart { overflow-x: auto; margin: .5rem 0; }
nav#controls { position: sticky; top: 0; z-index: 1; background: #fff;
               border-bottom: 1px solid #d0d7de; padding: .5rem 1rem; display: flex;
               flex-wrap: wrap; gap: .5rem 1.25rem; align-items: center; }
nav#controls input[type=search] { width: 16rem; font: inherit; padding: .1rem .4rem; }
.legend { display: inline-flex; flex-wrap: wrap; gap: .5rem; }
#shown { color: #57606a; }
article.doc { background: #fff; border: 1px solid #d0d7de; border-radius: 6px;
              margin: 1rem 0; padding: .75rem 1rem; }
article.doc > header { display: flex; justify-content: space-between; gap: 1rem;
                       flex-wrap: wrap; color: #57606a; font-size: .85rem; }
.title { font-size: 1.05rem; font-weight: 600; margin: .35rem 0; }
.abstract { margin: .35rem 0; }
mark { background: none; color: inherit; padding: 1px 0;
       text-decoration-thickness: 2px; text-underline-offset: 3px; }
mark.chemical { font-weight: 600; }
mark.s { border-top-left-radius: 4px; border-bottom-left-radius: 4px; margin-left: 1px; }
mark.e { border-top-right-radius: 4px; border-bottom-right-radius: 4px; margin-right: 1px; }
mark.tp { background: var(--tp); text-decoration: underline solid var(--tp-line); }
mark.fp { background: var(--fp); text-decoration: underline wavy var(--fp-line); }
mark.fn { background: var(--fn); text-decoration: underline dashed var(--fn-line); }
mark.tp.fp { background: linear-gradient(var(--tp) 50%, var(--fp) 50%); }
mark.tp.fn { background: linear-gradient(var(--tp) 50%, var(--fn) 50%); }
mark.fp.fn { background: linear-gradient(var(--fp) 50%, var(--fn) 50%); }
mark.tp.fp.fn { background: linear-gradient(var(--tp) 34%, var(--fp) 34% 67%, var(--fn) 67%); }
.notes { font-size: .85rem; margin: .5rem 0 0; }
.notes dt { font-weight: 600; display: inline; }
.notes dd { display: inline; margin: 0 1rem 0 .25rem; }
.tag { font-size: .75rem; border-radius: 3px; padding: 0 .3rem; margin-right: .25rem; }
.tag.tp { background: var(--tp); } .tag.fp { background: var(--fp); }
.tag.fn { background: var(--fn); }
details { font-size: .85rem; margin-top: .5rem; }
details pre { white-space: pre-wrap; background: #f6f8fa; padding: .5rem; margin: .25rem 0; }
.failed { color: #cf222e; }
.none { color: #8c959f; }
"""

_SCRIPT: Final = """
(function () {
  "use strict";
  var body = document.body;
  var filter = document.getElementById("filter");
  var runSelect = document.getElementById("run");
  var errorsOnly = document.getElementById("errors-only");
  var shown = document.getElementById("shown");
  var runs = Array.prototype.slice.call(document.querySelectorAll("div.run"));
  var docs = runs.map(function (run) {
    return Array.prototype.slice.call(run.querySelectorAll("article.doc")).map(function (el) {
      return { el: el, text: (el.dataset.pmid + " " + el.querySelector(".text").textContent)
        .toLowerCase() };
    });
  });
  function update() {
    var current = runSelect ? Number(runSelect.value) || 0 : 0;
    var query = filter.value.trim().toLowerCase();
    var visible = 0;
    runs.forEach(function (run, index) { run.hidden = index !== current; });
    docs[current].forEach(function (doc) {
      var show = (!query || doc.text.indexOf(query) !== -1) &&
        (!errorsOnly.checked || doc.el.dataset.errors === "true");
      doc.el.hidden = !show;
      if (show) { visible += 1; }
    });
    shown.textContent = visible + " of " + docs[current].length + " documents shown";
  }
  // A link can open the page filtered, on a run: report.html#q=17466854&run=1
  var wanted = new URLSearchParams(window.location.hash.slice(1));
  if (wanted.has("q")) { filter.value = wanted.get("q"); }
  if (runSelect && wanted.has("run")) { runSelect.value = wanted.get("run"); }
  filter.addEventListener("input", update);
  errorsOnly.addEventListener("change", update);
  if (runSelect) { runSelect.addEventListener("change", update); }
  update();
  body.dataset.ready = "true";
})();
"""


_LEVEL_NAMES: Final = {"list": "list", "mention": "mention", "id": "identifier"}


def _e(text: object) -> str:
    return escape(str(text), quote=True)


# Marked text ------------------------------------------------------------------------------------


def _tooltip(marks: Iterable[Mark]) -> str:
    lines = []
    for mark in marks:
        ids = f" [{', '.join(mark.ids)}]" if mark.ids else ""
        lines.append(f"{mark.type}, {STATUS_NAMES[mark.status]}: {mark.text}{ids}")
    return "\n".join(lines)


def marked_text(text: str, marks: Sequence[Mark], start: int = 0, end: int | None = None) -> str:
    """HTML of ``text[start:end]`` with each stretch covered by marks in one ``<mark>``.

    Offsets of ``marks`` refer to ``text``; marks reaching outside the stretch are cut.
    """
    stop = len(text) if end is None else end
    bounds = {start, stop}
    for mark in marks:
        for offset in (mark.start, mark.end):
            if start < offset < stop:
                bounds.add(offset)
    cuts = sorted(bounds)
    out = []
    for left, right in itertools.pairwise(cuts):
        covering = [m for m in marks if m.start <= left and right <= m.end]
        piece = _e(text[left:right])
        if not covering:
            out.append(piece)
            continue
        statuses = [s for s in STATUSES if any(m.status == s for m in covering)]
        types = sorted({m.type.lower() for m in covering})
        classes = [*statuses, *types]
        if any(m.start == left for m in covering):
            classes.append("s")
        if any(m.end == right for m in covering):
            classes.append("e")
        out.append(
            f'<mark class="{_e(" ".join(classes))}" title="{_e(_tooltip(covering))}">{piece}</mark>'
        )
    return "".join(out)


# Pieces of the page ---------------------------------------------------------------------------


def _summary_table(runs: Sequence[EvaluationRun], cols: Sequence[Column]) -> str:
    levels: dict[str, int] = {}
    for column in cols:
        levels[column.level] = levels.get(column.level, 0) + 1
    groups = "".join(
        f'<th colspan="{count}">{_e(_LEVEL_NAMES.get(level, level))} F1</th>'
        for level, count in levels.items()
    )
    keys = "".join(f"<th>{_e(c.key)}</th>" for c in cols)
    rows = []
    for run in runs:
        cells = []
        for column in cols:
            score = score_of(run, column)
            value = MISSING if score is None else f"{score.f1:.4f}"
            cells.append(f'<td class="num">{value}</td>')
        spent = cost(run)
        failed = f'<br><span class="sub">{len(run.failed)} failed</span>' if run.failed else ""
        model = f'<br><span class="sub">{_e(run.model)}</span>' if run.model != run.label else ""
        rows.append(
            f"<tr><th>{_e(run.label)}{model}</th>"
            f'<td class="num">{run.documents}{failed}</td>{"".join(cells)}'
            f'<td class="num">{int(spent["input_tokens"]):,}</td>'
            f'<td class="num">{int(spent["output_tokens"]):,}</td>'
            f'<td class="num">{int(spent["requests"]):,}</td>'
            f'<td class="num">{spent["seconds"]:.1f}</td></tr>'
        )
    unlike = differences(runs)
    caption = (
        f'<caption class="failed">Not comparable, not ranked: {_e("; ".join(unlike))}.</caption>'
        if unlike
        else ""
    )
    return (
        f'<table class="summary">{caption}<thead><tr><th rowspan="2">run</th>'
        f'<th rowspan="2">documents</th>{groups}<th colspan="2">tokens</th>'
        '<th rowspan="2">requests</th><th rowspan="2">seconds</th></tr>'
        f"<tr>{keys}<th>in</th><th>out</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _provenance_table(runs: Sequence[EvaluationRun]) -> str:
    """Where each run came from: data, split, lexicon, prompts, model, version, date."""
    header = "".join(f"<th>{_e(name)}</th>" for name in ("run", *PROVENANCE_HEADER))
    rows = "".join(
        f"<tr><th>{_e(run.label)}</th>"
        + "".join(f"<td>{_e(cell)}</td>" for cell in provenance_rows(run))
        + "</tr>"
        for run in runs
    )
    return (
        '<table class="summary provenance"><caption>Where each run came from</caption>'
        f"<thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>"
    )


def _items(items: Iterable[Any]) -> str:
    shown = [" \u2192 ".join(item) if isinstance(item, tuple) else str(item) for item in items]
    return _e("; ".join(shown)) if shown else '<span class="none">none</span>'


def _comparison(name: str, comparison: Comparison[Any]) -> str:
    return (
        f"<dt>{_e(name)}</dt><dd>"
        + " ".join(
            f'<span class="tag {status}">{status.upper()}</span>{_items(items)}'
            for status, items in (
                ("tp", comparison.tp),
                ("fp", comparison.fp),
                ("fn", comparison.fn),
            )
        )
        + "</dd>"
    )


def _notes(view: DocumentView, identified: bool) -> str:
    notes = []
    for kind, names in sorted(view.ungrounded.items()):
        notes.append(
            f'<dt>Ungrounded {_e(kind)} names</dt><dd class="ungrounded">{_items(names)}</dd>'
        )
    if identified and view.unidentified:
        notes.append(f"<dt>No identifier</dt><dd>{_items(view.unidentified)}</dd>")
    if identified and view.ambiguous:
        notes.append(f"<dt>Ambiguous identifier</dt><dd>{_items(view.ambiguous)}</dd>")
    if identified and view.unmapped:
        pairs = [(c, d) for c, _, d in view.unmapped]
        notes.append(f"<dt>Relations without identifiers</dt><dd>{_items(pairs)}</dd>")
    found = [i for i in view.identifications if i.rule != "exact"]
    if identified and found:
        shown = "; ".join(f"{i.name} \u2192 {i.form} ({i.rule})" for i in found)
        notes.append(f"<dt>Identified by a rule</dt><dd>{_e(shown)}</dd>")
    if not view.ungrounded:
        notes.insert(0, '<dt>Ungrounded names</dt><dd class="none">none</dd>')
    return f'<dl class="notes">{"".join(notes)}</dl>'


def _relations(run: EvaluationRun, view: DocumentView) -> str:
    """The relation tasks' pairs as listed: the page's only view of relations."""
    comparisons = run.comparisons(view.pmid)
    listed = "".join(
        _comparison("Relations as listed" if name == "relations" else name, comparisons[name])
        for name in run.pair_tasks
        if name in comparisons
    )
    return f'<dl class="notes">{listed}</dl>' if listed else ""


def _details(run: EvaluationRun, view: DocumentView, extraction: Extraction | None) -> str:
    parts = []
    comparisons = run.comparisons(view.pmid)
    listed = "".join(
        _comparison(name, c) for name, c in comparisons.items() if name not in run.pair_tasks
    )
    if listed:
        parts.append(f'<dl class="notes lists">{listed}</dl>')
    if extraction is not None:
        for task, answer in extraction.raw.items():
            parts.append(f"<div>Answer to {_e(task)}:</div><pre>{_e(answer)}</pre>")
    if not parts:
        return ""
    return (
        "<details><summary>Names as scored at the list level, and the model's answers"
        f"</summary>{''.join(parts)}</details>"
    )


def _document(
    run: EvaluationRun, index: int, view: DocumentView, extraction: Extraction | None
) -> str:
    marks = view.marks
    counts = {status: sum(1 for m in marks if m.status == status) for status in STATUSES}
    errors = bool(counts["fp"] or counts["fn"] or view.ungrounded)
    gold = view.gold
    pmid = _e(view.pmid)
    link = (
        f'<a href="https://pubmed.ncbi.nlm.nih.gov/{pmid}/" rel="noreferrer">PubMed</a>'
        if view.pmid.isdigit()
        else ""
    )
    tally = " ".join(
        f'<span class="tag {status}">{status.upper()} {counts[status]}</span>'
        for status in STATUSES
    )
    title = marked_text(gold.text, marks, 0, len(gold.title))
    abstract = marked_text(gold.text, marks, gold.abstract_start)
    return (
        f'<article class="doc" id="run{index}-{pmid}" data-pmid="{pmid}" '
        f'data-errors="{"true" if errors else "false"}">'
        f"<header><h2>PMID {pmid} {link}</h2><span>{tally}</span></header>"
        f'<div class="text"><div class="title">{title}</div>'
        f'<div class="abstract">{abstract}</div></div>'
        f"{_notes(view, 'id' in run.official)}{_relations(run, view)}"
        f"{_details(run, view, extraction)}</article>"
    )


def _run(run: EvaluationRun, index: int, hidden: bool) -> str:
    by_pmid = {e.document: e for e in run.extractions}
    failed = ""
    if run.failed:
        items = "".join(f"<li>{_e(pmid)}: {_e(error)}</li>" for pmid, error in run.failed)
        failed = (
            f'<div class="failed">{len(run.failed)} failed document'
            f"{'s' if len(run.failed) != 1 else ''}, left out of every score:<ul>{items}</ul></div>"
        )
    documents = "".join(_document(run, index, v, by_pmid.get(v.pmid)) for v in run.views)
    return (
        f'<div class="run" data-run="{index}"{" hidden" if hidden else ""}>'
        f"<h2>{_e(run.label)} <small>({_e(run.model)})</small></h2>{failed}"
        f"{_unresolved(run)}{documents}</div>"
    )


def _unresolved(run: EvaluationRun) -> str:
    """The listed relations no score counts, because a side got no identifier."""
    if not run.unresolved:
        return ""
    items = "".join(
        f"<li>{_e(pmid)}: {_e(chemical)} \u2192 {_e(disease)}</li>"
        for pmid, (chemical, _, disease) in run.unresolved
    )
    return (
        f'<details class="unresolved"><summary>{len(run.unresolved)} of '
        f"{run.listed_relations} listed relations left unresolved (a side got no "
        f"identifier), in no relation score</summary><ul>{items}</ul></details>"
    )


def _legend() -> str:
    return (
        '<span class="legend">'
        + "".join(
            f'<mark class="{status} s e">{_e(STATUS_NAMES[status])}</mark>' for status in STATUSES
        )
        + f'<mark class="{CHEMICAL.lower()} s e">chemicals in bold</mark></span>'
    )


def html_report(runs: Sequence[EvaluationRun], chart: str | None = None) -> str:
    """The self-contained HTML page for ``runs``; ``chart`` is an SVG document to inline."""
    cols = columns(runs)
    selector = ""
    if len(runs) > 1:
        options = "".join(
            f'<option value="{i}">{_e(run.label)}</option>' for i, run in enumerate(runs)
        )
        selector = f'<label>Run <select id="run">{options}</select></label>'
    figure = ""
    if chart:
        # The chart's own XML declaration (if any) has no place inside HTML.
        svg = chart[chart.find("<svg") :] if "<svg" in chart else chart
        figure = f'<div class="chart">{svg}</div>'
    runs_html = "".join(_run(run, i, hidden=i > 0) for i, run in enumerate(runs))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>cohere-medner evaluation report</title>"
        f"<style>{_CSS}</style></head>\n"
        '<body data-ready="false">'
        '<header class="page"><h1>cohere-medner evaluation report</h1>'
        f"<p>{len(runs)} run{'s' if len(runs) != 1 else ''}. F1 micro-averaged over the "
        "documents answered; mentions are marked by the official mention rule (start, end "
        "and entity type).</p></header>"
        f'<section id="summary">{_summary_table(runs, cols)}{figure}'
        f"{_provenance_table(runs)}</section>"
        '<nav id="controls">'
        f"{selector}"
        '<label>Filter <input id="filter" type="search" placeholder="PMID or text"></label>'
        '<label><input id="errors-only" type="checkbox"> only documents with errors</label>'
        f'{_legend()}<span id="shown"></span></nav>\n'
        f"<main>{runs_html}</main>\n"
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
