"""The ``cohere-medner`` command: argument parsing over the public Python API.

Each command is a few lines over a public function, in a module by idea: :mod:`.corpus`
(``stats``, ``convert``, ``score``), :mod:`.model` (``extract``, ``evaluate``,
``compare``), :mod:`.finetune` (``prepare``, ``finetune``) and :mod:`.lexicon`
(``lexicon build``); :mod:`.options` holds the options several commands share and the
objects they name.

Exit status: 0 when all went well; 1 for an error in the options, the files or the data;
3 when some documents failed after retrying (each is listed; running the same command again
retries them); 4 when Cohere refused in a way no request can get past (the key, the model,
a setting every request shares, or nothing answering at the address), stopping the run at
the first such answer; 130 when interrupted (Ctrl-C); 141 when the reader of its output
went away early (``cohere-medner stats | head -1``), as a shell reports a tool that SIGPIPE
stopped.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from cohere_medner import __version__
from cohere_medner.errors import FatalApiError, MedNerError

__all__ = ["build_parser", "main"]

Command = Callable[[argparse.Namespace], int]

STOPPED = 4
"""The exit status of a run stopped by a refusal no request can get past (a bad key ...)."""
INTERRUPTED = 130
"""The exit status of a run stopped by Ctrl-C (SIGINT), as shells report it."""
PIPE_CLOSED = 141
"""The exit status when stdout's reader went away (``| head``): 128 + SIGPIPE, as shells
report ``yes | head``'s ``yes``, so ``set -o pipefail`` scripts still see the output was cut."""

CLI_WORDS = (
    ("pass api_key=... or set CO_API_KEY", "set CO_API_KEY"),
    ("allow_test=True", "--allow-test"),
    ("allow_seen=True", "--allow-seen"),
)
"""What the library's messages tell Python callers to pass, and what the command line has instead."""

EPILOG = """\
examples:
  cohere-medner stats --split test
  cohere-medner evaluate --model lexicon --split test
  CO_API_KEY=... cohere-medner evaluate --model command-r-08-2024 --split test --report runs/r

'cohere-medner COMMAND --help' tells more of each. The documentation is in docs/ beside
the code, starting at docs/getting-started.md; the README says how to build it as HTML.
"""
"""The end of the top level's --help: three commands to start from, and where the docs are."""

COMMANDS: dict[str, tuple[str, str]] = {
    # In the order --help lists them: the tutorial's workflow, roughly.
    "stats": ("corpus", "add_stats"),
    "convert": ("corpus", "add_convert"),
    "score": ("corpus", "add_score"),
    "prepare": ("finetune", "add_prepare"),
    "lexicon": ("lexicon", "add_lexicon"),
    "extract": ("model", "add_extract"),
    "finetune": ("finetune", "add_finetune"),
    "evaluate": ("model", "add_evaluate"),
    "compare": ("model", "add_compare"),
}
"""Each command's module in this package, and the function that adds its parser."""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of every subcommand, or of the one called ``only``.

    Building one command's parser imports only that command's module: `cohere-medner score`
    then starts in a fraction of the time all of them take.
    """
    parser = argparse.ArgumentParser(
        prog="cohere-medner",
        description="Extract diseases, chemicals and CID relations with Cohere models; "
        "read, convert and score BC5CDR corpora.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, add) in COMMANDS.items():
        if only is None or name == only:
            getattr(importlib.import_module(f"{__name__}.{module}"), add)(commands)
    return parser


def _command(argv: Sequence[str]) -> str | None:
    """The command ``argv`` starts with, if it is one (else every parser: help, a typo)."""
    return argv[0] if argv and argv[0] in COMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; errors go to stderr with a non-zero exit status."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # here, not at exit, where a closed pipe could not be caught
    except BrokenPipeError:
        # Python's documented way: point stdout at devnull so that the interpreter's own
        # flush at exit cannot fail again and print "Exception ignored ...".
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return PIPE_CLOSED
    return code


def _main(argv: Sequence[str] | None) -> int:
    """:func:`main` but for a closed stdout."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(_command(arguments)).parse_args(arguments)
    run: Command = args.run
    try:
        return run(args)
    except FatalApiError as error:
        print(f"cohere-medner {args.command}: stopped: {_in_cli_words(error)}", file=sys.stderr)
        return STOPPED
    except BrokenPipeError:
        raise  # an OSError, but not an error of the run: main ends quietly
    except (MedNerError, OSError) as error:
        print(f"cohere-medner {args.command}: error: {_in_cli_words(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        from cohere_medner.cli.options import interrupted

        print(f"cohere-medner {args.command}: {interrupted(args)}", file=sys.stderr)
        return INTERRUPTED


def _in_cli_words(error: Exception) -> str:
    """The error's message, with the Python arguments it suggests named as the options they are."""
    message = str(error)
    for python, cli in CLI_WORDS:
        message = message.replace(python, cli)
    return message
