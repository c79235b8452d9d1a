"""Commands over a model: ``extract``, ``evaluate``, and ``compare`` the runs evaluated."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cohere_medner.cli import options
from cohere_medner.cli.options import BASELINE
from cohere_medner.corpus import write_pubtator
from cohere_medner.errors import ConfigurationError
from cohere_medner.extraction import Extraction, as_document, write_extractions
from cohere_medner.types import Document

# The commands import the extractor, batches, grounding and reports when they run (see
# options.py): building this module's parsers must stay cheap for every other command.
if TYPE_CHECKING:
    from cohere_medner.cli.options import Commands
    from cohere_medner.extractor import Extractor
    from cohere_medner.models.batches import BatchResult

_RETRY_ADVICE = "run the same command again to retry them (answers already received are cached)"
_OUTPUTS = {".jsonl": "jsonl", ".json": "jsonl", ".pubtator": "pubtator", ".txt": "pubtator"}


def _report_failures(extractions: Sequence[Extraction], advice: str = _RETRY_ADVICE) -> int:
    """Each failed document on stderr, then what to do; the exit status (3 if any failed)."""
    failed = [e for e in extractions if not e.ok]
    for extraction in failed:
        print(f"failed: document {extraction.document}: {extraction.error}", file=sys.stderr)
    if failed:
        print(f"{len(failed)} of {len(extractions)} documents failed; {advice}", file=sys.stderr)
    return 3 if failed else 0


def _report_flags(extractions: Sequence[Extraction]) -> None:
    """On stderr, how many documents kept answers cut at ``max_tokens``, or far past it."""
    for flagged, what in (
        (sum(bool(e.truncated) for e in extractions), "cut at max_tokens (raise --max-tokens)"),
        (
            sum(bool(e.oversized) for e in extractions),
            "far past max_tokens, of which only the first lines were read",
        ),
    ):
        if flagged:
            print(
                f"{flagged} of {len(extractions)} documents have answers {what}: "
                "their lists may be incomplete",
                file=sys.stderr,
            )


def _written(extractions: Sequence[Extraction], output: Path) -> None:
    """extract's last line: what went where, how many failed, what was asked and what cached."""
    failed = sum(not e.ok for e in extractions)
    requests, cached = sum(e.requests for e in extractions), sum(e.cached for e in extractions)
    if requests == cached == 0:
        answered = "nothing asked of Cohere"
    elif requests == 0:
        answered = f"all {cached} answers from the response cache, none asked of Cohere"
    else:
        answered = f"{requests} answered by Cohere, {cached} from the response cache"
    print(
        f"wrote {len(extractions)} document{'' if len(extractions) == 1 else 's'} to {output} "
        f"({failed} failed; {answered})",
        file=sys.stderr,
    )


def add_extract(commands: Commands) -> None:
    extract = commands.add_parser(
        "extract",
        help="extract entities and relations with a model",
        description="Ask a Cohere model (or the offline lexicon baseline) for the diseases, "
        "chemicals and CID relations of each document, and write them as JSONL or as "
        "predictions for the official evaluator.",
    )
    options.add_model(extract, required=False)
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
        "--poll-interval",
        type=float,
        default=10.0,
        help="first wait between batch checks, in seconds (default: 10)",
    )
    extract.add_argument("--text", help="one text to extract from, instead of --data")
    options.add_data(extract)
    extract.add_argument(
        "--output",
        required=True,
        type=Path,
        help="extractions (.jsonl), or predictions for the official evaluator (.PubTator/.txt)",
    )
    extract.set_defaults(run=_extract)


def _extract(args: argparse.Namespace) -> int:
    if args.collect:
        return _collect(args)
    output = _output_format(args)
    documents = [as_document(args.text)] if args.text is not None else options.documents(args)
    needs_lexicon = output == "pubtator" or args.model == BASELINE
    lexicon = options.lexicon(args, documents) if needs_lexicon else None
    extractor = options.extractor(args, lexicon)
    if args.batch:
        if output != "jsonl":
            raise ConfigurationError("write batch extractions to a .jsonl file")
        return _submit(args, extractor, documents)
    extractions = extractor.extract_many(documents)
    if output == "jsonl":
        write_extractions(extractions, args.output)
    else:
        from cohere_medner.grounding import predictions

        write_pubtator(predictions(extractions, documents, lexicon), args.output)
    _report_flags(extractions)
    code = _report_failures(extractions)
    _written(extractions, args.output)
    return code


def _output_format(args: argparse.Namespace) -> str:
    """What --output asks for, ``jsonl`` or ``pubtator``, once the options are known to agree."""
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
    return output


def _submit(args: argparse.Namespace, extractor: Extractor, documents: list[Document]) -> int:
    """Send the documents as one batch; unless --no-wait, wait for it and write what it gives."""
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
            job, on_status=options.print_status, poll_interval=args.poll_interval
        ),
        args.output,
    )


def _collect(args: argparse.Namespace) -> int:
    """Collect the batch --collect names, submitted earlier by this or another process."""
    if _OUTPUTS.get(args.output.suffix.lower()) != "jsonl":
        raise ConfigurationError("write collected batch extractions to a .jsonl file")
    from cohere_medner.models import batches

    return _write_batch(
        lambda: batches.collect(
            args.collect, on_status=options.print_status, poll_interval=args.poll_interval
        ),
        args.output,
    )


def _write_batch(collect: Callable[[], BatchResult], output: Path) -> int:
    from cohere_medner.models.batches import BatchFailedError

    try:
        result = collect()
    except BatchFailedError as error:
        write_extractions(error.result.extractions, output)  # what could be kept
        raise
    write_extractions(result.extractions, output)
    code = _report_failures(
        result.extractions, "extract them again without --batch, or in a new batch"
    )
    _written(result.extractions, output)
    return code


def add_evaluate(commands: Commands) -> None:
    evaluation = commands.add_parser(
        "evaluate",
        help="extract from annotated documents and score the lists",
        description="Extract from annotated documents and score what was found, by the "
        "tutorial's lists and by the official BC5CDR definitions; --report saves the run.",
    )
    options.add_model(evaluation)
    options.add_data(
        evaluation,
        "train, validation or test (default: all of --data; test with --model lexicon, "
        "whose lexicon is built from the other two)",
    )
    evaluation.add_argument("--json", action="store_true", help="print one JSON object")
    evaluation.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="save the run and write report.json, report.md, f1.svg and report.html there",
    )
    evaluation.add_argument("--label", help="the run's name in reports (default: the model)")
    evaluation.set_defaults(run=_evaluate)


def _evaluate(args: argparse.Namespace) -> int:
    from cohere_medner.evaluation import evaluate
    from cohere_medner.report import save_run, write_report

    if args.model == BASELINE and args.split is None and not _lexicon_given(args):
        # The baseline's lexicon is --data's train and validation: only test is unseen.
        args.split = "test"
        print(
            "note: evaluating the test split (the lexicon is built from the others)",
            file=sys.stderr,
        )
    documents = options.documents(args)
    lexicon = options.lexicon(args, documents)
    run = evaluate(
        options.extractor(args, lexicon),
        documents,
        lexicon,
        allow_seen=args.allow_seen,
        corpus=str(args.data.resolve()) if args.data is not None else "bundled sample",
        split=args.split,
    )
    if args.report is not None:
        save_run(run, args.report, label=args.label)
        files = write_report([run], args.report)
        print(f"report: {files.html}", file=sys.stderr)
    print(json.dumps(run.as_json()) if args.json else run.summary())
    return _report_failures(run.extractions)


def _lexicon_given(args: argparse.Namespace) -> bool:
    """Whether the lexicon comes from elsewhere than --data's own splits."""
    return args.lexicon is not None or args.lexicon_data is not None


def add_compare(commands: Commands) -> None:
    compare = commands.add_parser(
        "compare",
        help="one report over runs saved by --report",
        description="Write one report (report.md, .json, .html and f1.svg) setting side by "
        "side the runs that 'evaluate --report' saved.",
    )
    compare.add_argument("runs", nargs="+", type=Path, metavar="RUN", help="saved-run directories")
    compare.add_argument(
        "--output", required=True, type=Path, metavar="DIR", help="the directory to write to"
    )
    compare.set_defaults(run=_compare)


def _compare(args: argparse.Namespace) -> int:
    from cohere_medner.report import differences, load_run, write_report

    runs = [load_run(path) for path in args.runs]
    for reason in differences(runs):
        print(f"warning: runs not ranked: {reason}", file=sys.stderr)
    files = write_report(runs, args.output)
    for path in files:
        print(path)
    return 0
