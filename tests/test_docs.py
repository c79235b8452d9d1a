"""Every ```python and ```bash block of README.md and docs/*.md runs, as a reader who copies
it runs it.

One test per block, named ``PAGE:N`` for the N-th python block of the page (``README.md:2``,
``docs/batch.md:1``) and ``PAGE:bash:N`` for its N-th bash block (``README.md:bash:2``). A
python block that uses a name it neither defines nor imports (the ``document`` of
getting-started's second block, the ``batch`` of batch.md's second) goes on from the blocks
before it, as a page read top to bottom does: its test runs those first, in the same
namespace and directory. Any other block runs alone, so a reader can copy it alone.

Each test runs in a fresh directory holding the files its page names
(``CDR_Data/CDR.Corpus.v010516``, ``bc5cdr.json``, ``train.jsonl`` ...: see ``PAGES``), with
``CO_API_URL`` pointing at a :class:`FakeCohere` whose model is the oracle (the gold answers
of the documents the page sends) and whose datasets, fine-tuning jobs and batches end at
once, so that the library's own polling finds them done at its first look. A block runs as
written, save for the few textual changes in ``SUBSTITUTIONS``, each with its reason. Pages
that need the full BC5CDR corpus are skipped, with the reason, where it is absent.

A bash block runs as a script of its own under ``bash`` with ``set -euo pipefail``, in its
page's scene with what the page's bash blocks need besides (``Page.shell``), or in an empty
directory for the few in ``SCENELESS``; it must exit with status 0. Its ``cohere-medner`` is
the console script beside ``sys.executable`` (the test is skipped, saying so, where there is
none), importing the code under test: the repository's ``src`` leads ``PYTHONPATH``. A
comment line ``# {...}`` right after a command is the output the page promises: the command
must print exactly that JSON, and the block runs on the full corpus its page names, whose
figures those are. Any other bash block runs on a cut of it, the first ``CUT`` documents of
each split in the same files: every command, option and file as the page has them, in a
fraction of the time (the bash blocks took two minutes on the full corpus, 35 s on the cut,
where they were written), and the python blocks still send the full test split.
Setting ``COHERE_MEDNER_DOCS_FULL_CORPUS`` runs every bash block on the full corpus.
"""

from __future__ import annotations

import ast
import builtins
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

import attrs
import pytest

from cohere_medner.cli import main
from cohere_medner.corpus import (
    SPLITS,
    load_bc5cdr,
    load_sample,
    official_path,
    read_file,
    write_bigbio,
    write_pubtator,
)
from cohere_medner.extractor import Extractor
from cohere_medner.models.batches import _submit as batch
from cohere_medner.models.finetuning._finetune import create_finetune
from cohere_medner.testing import FakeCohere, FakeRequest
from cohere_medner.testing.oracle import oracle
from cohere_medner.types import Document, Mention, Relation
from vocabulary_files import stand_ins

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
    """One ```python or ```bash block: its page (relative to the repository), number among
    the page's blocks of its language, and code."""

    page: str
    number: int
    line: int  # the page's line of the block's first line of code, from 1
    source: str
    language: str = "python"

    @property
    def id(self) -> str:
        if self.language == "python":
            return f"{self.page}:{self.number}"
        return f"{self.page}:{self.language}:{self.number}"


def fenced_blocks(path: Path, wanted: str = "python") -> list[Block]:
    """The ``wanted`` blocks of a markdown page, in order; other fenced blocks are passed over."""
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
        if language == wanted:
            source = "\n".join(lines[start:index])
            blocks.append(Block(page, len(blocks) + 1, start + 1, source, wanted))
        index += 1  # past the closing fence
    return blocks


BLOCKS = [block for path in MARKDOWN for block in fenced_blocks(path)]
SHELL_BLOCKS = [block for path in MARKDOWN for block in fenced_blocks(path, "bash")]


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
    # The bash blocks: what must not run in a test becomes a comment.
    "README.md:bash:1": (
        Substitution(
            "pip install -e .",
            "# pip install -e .",
            "the package under test is installed already; installing would change the "
            "environment the suite runs in",
        ),
    ),
    "README.md:bash:3": (
        Substitution(
            'pip install -e ".[test]"',
            '# pip install -e ".[test]"',
            "the package and its test extras are installed already; installing would change "
            "the environment the suite runs in",
        ),
        Substitution(
            "python -m pytest",
            "# python -m pytest",
            "this test is part of that run: it would run the suite inside itself, without end",
        ),
    ),
    "README.md:bash:4": (
        Substitution(
            " --rpm 20",
            "",
            "a trial key's 20 a minute spaces requests 3 s apart: 75 minutes for the 1,500 of "
            "this command; the fake has no limit to keep to",
        ),
    ),
    "README.md:bash:5": (
        Substitution(
            "<model_id>",
            "{model_id}",
            "the page's placeholder for the reader's fine-tuned model: the scene fine-tunes "
            "one on the fake",
        ),
    ),
    "docs/batch.md:bash:1": (
        Substitution(
            "9439e0e3-49a4-4336-93e3-485fc420bc18",
            "{batch_id}",
            "the page's id is of a batch on Cohere: the scene submits one to the fake instead",
        ),
    ),
    "docs/getting-started.md:bash:1": (
        Substitution(
            "pip install -e .",
            "# pip install -e .",
            "the package under test is installed already; installing would change the "
            "environment the suite runs in",
        ),
        Substitution(
            "export CO_API_KEY=...",
            "# export CO_API_KEY=...",
            "the test's key is in the environment already; the page's '...' stands for a "
            "reader's own",
        ),
    ),
    "docs/getting-started.md:bash:4": (
        Substitution(
            "<model_id>",
            "{model_id}",
            "the page's placeholder for the reader's fine-tuned model: the scene fine-tunes "
            "one on the fake",
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
    """A page's working directory, the fake's model, and the values its substitutions take;
    ``cut``: the corpus the page names is the cut of it (see ``bc5cdr_cut_dir``)."""

    directory: Path
    request: pytest.FixtureRequest
    model: Model
    values: dict[str, str] = attrs.field(factory=dict)
    cut: bool = False

    def link(self, name: str, target: Path) -> None:
        path = self.directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target)

    def data(self, fixture: str) -> Path:
        """A data path fixture of conftest.py (or of its cut, in a scene on the cut), which
        skips, saying why, where the data is absent."""
        path = self.request.getfixturevalue(CUTS.get(fixture, fixture) if self.cut else fixture)
        assert isinstance(path, Path)
        return path


CUT = 50
"""Documents of each split in the cut of the corpus most bash blocks run on."""
CUTS = {"bc5cdr_dir": "bc5cdr_cut_dir", "bc5cdr_json": "bc5cdr_cut_json"}
"""The fixture of the cut of each of conftest.py's corpus fixtures."""


@pytest.fixture(scope="session")
def bc5cdr_cut_dir(
    bc5cdr_dir: Path, bc5cdr_json: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The first ``CUT`` documents of each split of the official corpus, in the official
    PubTator files, and beside them in ``bc5cdr.json``, as the tutorial's file gives them."""
    directory = tmp_path_factory.mktemp("bc5cdr-cut")
    splits: dict[str, list[Document]] = {}
    for split in SPLITS:
        cut = list(islice(load_bc5cdr(split, data_dir=bc5cdr_dir, format="pubtator"), CUT))
        write_pubtator(cut, official_path(directory, split, "pubtator"))
        pmids = {document.pmid for document in cut}
        splits[split] = [d for d in read_file(bc5cdr_json, split=split) if d.pmid in pmids]
        assert len(splits[split]) == len(cut) == CUT, split
    write_bigbio(splits, directory / "bc5cdr.json")
    return directory


@pytest.fixture(scope="session")
def bc5cdr_cut_json(bc5cdr_cut_dir: Path) -> Path:
    """The cut's ``bc5cdr.json``."""
    return bc5cdr_cut_dir / "bc5cdr.json"


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
    job = batch.submit(extractor.plan(sample[:5]), handle=scene.directory / "runs/pubmed-000.json")
    scene.values["batch_id"] = job.batch_id


def finetuning_files(scene: Scene) -> None:
    """The tutorial's ``bc5cdr.json``."""
    scene.link("bc5cdr.json", scene.data("bc5cdr_json"))


def chat_files(scene: Scene) -> None:
    """``train.jsonl`` and ``eval.jsonl`` from ``bc5cdr.json``, as the pages' ``cohere-medner
    prepare`` writes them."""
    command = "prepare --data bc5cdr.json --split train,validation"
    options = "--tasks diseases,chemicals,relations --format chat"
    files = "--output train.jsonl --eval-output eval.jsonl"
    assert main(f"{command} {options} {files}".split()) == 0


def finetuning(scene: Scene) -> None:
    """The tutorial's ``bc5cdr.json``, and the chat files the page's ``prepare`` writes."""
    finetuning_files(scene)
    chat_files(scene)


def finetuned_model(scene: Scene) -> None:
    """A model fine-tuned on the fake from ``train.jsonl`` and ``eval.jsonl``, ready for
    ``<model_id>``. Its ids are remembered outside the directory, so that the page's own
    ``cohere-medner finetune create`` starts afresh, as a reader's does."""
    state = scene.directory.parent / "state" / "finetune.json"
    result = create_finetune("train.jsonl", "eval.jsonl", name="bc5cdr", wait=True, state=state)
    assert result.ready, result
    scene.values["model_id"] = result.model_id


def readme_shell(scene: Scene) -> None:
    """What the README's bash blocks add: the tutorial's ``bc5cdr.json``; ``train.jsonl`` and
    ``eval.jsonl`` (the fourth block makes them, the fifth uses them) and a model fine-tuned
    on them; and ``big.PubTator``, the bundled sample."""
    finetuning(scene)  # bc5cdr.json, train.jsonl, eval.jsonl
    finetuned_model(scene)
    write_pubtator(load_sample().to_list(), scene.directory / "big.PubTator")


def getting_started_shell(scene: Scene) -> None:
    """What the tutorial's bash blocks add: ``train.jsonl`` and ``eval.jsonl`` (step 2 makes
    them, step 4 uses them) and a model fine-tuned on them, for step 5's ``<model_id>``."""
    chat_files(scene)
    finetuned_model(scene)


def lexicons(scene: Scene) -> None:
    """The official corpus, and small stand-ins for MeSH's and CTD's files under the names the
    page downloads them as (the real ones are hundreds of MB, and downloaded by no test)."""
    corpus = scene.data("bc5cdr_dir")
    scene.link(CORPUS, corpus)
    stand_ins(scene.directory)
    scene.model.knows(load_bc5cdr("test", data_dir=corpus).to_list())


def batch_shell(scene: Scene) -> None:
    """``pubmed-000.pubtator``, the file the command line section sends: the bundled sample."""
    write_pubtator(load_sample().to_list(), scene.directory / "pubmed-000.pubtator")


@attrs.frozen
class Page:
    """How to lay out a page's directory, what its bash blocks need besides (``shell``), and
    whether that needs the full BC5CDR corpus."""

    setup: Callable[[Scene], None]
    corpus: bool
    shell: Callable[[Scene], None] | None = None


PAGES: dict[str, Page] = {
    "README.md": Page(readme, corpus=True, shell=readme_shell),
    "docs/getting-started.md": Page(getting_started, corpus=True, shell=getting_started_shell),
    "docs/batch.md": Page(batch_page, corpus=False, shell=batch_shell),
    "docs/fine-tuning-files.md": Page(finetuning_files, corpus=True),
    "docs/fine-tuning.md": Page(finetuning, corpus=True),
    "docs/lexicons.md": Page(lexicons, corpus=True),
}


SCENELESS: dict[str, str] = {
    "README.md:bash:1": "it reads the bundled sample: the page's point is that it needs nothing",
    "README.md:bash:3": "none of it runs: see SUBSTITUTIONS",
    "docs/getting-started.md:bash:1": "none of it runs: see SUBSTITUTIONS",
}
"""Bash blocks that need nothing of their page's scene, with the reason: they run in an empty
directory, and so also where the corpus the page's other blocks need is absent."""


def test_every_block_is_found_and_has_its_page_and_substitutions() -> None:
    for language, blocks in (("python", BLOCKS), ("bash", SHELL_BLOCKS)):
        openings = sum(
            line.lstrip().startswith(f"```{language}")  # indented ones too, which the parser misses
            for path in MARKDOWN
            for line in path.read_text(encoding="utf-8").splitlines()
        )
        assert len(blocks) == openings > 0, language
        assert {block.page for block in blocks} <= set(PAGES)
    assert set(SUBSTITUTIONS) <= {block.id for block in [*BLOCKS, *SHELL_BLOCKS]}
    assert set(SCENELESS) <= {block.id for block in SHELL_BLOCKS}


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


# Running the bash blocks --------------------------------------------------------------------

SCRIPT = "cohere-medner"
SHELL_TIMEOUT = 600.0
"""Seconds a bash block may take: many times what the slowest takes, to fail, not hang."""
OUTPUT_COMMENT = re.compile(r"# (\{.*\})")
FULL_CORPUS = "COHERE_MEDNER_DOCS_FULL_CORPUS"
"""Set (to anything), every bash block runs on the full corpus its page names, not the cut."""
SHOWN = 6_000
"""Characters of a failed block's stdout and of its stderr (the end of each) shown."""


def shell_environment() -> dict[str, str]:
    """The environment bash blocks run in: this one (the fake's address, key, caches and
    handles), with the ``cohere-medner`` beside ``sys.executable`` first on ``PATH`` and the
    repository's ``src`` first on ``PYTHONPATH``, so that the script runs the code under test
    (in a worktree too, whose package is not the one installed). Skips, saying why, where
    bash or the script cannot be had."""
    scripts = Path(sys.executable).parent  # a virtual environment's bin/, not resolved
    if not (scripts / SCRIPT).is_file():
        pytest.skip(
            f"no {SCRIPT} console script beside {sys.executable}: install the package into "
            "the environment that runs the tests (pip install -e .) to run the bash blocks"
        )
    if shutil.which("bash") is None:
        pytest.skip("no bash on PATH to run the bash blocks with")
    environment = dict(os.environ)
    environment["PATH"] = os.pathsep.join([str(scripts), environment.get("PATH", "")])
    python_path = [str(REPO / "src"), *filter(None, [environment.get("PYTHONPATH")])]
    environment["PYTHONPATH"] = os.pathsep.join(python_path)
    return environment


def test_the_bash_blocks_run_the_code_under_test() -> None:
    environment = shell_environment()
    found = subprocess.run(
        ["bash", "-c", f"command -v {SCRIPT}"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert found == str(Path(sys.executable).parent / SCRIPT)
    # The script runs the interpreter beside it, which is sys.executable.
    imported = subprocess.run(
        [sys.executable, "-c", "import cohere_medner; print(cohere_medner.__file__)"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(imported).resolve().is_relative_to((REPO / "src").resolve()), imported


@attrs.frozen
class Promise:
    """An output a page promises: a ``# {...}`` comment line right after a command (whose
    lines, with continuations, are ``first`` to ``comment - 1``, from 0 in the block)."""

    first: int
    comment: int
    expected: object


def promised_outputs(source: str) -> list[Promise]:
    """The JSON outputs a bash block's comments promise, with the commands that print them."""
    lines = source.splitlines()
    promises: list[Promise] = []
    for index, line in enumerate(lines):
        match = OUTPUT_COMMENT.fullmatch(line.strip())
        if match is None:
            continue
        previous = lines[index - 1].strip() if index else ""
        assert previous and not previous.startswith("#"), (
            f"line {index + 1} of the block: an output comment must follow its command"
        )
        first = index - 1
        while first > 0 and lines[first - 1].rstrip().endswith("\\"):
            first -= 1
        promises.append(Promise(first, index, json.loads(match.group(1))))
    return promises


def test_an_output_comment_promises_what_the_command_before_it_prints() -> None:
    block = 'D="--x"\ncommand \\\n    --json\n# {"a": [1, 2]}\n# {not output} in braces\n'
    assert promised_outputs(block) == [Promise(1, 3, {"a": [1, 2]})]
    with pytest.raises(AssertionError, match="must follow its command"):
        promised_outputs('# one\n# {"a": 1}\n')
    promising = {b.id: len(promised_outputs(b.source)) for b in SHELL_BLOCKS}
    assert {id: n for id, n in promising.items() if n} == {"README.md:bash:2": 1}


def shell_script(block: Block, source: str, outputs: Path) -> tuple[str, dict[Path, object]]:
    """The script a bash block runs as: ``set -euo pipefail``, a line on stderr naming the
    page's line of a command that fails, and the block, padded so that its lines are the
    page's. A command with a promised output prints it into a file of ``outputs`` too (the
    comment line closes a ``{ ...; }`` group around it): returned, with the JSON expected."""
    lines = source.splitlines()
    expected: dict[Path, object] = {}
    for number, promise in enumerate(promised_outputs(source), 1):
        path = outputs / f"{number}.json"
        lines[promise.first] = "{ " + lines[promise.first]
        lines[promise.comment] = f"}} >{shlex.quote(str(path))}; cat {shlex.quote(str(path))}"
        expected[path] = promise.expected
    outputs.mkdir(parents=True, exist_ok=True)
    where = f'echo "{block.page} line $LINENO: exit status $?" >&2'
    head = f"set -euo pipefail; trap {shlex.quote(where)} ERR"
    return "\n".join([head, *[""] * (block.line - 2), *lines, ""]), expected


def numbered(script: str, block: Block) -> str:
    """The script's first line and the block's, with the page's line numbers."""
    lines = script.splitlines()
    shown = [(1, lines[0]), *enumerate(lines[block.line - 1 :], block.line)]
    return "\n".join(f"{number:4}  {line}" for number, line in shown)


def tail(text: str | bytes | None) -> str:
    """The end of what a block wrote, for a failure message."""
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    text = text or ""
    return text if len(text) <= SHOWN else f"[... {len(text) - SHOWN} characters]{text[-SHOWN:]}"


@pytest.mark.parametrize(
    "block",
    [
        pytest.param(
            block,
            id=block.id,
            marks=pytest.mark.corpus
            if PAGES[block.page].corpus and block.id not in SCENELESS
            else (),
        )
        for block in SHELL_BLOCKS
    ],
)
def test_the_bash_block_runs(
    block: Block,
    fake: Model,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    environment = shell_environment()
    directory = tmp_path / "work"
    directory.mkdir()
    monkeypatch.chdir(directory)
    full = bool(promised_outputs(block.source)) or bool(os.environ.get(FULL_CORPUS))
    scene = Scene(directory, request, fake, cut=not full)
    page = PAGES[block.page]
    if block.id not in SCENELESS:
        page.setup(scene)
        if page.shell is not None:
            page.shell(scene)
    script, expected = shell_script(block, runnable(block, scene.values), tmp_path / "outputs")
    path = tmp_path / f"{block.id.replace('/', '-').replace(':', '-')}.sh"
    path.write_text(script, encoding="utf-8")
    try:
        done = subprocess.run(
            ["bash", str(path)],
            cwd=directory,
            env=environment,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=SHELL_TIMEOUT,
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(
            f"{block.id} ran for more than {SHELL_TIMEOUT:.0f} s\n--- stdout ---\n"
            f"{tail(error.stdout)}\n--- stderr ---\n{tail(error.stderr)}"
        )
    assert done.returncode == 0, (
        f"{block.id} exited with status {done.returncode}\n--- {path} ---\n"
        f"{numbered(script, block)}\n--- stdout ---\n{tail(done.stdout)}\n--- stderr ---\n"
        f"{tail(done.stderr)}"
    )
    for output, promised in expected.items():
        printed = output.read_text(encoding="utf-8")
        assert json.loads(printed) == promised, (
            f"{block.id}: the page promises {json.dumps(promised)}, the command printed {printed}"
        )


# What a reader needs before the first block ---------------------------------------------------


def test_no_page_installs_from_a_registry_the_package_is_not_on() -> None:
    # getting-started said `pip install cohere-medner`, which fails until it is published.
    commands = [
        line.split("#")[0]
        for path in MARKDOWN
        for block in fenced_blocks(path, "bash")
        for line in block.source.splitlines()
    ]
    assert not [c for c in commands if re.search(r"pip install [\"']?cohere-medner\b", c)]
    assert any(re.fullmatch(r"\s*pip install -e \.\s*", c) for c in commands)


def test_the_readme_names_what_the_tests_read_and_how_to_build_the_docs() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    variables = set(re.findall(r"COHERE_MEDNER_\w+_DIR", (REPO / "tests/conftest.py").read_text()))
    assert variables and not [v for v in variables if v not in readme]
    extras = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert "\ndocs = [" in extras and 'pip install -e ".[docs]"' in readme
    assert "sphinx-build docs " in readme
    # How long a run takes at a trial key's pace, before a reader starts one.
    assert re.search(r"At 20 a minute\s+#? ?the [\d,]+ requests take \d+ minutes", readme)
