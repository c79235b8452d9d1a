"""An oracle responder: answers every prompt with the gold answer of the document it shows.

A perfect model, for testing pipelines end to end: extraction through it must score
F1 = 1.0 on every task, whichever template laid out the prompts, so any loss is the
pipeline's fault, not the model's.
"""

from __future__ import annotations

from collections.abc import Iterable

from cohere_medner.prompts.tasks import COMBINED, AnyTask
from cohere_medner.prompts.templates import SEED, TITLED
from cohere_medner.testing.responders import Responder
from cohere_medner.testing.wire import FakeRequest
from cohere_medner.types import Document


def oracle(documents: Iterable[Document]) -> Responder:
    """A responder that knows the gold answers of ``documents``.

    It finds the document whose abstract the prompt shows (the last one shown, after
    any worked examples), whether its title is shown on the line before (as the ``titled``
    template shows it) or not (``seed``), and the task whose cue the prompt ends with, and
    answers that task's gold completion for the text shown. A prompt showing none of the
    documents gets ``"- "``, the empty list.
    """
    known = [d for d in documents if d.abstract.strip()]
    tasks: list[AnyTask] = [COMBINED, *COMBINED.tasks]

    def respond(request: FakeRequest) -> str:
        prompt = request.last_user_message or request.prompt
        shown = [(prompt.rfind(d.abstract), d) for d in known]
        position, document = max(shown, key=lambda found: found[0], default=(-1, None))
        if document is None or position < 0:
            return "- "
        task = max(tasks, key=lambda t: prompt.rfind(t.cue))
        if prompt.rfind(task.cue) < 0:
            return "- "
        titled = bool(document.title) and TITLED.shown_text(document) in prompt
        return task.gold(document, TITLED if titled else SEED)

    return respond
