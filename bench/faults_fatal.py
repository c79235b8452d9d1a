"""Benchmark: runs that cannot work stop at once; requests that hang do not hold a run.

Run by hand (``python bench/faults_fatal.py [options]``); prints one JSON object, each
scenario's measures beside the issue's targets (issue 13). The loopback server answers
as an oracle over the documents (the BC5CDR test split where ``--data`` holds it, else
the bundled sample), after ``--latency`` seconds.

- ``bad_key`` and ``unknown_model``: ``cohere-medner evaluate`` (and ``extract`` to a
  .jsonl file) in a subprocess, as a new user runs it, with a key the server refuses or a
  model it does not know. Target: under 10 requests and under 5 s to a clear exit (one
  line on stderr, nothing on stdout, a non-zero status). ``seconds`` is the whole command,
  start-up included (``evaluate`` first builds the MeSH lexicon from the train and
  validation splits, before any request: ``seconds_before_first_request``);
  ``seconds_after_first_request`` is what the refusal itself costs.
- ``unreachable``: ``extract --text`` with ``CO_API_URL`` at an address where nothing
  listens (it used to retry in silence for 298 s). Target: seconds, naming the address.
- ``hangs``: ``Extractor.extract_many`` in this process, fault-free, then with
  ``--hang-share`` of requests hanging for good (held until the server stops), each cut
  by the attempt's deadline (``--timeouts``) and retried. Target: no document lost, the
  same predictions, and wall time under 2x the fault-free run. Time is scaled: an answer
  takes ``--latency`` seconds where Cohere takes about 2 s, so each timeout is given with
  what it means at Cohere's pace (``timeout_at_cohere_pace``). A hung request that held
  its concurrency slot to its deadline would cost ``share x timeout / latency`` runs'
  worth of slot-time (0.02 x 60 = 1.2 more runs at the default 120 s): it gives its slot
  to the next request once it is five times slower than the median answer
  (:mod:`cohere_medner.models.slots`), and what is left is mostly the run's tail.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cohere_medner.corpus import load_corpus
from cohere_medner.extraction import Extraction
from cohere_medner.extractor import Extractor
from cohere_medner.testing import FakeCohere, Fault
from cohere_medner.testing.oracle import oracle
from cohere_medner.types import Document

MODEL = "command-r-08-2024"
KEY = "bench-key"
COHERE_LATENCY = 2.0
"""Seconds Cohere takes for one of these answers, roughly: what --latency stands for."""
TARGETS = {
    "refused": {"requests_below": 10, "seconds_below": 5.0},
    "hangs": {"documents_lost": 0, "wall_over_fault_free_below": 2.0},
}


def corpus(data: str | None, split: str, limit: int | None) -> tuple[list[Document], list[str]]:
    """The documents, and the --data/--split options that name them for the CLI."""
    try:
        documents = load_corpus(data, split).to_list()
        options = ["--split", split] + (["--data", data] if data else [])
    except Exception:  # no full corpus here: the bundled sample
        documents = load_corpus(None, split).to_list()
        options = ["--split", split]
    return (documents[:limit] if limit else documents), options


def unused_address() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def command(
    server: FakeCohere | None, argv: Sequence[str], environment: dict[str, str]
) -> dict[str, Any]:
    """Run ``cohere-medner ARGV``; what it sent, printed and how long it took."""
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "cohere_medner.cli", *argv],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
    )
    end = time.monotonic()
    requests = server.requests if server is not None else []
    found: dict[str, Any] = {
        "exit_status": done.returncode,
        "requests": len(requests),
        "seconds": round(end - start, 2),
        "stdout_lines": len(done.stdout.splitlines()),
        "stderr": done.stderr.splitlines(),
    }
    if requests:
        first = requests[0].received_at
        found["seconds_before_first_request"] = round(first - start, 2)
        found["seconds_after_first_request"] = round(end - first, 2)
    return found


def refused(
    documents: list[Document], data: list[str], latency: float, scratch: Path
) -> dict[str, Any]:
    """A refused key and an unknown model, through evaluate and extract."""
    found: dict[str, Any] = {}
    cases = {"bad_key": ("wrong-key", MODEL), "unknown_model": (KEY, "no-such-model")}
    for name, (key, model) in cases.items():
        for verb in ("evaluate", "extract"):
            with FakeCohere(responder=oracle(documents), api_keys={KEY}, latency=latency) as fake:
                argv = [verb, "--model", model, *data, "--no-progress", "--no-cache"]
                if verb == "extract":
                    argv += ["--output", str(scratch / f"{name}.jsonl")]
                environment = {"CO_API_URL": fake.url, "CO_API_KEY": key}
                result = command(fake, argv, environment)
            result["meets_target"] = (
                result["requests"] < TARGETS["refused"]["requests_below"]
                and result["seconds"] < TARGETS["refused"]["seconds_below"]
                and result["stdout_lines"] == 0
                and len(result["stderr"]) == 1
                and result["exit_status"] != 0
            )
            found[f"{name}/{verb}"] = result
    return found


def unreachable(scratch: Path) -> dict[str, Any]:
    address = unused_address()
    argv = ["extract", "--model", MODEL, "--text", "Aspirin-induced asthma.", "--no-progress"]
    argv += ["--no-cache", "--output", str(scratch / "unreachable.jsonl")]
    result = command(None, argv, {"CO_API_URL": address, "CO_API_KEY": KEY})
    result["names_the_address"] = any(address in line for line in result["stderr"])
    return result


def extracted(
    documents: list[Document], latency: float, timeout: float, concurrency: int, share: float
) -> tuple[list[Extraction], float, dict[str, int], dict[str, int]]:
    """Extract every document; the extractions, wall seconds, usage and server outcomes."""
    with FakeCohere(
        responder=oracle(documents),
        latency=latency,
        fault_rate=share,
        fault_kinds=[Fault.HANG],
        seed=13,
    ) as fake:
        extractor = Extractor(
            MODEL,
            api_key=KEY,
            base_url=fake.url,
            cache=False,
            progress=False,
            timeout=timeout,
            max_concurrency=concurrency,
        )
        start = time.monotonic()
        extractions = extractor.extract_many(documents)
        seconds = time.monotonic() - start
        # A hung request is logged when the server stops: the ones held are those unanswered.
        outcomes = {**fake.outcome_counts, "hang": len(fake.requests) - len(fake.exchanges)}
    return extractions, seconds, extractor.usage, outcomes


def predictions(extractions: list[Extraction]) -> list[tuple[Any, ...]]:
    return [(e.document, e.entities, e.relations) for e in extractions]


def hangs(
    documents: list[Document],
    latency: float,
    timeouts: Sequence[float],
    concurrency: int,
    share: float,
) -> dict[str, Any]:
    clean, clean_seconds, clean_usage, _ = extracted(documents, latency, 30.0, concurrency, 0.0)
    found: dict[str, Any] = {
        "documents": len(documents),
        "latency": latency,
        "concurrency": concurrency,
        "hang_share": share,
        "fault_free": {
            "seconds": round(clean_seconds, 2),
            "requests": clean_usage["requests"],
            "documents_lost": sum(not e.ok for e in clean),
        },
    }
    for timeout in timeouts:
        faulty, seconds, usage, outcomes = extracted(
            documents, latency, timeout, concurrency, share
        )
        lost = sum(not e.ok for e in faulty)
        ratio = seconds / clean_seconds
        found[f"timeout_{timeout:g}"] = {
            "timeout": timeout,
            "timeout_at_cohere_pace": round(timeout / latency * COHERE_LATENCY, 1),
            "seconds": round(seconds, 2),
            "wall_over_fault_free": round(ratio, 2),
            "requests": usage["requests"],
            "retries": usage["retries"],
            "hung": outcomes.get("hang", 0),
            "documents_lost": lost,
            "same_predictions": predictions(faulty) == predictions(clean),
            "meets_target": lost == 0 and ratio < TARGETS["hangs"]["wall_over_fault_free_below"],
        }
    return found


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", help="a BC5CDR directory or file (default: bundled sample)")
    parser.add_argument("--split", default="test")
    parser.add_argument("--limit", type=int, help="only the first N documents")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per answer")
    parser.add_argument(
        "--timeouts",
        default="1,6",
        help="attempt deadlines for the hang runs, comma-separated (default 1,6: 20 s and "
        "the default 120 s at Cohere's pace)",
    )
    parser.add_argument("--hang-share", type=float, default=0.02)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--scenarios", default="refused,unreachable,hangs", help="comma-separated")
    args = parser.parse_args(argv)
    documents, data = corpus(args.data, args.split, args.limit)
    scenarios = set(args.scenarios.split(","))
    report: dict[str, Any] = {"targets": TARGETS, "documents": len(documents)}
    with tempfile.TemporaryDirectory() as scratch:
        if "refused" in scenarios:
            report["refused"] = refused(documents, data, args.latency, Path(scratch))
        if "unreachable" in scenarios:
            report["unreachable"] = unreachable(Path(scratch))
    if "hangs" in scenarios:
        timeouts = [float(t) for t in args.timeouts.split(",")]
        report["hangs"] = hangs(
            documents, args.latency, timeouts, args.concurrency, args.hang_share
        )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
