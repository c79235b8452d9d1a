"""Commands over corpora: ``stats``, ``convert`` and ``score``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from cohere_medner.cli import options
from cohere_medner.corpus.bc5cdr import load_corpus, load_splits, read_file
from cohere_medner.corpus.detect import FORMATS
from cohere_medner.errors import DocumentMismatchError
from cohere_medner.scoring import official as scoring
from cohere_medner.types import ENTITY_TYPES

if TYPE_CHECKING:
    from cohere_medner.cli.options import Commands


def add_stats(commands: Commands) -> None:
    stats = commands.add_parser(
        "stats",
        help="count documents, mentions and relations",
        description="Count a corpus's documents, mentions (by type), identifiers and CID "
        "relations, as the BC5CDR paper's table does.",
    )
    options.add_data(stats)
    stats.add_argument("--json", action="store_true", help="print one JSON object")
    stats.set_defaults(run=_stats)


def _stats(args: argparse.Namespace) -> int:
    from cohere_medner.corpus.stats import corpus_stats

    stats = corpus_stats(load_corpus(args.data, args.split))
    print(json.dumps(stats.as_dict()) if args.json else stats.summary())
    return 0


def add_convert(commands: Commands) -> None:
    convert = commands.add_parser(
        "convert",
        help="write a corpus in another format",
        description="Write a corpus (or one split of it) as PubTator, BioC XML or the "
        "tutorial's JSON; json without --split writes every split, each labelled.",
    )
    options.add_data(convert)
    convert.add_argument("--to", required=True, choices=FORMATS, help="the format to write")
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
        "score",
        help="score predictions by the official BC5CDR definitions",
        description="Score a predictions file against a gold file as the official BC5CDR "
        "evaluator does: mentions, identifiers (each by --type) or CID relations.",
    )
    score.add_argument("--gold", required=True, type=Path, help="gold PubTator or BioC file")
    score.add_argument("--pred", required=True, type=Path, help="predicted PubTator or BioC file")
    score.add_argument(
        "--level",
        required=True,
        choices=scoring.LEVELS,
        help="mention (offsets), id (identifiers per document) or relation (CID pairs)",
    )
    score.add_argument("--type", choices=ENTITY_TYPES, help="entity type (mention and id levels)")
    score.add_argument(
        "--split",
        help="train, validation or test: the documents of that split in a file holding "
        "several, such as bc5cdr.json (default: all documents of both files)",
    )
    score.add_argument(
        "--missing-as-empty",
        action="store_true",
        help="count a document found in one file only as having no annotations in the other "
        "(default: an error, as the official evaluator's users expect the same documents)",
    )
    score.add_argument(
        "--json", action="store_true", help="print tp fp fn precision recall f1 and documents"
    )
    score.set_defaults(run=_score, usage_error=score.error)


def _score(args: argparse.Namespace) -> int:
    if args.level != "relation" and args.type is None:  # a rule argparse cannot state
        args.usage_error("--type Chemical|Disease is required for --level mention and id")
    gold = read_file(args.gold, args.split).to_list()
    predicted = read_file(args.pred, args.split, predictions=True).to_list()
    covered = scoring.coverage(gold, predicted)
    if not (covered.complete or args.missing_as_empty):
        raise DocumentMismatchError(_mismatch(args, covered))
    entity_type = None if args.level == "relation" else args.type
    result = scoring.score(gold, predicted, args.level, entity_type)
    if args.json:
        print(json.dumps({**result.as_dict(), "documents": covered.as_dict()}))
    else:
        print(f"TP: {result.tp}\nFP: {result.fp}\nFN: {result.fn}")
        print(f"Precision: {result.precision}\nRecall: {result.recall}\nF-score: {result.f1}")
        print(f"Documents: {covered.summary()}")
    return 0


def _mismatch(args: argparse.Namespace, covered: scoring.Coverage) -> str:
    """Why ``score`` refuses files that differ in documents, and what to do about it."""
    lines = [f"{args.gold} and {args.pred} hold different documents: {covered.summary()}."]
    for side, pmids in (("gold", covered.gold_only), ("predictions", covered.predicted_only)):
        if pmids:
            shown = sorted(pmids, key=lambda pmid: (len(pmid), pmid))
            more = f" and {len(shown) - 5} more" if len(shown) > 5 else ""
            lines.append(f"In {side} only: {', '.join(shown[:5])}{more}.")
    if not covered.both:
        lines.append("No document is on both sides: are they of the same split?")
    if args.split is None:
        lines.append("Pass --split to score one split of a file holding several.")
    lines.append("Pass --missing-as-empty to count a document missing on one side as empty there.")
    return " ".join(lines)
