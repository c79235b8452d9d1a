"""The Extractor end to end: real SDK, real HTTP, the loopback server answering as an oracle."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cohere_medner.corpus import load_sample
from cohere_medner.errors import (
    AuthenticationError,
    CohereApiError,
    ConfigurationError,
    EmptyTextError,
    InvalidRequestError,
    ModelNotFoundError,
)
from cohere_medner.extraction import read_extractions
from cohere_medner.extractor import Extractor, Mode, _Progress
from cohere_medner.models.base import Request
from cohere_medner.models.cache import ResponseCache
from cohere_medner.models.client import Usage
from cohere_medner.models.cohere_api import CohereGenerate
from cohere_medner.models.reading import BAD_ANSWER_ATTEMPTS
from cohere_medner.prompts.tasks import CHEMICALS, DISEASES, RELATIONS
from cohere_medner.prompts.templates import SEED, TITLED, Template
from cohere_medner.testing import FLAWED_ANSWERS, FakeCohere, FakeRequest, Fault
from cohere_medner.testing.oracle import oracle
from cohere_medner.types import Completion, Document
from task_documents import tutorial_prompt

MODEL = "command-r-08-2024"
DOCUMENTS = load_sample().to_list()


@pytest.fixture
def server() -> Iterator[FakeCohere]:
    with FakeCohere(responder=oracle(DOCUMENTS)) as fake:
        yield fake


def extractor(server: FakeCohere, tmp_path: Path, **options: object) -> Extractor:
    settings: dict[str, object] = {
        "api_key": "test-key",
        "base_url": server.url,
        "cache": tmp_path / "cache.sqlite3",
        "progress": False,
        "timeout": 1.0,
        **options,
    }
    return Extractor(MODEL, **settings)  # type: ignore[arg-type]


def assert_perfect(
    extractions: list,  # type: ignore[type-arg]
    documents: list[Document],
    template: Template = TITLED,
) -> None:
    """Every extraction lists the gold of the text ``template`` shows, and nothing else."""
    assert [e.document for e in extractions] == [d.pmid for d in documents]
    for extraction, document in zip(extractions, documents, strict=True):
        assert extraction.ok, extraction.error
        for task in (DISEASES, CHEMICALS):
            gold = task.gold_target(document, template).items
            assert extraction.entities.get(task.entity_type, ()) == gold
        triples = RELATIONS.gold_target(document, template).triples
        assert set(extraction.relations) == set(triples)
        assert not extraction.rejected


@pytest.mark.parametrize("mode", ["per-task", "combined"])
def test_oracle_answers_are_read_back_exactly(
    server: FakeCohere, tmp_path: Path, mode: Mode
) -> None:
    ex = extractor(server, tmp_path, mode=mode)
    extractions = ex.extract_many(DOCUMENTS)
    assert_perfect(extractions, DOCUMENTS)
    per_document = 3 if mode == "per-task" else 1
    assert len(server.requests) == per_document * len(DOCUMENTS)


@pytest.mark.parametrize(
    ("options", "template"), [({}, TITLED), ({"template": "seed"}, SEED)], ids=["default", "seed"]
)
def test_the_prompts_show_the_title_unless_the_tutorials_seed_is_asked(
    server: FakeCohere, tmp_path: Path, options: dict[str, str], template: Template
) -> None:
    document = DOCUMENTS[1]  # "Lidocaine-induced cardiac asystole.": both types in its title
    ex = extractor(server, tmp_path, **options)
    assert ex.template is template
    assert_perfect([ex.extract(document)], [document], template)
    sent = sorted(json.dumps(r.body["messages"]) for r in server.requests)
    expected = [template.messages(t, document) for t in (DISEASES, CHEMICALS, RELATIONS)]
    assert sent == sorted(json.dumps(messages) for messages in expected)
    shown = {document.title in r.last_user_message for r in server.requests}
    assert shown == {template is TITLED}


def test_seed_sends_the_tutorials_prompts_byte_for_byte(server: FakeCohere, tmp_path: Path) -> None:
    generate = CohereGenerate(MODEL, api_key="k", base_url=server.url, cache=False, timeout=1.0)
    ex = Extractor(generate, "diseases,chemicals", template="seed", progress=False)
    assert_perfect([ex.extract(DOCUMENTS[1])], DOCUMENTS[1:2], SEED)
    assert {r.body["prompt"] for r in server.requests} == {
        tutorial_prompt(what, DOCUMENTS[1].abstract) for what in ("diseases", "chemicals")
    }


@pytest.mark.parametrize("mode", ["per-task", "combined"])
def test_no_document_is_lost_to_faults_of_every_kind(tmp_path: Path, mode: Mode) -> None:
    documents = DOCUMENTS[:20]
    with FakeCohere(
        responder=oracle(documents),
        fault_rate=0.2,
        fault_kinds=[f for f in Fault if f not in FLAWED_ANSWERS],  # those a client undoes
        retry_after=0.05,
        slow_delay=1.5,
        seed=7,
    ) as server:
        ex = extractor(server, tmp_path, mode=mode, timeout=0.5, max_concurrency=16)
        extractions = ex.extract_many(documents)
        faults = sum(n for k, n in server.outcome_counts.items() if k != "ok")
    assert_perfect(extractions, documents)
    assert faults > 0 and ex.usage["retries"] >= faults - 1


def test_a_document_answered_in_another_shape_fails_alone_and_the_rest_are_kept(
    tmp_path: Path,
) -> None:
    # It used to be an AttributeError: the whole run stopped, and nothing was written.
    documents = DOCUMENTS[:4]
    with FakeCohere(responder=oracle(documents)) as server:
        ex = extractor(server, tmp_path, tasks="diseases")
        first = documents[0].abstract[:80]
        server.inject(Fault.OPENAI_SHAPE, count=BAD_ANSWER_ATTEMPTS, prompt=first)
        extractions = ex.extract_many(documents)
    assert [e.ok for e in extractions] == [False, True, True, True]
    assert "diseases: Cohere API error: expected a v2 chat answer" in (extractions[0].error or "")
    assert '"object": "chat.completion"' in (extractions[0].error or "")
    assert all(e.entities["Disease"] for e in extractions[1:])


def test_second_run_sends_nothing(server: FakeCohere, tmp_path: Path) -> None:
    extractor(server, tmp_path).extract_many(DOCUMENTS[:5])
    sent = len(server.requests)
    again = extractor(server, tmp_path)
    extractions = again.extract_many(DOCUMENTS[:5])
    assert len(server.requests) == sent
    assert all(e.cached == 3 and e.requests == 0 for e in extractions)
    assert_perfect(extractions, DOCUMENTS[:5])


def test_cache_key_covers_model_parameters_and_template(server: FakeCohere, tmp_path: Path) -> None:
    extractor(server, tmp_path).extract(DOCUMENTS[0])
    extractor(server, tmp_path, temperature=0.5).extract(DOCUMENTS[0])
    extractor(server, tmp_path, template="seed", mode="combined").extract(DOCUMENTS[0])
    assert len(server.requests) == 3 + 3 + 1


def test_an_unknown_model_stops_the_run_at_the_first_answer(server: FakeCohere) -> None:
    # Every document used to be sent, and to fail alike: 1,500 requests for the test split.
    ex = Extractor("no-such-model", api_key="k", base_url=server.url, cache=False, progress=False)
    with pytest.raises(ModelNotFoundError, match="model 'no-such-model' not found"):
        ex.extract_many(DOCUMENTS)
    assert len(server.requests) <= 8 and ex.usage["retries"] == 0  # those in flight
    with pytest.raises(ModelNotFoundError):
        ex.extract(DOCUMENTS[0])


def test_a_key_revoked_mid_run_stops_it_and_keeps_what_was_answered(tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite3"
    answer = oracle(DOCUMENTS)

    def revoking(request: FakeRequest) -> str:
        server.revoke("test-key")  # the requests already past the door are answered
        return answer(request)

    with FakeCohere(responder=revoking, latency=0.05) as server:
        ex = extractor(server, tmp_path, max_concurrency=4)
        with pytest.raises(AuthenticationError, match="CO_API_KEY"):
            ex.extract_many(DOCUMENTS)
        answered = server.outcome_counts["ok"]
        # Nothing is left in flight, nothing unsent is sent, and every answer is kept.
        assert all(exchange.status is not None for exchange in server.exchanges)
        assert answered >= 1 and len(server.requests) <= answered + 4
        assert len(ResponseCache(cache)) == answered


def test_bad_documents_fail_alone(tmp_path: Path) -> None:
    with FakeCohere(responder=oracle(DOCUMENTS), max_input_tokens=2000) as server:
        ex = extractor(server, tmp_path)
        long_text = "word " * 5000
        extractions = ex.extract_many([DOCUMENTS[0], "   ", long_text, DOCUMENTS[1]])
        assert [e.ok for e in extractions] == [True, False, False, True]
        assert "empty" in (extractions[1].error or "")
        assert "too many tokens" in (extractions[2].error or "")
        with pytest.raises(EmptyTextError):
            ex.extract("")
        with pytest.raises(InvalidRequestError, match="too many tokens"):
            ex.extract(long_text)


def test_extract_inside_a_running_event_loop(server: FakeCohere, tmp_path: Path) -> None:
    ex = extractor(server, tmp_path)

    async def notebook_cell() -> list[str]:
        done = ex.extract_many(DOCUMENTS[:2])  # the synchronous API, from inside a loop
        more = await ex.aextract_many(DOCUMENTS[2:4])
        return [e.document for e in done + more]

    assert asyncio.run(notebook_cell()) == [d.pmid for d in DOCUMENTS[:4]]


def test_legacy_generate_endpoint(server: FakeCohere, tmp_path: Path) -> None:
    generate = CohereGenerate(
        MODEL,
        api_key="test-key",
        base_url=server.url,
        cache=tmp_path / "cache.sqlite3",
        timeout=1.0,
    )
    ex = Extractor(generate, progress=False)
    assert_perfect(ex.extract_many(DOCUMENTS[:3]), DOCUMENTS[:3])
    assert {r.endpoint for r in server.requests} == {"generate"}


def test_killed_run_resumes_sending_only_what_was_not_answered(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    command = [
        sys.executable, "-m", "cohere_medner.cli", "extract", "--model", MODEL,
        "--output", str(output), "--cache", str(tmp_path / "cache.sqlite3"),
        "--concurrency", "2", "--no-progress",
    ]  # fmt: skip
    with FakeCohere(responder=oracle(DOCUMENTS), latency=0.02) as server:
        environment = {**os.environ, "CO_API_URL": server.url, "CO_API_KEY": "test-key"}
        run = subprocess.Popen(command, env=environment)
        deadline = time.monotonic() + 60
        while len(server.requests) < 40 and time.monotonic() < deadline:
            time.sleep(0.01)
        run.send_signal(signal.SIGKILL)
        run.wait()
        answered = len(server.requests)
        assert 40 <= answered < 150 and not output.exists()
        finished = subprocess.run(command, env=environment, capture_output=True, text=True)
        assert finished.returncode == 0, finished.stderr
        # In flight when killed: at most the two concurrent requests are asked again.
        assert 150 <= len(server.requests) <= 150 + 2
    extractions = list(read_extractions(output))
    assert_perfect(extractions, DOCUMENTS)
    assert sum(e.cached for e in extractions) >= answered - 2


def test_the_offline_baseline_needs_no_key_or_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CO_API_KEY", raising=False)
    monkeypatch.delenv("COHERE_API_KEY", raising=False)
    ex = Extractor("lexicon", tasks="diseases", progress=False)
    extraction = ex.extract(load_sample("test")[0])
    assert set(extraction.entities) == {"Disease"} and extraction.relations == ()
    assert extraction.requests == 0 and ex.usage["requests"] == 0


def test_nearest_neighbour_examples_go_into_the_prompts(tmp_path: Path) -> None:
    from cohere_medner.errors import ExampleLeakError
    from cohere_medner.models.client import CohereClient
    from cohere_medner.models.nearest import KNearest

    train, test = load_sample("train").to_list(), load_sample("test").to_list()
    with FakeCohere(responder=oracle(test)) as server:
        client = CohereClient("k", base_url=server.url)
        examples = KNearest(train, k=2, client=client, cache=tmp_path / "embeddings.sqlite3")
        ex = Extractor(
            MODEL, client=client, cache=False, progress=False, examples=examples, mode="combined"
        )
        assert_perfect(ex.extract_many(test[:3]), test[:3])
        chats = [r for r in server.requests if r.endpoint == "chat"]
        embeds = [r for r in server.requests if r.endpoint == "embed"]
        assert len(chats) == 3 and 1 <= len(embeds) <= 2
        for request in chats:  # concurrent: in any order
            [document] = [d for d in test[:3] if d.abstract in request.prompt]
            shown = {d.pmid for d in train if d.abstract in request.prompt}
            assert shown == {d.pmid for d in examples.choose(document)}
        with pytest.raises(ExampleLeakError, match="example pool"):
            ex.extract_many(train[:2])


class GoldStub:
    """A model of one's own: no Cohere, no base class; it answers with the gold lists."""

    name = "gold-stub"

    def __init__(self) -> None:
        self.seen: list[Request] = []

    async def complete(self, request: Request) -> Completion:
        self.seen.append(request)
        if "refuse" in request.document.abstract and request.unit.name == "chemicals":
            raise CohereApiError("the stub refuses to list chemicals here")
        return Completion(request.unit.gold(request.document), input_tokens=5)


@pytest.mark.parametrize("mode", ["per-task", "combined"])
def test_any_object_that_implements_the_model_protocol_extracts(mode: Mode) -> None:
    stub = GoldStub()
    ex = Extractor(stub, mode=mode, progress=False)
    assert_perfect(ex.extract_many(DOCUMENTS[:4]), DOCUMENTS[:4])
    units = 3 if mode == "per-task" else 1
    assert len(stub.seen) == 4 * units
    request = stub.seen[0]
    assert request.messages == tuple(ex.template.messages(request.unit, request.document))
    assert request.prompt == ex.template.prompt(request.unit, request.document)
    assert ex.usage == Usage().as_dict()  # a model that counts nothing spent nothing
    assert repr(ex).startswith("Extractor(model='gold-stub'")


def test_a_request_the_model_fails_fails_its_document_alone() -> None:
    refused = Document("1", "", "Please refuse aspirin in fever.")
    extractions = Extractor(GoldStub(), progress=False).extract_many([refused, DOCUMENTS[0]])
    assert extractions[0].error == (
        "chemicals: Cohere API error: the stub refuses to list chemicals here"
    )
    assert extractions[0].raw.keys() == {"diseases", "relations"} and extractions[1].ok
    assert (extractions[1].requests, extractions[1].input_tokens) == (3, 15)


def test_settings_are_for_a_model_built_by_name() -> None:
    with pytest.raises(ConfigurationError, match=r"give them to GoldStub\(...\)"):
        Extractor(GoldStub(), requests_per_minute=20)


# Progress ------------------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_off_a_terminal_is_plain_lines_with_rate_time_left_and_failures() -> None:
    # It was one line redrawn with \r, which logs and CI consoles show as one endless line.
    now = [0.0]
    stream = io.StringIO()
    progress = _Progress(20, stream, clock=lambda: now[0])
    for done in range(1, 21):
        now[0] = done * 3.0  # a document each 3 s: 20 a minute
        progress.advance(ok=done != 5)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue() and len(lines) == 10  # one at each tenth
    assert lines[0] == "2/20 documents (20/min, 0:54 left)"
    assert lines[2] == "6/20 documents, 1 failed (20/min, 0:42 left)"
    assert lines[-1] == "20/20 documents, 1 failed (20/min)"


def test_progress_on_a_terminal_is_tqdm_s_bar() -> None:
    stream = _Terminal()
    progress = _Progress(10, stream)
    for _ in range(10):
        progress.advance(ok=True)
    progress.close()
    drawn = stream.getvalue()
    assert "\r" in drawn and "10/10" in drawn and "doc/s" in drawn and "100%" in drawn


def test_an_extractor_reports_progress_on_stderr_unless_told_not_to(
    capsys: pytest.CaptureFixture[str],
) -> None:
    documents = load_sample("test")
    Extractor("lexicon", tasks="diseases").extract_many(documents)
    err = capsys.readouterr().err
    assert err.splitlines()[-1].startswith("10/10 documents (")
    Extractor("lexicon", tasks="diseases", progress=False).extract_many(documents)
    assert capsys.readouterr().err == ""
