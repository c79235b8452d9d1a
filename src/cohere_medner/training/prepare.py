"""Writing fine-tuning files from corpus splits, safely: :func:`prepare_finetuning`.

:func:`prepare_finetuning` turns documents into one record per document and task, refuses
the test split (unless asked) and documents shared between training and evaluation, checks
every record against the requirements Cohere's documentation states (see
:mod:`cohere_medner.training.records`), and only then writes, atomically. The default
template, ``titled``, shows the title before the abstract, as the Extractor's prompts do by
default, so that a model fine-tuned on the files is asked at inference in the layout it
learnt. With the ``seed`` template and one task, a ``prompt-completion`` file is what the
tutorial's own code writes for the same split, byte for byte and in the same order, for
every document without composite mentions. For those, the tutorial's code lists the first
fragment of an individual mention (``visual`` for "visual or auditory toxicity"); this
library lists top-level mentions only, so the same file comes out of the JSON, PubTator and
BioC forms of the corpus.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import attrs

from cohere_medner._files import PathLike, atomic_write
from cohere_medner.corpus import is_test_split
from cohere_medner.errors import (
    DataLeakError,
    FinetuneRequirementError,
    ForbiddenSplitError,
    TrainingDataError,
)
from cohere_medner.prompts.tasks import AnyTask
from cohere_medner.prompts.templates import TITLED, FewShot, Template, get_template
from cohere_medner.training.records import (
    LIMITS,
    Format,
    Limits,
    TrainingRecord,
    Violation,
    check_format,
    check_records,
    resolve_tasks,
    training_records,
)
from cohere_medner.types import Document

__all__ = ["PrepareReport", "UnnamedRelation", "prepare_finetuning"]


@attrs.frozen
class UnnamedRelation:
    """A gold relation left out of a completion: a side is never mentioned in the shown text."""

    pmid: str
    task: str
    chemical: str
    disease: str


@attrs.frozen
class PrepareReport:
    """What :func:`prepare_finetuning` wrote, and what a researcher should know about it."""

    output: str
    eval_output: str | None
    format: str
    template: str
    tasks: tuple[str, ...]
    splits: tuple[str, ...]
    train_documents: int
    eval_documents: int
    train_records: int
    eval_records: int
    eval_pmids: tuple[str, ...] = ()
    unnamed_relations: tuple[UnnamedRelation, ...] = ()
    warnings: tuple[str, ...] = ()

    def summary(self) -> str:
        """A few lines for a terminal."""
        lines = [
            f"wrote {self.train_records} {self.format} records "
            f"({self.train_documents} documents x {', '.join(self.tasks)}) to {self.output}",
            f"prompts laid out by the {self.template!r} template: ask the fine-tuned model "
            f"with --template {self.template} (Extractor(..., template={self.template!r}))",
        ]
        if self.eval_output is not None:
            lines.append(
                f"wrote {self.eval_records} evaluation records "
                f"({self.eval_documents} documents) to {self.eval_output}"
            )
        if self.unnamed_relations:
            lines.append(
                f"{len(self.unnamed_relations)} gold relations left out of completions: a side "
                "is never mentioned in the text the prompt shows"
            )
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


# Splits, evaluation and leakage -------------------------------------------------------------


def _check_splits(documents: Mapping[str, object], allow_test: bool, what: str) -> None:
    test = [split for split, docs in documents.items() if is_test_split(split, docs)]
    if test and not allow_test:
        raise ForbiddenSplitError(
            f"refusing to write {what} from the {test[0]!r} split: a model fine-tuned on the "
            "test split cannot be scored on it. Use train and validation, or pass "
            "allow_test=True if that is really what you want"
        )


def _listing(pmids: Sequence[str]) -> str:
    shown = ", ".join(pmids[:10])
    return shown + (f" and {len(pmids) - 10} more" if len(pmids) > 10 else "")


def _split_off_evaluation(
    documents: list[Document], fraction: float, seed: int
) -> tuple[list[Document], list[Document]]:
    if not 0 < fraction < 1:
        raise TrainingDataError(f"eval_fraction must be between 0 and 1, got {fraction}")
    # Drawn by PMID, so a document listed twice never lands on both sides.
    pmids = list(dict.fromkeys(d.pmid for d in documents))
    count = max(1, round(len(pmids) * fraction))
    if count >= len(pmids):
        raise TrainingDataError(
            f"eval_fraction {fraction} of {len(pmids)} documents leaves none to train on"
        )
    chosen = set(random.Random(f"eval:{seed}").sample(pmids, count))
    train = [d for d in documents if d.pmid not in chosen]
    held = [d for d in documents if d.pmid in chosen]
    return train, held


def _check_no_leak(train: Sequence[Document], held: Sequence[Document], template: Template) -> None:
    held_pmids = {d.pmid for d in held}
    shared = list(dict.fromkeys(d.pmid for d in train if d.pmid in held_pmids))
    if shared:
        raise DataLeakError(
            f"{len(shared)} documents are in both the training and the evaluation file "
            f"(PMIDs {_listing(shared)}); an evaluation on seen documents overstates the model. "
            "Remove them from one side"
        )
    if template.few_shot is not None:
        examples = list(
            dict.fromkeys(d.pmid for d in template.few_shot.pool if d.pmid in held_pmids)
        )
        if examples:
            raise DataLeakError(
                f"the few-shot pool holds {len(examples)} evaluation documents "
                f"(PMIDs {_listing(examples)}); draw worked examples from training documents only"
            )


def _paths(output: PathLike, eval_output: PathLike | None) -> tuple[Path, Path | None]:
    """The training and evaluation files' paths, once their directories exist and they differ."""
    output_path = Path(output)
    eval_path = Path(eval_output) if eval_output is not None else None
    for path in (output_path, eval_path):
        if path is not None and not path.parent.is_dir():
            raise TrainingDataError(
                f"cannot write {path}: the directory {path.parent} does not exist"
            )
    if eval_path is not None and eval_path.resolve() == output_path.resolve():
        raise TrainingDataError(f"the training and evaluation files are both {output_path}")
    return output_path, eval_path


def _set_apart(
    documents: Mapping[str, Iterable[Document]],
    eval_documents: Mapping[str, Iterable[Document]] | None,
    eval_fraction: float | None,
    eval_path: Path | None,
    seed: int,
) -> tuple[list[Document], list[Document]]:
    """The training and the evaluation documents: ``eval_documents``, or a seeded share."""
    train = [d for split in documents.values() for d in split]
    if eval_documents is not None:
        if eval_fraction is not None:
            raise TrainingDataError("give eval_documents or eval_fraction, not both")
        if eval_path is None:
            raise TrainingDataError(
                "eval_documents were given without eval_output to write them to"
            )
        return train, [d for split in eval_documents.values() for d in split]
    if eval_fraction is None and eval_path is None:
        return train, []
    if eval_path is None:
        raise TrainingDataError("eval_fraction was given without eval_output to write to")
    return _split_off_evaluation(train, 0.1 if eval_fraction is None else eval_fraction, seed)


def _with_examples(
    template: Template, examples: int, train: Sequence[Document], seed: int
) -> Template:
    """``template`` showing ``examples`` worked examples, drawn from the training documents."""
    if not examples:
        return template
    if template.few_shot is not None:
        raise TrainingDataError("give examples or a template with few_shot, not both")
    return attrs.evolve(template, few_shot=FewShot(train, k=examples, seed=seed))


# Records, checks and writing ----------------------------------------------------------------


def _order(records: list[TrainingRecord], shuffle: bool, seed: int) -> list[TrainingRecord]:
    if shuffle:
        random.Random(f"shuffle:{seed}").shuffle(records)
    return records


def _unnamed(
    documents: Sequence[Document], tasks: Sequence[AnyTask], template: Template
) -> list[UnnamedRelation]:
    found: list[UnnamedRelation] = []
    for task in tasks:
        for document in documents:
            for relation in task.gold_target(document, template).unnamed:
                found.append(
                    UnnamedRelation(document.pmid, task.name, relation.chemical, relation.disease)
                )
    return found


@attrs.frozen
class _File:
    """A file to write: where, its records, and their JSON lines (made once: they are many)."""

    path: Path
    records: Sequence[TrainingRecord]
    evaluation: bool = False
    lines: list[str] = attrs.field(init=False)

    @lines.default
    def _json_lines(self) -> list[str]:
        return [record.to_json() for record in self.records]

    def duplicates(self) -> list[str]:
        """A warning for each record that repeats an earlier one."""
        seen: dict[str, int] = {}
        found: list[str] = []
        for number, (line, record) in enumerate(zip(self.lines, self.records, strict=True), 1):
            if line in seen:
                found.append(
                    f"{self.path}, line {number}: the same record as line {seen[line]} "
                    f"(PMID {record.pmid}); Cohere advises removing duplicate examples"
                )
            else:
                seen[line] = number
        return found


def _check_requirements(
    files: Sequence[_File],
    format: Format,
    count_tokens: Callable[[str], int] | None,
    limits: Limits,
) -> list[str]:
    """The warnings on ``files``; raises listing every Cohere requirement that they break."""
    violations: list[Violation] = []
    warnings: list[Violation] = []
    for file in files:
        found, doubts = check_records(
            [r.data for r in file.records],
            format,
            file=str(file.path),
            evaluation=file.evaluation,
            count_tokens=count_tokens,
            limits=limits,
        )
        violations += found
        warnings += doubts
    size = sum(len(line.encode("utf-8", "surrogatepass")) for f in files for line in f.lines)
    if size > limits.dataset_bytes:
        violations.append(
            Violation(
                str(files[0].path),
                None,
                f"the dataset is {size} bytes, over Cohere's {limits.dataset_bytes} "
                "(training and evaluation files together)",
            )
        )
    if violations:
        raise FinetuneRequirementError(tuple(str(v) for v in violations))
    return [str(w) for w in warnings]


def _write(files: Sequence[_File]) -> None:
    """Write every file atomically: each is replaced only once all are written."""
    with contextlib.ExitStack() as stack:
        streams = [stack.enter_context(atomic_write(file.path)) for file in files]
        for file, stream in zip(files, streams, strict=True):
            stream.writelines(file.lines)


def prepare_finetuning(
    documents: Mapping[str, Iterable[Document]],
    tasks: str | Sequence[str | AnyTask],
    format: Format,
    output: PathLike,
    *,
    eval_output: PathLike | None = None,
    eval_fraction: float | None = None,
    eval_documents: Mapping[str, Iterable[Document]] | None = None,
    seed: int = 0,
    shuffle: bool | None = None,
    allow_test: bool = False,
    template: Template | str = TITLED,
    examples: int = 0,
    count_tokens: Callable[[str], int] | None = None,
    limits: Limits = LIMITS,
) -> PrepareReport:
    """Write a fine-tuning file (and optionally an evaluation file) from split -> documents.

    ``documents`` maps split names to documents, taken in that order (the tutorial trains
    on ``train`` and ``validation`` together). ``tasks`` is ``"diseases,chemicals"`` or a list
    of names or tasks; records come task after task, and are shuffled with ``seed`` when
    there is more than one task (or when ``shuffle`` says so). The evaluation file holds
    either ``eval_documents`` or a seeded ``eval_fraction`` of the documents (0.1 when
    ``eval_output`` is given without either), drawn by PMID. ``examples`` shows that many
    worked examples in each prompt, drawn with ``seed`` from the training documents once the
    evaluation documents are set apart. ``template`` lays out the prompts: ``"titled"`` (the
    default, as the Extractor's), or ``"seed"`` for the tutorial's files; ask a fine-tuned
    model with the template its files were written with.

    Raises :class:`ForbiddenSplitError` for a test split without ``allow_test``,
    :class:`DataLeakError` for a document on both sides, and
    :class:`FinetuneRequirementError` listing every broken Cohere requirement with its
    file and line; nothing is written then. Both files are written atomically.
    """
    check_format(format)
    chosen = resolve_tasks(tasks)
    shown = get_template(template)
    _check_splits(documents, allow_test, "fine-tuning files")
    if eval_documents is not None:
        _check_splits(eval_documents, allow_test, "an evaluation file")
    output_path, eval_path = _paths(output, eval_output)
    train, held = _set_apart(documents, eval_documents, eval_fraction, eval_path, seed)
    shown = _with_examples(shown, examples, train, seed)
    _check_no_leak(train, held, shown)

    mixed = len(chosen) > 1 if shuffle is None else shuffle
    train_records = _order(training_records(train, chosen, format, shown), mixed, seed)
    held_records = _order(training_records(held, chosen, format, shown), mixed, seed)
    files = [_File(output_path, train_records)]
    if eval_path is not None:
        files.append(_File(eval_path, held_records, evaluation=True))
    warnings = _check_requirements(files, format, count_tokens, limits)
    _write(files)

    return PrepareReport(
        output=str(output_path),
        eval_output=None if eval_path is None else str(eval_path),
        format=format,
        template=shown.name,
        tasks=tuple(t.name for t in chosen),
        splits=tuple(documents),
        train_documents=len(train),
        eval_documents=len(held),
        train_records=len(train_records),
        eval_records=len(held_records),
        eval_pmids=tuple(dict.fromkeys(d.pmid for d in held)),
        unnamed_relations=tuple(_unnamed(train + held, chosen, shown)),
        warnings=tuple(warnings + [note for file in files for note in file.duplicates()]),
    )
