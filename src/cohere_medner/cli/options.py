"""What several commands share: the corpus and model options, and the objects they name."""

from __future__ import annotations

import argparse
import itertools
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cohere_medner.errors import ConfigurationError, CorpusError, DataLeakError

# What builds models, lexicons and extractors is imported when a command builds one:
# every command's parser is built on every run, and `cohere-medner score` must not pay for
# loading the SDK (or the lexicon) it never uses.
BASELINE = "lexicon"
"""--model's name for the offline baseline (the registry's name for LexiconModel)."""

if TYPE_CHECKING:
    from typing import TypeAlias

    from cohere_medner.extractor import Extractor
    from cohere_medner.grounding.lexicon import Lexicon
    from cohere_medner.models.base import Model
    from cohere_medner.prompts.templates import ExampleChooser
    from cohere_medner.types import Document

    Commands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]
    """What ``add_subparsers`` returns: each command module adds its commands to it."""


def above_zero(text: str) -> float:
    """An argparse type: a finite number above 0, refused in the command line's words."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {text}")
    return value


def at_least_one(text: str) -> int:
    """An argparse type: a whole number of 1 or more, refused in the command line's words."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {text}")
    return value


def add_data(parser: argparse.ArgumentParser, split_help: str = "") -> None:
    """--data and --split: the corpus a command reads, as ``load_corpus`` takes it."""
    parser.add_argument(
        "--data",
        type=Path,
        help="a directory holding the official BC5CDR files, or one corpus file "
        "(PubTator, BioC XML or the tutorial's JSON, detected); default: the bundled sample",
    )
    parser.add_argument(
        "--split", help=split_help or "train, validation or test (default: all of --data)"
    )


def add_model(parser: argparse.ArgumentParser, required: bool = True) -> None:
    """The options of :func:`extractor`: model, tasks, prompts, requests, examples, lexicon."""
    from cohere_medner.prompts.tasks import MODES

    parser.add_argument(
        "--model",
        required=required,
        help="a Cohere model name or fine-tuned model id, or 'lexicon' (the offline baseline)",
    )
    parser.add_argument(
        "--tasks",
        default="diseases,chemicals,relations",
        help="comma-separated tasks (default: diseases,chemicals,relations)",
    )
    parser.add_argument("--task", dest="tasks", help=argparse.SUPPRESS)  # prepare's old spelling
    parser.add_argument(
        "--mode",
        choices=MODES,
        default="per-task",
        help="per-task: one request per task and document; combined: one per document "
        "(default: per-task)",
    )
    add_template(parser)
    parser.add_argument(
        "--endpoint",
        choices=("chat", "generate"),
        default="chat",
        help="v2 chat, or the legacy v1 generate of the tutorial's fine-tuned models "
        "(default: chat)",
    )
    parser.add_argument(
        "--rpm",
        type=above_zero,
        help="requests per minute to stay under (default: learnt from the server's 429s)",
    )
    parser.add_argument(
        "--concurrency",
        type=at_least_one,
        default=8,
        help="requests in flight at most (default: 8)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds one attempt may take, answer and all, before it is retried (default: 120)",
    )
    parser.add_argument(
        "--retry-budget",
        type=float,
        default=300.0,
        help="seconds a request may keep retrying 429s, 5xx, timeouts and lost connections "
        "(default: 300)",
    )
    parser.add_argument("--limit", type=int, help="only the first N documents")
    parser.add_argument(
        "--temperature", type=float, default=0.0, help="sampling temperature (default: 0)"
    )
    parser.add_argument(
        "--max-tokens", type=int, default=600, help="the longest answer asked for (default: 600)"
    )
    parser.add_argument(
        "--cache",
        type=Path,
        help="response cache file (default: $COHERE_MEDNER_CACHE, else "
        "cohere-medner/responses.sqlite3 under $XDG_CACHE_HOME or ~/.cache)",
    )
    parser.add_argument("--no-cache", action="store_true", help="ask again even if answered")
    parser.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    parser.add_argument(
        "--examples",
        type=int,
        default=0,
        help="worked examples per prompt, from the train split of --examples-data",
    )
    parser.add_argument(
        "--nearest",
        action="store_true",
        help="choose the examples by similarity (Cohere Embed), not at random",
    )
    parser.add_argument(
        "--examples-data", type=Path, help="corpus to draw examples from (default: --data)"
    )
    parser.add_argument(
        "--embed-model", default="embed-v4.0", help="for --nearest (default: embed-v4.0)"
    )
    parser.add_argument("--rerank-model", help="re-order nearest examples with Cohere Rerank")
    parser.add_argument("--seed", type=int, default=0, help="for random examples")
    parser.add_argument(
        "--lexicon-data",
        type=Path,
        help="corpus whose train and validation splits give the MeSH lexicon (default: --data)",
    )
    parser.add_argument(
        "--lexicon",
        type=Path,
        metavar="FILE",
        help="a lexicon file (from 'cohere-medner lexicon build') instead of --lexicon-data's",
    )
    parser.add_argument(
        "--allow-seen",
        action="store_true",
        help="allow documents the lexicon was built from (scores then measure memory)",
    )


def add_template(parser: argparse.ArgumentParser) -> None:
    """--template: the prompts' layout, ``titled`` unless the tutorial's ``seed`` is asked."""
    from cohere_medner.prompts.templates import TEMPLATES, TITLED

    parser.add_argument(
        "--template",
        choices=TEMPLATES,
        default=TITLED.name,
        help=f"prompt layout (default: {TITLED.name}, the title before the abstract, as "
        "official scoring counts its mentions; seed: the tutorial's prompt, byte for byte)",
    )


def documents(args: argparse.Namespace) -> list[Document]:
    """The documents of --data and --split, the first --limit of them."""
    from cohere_medner.corpus import load_corpus

    found = load_corpus(args.data, args.split)
    if args.limit is not None:
        return list(itertools.islice(found, args.limit))
    return list(found)


def lexicon(args: argparse.Namespace, documents: Sequence[Document]) -> Lexicon | None:
    """The lexicon file --lexicon names, else the train and validation splits' of
    --lexicon-data (default --data).

    None where those splits cannot be had (a single-split file): then predictions get no
    identifiers. A lexicon built on the documents being extracted is refused.
    """
    from cohere_medner.grounding.lexicon import Lexicon

    if args.lexicon is not None and args.lexicon_data is not None:
        raise ConfigurationError("give --lexicon (a file) or --lexicon-data (a corpus), not both")
    source = args.lexicon_data if args.lexicon_data is not None else args.data
    try:
        found = Lexicon.load(args.lexicon) if args.lexicon else Lexicon.from_data(source)
    except CorpusError as error:
        if args.model == BASELINE:
            raise
        print(f"note: no lexicon, so no MeSH identifiers ({error})", file=sys.stderr)
        return None
    seen = found.seen(documents)
    if seen and not args.allow_seen:
        raise DataLeakError(
            f"{len(seen)} of the documents to extract ({', '.join(seen[:5])}...) are in the "
            "lexicon's training splits: extract another split, pass --lexicon-data or "
            "--lexicon, or --allow-seen"
        )
    return found


def extractor(args: argparse.Namespace, lexicon: Lexicon | None = None) -> Extractor:
    """The :class:`Extractor` the options of :func:`add_model` describe."""
    from cohere_medner.corpus import load_corpus
    from cohere_medner.extractor import Extractor
    from cohere_medner.models import CohereChat, CohereGenerate, KNearest
    from cohere_medner.prompts.templates import FewShot

    model = _model(args, lexicon)
    examples: ExampleChooser | None = None
    if args.examples and isinstance(model, CohereChat | CohereGenerate):
        source = args.examples_data if args.examples_data is not None else args.data
        pool = load_corpus(source, "train").to_list()
        examples = (
            KNearest(
                pool,
                args.examples,
                embed_model=args.embed_model,
                rerank_model=args.rerank_model,
                client=model.client,
                cache=not args.no_cache,
            )
            if args.nearest
            else FewShot(pool, k=args.examples, seed=args.seed)
        )
    return Extractor(
        model,
        args.tasks,
        mode=args.mode,
        template=args.template,
        examples=examples,
        progress=not args.no_progress,
    )


def _model(args: argparse.Namespace, lexicon: Lexicon | None) -> Model:
    """The offline baseline (on ``lexicon``), or the Cohere model --model names on --endpoint."""
    from cohere_medner.grounding.baseline import LexiconBaseline
    from cohere_medner.models import CohereChat, CohereClient, CohereGenerate, get_model

    if args.model == BASELINE:
        baseline = (
            LexiconBaseline(lexicon, allow_seen=args.allow_seen) if lexicon is not None else None
        )
        return get_model(BASELINE, lexicon=baseline)
    cohere_model = CohereGenerate if args.endpoint == "generate" else CohereChat
    return cohere_model(
        args.model,
        client=CohereClient(
            requests_per_minute=args.rpm,
            max_concurrency=args.concurrency,
            timeout=args.timeout,
            retry_budget=args.retry_budget,
            on_status=print_status,
        ),
        cache=False if args.no_cache else (args.cache or True),
        temperature=args.temperature,
        max_tokens=args.max_tokens,
    )


def print_status(status: object) -> None:
    """A status line on stderr: a batch's or fine-tune's new status, what is being retried.

    It goes above the progress bar, which tqdm clears first and draws again after it.
    """
    from tqdm import tqdm  # type: ignore[import-untyped]  # no stubs ship with it

    tqdm.write(str(status), file=sys.stderr)


def interrupted(args: argparse.Namespace) -> str:
    """What a run stopped by Ctrl-C kept, and how to go on from there."""
    asks_cohere = getattr(args, "model", None) not in (None, BASELINE)
    if not asks_cohere or getattr(args, "batch", False):
        return "interrupted; run the same command again to resume"
    if args.no_cache:
        return (
            "interrupted; nothing was kept (--no-cache): run the same command again to start over"
        )
    from cohere_medner.models.cache import default_cache_path

    cache = args.cache or default_cache_path()
    return (
        f"interrupted; the answers received so far are kept in the response cache ({cache}) "
        "and no output was written: run the same command again to resume, paying only for "
        "the rest"
    )
