"""Every ```python block of README.md and docs/*.md runs, as a reader who copies it runs it.

One test per block, named ``PAGE:N`` (``README.md:2``, ``docs/batch.md:1``: the N-th python
block of the page). A block that uses a name it neither defines nor imports (the
``document`` of getting-started's second block, the ``batch`` of batch.md's second) goes on
from the blocks before it, as a page read top to bottom does: its test runs those first, in
the same namespace and directory. Any other block runs alone, so a reader can copy it alone.

Each test runs in a fresh directory holding the files its page names
(``CDR_Data/CDR.Corpus.v010516``, ``bc5cdr.json``, ``train.jsonl`` ...: see ``PAGES``), with
``CO_API_URL`` pointing at a :class:`FakeCohere` whose model is the oracle (the gold answers
of the documents the page sends) and whose datasets, fine-tuning jobs and batches end at
once, so that the library's own polling finds them done at its first look. A block runs as
written, save for the few textual changes in ``SUBSTITUTIONS``, each with its reason. Pages
that need the full BC5CDR corpus are skipped, with the reason, where it is absent.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest

from cohere_medner import batch
from cohere_medner.cli import main
from cohere_medner.corpus import load_bc5cdr, load_sample, read_file, write_pubtator
from cohere_medner.extractor import Extractor
from cohere_medner.testing import FakeCohere, FakeRequest
from cohere_medner.testing.oracle import oracle
from cohere_medner.types import Document, Mention, Relation

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:cohere.core.unchecked_base_model"
)

REPO = Path(__file__).resolve().parent.parent
MARKDOWN = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
CORPUS = "CDR_Data/CDR.Corpus.v010516"
CONTEXT_WORDS = 4_000
"""The fake model's input limit: every BC5CDR abstract fits, pubmed-2026's long record not."""

FENCE = re.compile(r"(`{3,})\s*([\w+-]*)")


# The blocks ---------------------------------------------------------------------------------------


@attrs.frozen
class Block:
    """One ```python block: its page (relative to the repository), number and code."""

    page: str
    number: int
    line: int  # the page's line of the block's first line of code, from 1
    source: str

    @property
    def id(self) -> str:
        return f"{self.page}:{self.number}"


def python_blocks(path: Path) -> list[Block]:
    """The ```python blocks of a markdown page, in order; other fenced blocks are passed over."""
    page = path.relative_to(REPO).as_posix()
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        index += 1
        if opening is None:
            continue
        fence, language = opening.groups()
        start = index
        while index < len(lines) and not lines[index].startswith(fence):
            index += 1
        if language == "python":
            blocks.append(Block(page, len(blocks) + 1, start + 1, "\n".join(lines[start:index])))
        index += 1  # past the closing fence
    return blocks


BLOCKS = [block for path in MARKDOWN for block in python_blocks(path)]


def unbound_names(source: str) -> set[str]:
    """Names the code reads but neither assigns, imports, defines nor finds among builtins."""
    bound, read = set(dir(builtins)), set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
    return read - bound


def blocks_to_run(block: Block) -> list[Block]:
    """``block``, after the blocks before it on its page if it goes on from them."""
    if not unbound_names(block.source):
        return [block]
    return [b for b in BLOCKS if b.page == block.page and b.number <= block.number]


# What cannot run literally --------------------------------------------------------------------


@attrs.frozen
class Substitution:
    """``old`` (which must be in the block) becomes ``new``, formatted with the scene's values."""

    old: str
    new: str
    reason: str


SUBSTITUTIONS: dict[str, tuple[Substitution, ...]] = {
    "README.md:1": (
        Substitution(
            "requests_per_minute=20",
            "requests_per_minute=None",
            "a trial key's 20 a minute spaces requests 3 s apart: 77 minutes for the 1,503 "
            "of this block; the fake has no limit to keep to",
        ),
    ),
    "docs/getting-started.md:2": (
        Substitution(
            "requests_per_minute=20",
            "requests_per_minute=None",
            "a trial key's 20 a minute spaces the 3 requests 3 s apart; the fake has no limit",
        ),
    ),
    "docs/batch.md:2": (
        Substitution(
            "9439e0e3-49a4-4336-93e3-485fc420bc18",
            "{batch_id}",
            "the page's id is of a batch on Cohere: the scene submits one to the fake instead",
        ),
    ),
}


def runnable(block: Block, values: dict[str, str]) -> str:
    """The block's code with its substitutions made; each must still find its text."""
    source = block.source
    for substitution in SUBSTITUTIONS.get(block.id, ()):
        assert substitution.old in source, f"{block.id} no longer holds {substitution.old!r}"
        source = source.replace(substitution.old, substitution.new.format(**values))
    return source


# The scene each page runs in ----------------------------------------------------------------


class Model:
    """The fake's model: the oracle over the documents the page's scene says it sends."""

    def __init__(self) -> None:
        self._respond = oracle(())

    def knows(self, documents: Sequence[Document]) -> None:
        self._respond = oracle(documents)

    def __call__(self, request: FakeRequest) -> str:
        return self._respond(request)


@attrs.define
class Scene:
    """A page's working directory, the fake's model, and the values its substitutions take."""

    directory: Path
    request: pytest.FixtureRequest
    model: Model
    values: dict[str, str] = attrs.field(factory=dict)

    def link(self, name: str, target: Path) -> None:
        path = self.directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target)

    def data(self, fixture: str) -> Path:
        """A data path fixture of conftest.py, which skips, saying why, where it is absent."""
        path = self.request.getfixturevalue(fixture)
        assert isinstance(path, Path)
        return path


# The README's sentence is the title of PMID 354896, annotated as BC5CDR annotates it there.
SENTENCE = Document(
    "354896",
    "",
    "Lidocaine-induced cardiac asystole.",
    mentions=(
        Mention(1, 10, "Lidocaine", "Chemical", ("D008012",)),
        Mention(19, 35, "cardiac asystole", "Disease", ("D006323",)),
    ),
    relations=(Relation("D008012", "D006323"),),
)


def readme(scene: Scene) -> None:
    """The official corpus, and its test split written back as ``predictions.PubTator``."""
    corpus = scene.data("bc5cdr_dir")
    scene.link(CORPUS, corpus)
    test = load_bc5cdr("test", data_dir=corpus).to_list()
    write_pubtator(test, scene.directory / "predictions.PubTator")
    scene.model.knows([SENTENCE, *test])


def getting_started(scene: Scene) -> None:
    """The official corpus and the tutorial's ``bc5cdr.json``; extraction reads its test split."""
    corpus, json = scene.data("bc5cdr_dir"), scene.data("bc5cdr_json")
    scene.link(CORPUS, corpus)
    scene.link("bc5cdr.json", json)
    scene.model.knows(read_file(json, split="test").to_list())


def batch_page(scene: Scene) -> None:
    """``pubmed-2026.pubtator``: the bundled sample, then one record too long for the model,
    whose request the batch fails; and a batch submitted earlier, with its handle in
    ``runs/pubmed-000.json``, for the page's second block to collect."""
    sample = load_sample().to_list()
    words = " ".join(d.abstract for d in sample).split()
    assert len(words) > CONTEXT_WORDS
    long = Document("99999999", "A record longer than the model reads", " ".join(words))
    write_pubtator([*sample, long], scene.directory / "pubmed-2026.pubtator")
    scene.model.knows(sample)
    extractor = Extractor("command-r-08-2024", mode="combined", cache=False, progress=False)
    job = batch.submit(extractor, sample[:5], handle=scene.directory / "runs/pubmed-000.json")
    scene.values["batch_id"] = job.batch_id


def finetuning_files(scene: Scene) -> None:
    """The tutorial's ``bc5cdr.json``."""
    scene.link("bc5cdr.json", scene.data("bc5cdr_json"))


def finetuning(scene: Scene) -> None:
    """``train.jsonl`` and ``eval.jsonl``, as the page's ``cohere-medner prepare`` writes them."""
    finetuning_files(scene)
    command = "prepare --data bc5cdr.json --split train,validation"
    options = "--task diseases,chemicals,relations --format chat"
    files = "--output train.jsonl --eval-output eval.jsonl"
    assert main(f"{command} {options} {files}".split()) == 0


@attrs.frozen
class Page:
    """How to lay out a page's directory, and whether that needs the full BC5CDR corpus."""

    setup: Callable[[Scene], None]
    corpus: bool


PAGES: dict[str, Page] = {
    "README.md": Page(readme, corpus=True),
    "docs/getting-started.md": Page(getting_started, corpus=True),
    "docs/batch.md": Page(batch_page, corpus=False),
    "docs/fine-tuning-files.md": Page(finetuning_files, corpus=True),
    "docs/fine-tuning.md": Page(finetuning, corpus=True),
}


def test_every_block_is_found_and_has_its_page_and_substitutions() -> None:
    openings = sum(
        line.lstrip().startswith("```python")  # indented ones too, which the parser misses
        for path in MARKDOWN
        for line in path.read_text(encoding="utf-8").splitlines()
    )
    assert len(BLOCKS) == openings > 0
    assert {block.page for block in BLOCKS} <= set(PAGES)
    assert set(SUBSTITUTIONS) <= {block.id for block in BLOCKS}


def test_a_block_goes_on_from_the_blocks_before_it_only_when_it_needs_to() -> None:
    assert unbound_names("import json\nfor line in open(p):\n    json.loads(line)\n") == {"p"}
    assert unbound_names("x = [m for m in document.mentions]\nprint(x)\n") == {"document"}
    chained = {block.id for block in BLOCKS if len(blocks_to_run(block)) > 1}
    assert {"docs/getting-started.md:2", "docs/batch.md:2"} <= chained
    assert "README.md:2" not in chained


# Running them ---------------------------------------------------------------------------------


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Model]:
    """A fake Cohere in the environment, its jobs ending at once; caches and handles kept
    in the test's directory. Yields the fake's model, for the page's scene to brief."""
    model = Model()
    with FakeCohere(
        responder=model,
        max_input_tokens=CONTEXT_WORDS,
        validation_delay=0,
        finetune_step=0,
        batch_step=0,
    ) as server:
        monkeypatch.setenv("CO_API_URL", server.url)
        monkeypatch.setenv("CO_API_KEY", "test-key")
        state = tmp_path / "state"
        monkeypatch.setenv("COHERE_MEDNER_CACHE", str(state / "answers.sqlite3"))
        monkeypatch.setenv("COHERE_MEDNER_EMBEDDINGS", str(state / "embeddings.sqlite3"))
        monkeypatch.setenv("COHERE_MEDNER_BATCHES", str(state / "batches"))
        yield model


def run(block: Block, namespace: dict[str, Any], values: dict[str, str]) -> None:
    """Execute the block, padded so that a traceback shows the page's own line numbers."""
    padded = "\n" * (block.line - 1) + runnable(block, values)
    exec(compile(padded, str(REPO / block.page), "exec"), namespace)


@pytest.mark.parametrize(
    "block",
    [
        pytest.param(
            block, id=block.id, marks=pytest.mark.corpus if PAGES[block.page].corpus else ()
        )
        for block in BLOCKS
    ],
)
def test_the_block_runs(
    block: Block,
    fake: Model,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    directory = tmp_path / "work"
    directory.mkdir()
    monkeypatch.chdir(directory)
    scene = Scene(directory, request, fake)
    PAGES[block.page].setup(scene)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    *earlier, last = blocks_to_run(block)
    for before in earlier:
        try:
            run(before, namespace, scene.values)
        except Exception as error:
            pytest.fail(f"{before.id}, which {block.id} goes on from, failed: {error!r}")
    run(last, namespace, scene.values)
