"""Benchmark: pacing on a bad day - a trial key without --rpm, an outage, odd Retry-Afters.

Run by hand (``python bench/faults_pacing.py [options]``); prints one JSON object with the
issue's targets next to what was measured. The loopback server (an oracle over the
documents) runs in a subprocess, started afresh for every run; the client is the
library's Extractor (per-task mode: three requests a document) over a CohereClient.

Time is scaled by ``--scale`` (default 0.3) so the runs finish in minutes: every
duration on both sides is the real one times the scale - the server's windows (60 s and
10 s), its latency (1 to 2 s), the client's ``rate_window`` (a minute: the limiter's and
the circuit's time constants follow it), its timeout (120 s) and retry budget (300 s),
the outage (90 s) and a constant ``Retry-After: 1``. Counts are not scaled, so
"requests a minute" are requests per scaled minute. What does not scale is the client's
own overhead per request and the least backoff (50 ms): at ``--scale 0.1`` a 10 s window
is 1 s, in which the overhead of a round of 8 requests on a busy machine (up to 0.1 s)
is no longer small, and the 10 s trial runs take up to 1.5x the ideal there. Wall times
count from the first request the server received, as the Extractor's setup is no pacing.
Scenarios:

- ``trial``: no ``--rpm`` against a key allowed 20 requests a minute, or 20 per 10 s,
  whose 429s say the exact wait, always 1 s, or nothing; 60 requests. Targets: under
  10% of requests refused, wall time within 1.3x the ideal (60 requests at the limit).
- ``outage``: a run without a limit, then the same run with a 90 s outage (503, 502, 429
  and dropped connections in turn) beginning 5 s in. Targets: fewer than 30 requests a
  minute reach the server during the outage, and the run is done within 2x the
  fault-free run's time after the outage ends, with identical extractions.
- ``retry_after``: 3 requests against a server answering 429 with ``Retry-After: 0``
  (then ``-5``) for 20 s, unscaled (the least backoff is absolute): it sent 1,241
  requests. And 21 requests, one refused with ``Retry-After: 1000000000``, which froze
  every request: the others must finish within about a window.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cohere_medner.corpus import load_corpus
from cohere_medner.extraction import Extraction
from cohere_medner.extractor import Extractor
from cohere_medner.models.client import CohereClient
from cohere_medner.types import Document

MODEL = "command-r-08-2024"
KEY = "bench-key"
SCENARIOS = ("trial", "outage", "retry_after")


def documents_of(data: str | None, limit: int) -> list[Document]:
    return load_corpus(data, None).to_list()[:limit]


# The server, in its own process ---------------------------------------------------------


def serve(args: argparse.Namespace) -> None:
    """Answer as an oracle until stdin closes; each command line gets one JSON line back."""
    from cohere_medner.testing import FakeCohere, Fault
    from cohere_medner.testing.oracle import oracle

    said: float | str | None = args.rate_retry_after
    if said not in ("exact", None):
        said = float(said) if said != "none" else None
    with FakeCohere(
        responder=oracle(documents_of(args.data, args.documents)),
        rate_limit=args.rate_limit,
        rate_window=args.rate_window,
        rate_retry_after=said,  # type: ignore[arg-type]
        latency=(args.latency_low, args.latency_high),
    ) as server:
        print(server.url, flush=True)
        for line in sys.stdin:
            command, *rest = line.split()
            if command == "outage":  # outage SECONDS KIND[,KIND...] [RETRY_AFTER]
                kinds = [Fault(kind) for kind in rest[1].split(",")]
                server.outage(kinds, seconds=float(rest[0]), retry_after=" ".join(rest[2:]))
                print(json.dumps({"at": time.monotonic()}), flush=True)
            elif command == "inject":  # inject KIND COUNT RETRY_AFTER
                server.inject(Fault(rest[0]), int(rest[1]), retry_after=" ".join(rest[2:]))
                print("{}", flush=True)
            else:
                exchanges = server.exchanges
                stats = {
                    "outcomes": dict(server.outcome_counts),
                    "received": [e.request.received_at for e in exchanges],
                    "now": time.monotonic(),
                }
                print(json.dumps(stats), flush=True)


class Server:
    """A FakeCohere in a subprocess; its commands may come from any thread."""

    def __init__(self, args: argparse.Namespace, **settings: Any) -> None:
        options = {
            "rate-limit": None,
            "rate-window": 60.0,
            "rate-retry-after": "exact",
            "latency-low": 1.0 * args.scale,
            "latency-high": 2.0 * args.scale,
            "documents": args.documents,
            **settings,
        }
        command = [sys.executable, str(Path(__file__).resolve()), "--serve"]
        for name, value in options.items():
            if value is not None:
                command += [f"--{name}", str(value)]
        if args.data:
            command += ["--data", args.data]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.lock = threading.Lock()
        assert self.process.stdout
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http"):
            raise RuntimeError("the server subprocess did not start")

    def ask(self, command: str) -> dict[str, Any]:
        with self.lock:
            assert self.process.stdin and self.process.stdout
            self.process.stdin.write(command + "\n")
            self.process.stdin.flush()
            found: dict[str, Any] = json.loads(self.process.stdout.readline())
            return found

    def close(self) -> None:
        assert self.process.stdin
        self.process.stdin.close()
        self.process.wait(timeout=60)


def client(args: argparse.Namespace, url: str) -> CohereClient:
    """The client as a user starts it (no --rpm), with its durations scaled."""
    return CohereClient(
        KEY,
        base_url=url,
        rate_window=60.0 * args.scale,
        timeout=120.0 * args.scale,
        retry_budget=300.0 * args.scale,
    )


def extract(co: CohereClient, documents: list[Document]) -> list[Extraction]:
    return Extractor(MODEL, client=co, cache=False, progress=False).extract_many(documents)


def round_all(found: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in found.items()}


# Scenarios ------------------------------------------------------------------------------


def trial(args: argparse.Namespace) -> dict[str, Any]:
    documents = documents_of(args.data, 20)
    runs: dict[str, Any] = {}
    for window in args.windows:
        for said in ("exact", "1", "none"):
            scaled = said if said in ("exact", "none") else str(float(said) * args.scale)
            server = Server(
                args, **{"rate-limit": 20, "rate-window": window * args.scale},
                **{"rate-retry-after": scaled},
            )  # fmt: skip
            try:
                co = client(args, server.url)
                start = time.monotonic()
                extractions = extract(co, documents)
                done = time.monotonic()
                stats = server.ask("stats")
            finally:
                server.close()
            # From the first request the server received (the same monotonic clock): the
            # Extractor's setup and the first connections are not pacing.
            first = min(stats["received"])
            wall = done - first
            sent = sum(stats["outcomes"].values())
            refused = stats["outcomes"].get("throttled", 0)
            ideal = 3 * len(documents) / 20 * window * args.scale
            runs[f"{window:.0f}s_window.retry_after_{said}"] = round_all(
                {
                    "requests_sent": sent,
                    "refused": refused,
                    "refused_share": refused / sent,
                    "target_refused_share_below": 0.1,
                    "wall_s": wall,
                    "setup_s": first - start,
                    "ideal_s": ideal,
                    "wall_over_ideal": wall / ideal,
                    "target_wall_over_ideal_below": 1.3,
                    "failed_documents": sum(not e.ok for e in extractions),
                    "learned_rate_per_minute": co.limiter.rate,  # scaled minutes
                    "learned_window_s": co.limiter.span / args.scale,
                    "met": refused / sent < 0.1 and wall / ideal < 1.3,
                }
            )
    return runs


def outage(args: argparse.Namespace) -> dict[str, Any]:
    documents = documents_of(args.data, args.documents)
    server = Server(args)
    try:
        start = time.monotonic()
        clean = extract(client(args, server.url), documents)
        fault_free = time.monotonic() - start
    finally:
        server.close()

    server = Server(args)
    down = 90.0 * args.scale
    kinds = "service_unavailable,bad_gateway,rate_limited,disconnect"
    began: list[float] = []

    def go_down() -> None:
        time.sleep(5.0 * args.scale)
        began.append(server.ask(f"outage {down} {kinds}")["at"])

    try:
        co = client(args, server.url)
        trigger = threading.Thread(target=go_down)
        start = time.monotonic()
        trigger.start()
        extractions = extract(co, documents)
        done = time.monotonic()
        trigger.join()
        stats = server.ask("stats")
    finally:
        server.close()
    # The server's clock and this process's are the same monotonic clock.
    during = sum(1 for t in stats["received"] if began[0] <= t < began[0] + down)
    per_minute = during / (down / (60.0 * args.scale))
    after = done - (began[0] + down)
    return round_all(
        {
            "documents": len(documents),
            "fault_free_s": fault_free,
            "outage_s": down,
            "requests_during_outage": during,
            "requests_per_minute_during_outage": per_minute,
            "target_requests_per_minute_below": 30,
            "done_after_recovery_s": after,
            "target_done_after_recovery_below_s": 2 * fault_free,
            "wall_s": done - start,
            "requests_sent": sum(stats["outcomes"].values()),
            "outcomes": stats["outcomes"],
            "failed_documents": sum(not e.ok for e in extractions),
            "identical_extractions": [(e.entities, e.relations) for e in extractions]
            == [(e.entities, e.relations) for e in clean],
            "rate_after_run": "no limit" if co.limiter.rate == float("inf") else co.limiter.rate,
            "met": per_minute < 30 and after < 2 * fault_free,
        }
    )


def retry_after(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for said in ("0", "-5"):
        server = Server(args, **{"latency-low": 0.0, "latency-high": 0.0})
        try:
            co = CohereClient(KEY, base_url=server.url)  # unscaled: a real minute
            server.ask(f"outage 20 rate_limited {said}")
            start = time.monotonic()
            failed = extract(co, documents_of(args.data, 1))
            wall = time.monotonic() - start
            stats = server.ask("stats")
        finally:
            server.close()
        results[f"retry_after_{said}"] = round_all(
            {
                "pending_requests": 3,
                "seconds": 20,
                "requests_sent": sum(stats["outcomes"].values()),
                "before_the_fix": 1241 if said == "0" else None,
                "wall_s": wall,
                "answered_after_the_429s": all(e.ok for e in failed),
            }
        )
    server = Server(args)
    try:
        co = client(args, server.url)
        server.ask("inject rate_limited 1 1000000000")
        start = time.monotonic()
        extractions = extract(co, documents_of(args.data, 7))
        wall = time.monotonic() - start
    finally:
        server.close()
    window = 60.0 * args.scale
    bound = window + 20.0 * args.scale  # a held window, and the requests themselves
    results["retry_after_1000000000"] = round_all(
        {
            "requests": 21,
            "before_the_fix": "never: every request held for 31 years",
            "wall_s": wall,
            "window_s": window,
            "target_wall_below_s": bound,
            "failed_documents": sum(not e.ok for e in extractions),
            "met": wall < bound,
        }
    )
    return results


def warm_up(args: argparse.Namespace) -> None:
    """One untimed extraction, so that no scenario pays for first-use imports and caches."""
    server = Server(args, **{"latency-low": 0.0, "latency-high": 0.0})
    try:
        extract(client(args, server.url), documents_of(args.data, 2))
    finally:
        server.close()


def parser() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--scale", type=float, default=0.3, help="time scale (default 0.3)")
    options.add_argument("--data", help="a BC5CDR directory or file (default: the bundled sample)")
    options.add_argument("--documents", type=int, default=50, help="for the outage (default 50)")
    options.add_argument("--scenarios", nargs="*", choices=SCENARIOS, help="default: all")
    options.add_argument(
        "--windows", nargs="*", type=float, default=[60.0, 10.0], help="trial windows, unscaled"
    )
    options.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    options.add_argument("--rate-limit", type=int, help=argparse.SUPPRESS)
    options.add_argument("--rate-window", type=float, default=60.0, help=argparse.SUPPRESS)
    options.add_argument("--rate-retry-after", default="exact", help=argparse.SUPPRESS)
    options.add_argument("--latency-low", type=float, default=0.0, help=argparse.SUPPRESS)
    options.add_argument("--latency-high", type=float, default=0.0, help=argparse.SUPPRESS)
    return options


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.serve:
        serve(args)
        return
    report: dict[str, Any] = {
        "settings": {
            "scale": args.scale,
            "mapping": "every duration is the real one times the scale; counts are not scaled",
            "client": "Extractor per-task, CohereClient(no --rpm, concurrency 8)",
        }
    }
    runners = {"trial": trial, "outage": outage, "retry_after": retry_after}
    warm_up(args)
    for name in args.scenarios or SCENARIOS:
        report[name] = runners[name](args)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
