"""Extract diseases, chemicals and chemical-induces-disease relations with Cohere models.

::

    from cohere_medner import Extractor, load_bc5cdr

    extractor = Extractor("command-r-08-2024")          # CO_API_KEY from the environment
    extraction = extractor.extract("Naloxone reverses the hypotension induced by clonidine.")
    extraction.entities["Chemical"], extraction.relations

The package is a house of rows; a module imports only its own row and the rows below it,
and only ``models/`` talks to Cohere (the ``cohere`` SDK, ``httpx``)::

    8  cli/  testing/                 shells over the public API; the loopback Cohere server
    7  extractor  evaluation          where tasks, a template and a model meet; evaluate()
    6  report/                        runs -> JSON, Markdown, chart, HTML (from run data only)
    5  models/                        what answers a prompt: CohereChat, CohereGenerate,
       (batches/ finetuning/)          LexiconModel; client, retries, rate limit, cache
    4  grounding/  training/          names -> offsets -> MeSH ids; fine-tuning records
    3  prompts/  scoring/             tasks, templates, worked examples; list and official scores
    2  corpus/  parsing/              BC5CDR in and out; model text -> items and triples
    1  types  errors  extraction      plain data, one error root

Data flows up: corpus -> prompt -> model -> parser -> grounding -> scores -> report. The
names below are the public API; each loads its module on first use, so ``import
cohere_medner`` (and ``cohere_medner.parsing`` or ``cohere_medner.corpus``) does not import
the SDK.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, tuple[str, ...]] = {
    "cohere_medner.types": (
        "CHEMICAL",
        "CID",
        "DISEASE",
        "ENTITY_TYPES",
        "Completion",
        "Document",
        "Mention",
        "Relation",
        "Score",
    ),
    "cohere_medner.errors": (
        "CohereApiError",
        "ConfigurationError",
        "CorpusError",
        "MedNerError",
    ),
    "cohere_medner.corpus": (
        "DocumentStream",
        "load_bc5cdr",
        "load_corpus",
        "load_sample",
        "read_file",
        "write_corpus",
        "write_pubtator",
    ),
    "cohere_medner.extraction": ("Extraction", "read_extractions", "write_extractions"),
    "cohere_medner.parsing": ("parse_list", "parse_relations"),
    "cohere_medner.prompts": ("FewShot", "Task", "Template", "get_tasks", "get_template"),
    "cohere_medner.scoring": ("score",),
    "cohere_medner.grounding": ("Lexicon", "Prediction", "predict"),
    "cohere_medner.training": ("prepare_finetuning",),
    "cohere_medner.models.client": ("CohereClient",),
    "cohere_medner.models.nearest": ("KNearest",),
    "cohere_medner.report": ("EvaluationRun", "load_run", "save_run", "write_report"),
    "cohere_medner.evaluation": ("evaluate",),
    "cohere_medner.extractor": ("Extractor",),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted([*_MODULE_OF, "__version__"])


def __getattr__(name: str) -> Any:
    """Load a public name's module on first use (PEP 562)."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'cohere_medner' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:
    from cohere_medner.corpus import (
        DocumentStream,
        load_bc5cdr,
        load_corpus,
        load_sample,
        read_file,
        write_corpus,
        write_pubtator,
    )
    from cohere_medner.errors import CohereApiError, ConfigurationError, CorpusError, MedNerError
    from cohere_medner.evaluation import evaluate
    from cohere_medner.extraction import Extraction, read_extractions, write_extractions
    from cohere_medner.extractor import Extractor
    from cohere_medner.grounding import Lexicon, Prediction, predict
    from cohere_medner.models.client import CohereClient
    from cohere_medner.models.nearest import KNearest
    from cohere_medner.parsing import parse_list, parse_relations
    from cohere_medner.prompts import FewShot, Task, Template, get_tasks, get_template
    from cohere_medner.report import EvaluationRun, load_run, save_run, write_report
    from cohere_medner.scoring import score
    from cohere_medner.training import prepare_finetuning
    from cohere_medner.types import (
        CHEMICAL,
        CID,
        DISEASE,
        ENTITY_TYPES,
        Completion,
        Document,
        Mention,
        Relation,
        Score,
    )
