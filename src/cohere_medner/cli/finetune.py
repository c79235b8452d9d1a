"""Commands for fine-tuning: ``prepare`` the files, then ``finetune`` a model on them."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from cohere_medner.cli import options
from cohere_medner.corpus import load_corpus, normalize_split
from cohere_medner.training import FORMATS, prepare_finetuning

if TYPE_CHECKING:
    from cohere_medner.cli.options import Commands
    from cohere_medner.models.finetuning import FinetuneResult

# The SDK is imported by the commands that talk to Cohere, when they run: building the
# parser for every command must not cost `cohere-medner score` a second.


HYPERPARAMETERS = (
    ("--epochs", int, "training epochs"),
    ("--learning-rate", float, "learning rate"),
    ("--batch-size", int, "training batch size"),
    ("--early-stopping-threshold", float, "least loss improvement that counts"),
    ("--early-stopping-patience", int, "evaluations without improvement before stopping"),
    ("--lora-rank", int, "LoRA rank"),
    ("--lora-alpha", int, "LoRA alpha"),
)
"""finetune create's hyperparameter options, their types, and what each sets."""


def add_prepare(commands: Commands) -> None:
    prepare = commands.add_parser(
        "prepare",
        help="write fine-tuning files (JSONL)",
        description="Write training (and evaluation) JSONL files from a corpus's splits, "
        "in the tutorial's prompt-completion form or Cohere's chat form; the test split is "
        "refused unless --allow-test.",
    )
    options.add_data(prepare, "comma-separated splits to train on (default: train)")
    prepare.set_defaults(split="train")
    prepare.add_argument(
        "--tasks", default="diseases", help="comma-separated tasks (default: diseases)"
    )
    prepare.add_argument("--task", dest="tasks", help=argparse.SUPPRESS)  # the old spelling
    prepare.add_argument(
        "--format",
        choices=FORMATS,
        default="prompt-completion",
        help="prompt-completion (the tutorial's) or chat (for 'finetune create'); "
        "default: prompt-completion",
    )
    prepare.add_argument("--output", required=True, type=Path, help="the training JSONL file")
    prepare.add_argument("--eval-output", type=Path, help="also write an evaluation file")
    prepare.add_argument(
        "--eval-fraction", type=float, help="share of documents held out (default 0.1)"
    )
    prepare.add_argument(
        "--seed", type=int, default=0, help="shuffling and sampling seed (default: 0)"
    )
    prepare.add_argument(
        "--allow-test", action="store_true", help="allow training files from the test split"
    )
    options.add_template(prepare)
    prepare.add_argument(
        "--examples", type=int, default=0, help="worked examples per prompt (default: 0)"
    )
    prepare.set_defaults(run=_prepare)


def _prepare(args: argparse.Namespace) -> int:
    splits = [normalize_split(s) for s in args.split.split(",") if s.strip()]
    documents = {split: load_corpus(args.data, split).to_list() for split in splits}
    report = prepare_finetuning(
        documents,
        args.tasks,
        args.format,
        args.output,
        eval_output=args.eval_output,
        eval_fraction=args.eval_fraction,
        seed=args.seed,
        allow_test=args.allow_test,
        template=args.template,
        examples=args.examples,
    )
    print(report.summary())
    return 0


def add_finetune(commands: Commands) -> None:
    finetune = commands.add_parser(
        "finetune",
        help="fine-tune a Cohere chat model where the platform still offers it",
        description="Fine-tune a Cohere chat model on the chat files of 'prepare "
        "--format chat': create the job, follow its status and events, list your models.",
    )
    actions = finetune.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser(
        "create",
        help="upload the files, start the job, remember ids",
        description="Upload the training (and evaluation) files, start a fine-tune and "
        "remember its ids beside the training file, so that running it again resumes.",
    )
    create.add_argument("--train", required=True, type=Path, help="chat JSONL from prepare")
    create.add_argument("--eval", type=Path, help="evaluation chat JSONL")
    create.add_argument("--name", required=True, help="a name for the fine-tuned model")
    create.add_argument(
        "--base-model",
        default="command-r-08-2024",
        help="the model to fine-tune (default: command-r-08-2024)",
    )
    for option, kind, what in HYPERPARAMETERS:
        create.add_argument(option, type=kind, help=f"{what} (default: Cohere's)")
    create.add_argument("--force", action="store_true", help="start again after a failure")
    create.set_defaults(run=_create)
    status = actions.add_parser(
        "status",
        help="a fine-tune's status (and wait for it)",
        description="Print a fine-tune's status; with --wait, wait until it is ready or failed.",
    )
    status.add_argument("id", help="the fine-tuned model id (or its chat name, ID-ft)")
    status.set_defaults(run=_status)
    for action in (create, status):
        action.add_argument("--wait", action="store_true", help="wait until ready or failed")
        action.add_argument(
            "--timeout",
            type=float,
            default=43200.0,
            help="seconds to wait (default: 43200, twelve hours)",
        )
        action.add_argument(
            "--poll-interval",
            type=float,
            default=None,
            help="first wait between status checks, in seconds; it grows to a minute (default: 2)",
        )
    listing = actions.add_parser(
        "list",
        help="your fine-tuned models",
        description="List the fine-tuned models of your Cohere key, with their status.",
    )
    listing.set_defaults(run=_list)
    events = actions.add_parser(
        "events",
        help="a fine-tune's status changes",
        description="Print a fine-tune's status changes, oldest first, with their times.",
    )
    events.add_argument("id", help="the fine-tuned model id (or its chat name, ID-ft)")
    events.set_defaults(run=_events)
    for action in (create, status, listing, events):
        action.add_argument("--json", action="store_true", help="print JSON")


def _create(args: argparse.Namespace) -> int:
    from cohere_medner.models.finetuning import Hyperparameters, create_finetune

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
        force=args.force,
        **_waiting(args),
    )
    _show(result, args.json)
    return 0


def _status(args: argparse.Namespace) -> int:
    from cohere_medner.models.finetuning import finetune_status

    result = finetune_status(args.id, **_waiting(args))
    _show(result, args.json)
    return 0


def _waiting(args: argparse.Namespace) -> dict[str, Any]:
    """How create and status wait: --wait, --timeout, --poll-interval, changes on stderr."""
    from cohere_medner.models.polling import Polling

    return {
        "wait": args.wait,
        "timeout": args.timeout,
        "on_status": options.print_status,
        "polling": Polling() if args.poll_interval is None else Polling(args.poll_interval),
    }


def _show(result: FinetuneResult, as_json: bool) -> None:
    if as_json:
        print(result.to_json())
        return
    print(f"fine-tune {result.model_id} ({result.name}): {result.status}")
    if result.ready:
        print(f"use it as: --model {result.chat_model}")


def _list(args: argparse.Namespace) -> int:
    from cohere_medner.models.finetuning import list_finetunes

    found = list_finetunes()
    if args.json:
        print(json.dumps([r.as_dict() for r in found]))
    else:
        for result in found:
            print(f"{result.model_id}  {result.status:<20} {result.name}")
    return 0


def _events(args: argparse.Namespace) -> int:
    from cohere_medner.models.finetuning import finetune_events

    events = finetune_events(args.id)
    if args.json:
        print(json.dumps([attrs.asdict(e) for e in events], default=str))
    else:
        for event in events:
            print(event)
    return 0
