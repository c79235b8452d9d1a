from __future__ import annotations

import argparse
import json
import os
import re
import runpy
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import cohere_medner
from cohere_medner.cli import INTERRUPTED, PIPE_CLOSED, build_parser, main
from cohere_medner.corpus import load_sample
from cohere_medner.testing import FakeCohere
from cohere_medner.testing.oracle import oracle
from command_line import run


def test_errors_go_to_stderr_with_nonzero_exit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "stats", "--data", str(tmp_path / "absent"))
    assert code == 1 and out == "" and "no such corpus" in err
    broken = tmp_path / "broken.PubTator"
    broken.write_text("1|t|Title\n1|a|Abstract\n1\t0\t5\tTitlx\tDisease\t-1\n")
    code, out, err = run(capsys, "stats", "--data", str(broken))
    assert code == 1 and f"{broken}, line 3:" in err
    with pytest.raises(SystemExit) as exited:
        main(["score", "--gold", str(broken), "--pred", str(broken), "--level", "id"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    # The subcommand's usage, not the top level's "cohere-medner [-h] [--version] COMMAND".
    assert err.startswith("usage: cohere-medner score ") and "score: error: --type" in err


def test_commands_are_listed_in_the_workflows_order(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["bogus"])
    assert exited.value.code == 2
    listed = capsys.readouterr().err.split("choose from")[1]
    assert re.findall(r"\w+", listed) == [
        "stats", "convert", "score", "prepare", "lexicon", "extract", "finetune", "evaluate",
        "compare",
    ]  # fmt: skip


def test_python_dash_m_runs_the_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", ["cohere-medner", "stats", "--split", "test", "--json"])
    with pytest.raises(SystemExit) as exited:
        runpy.run_module("cohere_medner.cli", run_name="__main__")
    assert exited.value.code == 0
    assert json.loads(capsys.readouterr().out)["documents"] == 10


def test_a_command_builds_only_its_own_parser() -> None:
    """`cohere-medner score` imports the corpus commands, not the model or fine-tuning ones."""
    code = (
        "import sys; from cohere_medner.cli import build_parser; "
        "parser = build_parser('score'); "
        "parser.parse_args(['score', '--gold', 'g', '--pred', 'p', '--level', 'relation']); "
        "print(sorted(m for m in sys.modules if m.startswith('cohere_medner.cli.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "['cohere_medner.cli.corpus', 'cohere_medner.cli.options']"


def test_ctrl_c_says_in_one_line_what_was_kept_and_how_to_resume(tmp_path: Path) -> None:
    # It used to print an 83-line traceback.
    cache, output = tmp_path / "cache.sqlite3", tmp_path / "out.jsonl"
    command = [
        sys.executable, "-m", "cohere_medner.cli", "extract", "--model", "command-r-08-2024",
        "--output", str(output), "--cache", str(cache), "--concurrency", "2", "--no-progress",
    ]  # fmt: skip
    with FakeCohere(responder=oracle(load_sample()), latency=0.05) as server:
        environment = {**os.environ, "CO_API_URL": server.url, "CO_API_KEY": "test-key"}
        # A shell starts background jobs with SIGINT ignored, and children inherit that
        # (CI may run us so): the command must see Ctrl-C as a terminal sends it.
        interrupted = subprocess.Popen(
            command,
            env=environment,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        deadline = time.monotonic() + 60
        while len(server.requests) < 10 and time.monotonic() < deadline:
            time.sleep(0.01)
        interrupted.send_signal(signal.SIGINT)
        _, err = interrupted.communicate(timeout=60)
        assert interrupted.returncode == INTERRUPTED == 130
        assert err.splitlines() == [
            f"cohere-medner extract: interrupted; the answers received so far are kept in the "
            f"response cache ({cache}) and no output was written: run the same command again "
            "to resume, paying only for the rest"
        ]
        assert not output.exists()
        sent = len(server.requests)
        resumed = subprocess.run(command, env=environment, capture_output=True, text=True)
        assert resumed.returncode == 0, resumed.stderr
        # Only what was in flight at the interrupt (two requests at most) is asked again.
        assert len(server.requests) <= 150 + 2 and sent >= 10


def test_a_reader_that_goes_away_ends_the_command_quietly() -> None:
    # `cohere-medner stats | head -0` used to print "error: [Errno 32] Broken pipe".
    command = [sys.executable, "-m", "cohere_medner.cli", "stats", "--split", "test"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # before the command writes: its first write finds no reader
    err = process.stderr.read()
    assert process.wait(timeout=60) == PIPE_CLOSED == 141
    assert err == b""


def test_version_prints_the_package_s_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"cohere-medner {cohere_medner.__version__}\n"


def _commands(
    parser: argparse.ArgumentParser, path: str = "cohere-medner"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every command and subcommand's parser, by its name on the command line."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, command in action.choices.items():
                yield f"{path} {name}", command
                yield from _commands(command, f"{path} {name}")


def test_every_command_is_described_and_every_option_has_help_naming_its_default() -> None:
    # --mode, --to, --temperature, compare --output, the hyperparameters ... had none.
    missing = []
    for name, command in _commands(build_parser()):
        if not command.description:
            missing.append(f"{name}: no description")
        for action in command._actions:
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue
            if action.help is None:
                missing.append(f"{name} {action.dest}: no help")
            elif (
                action.help != argparse.SUPPRESS
                and action.default not in (None, False)
                and ("default" not in action.help)
            ):
                missing.append(f"{name} {action.dest}: default {action.default} not said")
    assert missing == []


def test_top_level_help_ends_with_examples_and_where_the_docs_are(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    end = capsys.readouterr().out.split("examples:\n")[1]
    examples = [line.strip() for line in end.splitlines() if "cohere-medner " in line][:3]
    assert len(examples) == 3 and "docs/getting-started.md" in end
    for example in examples[:2]:  # the offline ones run as shown
        assert main(shlex.split(example)[1:]) == 0


def test_one_spelling_per_option_the_other_still_taken(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # prepare took --task where extract and evaluate take --tasks; lexicon build --corpus
    # where every other command takes --data. The old spellings still work, unlisted.
    written = []
    for option in ("--tasks", "--task"):
        output = tmp_path / f"{option}.jsonl"
        argv = ["prepare", option, "chemicals", "--split", "train,validation"]
        code, _, err = run(capsys, *argv, "--output", str(output))
        assert code == 0, err
        written.append(output.read_bytes())
    assert written[0] == written[1]
    for command in ("prepare", "extract", "evaluate", "lexicon"):
        with pytest.raises(SystemExit):
            main([command, "build", "--help"] if command == "lexicon" else [command, "--help"])
        shown = capsys.readouterr().out
        assert "--task " not in shown and "--corpus" not in shown
