"""The HTML report: marked text, escaping, colours, and the page in a real headless browser."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.report import Mark, html_report, marked_text, write_report
from cohere_medner.report._html import _CSS
from cohere_medner.report._runs import STATUSES, Status
from evaluation_runs import (
    FAILED_ERROR,
    FAILED_PMID,
    UNGROUNDED,
    cohere_run,
    lexicon_run,
    unresolved_run,
)

MARK = re.compile(r'<mark class="([^"]*)" title="([^"]*)">(.*?)</mark>', re.S)


def mark(start: int, end: int, text: str, status: Status, kind: str = "Disease") -> Mark:
    return Mark(start, end, text[start:end], kind, status)


def pieces(rendered: str) -> list[tuple[set[str], str]]:
    """Each ``<mark>``'s classes and its text, unescaped."""
    return [(set(c.split()), html.unescape(t)) for c, _, t in MARK.findall(rendered)]


def test_text_and_tooltips_are_escaped() -> None:
    text = "a <b>x & y</b> \"quoted\" 'single'"
    bold, quoted = text.index("<b>"), text.index('"quoted"')
    marks = [mark(bold, bold + 12, text, "fp"), mark(quoted, quoted + 8, text, "tp", "Chemical")]
    rendered = marked_text(text, marks)
    assert "<b>" not in rendered and "&lt;b&gt;x &amp; y&lt;/b&gt;" in rendered
    assert "&quot;quoted&quot;" in rendered and "&#x27;single&#x27;" in rendered
    titles = [html.unescape(t) for _, t, _ in MARK.findall(rendered)]
    assert titles == ["Disease, false positive: <b>x & y</b>", 'Chemical, true positive: "quoted"']
    assert html.unescape(re.sub(r"<[^>]+>", "", rendered)) == text


def test_adjacent_mentions_stay_two_marks() -> None:
    text = "gentamicin-induced nephrotoxicity"
    marks = [mark(0, 10, text, "tp", "Chemical"), mark(10, 18, text, "fp")]
    assert pieces(marked_text(text, marks)) == [
        ({"tp", "chemical", "s", "e"}, "gentamicin"),
        ({"fp", "disease", "s", "e"}, "-induced"),
    ]


def test_overlapping_mentions_are_cut_where_they_begin_and_end() -> None:
    text = "severe acute renal failure today"
    marks = [
        mark(0, 26, text, "fn"),  # the gold mention, missed
        mark(7, 26, text, "fp"),  # a shorter prediction inside it
        mark(13, 18, text, "tp", "Chemical"),  # and a third, nested in both
    ]
    assert pieces(marked_text(text, marks)) == [
        ({"fn", "disease", "s"}, "severe "),
        ({"fp", "fn", "disease", "s"}, "acute "),
        ({"tp", "fp", "fn", "chemical", "disease", "s", "e"}, "renal"),
        ({"fp", "fn", "disease", "e"}, " failure"),
    ]
    assert marked_text(text, marks).endswith("</mark> today")


def test_a_stretch_cuts_marks_that_reach_outside_it() -> None:
    text = "Title here. Abstract there."
    marks = [mark(6, 16, text, "fn")]
    assert pieces(marked_text(text, marks, 0, 11)) == [({"fn", "disease", "s"}, "here.")]
    assert pieces(marked_text(text, marks, 12)) == [({"fn", "disease", "e"}, "Abst")]


@st.composite
def marked(draw: st.DrawFn) -> tuple[str, list[Mark]]:
    text = draw(st.text(alphabet="ab <>&\"'é\n", min_size=1, max_size=40))
    marks = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        marks.append(mark(start, end, text, draw(st.sampled_from(STATUSES))))
    return text, marks


@given(marked())
def test_marking_keeps_the_text_and_gives_each_piece_its_statuses(
    case: tuple[str, list[Mark]],
) -> None:
    text, marks = case
    rendered = marked_text(text, marks)
    assert html.unescape(re.sub(r"<[^>]+>", "", rendered)) == text
    offset = 0
    for chunk in re.split(r"(<mark [^>]*>.*?</mark>)", rendered, flags=re.S):
        found = MARK.fullmatch(chunk)
        piece = html.unescape(re.sub(r"<[^>]+>", "", chunk))
        covering = {m.status for m in marks if m.start <= offset and offset + len(piece) <= m.end}
        if found is None:
            assert not covering or not piece
        else:
            classes = set(found.group(1).split())
            assert classes & set(STATUSES) == covering != set()
        offset += len(piece)


def test_each_status_has_its_own_colour_and_underline() -> None:
    colours = {s: re.search(rf"--{s}: (#[0-9a-f]{{6}})", _CSS) for s in STATUSES}
    assert len({c.group(1) for c in colours.values() if c}) == 3
    lines = {s: re.search(rf"mark\.{s} {{[^}}]*underline (\w+)", _CSS) for s in STATUSES}
    assert [m.group(1) for m in lines.values() if m] == ["solid", "wavy", "dashed"]


def test_the_page_lists_ungrounded_names_failures_and_answers_escaped() -> None:
    page = html_report([lexicon_run(), attrs.evolve(cohere_run(), label="flawed <run>")])
    assert html.escape(UNGROUNDED) in page and UNGROUNDED not in page
    assert html.escape(FAILED_ERROR) in page and FAILED_PMID in page
    assert '<option value="1">flawed &lt;run&gt;</option>' in page
    assert page.count('<article class="doc"') == 20
    assert "Answer to diseases:" in page
    assert page.count("<dt>Relations as listed</dt>") == 20
    # Self-contained: nothing is fetched.
    assert not re.search(r"<link|<img|<iframe|\bsrc=|@import|url\(", page)
    for status in STATUSES:
        assert f'<mark class="{status}' in page


CHROMIUM = shutil.which("chromium")


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="no headless browser: install Debian's chromium package (apt-get install chromium)",
)
def test_the_page_renders_in_a_headless_browser(tmp_path: Path) -> None:
    runs = [lexicon_run(), attrs.evolve(cohere_run(), label="flawed")]
    files = write_report(runs, tmp_path / "report")
    pmid = runs[1].views[3].pmid
    url = f"{files.html.resolve().as_uri()}#q={pmid}&run=1"
    done = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "Uncaught" not in done.stderr
    parser = _Elements()
    parser.feed(done.stdout)
    elements = parser.found
    body = next(attributes for tag, attributes in elements if tag == "body")
    assert body.get("data-ready") == "true"  # the script ran to its end
    divs = [a for tag, a in elements if tag == "div" and "data-run" in a]
    assert ["hidden" in a for a in divs] == [True, False]
    articles = [a for tag, a in elements if tag == "article"]
    assert len(articles) == 20  # run 0's ten first, in the run hidden as a whole
    assert [a["data-pmid"] for a in articles[10:] if "hidden" not in a] == [pmid]
    classes = [set((a.get("class") or "").split()) for tag, a in elements if tag == "mark"]
    for status in STATUSES:
        assert sum(status in c for c in classes) > 10
    assert re.search(r'<span id="shown">1 of 10 documents shown</span>', done.stdout)


def test_unresolved_relations_and_identifying_rules_are_shown() -> None:
    page = html_report([unresolved_run()])
    assert "1 of 2 listed relations left unresolved" in page
    assert "5: Timolol maleate \u2192 rash" in page
    assert "Timolol maleate \u2192 timolol (salt)" in page
