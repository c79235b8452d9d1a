"""Benchmark: loading BC5CDR from PubTator and BioC, scoring, and streaming memory.

Run by hand (``python bench/corpus.py [DATA_DIR]``); prints one JSON object. Every figure
is measured side by side with its floor in the same run, best of several repetitions:

- PubTator loading against merely splitting the three files into lines (target: < 5x),
  and against building the corpus' objects (frozen, validated attrs ``Document``,
  ``Mention`` and ``Relation``) from fields parsed beforehand: the part of loading that no
  parser can remove while the data model stays as it is; and against splitting every
  line into its tab-separated columns and keeping them: the least any parser does, with
  no numbers read, nothing checked and no objects built;
- BioC loading against a bare ``xml.etree.ElementTree.iterparse`` pass (target: < 3x);
- scoring the corpus against itself at all three levels, per document;
- peak memory while streaming a file ten times the corpus' size, against one the corpus'
  size (target: flat, not ten times larger).
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cohere_medner._files import open_text
from cohere_medner.corpus.bioc import read_bioc
from cohere_medner.corpus.pubtator import read_pubtator
from cohere_medner.scoring import official as scoring
from cohere_medner.types import Document, Mention, Relation

NAMES = ("Training", "Development", "Test")
REPEAT = 7


def best(run: Callable[[], object], repeat: int = REPEAT) -> float:
    """The fastest of ``repeat`` runs, in seconds: the least disturbed by other work."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def split_lines(paths: list[Path]) -> int:
    count = 0
    for path in paths:
        with open_text(path) as stream:
            for _ in stream:
                count += 1
    return count


def read_and_splitlines(paths: list[Path]) -> int:
    return sum(len(p.read_text(encoding="utf-8").splitlines()) for p in paths)


def split_columns(paths: list[Path]) -> list[list[list[str]]]:
    """Every document's annotation lines split into columns, kept as a parser keeps them."""
    documents = []
    for path in paths:
        for block in path.read_text(encoding="utf-8").split("\n\n"):
            if block:
                documents.append([line.split("\t") for line in block.split("\n")])
    return documents


def object_fields(documents: list[Document]) -> list[tuple[Any, ...]]:
    """Every field of the corpus' objects, parsed beforehand."""
    return [
        (
            d.pmid,
            d.title,
            d.abstract,
            [(m.start, m.end, m.text, m.type, m.ids, m.parts, m.score) for m in d.mentions],
            [(r.chemical, r.disease, r.type, r.score) for r in d.relations],
        )
        for d in documents
    ]


def build_objects(fields: list[tuple[Any, ...]]) -> list[Document]:
    return [
        Document(
            pmid,
            title,
            abstract,
            tuple([Mention(*m) for m in ms]),
            tuple([Relation(*r) for r in rs]),
        )
        for pmid, title, abstract, ms, rs in fields
    ]


def bare_iterparse(paths: list[Path]) -> int:
    count = 0
    for path in paths:
        for _ in ET.iterparse(path):
            count += 1
    return count


_STREAM = """
import resource, sys
from cohere_medner.corpus import read_{reader}
count = sum(1 for _ in read_{reader}(sys.argv[1]))
print(count, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def peak_streaming(path: Path, reader: str) -> tuple[int, int]:
    """Documents read and the peak resident memory (bytes) of a process streaming ``path``.

    A fresh process each time: tracemalloc would count blocks kept on CPython's free
    lists as if they were still in use, and a process's peak RSS is what a user feels.
    """
    code = _STREAM.format(reader=reader)
    found = subprocess.run(
        [sys.executable, "-c", code, str(path)], check=True, capture_output=True, text=True
    )
    count, peak = found.stdout.split()
    return int(count), int(peak)


def repeated_pubtator(paths: list[Path], times: int, target: Path) -> Path:
    text = "".join(p.read_text(encoding="utf-8") for p in paths)
    with target.open("w", encoding="utf-8") as out:
        for _ in range(times):
            out.write(text)
    return target


def repeated_bioc(paths: list[Path], times: int, target: Path) -> Path:
    bodies = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        bodies.append(text[text.index("<document>") : text.rindex("</collection>")])
    head = paths[0].read_text(encoding="utf-8")
    head = head[: head.index("<document>")]
    with target.open("w", encoding="utf-8") as out:
        out.write(head)
        for _ in range(times):
            out.writelines(bodies)
        out.write("</collection>\n")
    return target


def main(data_dir: Path) -> dict[str, object]:
    pubtator = [data_dir / f"CDR_{n}Set.PubTator.txt" for n in NAMES]
    bioc = [data_dir / f"CDR_{n}Set.BioC.xml" for n in NAMES]
    documents: list[Document] = [d for p in pubtator for d in read_pubtator(p)]
    n = len(documents)

    floor_lines = best(lambda: split_lines(pubtator))
    floor_splitlines = best(lambda: read_and_splitlines(pubtator))
    floor_columns = best(lambda: split_columns(pubtator))
    load_pubtator = best(lambda: [list(read_pubtator(p)) for p in pubtator])
    fields = object_fields(documents)
    floor_objects = best(lambda: build_objects(fields))
    floor_xml = best(lambda: bare_iterparse(bioc))
    load_bioc = best(lambda: [list(read_bioc(p)) for p in bioc])
    score_times = {
        level: best(lambda level=level: scoring.score(documents, documents, level), 3)
        for level in scoring.LEVELS
    }

    memory: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in (("pubtator", repeated_pubtator), ("bioc", repeated_bioc)):
            sources = pubtator if name == "pubtator" else bioc
            one = build(sources, 1, Path(tmp) / f"x1.{name}")
            ten = build(sources, 10, Path(tmp) / f"x10.{name}")
            docs_one, peak_one = peak_streaming(one, name)
            docs_ten, peak_ten = peak_streaming(ten, name)
            memory[name] = {
                "documents": [docs_one, docs_ten],
                "file_mib": [round(p.stat().st_size / 2**20, 1) for p in (one, ten)],
                "peak_rss_mib": [round(peak_one / 2**20, 1), round(peak_ten / 2**20, 1)],
                "peak_ratio_10x_over_1x": round(peak_ten / peak_one, 2),
            }

    return {
        "documents": n,
        "pubtator": {
            "floor_split_lines_s": round(floor_lines, 4),
            "load_s": round(load_pubtator, 4),
            "load_ms_per_document": round(1000 * load_pubtator / n, 4),
            "ratio_to_floor": round(load_pubtator / floor_lines, 2),
            "floor_read_splitlines_s": round(floor_splitlines, 4),
            "ratio_to_read_splitlines": round(load_pubtator / floor_splitlines, 2),
            "target_ratio": 5,
            "floor_split_columns_s": round(floor_columns, 4),
            "split_columns_ratio_to_floor": round(floor_columns / floor_lines, 2),
            "ratio_to_split_columns": round(load_pubtator / floor_columns, 2),
            "floor_build_objects_s": round(floor_objects, 4),
            "build_objects_ratio_to_floor": round(floor_objects / floor_lines, 2),
            "ratio_to_build_objects": round(load_pubtator / floor_objects, 2),
        },
        "bioc": {
            "floor_iterparse_s": round(floor_xml, 4),
            "load_s": round(load_bioc, 4),
            "load_ms_per_document": round(1000 * load_bioc / n, 4),
            "ratio_to_floor": round(load_bioc / floor_xml, 2),
            "target_ratio": 3,
        },
        "scoring_against_itself": {
            level: {"s": round(t, 4), "ms_per_document": round(1000 * t / n, 4)}
            for level, t in score_times.items()
        },
        "streaming_memory": memory,
    }


if __name__ == "__main__":
    default = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "bc5cdr"
    print(json.dumps(main(Path(sys.argv[1]) if len(sys.argv) > 1 else default), indent=2))
