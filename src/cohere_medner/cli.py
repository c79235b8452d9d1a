"""The ``cohere-medner`` command: argument parsing over the public Python API."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from . import scoring
from .corpus import load_corpus, load_splits, read_file, write_bigbio, write_corpus
from .errors import MedNerError
from .types import ENTITY_TYPES

Command = Callable[[argparse.Namespace], int]


def _add_data(parser: argparse.ArgumentParser, split_help: str = "") -> None:
    parser.add_argument(
        "--data",
        type=Path,
        help="a directory holding the official BC5CDR files, or one corpus file "
        "(PubTator, BioC XML or the tutorial's JSON, detected); default: the bundled sample",
    )
    parser.add_argument(
        "--split", help=split_help or "train, validation or test (default: all of --data)"
    )


def _stats(args: argparse.Namespace) -> int:
    documents = 0
    mentions: Counter[str] = Counter({kind: 0 for kind in ENTITY_TYPES})
    relations = 0
    for document in load_corpus(args.data, args.split):
        documents += 1
        mentions.update(m.type for m in document.mentions)
        relations += len(document.relations)
    if args.json:
        print(
            json.dumps({"documents": documents, "mentions": dict(mentions), "relations": relations})
        )
    else:
        print(f"documents  {documents}")
        for kind, count in mentions.items():
            print(f"{kind:<10} {count} mentions")
        print(f"relations  {relations}")
    return 0


def _convert(args: argparse.Namespace) -> int:
    if args.to == "json" and args.split is None:
        # The tutorial's JSON labels every document with its split: write them all.
        write_bigbio(load_splits(args.data), args.output)
    else:
        write_corpus(load_corpus(args.data, args.split), args.output, args.to, split=args.split)
    return 0


def _score(args: argparse.Namespace) -> int:
    gold = read_file(args.gold)
    predicted = read_file(args.pred)
    entity_type = None if args.level == "relation" else args.type
    result = scoring.score(gold, predicted, args.level, entity_type)
    if args.json:
        print(json.dumps(result.as_dict()))
    else:
        print(f"TP: {result.tp}\nFP: {result.fp}\nFN: {result.fn}")
        print(f"Precision: {result.precision}\nRecall: {result.recall}\nF-score: {result.f1}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="cohere-medner",
        description="Extract diseases, chemicals and CID relations with Cohere models; "
        "read, convert and score BC5CDR corpora.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    stats = commands.add_parser("stats", help="count documents, mentions and relations")
    _add_data(stats)
    stats.add_argument("--json", action="store_true", help="print one JSON object")
    stats.set_defaults(run=_stats)

    convert = commands.add_parser("convert", help="write a corpus in another format")
    _add_data(convert)
    convert.add_argument("--to", required=True, choices=("pubtator", "bioc", "json"))
    convert.add_argument("--output", required=True, type=Path, help="the file to write")
    convert.set_defaults(run=_convert)

    score = commands.add_parser(
        "score", help="score predictions by the official BC5CDR definitions"
    )
    score.add_argument("--gold", required=True, type=Path, help="gold PubTator or BioC file")
    score.add_argument("--pred", required=True, type=Path, help="predicted PubTator or BioC file")
    score.add_argument("--level", required=True, choices=scoring.LEVELS)
    score.add_argument("--type", choices=ENTITY_TYPES, help="entity type (mention and id levels)")
    score.add_argument("--json", action="store_true", help="print tp fp fn precision recall f1")
    score.set_defaults(run=_score)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; errors go to stderr with a non-zero exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "score" and args.level != "relation" and args.type is None:
        parser.error("score: --type Chemical|Disease is required for --level mention and id")
    run: Command = args.run
    try:
        return run(args)
    except MedNerError as error:
        print(f"cohere-medner {args.command}: error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"cohere-medner {args.command}: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
