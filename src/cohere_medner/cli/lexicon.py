"""The ``lexicon`` command: ``lexicon build`` writes a lexicon of vocabularies and annotations."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from cohere_medner.errors import ConfigurationError

# The readers and the lexicon are imported when the command runs (see options.py).
if TYPE_CHECKING:
    from cohere_medner.cli.options import Commands

DEFAULT_SPLITS = "train,validation"
"""The corpus splits whose annotations a built lexicon holds, when --data is given."""


def add_lexicon(commands: Commands) -> None:
    lexicon = commands.add_parser(
        "lexicon",
        help="build a MeSH lexicon file from MeSH and CTD vocabularies",
        description="Lexicon files: 'lexicon build' writes one, for extract and evaluate "
        "--lexicon.",
    )
    actions = lexicon.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = actions.add_parser(
        "build",
        help="read vocabulary files (and annotated splits) and write one lexicon file",
        description="Read NLM's MeSH files and CTD's vocabularies (plain or .gz; download "
        "them first, see docs/lexicons.md) and the annotations of --data, and write one "
        "lexicon, for extract and evaluate --lexicon. Give at least one source.",
    )
    build.add_argument(
        "--mesh", type=Path, metavar="FILE", help="MeSH descriptors, descYYYY.xml (or .gz)"
    )
    build.add_argument(
        "--supp",
        type=Path,
        metavar="FILE",
        help="MeSH supplementary concept records, suppYYYY.xml (or .gz)",
    )
    build.add_argument(
        "--ctd-diseases", type=Path, metavar="FILE", help="CTD's CTD_diseases.tsv (or .gz)"
    )
    build.add_argument(
        "--ctd-chemicals", type=Path, metavar="FILE", help="CTD's CTD_chemicals.tsv (or .gz)"
    )
    build.add_argument(
        "--data",
        type=Path,
        help="a BC5CDR directory or corpus file whose annotated names come first, as the "
        "other commands' --data takes it (default: none, vocabularies only)",
    )
    build.add_argument("--corpus", type=Path, dest="data", help=argparse.SUPPRESS)  # old name
    build.add_argument(
        "--split",
        help=f"comma-separated splits of --data (default: {DEFAULT_SPLITS})",
    )
    build.add_argument(
        "--allow-test", action="store_true", help="allow the test split's annotations"
    )
    build.add_argument(
        "--output", required=True, type=Path, metavar="FILE", help="the lexicon file to write"
    )
    build.set_defaults(run=_build)


def _build(args: argparse.Namespace) -> int:
    from cohere_medner.corpus import load_corpus
    from cohere_medner.grounding.vocabulary import build_lexicon

    if args.split is not None and args.data is None:
        raise ConfigurationError("--split names splits of --data: give --data too")
    splits = None
    if args.data is not None:
        names = [name.strip() for name in (args.split or DEFAULT_SPLITS).split(",")]
        splits = {name: load_corpus(args.data, name) for name in names if name}
    lexicon = build_lexicon(
        mesh=args.mesh,
        supplementary=args.supp,
        ctd_diseases=args.ctd_diseases,
        ctd_chemicals=args.ctd_chemicals,
        splits=splits,
        allow_test=args.allow_test,
    )
    lexicon.save(args.output)
    annotated = sum(1 for _ in lexicon.entries(source="annotation"))
    sources = ", ".join((*lexicon.splits, *lexicon.vocabularies))
    print(
        f"{args.output}: {len(lexicon)} forms ({annotated} annotated, "
        f"{len(lexicon) - annotated} from vocabularies only) from {sources}"
    )
    return 0
