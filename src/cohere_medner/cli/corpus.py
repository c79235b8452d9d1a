"""Commands over corpora: ``stats``, ``convert`` and ``score``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from cohere_medner.cli import options
from cohere_medner.corpus.bc5cdr import load_corpus, load_splits, read_file
from cohere_medner.corpus.detect import FORMATS
from cohere_medner.scoring import official as scoring
from cohere_medner.types import ENTITY_TYPES

if TYPE_CHECKING:
    from cohere_medner.cli.options import Commands


def add_stats(commands: Commands) -> None:
    stats = commands.add_parser("stats", help="count documents, mentions and relations")
    options.add_data(stats)
    stats.add_argument("--json", action="store_true", help="print one JSON object")
    stats.set_defaults(run=_stats)


def _stats(args: argparse.Namespace) -> int:
    from cohere_medner.corpus.stats import corpus_stats

    stats = corpus_stats(load_corpus(args.data, args.split))
    print(json.dumps(stats.as_dict()) if args.json else stats.summary())
    return 0


def add_convert(commands: Commands) -> None:
    convert = commands.add_parser("convert", help="write a corpus in another format")
    options.add_data(convert)
    convert.add_argument("--to", required=True, choices=FORMATS)
    convert.add_argument("--output", required=True, type=Path, help="the file to write")
    convert.set_defaults(run=_convert)


def _convert(args: argparse.Namespace) -> int:
    from cohere_medner.corpus.bigbio_writer import write_bigbio
    from cohere_medner.corpus.write import write_corpus

    if args.to == "json" and args.split is None:
        # The tutorial's JSON labels every document with its split: write them all.
        write_bigbio(load_splits(args.data), args.output)
    else:
        write_corpus(load_corpus(args.data, args.split), args.output, args.to, split=args.split)
    return 0


def add_score(commands: Commands) -> None:
    score = commands.add_parser(
        "score", help="score predictions by the official BC5CDR definitions"
    )
    score.add_argument("--gold", required=True, type=Path, help="gold PubTator or BioC file")
    score.add_argument("--pred", required=True, type=Path, help="predicted PubTator or BioC file")
    score.add_argument("--level", required=True, choices=scoring.LEVELS)
    score.add_argument("--type", choices=ENTITY_TYPES, help="entity type (mention and id levels)")
    score.add_argument("--json", action="store_true", help="print tp fp fn precision recall f1")
    score.set_defaults(run=_score)


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
