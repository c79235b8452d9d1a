"""The ``cohere-medner`` command: argument parsing over the public Python API."""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs

from . import batch, scoring
from .baseline import MODEL as BASELINE
from .baseline import LexiconBaseline
from .batch_output import BatchResult
from .client import CohereClient
from .corpus import (
    corpus_stats,
    load_corpus,
    load_splits,
    normalize_split,
    read_file,
    write_bigbio,
    write_corpus,
    write_pubtator,
)
from .errors import (
    BatchFailedError,
    ConfigurationError,
    CorpusError,
    DataLeakError,
    MedNerError,
)
from .evaluation import evaluate
from .examples import KNearest
from .extraction import Extraction, as_document, write_extractions
from .extractor import MODES, Extractor
from .finetune import create_finetune, finetune_events, finetune_status, list_finetunes
from .finetune_types import FinetuneResult, Hyperparameters
from .lexicon import Lexicon
from .prediction import predictions
from .prepare import prepare_finetuning
from .report import load_run, save_run, write_report
from .templates import ExampleChooser, FewShot, Template, get_template
from .types import ENTITY_TYPES, Document

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
    stats = corpus_stats(load_corpus(args.data, args.split))
    print(json.dumps(stats.as_dict()) if args.json else stats.summary())
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


def _add_model(parser: argparse.ArgumentParser, required: bool = True) -> None:
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
    parser.add_argument("--mode", choices=MODES, default="per-task", help="requests per document")
    parser.add_argument("--template", default="seed", help="prompt template (default: seed)")
    parser.add_argument(
        "--endpoint",
        choices=("chat", "generate"),
        default="chat",
        help="v2 chat, or the legacy v1 generate of the tutorial's fine-tuned models",
    )
    parser.add_argument("--rpm", type=float, help="requests per minute to stay under")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight at most")
    parser.add_argument("--limit", type=int, help="only the first N documents")
    parser.add_argument("--temperature", type=float, default=0.0)
    parser.add_argument("--max-tokens", type=int, default=600)
    parser.add_argument(
        "--cache", type=Path, help="response cache file (default: ~/.cache/cohere-medner/...)"
    )
    parser.add_argument("--no-cache", action="store_true", help="ask again even if answered")
    parser.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    parser.add_argument("--include-title", action="store_true", help="show the title too")
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
    parser.add_argument("--embed-model", default="embed-v4.0", help="for --nearest")
    parser.add_argument("--rerank-model", help="re-order nearest examples with Cohere Rerank")
    parser.add_argument("--seed", type=int, default=0, help="for random examples")
    parser.add_argument(
        "--lexicon-data",
        type=Path,
        help="corpus whose train and validation splits give the MeSH lexicon (default: --data)",
    )
    parser.add_argument(
        "--allow-seen",
        action="store_true",
        help="allow documents the lexicon was built from (scores then measure memory)",
    )


def _lexicon(args: argparse.Namespace, documents: Sequence[Document]) -> Lexicon | None:
    """The lexicon of the train and validation splits of --lexicon-data (default --data).

    None where those splits cannot be had (a single-split file): then predictions get no
    identifiers. A lexicon built on the documents being extracted is refused.
    """
    source = args.lexicon_data if args.lexicon_data is not None else args.data
    try:
        lexicon = Lexicon.from_data(source)
    except CorpusError as error:
        if args.model == BASELINE:
            raise
        print(f"note: no lexicon, so no MeSH identifiers ({error})", file=sys.stderr)
        return None
    seen = [d.pmid for d in documents if d.pmid in lexicon.pmids]
    if seen and not args.allow_seen:
        raise DataLeakError(
            f"{len(seen)} of the documents to extract ({', '.join(seen[:5])}...) are in the "
            "lexicon's training splits: extract another split, pass --lexicon-data, "
            "or --allow-seen"
        )
    return lexicon


def _extractor(args: argparse.Namespace, lexicon: Lexicon | None = None) -> Extractor:
    baseline = (
        LexiconBaseline(lexicon, allow_seen=args.allow_seen)
        if args.model == BASELINE and lexicon is not None
        else None
    )
    client = None
    examples: ExampleChooser | None = None
    if args.model != BASELINE:
        client = CohereClient(requests_per_minute=args.rpm, max_concurrency=args.concurrency)
    if args.examples and args.model != BASELINE:
        source = args.examples_data if args.examples_data is not None else args.data
        pool = load_corpus(source, "train").to_list()
        examples = (
            KNearest(
                pool,
                args.examples,
                embed_model=args.embed_model,
                rerank_model=args.rerank_model,
                client=client,
                cache=not args.no_cache,
            )
            if args.nearest
            else FewShot(pool, k=args.examples, seed=args.seed)
        )
    return Extractor(
        args.model,
        tuple(t for t in args.tasks.split(",") if t.strip()),
        mode=args.mode,
        template=_template(args),
        endpoint=args.endpoint,
        client=client,
        cache=False if args.no_cache else (args.cache or True),
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        progress=not args.no_progress,
        lexicon=baseline,
        examples=examples,
    )


def _documents(args: argparse.Namespace) -> list[Document]:
    documents = load_corpus(args.data, args.split)
    if args.limit is not None:
        return list(itertools.islice(documents, args.limit))
    return list(documents)


_RETRY_ADVICE = "run the same command again to retry them (answers already received are cached)"


def _report_failures(extractions: Sequence[Extraction], advice: str = _RETRY_ADVICE) -> int:
    failed = [e for e in extractions if not e.ok]
    for extraction in failed:
        print(f"failed: document {extraction.document}: {extraction.error}", file=sys.stderr)
    if failed:
        print(f"{len(failed)} of {len(extractions)} documents failed; {advice}", file=sys.stderr)
    return 3 if failed else 0


def _print_status(status: object) -> None:
    """A batch's or a fine-tune's status change, on stderr."""
    print(status, file=sys.stderr)


_OUTPUTS = {".jsonl": "jsonl", ".json": "jsonl", ".pubtator": "pubtator", ".txt": "pubtator"}


def _write_batch(collect: Callable[[], BatchResult], output: Path) -> int:
    try:
        result = collect()
    except BatchFailedError as error:
        write_extractions(error.result.extractions, output)  # what could be kept
        raise
    write_extractions(result.extractions, output)
    return _report_failures(
        result.extractions, "extract them again without --batch, or in a new batch"
    )


def _extract(args: argparse.Namespace) -> int:
    if args.collect:
        if args.output.suffix.lower() not in (".jsonl", ".json"):
            raise ConfigurationError("write collected batch extractions to a .jsonl file")
        return _write_batch(
            lambda: batch.collect(
                args.collect, on_status=_print_status, poll_interval=args.poll_interval
            ),
            args.output,
        )
    if not args.model:
        raise ConfigurationError("extract needs --model (or --collect ID to collect a batch)")
    output = _OUTPUTS.get(args.output.suffix.lower())
    if output is None:
        raise ConfigurationError(
            f"{args.output}: write extractions to .jsonl (one JSON object per document), "
            "or predicted mentions and CID pairs to .PubTator (or .txt) for the evaluator"
        )
    if args.text is not None and (args.data is not None or args.split is not None):
        raise ConfigurationError("give --text or --data/--split, not both")
    if output == "pubtator" and args.text is not None:
        raise ConfigurationError(
            "PubTator identifies documents by numeric PMIDs; write --text extractions to .jsonl"
        )
    documents = [as_document(args.text)] if args.text is not None else _documents(args)
    needs_lexicon = output == "pubtator" or args.model == BASELINE
    lexicon = _lexicon(args, documents) if needs_lexicon else None
    extractor = _extractor(args, lexicon)
    if args.batch:
        if output != "jsonl":
            raise ConfigurationError("write batch extractions to a .jsonl file")
        job = extractor.submit_batch(documents)
        print(
            f"submitted batch {job.batch_id}; collect it with: cohere-medner extract "
            f"--collect {job.batch_id} --output {args.output}",
            file=sys.stderr,
        )
        if args.no_wait:
            return 0
        return _write_batch(
            lambda: extractor.collect_batch(
                job, on_status=_print_status, poll_interval=args.poll_interval
            ),
            args.output,
        )
    extractions = extractor.extract_many(documents)
    if output == "jsonl":
        write_extractions(extractions, args.output)
    else:
        write_pubtator(predictions(extractions, documents, lexicon), args.output)
    return _report_failures(extractions)


def _evaluate(args: argparse.Namespace) -> int:
    documents = _documents(args)
    lexicon = _lexicon(args, documents)
    run = evaluate(_extractor(args, lexicon), documents, lexicon)
    if args.report is not None:
        save_run(run, args.report, label=args.label)
        files = write_report([run], args.report)
        print(f"report: {files.html}", file=sys.stderr)
    print(json.dumps(run.as_json()) if args.json else run.summary())
    return _report_failures(run.extractions)


def _template(args: argparse.Namespace) -> Template:
    """The template --template names, with the title shown under --include-title."""
    template = get_template(args.template)
    return attrs.evolve(template, include_title=True) if args.include_title else template


def _prepare(args: argparse.Namespace) -> int:
    splits = [normalize_split(s) for s in args.split.split(",") if s.strip()]
    documents = {split: load_corpus(args.data, split).to_list() for split in splits}
    template = _template(args)
    if args.examples:
        pool = [d for split in documents.values() for d in split]
        template = attrs.evolve(template, few_shot=FewShot(pool, k=args.examples, seed=args.seed))
    report = prepare_finetuning(
        documents,
        args.task,
        args.format,
        args.output,
        eval_output=args.eval_output,
        eval_fraction=args.eval_fraction,
        seed=args.seed,
        allow_test=args.allow_test,
        template=template,
    )
    print(report.summary())
    return 0


def _show_finetune(result: FinetuneResult, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"model_id": result.model_id, "status": result.status}))
        return
    print(f"fine-tune {result.model_id} ({result.name}): {result.status}")
    if result.ready:
        print(f"use it as: --model {result.chat_model}")


def _finetune_create(args: argparse.Namespace) -> int:
    hyperparameters = Hyperparameters(
        train_epochs=args.epochs,
        learning_rate=args.learning_rate,
        train_batch_size=args.batch_size,
        early_stopping_threshold=args.early_stopping_threshold,
        early_stopping_patience=args.early_stopping_patience,
        lora_rank=args.lora_rank,
        lora_alpha=args.lora_alpha,
    )
    result = create_finetune(
        args.train,
        args.eval,
        name=args.name,
        base_model=args.base_model,
        hyperparameters=hyperparameters,
        wait=args.wait,
        timeout=args.timeout,
        force=args.force,
        on_status=_print_status,
    )
    _show_finetune(result, args.json)
    return 0


def _finetune_status(args: argparse.Namespace) -> int:
    result = finetune_status(args.id, wait=args.wait, timeout=args.timeout, on_status=_print_status)
    _show_finetune(result, args.json)
    return 0


def _finetune_list(args: argparse.Namespace) -> int:
    found = list_finetunes()
    if args.json:
        print(json.dumps([r.as_dict() for r in found]))
    else:
        for result in found:
            print(f"{result.model_id}  {result.status:<20} {result.name}")
    return 0


def _finetune_events(args: argparse.Namespace) -> int:
    events = finetune_events(args.id)
    if args.json:
        print(json.dumps([attrs.asdict(e) for e in events], default=str))
    else:
        for event in events:
            print(event)
    return 0


def _compare(args: argparse.Namespace) -> int:
    files = write_report([load_run(path) for path in args.runs], args.output)
    for path in files:
        print(path)
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

    prepare = commands.add_parser("prepare", help="write fine-tuning files (JSONL)")
    _add_data(prepare, "comma-separated splits to train on (default: train)")
    prepare.set_defaults(split="train")
    prepare.add_argument("--task", default="diseases", help="comma-separated tasks")
    prepare.add_argument(
        "--format", choices=("prompt-completion", "chat"), default="prompt-completion"
    )
    prepare.add_argument("--output", required=True, type=Path, help="the training JSONL file")
    prepare.add_argument("--eval-output", type=Path, help="also write an evaluation file")
    prepare.add_argument(
        "--eval-fraction", type=float, help="share of documents held out (default 0.1)"
    )
    prepare.add_argument("--seed", type=int, default=0, help="shuffling and sampling seed")
    prepare.add_argument(
        "--allow-test", action="store_true", help="allow training files from the test split"
    )
    prepare.add_argument("--template", default="seed", help="prompt template (default: seed)")
    prepare.add_argument("--include-title", action="store_true", help="show the title too")
    prepare.add_argument(
        "--examples", type=int, default=0, help="worked examples per prompt (few-shot)"
    )
    prepare.set_defaults(run=_prepare)

    extract = commands.add_parser("extract", help="extract entities and relations with a model")
    _add_model(extract, required=False)
    extract.add_argument(
        "--batch", action="store_true", help="send the requests as one Cohere batch"
    )
    extract.add_argument(
        "--no-wait", action="store_true", help="with --batch: submit, print the id, exit"
    )
    extract.add_argument(
        "--collect", metavar="ID_OR_HANDLE", help="collect a batch submitted earlier"
    )
    extract.add_argument(
        "--poll-interval", type=float, default=10.0, help="first wait between batch checks (s)"
    )
    extract.add_argument("--text", help="one text to extract from, instead of --data")
    _add_data(extract)
    extract.add_argument("--output", required=True, type=Path, help="extractions, .jsonl")
    extract.set_defaults(run=_extract)

    finetune = commands.add_parser(
        "finetune", help="fine-tune a Cohere chat model where the platform still offers it"
    )
    actions = finetune.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="upload the files, start the job, remember ids")
    create.add_argument("--train", required=True, type=Path, help="chat JSONL from prepare")
    create.add_argument("--eval", type=Path, help="evaluation chat JSONL")
    create.add_argument("--name", required=True, help="a name for the fine-tuned model")
    create.add_argument("--base-model", default="command-r-08-2024")
    create.add_argument("--epochs", type=int)
    create.add_argument("--learning-rate", type=float)
    create.add_argument("--batch-size", type=int)
    create.add_argument("--early-stopping-threshold", type=float)
    create.add_argument("--early-stopping-patience", type=int)
    create.add_argument("--lora-rank", type=int)
    create.add_argument("--lora-alpha", type=int)
    create.add_argument("--force", action="store_true", help="start again after a failure")
    create.set_defaults(run=_finetune_create)
    status = actions.add_parser("status", help="a fine-tune's status (and wait for it)")
    status.add_argument("id", help="the fine-tuned model id (or its chat name, ID-ft)")
    status.set_defaults(run=_finetune_status)
    for action in (create, status):
        action.add_argument("--wait", action="store_true", help="wait until ready or failed")
        action.add_argument("--timeout", type=float, default=43200.0, help="seconds to wait")
    listing = actions.add_parser("list", help="your fine-tuned models")
    listing.set_defaults(run=_finetune_list)
    events = actions.add_parser("events", help="a fine-tune's status changes")
    events.add_argument("id")
    events.set_defaults(run=_finetune_events)
    for action in (create, status, listing, events):
        action.add_argument("--json", action="store_true", help="print JSON")

    evaluation = commands.add_parser(
        "evaluate", help="extract from annotated documents and score the lists"
    )
    _add_model(evaluation)
    _add_data(evaluation)
    evaluation.add_argument("--json", action="store_true", help="print one JSON object")
    evaluation.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="save the run and write report.json, report.md, f1.svg and report.html there",
    )
    evaluation.add_argument("--label", help="the run's name in reports (default: the model)")
    evaluation.set_defaults(run=_evaluate)

    compare = commands.add_parser("compare", help="one report over runs saved by --report")
    compare.add_argument("runs", nargs="+", type=Path, metavar="RUN", help="saved-run directories")
    compare.add_argument("--output", required=True, type=Path, metavar="DIR")
    compare.set_defaults(run=_compare)
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
    except (MedNerError, OSError) as error:
        print(f"cohere-medner {args.command}: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
