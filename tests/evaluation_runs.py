"""Two real evaluation runs over the bundled test sample, shared by the report tests.

The offline lexicon baseline, with every level scored; and a flawed model answering
through the loopback server, without a lexicon, with one document failed.
"""

from __future__ import annotations

import functools

import attrs

from cohere_medner.corpus import load_sample
from cohere_medner.evaluation import evaluate
from cohere_medner.extraction import Extraction
from cohere_medner.extractor import Extractor
from cohere_medner.grounding.lexicon import Lexicon
from cohere_medner.prompts.tasks import CHEMICALS, DISEASES, RELATIONS
from cohere_medner.prompts.templates import SEED
from cohere_medner.report import EvaluationRun, score_run
from cohere_medner.testing import FakeCohere, FakeRequest, Responder
from cohere_medner.testing.oracle import oracle
from cohere_medner.types import CHEMICAL, DISEASE, Document
from strategies import annotated

MODEL = "command-r-08-2024"
UNGROUNDED = 'Made-up <b>syndrome</b> & "co"'
FAILED_PMID = "99999999"
FAILED_ERROR = "Cohere API error 500: <html> & co"


def flawed(documents: list[Document]) -> Responder:
    """The oracle, except that disease lists miss their first name, list a name found nowhere,
    and list the document's first chemical as a disease (a false positive on a true one)."""
    gold = oracle(documents)

    def respond(request: FakeRequest) -> str:
        answer = gold(request)
        prompt = request.last_user_message or request.prompt
        task = max((DISEASES, CHEMICALS, RELATIONS), key=lambda t: prompt.rfind(t.cue))
        if task is not DISEASES:
            return answer
        document = max(documents, key=lambda d: prompt.rfind(d.abstract))
        chemical = next(m.text for m in document.mentions if m.type == CHEMICAL)
        return "\n".join([*answer.splitlines()[1:], f"- {UNGROUNDED}", f"- {chemical}"])

    return respond


@functools.cache
def lexicon_run() -> EvaluationRun:
    """The offline baseline on the bundled test sample: every level scored."""
    return evaluate(Extractor("lexicon", progress=False), load_sample("test"))


@functools.cache
def cohere_run() -> EvaluationRun:
    """A flawed model through the loopback server, without a lexicon, one document failed."""
    documents = load_sample("test").to_list()
    with FakeCohere(responder=flawed(documents)) as server:
        extractor = Extractor(
            MODEL, api_key="k", base_url=server.url, cache=False, progress=False, timeout=5.0
        )
        run = evaluate(extractor, documents)
    failed = Extraction(FAILED_PMID, error=FAILED_ERROR)
    return attrs.evolve(
        run,
        extractions=(*run.extractions, failed),
        documents=run.documents + 1,
        failed=(*run.failed, (FAILED_PMID, FAILED_ERROR)),
    )


def unresolved_run() -> EvaluationRun:
    """A run with a listed relation whose disease no lexicon rule identifies ("rash")."""
    lexicon = Lexicon.from_splits(
        {
            "train": [
                annotated("1", "timolol", ("timolol", CHEMICAL, ("D013999",))),
                annotated("2", "asthma", ("asthma", DISEASE, ("D001249",))),
            ]
        }
    )
    gold = Document("5", "", "Timolol maleate worsened asthma and a rash.")
    extraction = Extraction(
        "5",
        {CHEMICAL: ("Timolol maleate",), DISEASE: ("asthma", "rash")},
        (("Timolol maleate", "influences", "asthma"), ("Timolol maleate", "influences", "rash")),
    )
    return score_run("m", [extraction], [gold], (DISEASES, CHEMICALS, RELATIONS), SEED, lexicon)
