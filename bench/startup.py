"""Benchmark: how long ``cohere-medner score`` takes on the test split, and where it goes.

Run by hand (``python bench/startup.py [DATA_DIR]``); prints one JSON object, best of
several runs of each figure:

- ``score_wall_s``: the whole command, from starting Python to its exit, scoring the official
  test split against itself at mention level (target: < 0.15 s);
- ``python_wall_s``: starting Python and exiting, the floor no command can go under;
- ``import_cli_s``: importing the command line (its parsers built by ``main``);
- ``read_and_score_s``: what the command does once started, in this process: reading both
  files into validated documents and scoring them (the part no import can remove);
- ``sdk_loaded``: whether running ``score`` imported ``cohere`` or ``httpx`` (it must not).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

REPEAT = 7
DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "bc5cdr"


def best_wall(command: list[str]) -> float:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return min(times)


def read_and_score(test: Path) -> float:
    from cohere_medner.corpus import read_file
    from cohere_medner.scoring import score

    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        score(read_file(test), read_file(test), "mention", "Disease")
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    test = data / "CDR_TestSet.PubTator.txt"
    score = [
        "-m",
        "cohere_medner.cli",
        "score",
        "--gold",
        str(test),
        "--pred",
        str(test),
        "--level",
        "mention",
        "--type",
        "Disease",
    ]
    probe = (
        "import runpy, sys; sys.argv = ['cohere-medner', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('cohere_medner.cli', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'cohere', 'httpx'}))"
    )
    loaded = (
        subprocess.run(
            [sys.executable, "-c", probe, *score[2:]], check=True, capture_output=True, text=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    print(
        json.dumps(
            {
                "score_wall_s": round(best_wall([sys.executable, *score]), 4),
                "python_wall_s": round(best_wall([sys.executable, "-c", "pass"]), 4),
                "import_cli_s": round(
                    best_wall([sys.executable, "-c", "import cohere_medner.cli"]), 4
                ),
                "read_and_score_s": round(read_and_score(test), 4),
                "sdk_loaded": loaded != "[]",
                "target_score_wall_s": 0.15,
            }
        )
    )


if __name__ == "__main__":
    main()
