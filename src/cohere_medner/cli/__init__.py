"""The ``cohere-medner`` command: argument parsing over the public Python API.

Each command is a few lines over a public function, in a module by idea: :mod:`.corpus`
(``stats``, ``convert``, ``score``), :mod:`.model` (``extract``, ``evaluate``,
``compare``) and :mod:`.finetune` (``prepare``, ``finetune``); :mod:`.options` holds the
options several commands share and the objects they name.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from cohere_medner.cli import corpus, finetune, model
from cohere_medner.errors import MedNerError

__all__ = ["build_parser", "main"]

Command = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="cohere-medner",
        description="Extract diseases, chemicals and CID relations with Cohere models; "
        "read, convert and score BC5CDR corpora.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # In the order --help lists them: the tutorial's workflow, roughly.
    corpus.add_stats(commands)
    corpus.add_convert(commands)
    corpus.add_score(commands)
    finetune.add_prepare(commands)
    model.add_extract(commands)
    finetune.add_finetune(commands)
    model.add_evaluate(commands)
    model.add_compare(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; errors go to stderr with a non-zero exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # A rule between two of score's options, which argparse cannot state.
    if args.command == "score" and args.level != "relation" and args.type is None:
        parser.error("score: --type Chemical|Disease is required for --level mention and id")
    run: Command = args.run
    try:
        return run(args)
    except (MedNerError, OSError) as error:
        print(f"cohere-medner {args.command}: error: {error}", file=sys.stderr)
        return 1
