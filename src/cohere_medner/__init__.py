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

from typing import TYPE_CHECKING

from cohere_medner._lazy import lazy_exports

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
    "cohere_medner.grounding": ("Lexicon",),
    "cohere_medner.training": ("prepare_finetuning",),
    "cohere_medner.models": (
        "CohereChat",
        "CohereGenerate",
        "KNearest",
        "LexiconModel",
        "Model",
        "Request",
    ),
    "cohere_medner.report": ("EvaluationRun", "load_run", "save_run", "write_report"),
    "cohere_medner.evaluation": ("evaluate",),
    "cohere_medner.extractor": ("Extractor",),
}
__all__, __getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
__all__ += ["__version__"]


if TYPE_CHECKING:  # `X as X`: re-exported for type checkers
    from cohere_medner.corpus import load_bc5cdr as load_bc5cdr
    from cohere_medner.corpus import load_corpus as load_corpus
    from cohere_medner.corpus import load_sample as load_sample
    from cohere_medner.corpus import read_file as read_file
    from cohere_medner.corpus import write_corpus as write_corpus
    from cohere_medner.corpus import write_pubtator as write_pubtator
    from cohere_medner.errors import CohereApiError as CohereApiError
    from cohere_medner.errors import ConfigurationError as ConfigurationError
    from cohere_medner.errors import CorpusError as CorpusError
    from cohere_medner.errors import MedNerError as MedNerError
    from cohere_medner.evaluation import evaluate as evaluate
    from cohere_medner.extraction import Extraction as Extraction
    from cohere_medner.extraction import read_extractions as read_extractions
    from cohere_medner.extraction import write_extractions as write_extractions
    from cohere_medner.extractor import Extractor as Extractor
    from cohere_medner.grounding import Lexicon as Lexicon
    from cohere_medner.models import CohereChat as CohereChat
    from cohere_medner.models import CohereGenerate as CohereGenerate
    from cohere_medner.models import KNearest as KNearest
    from cohere_medner.models import LexiconModel as LexiconModel
    from cohere_medner.models import Model as Model
    from cohere_medner.models import Request as Request
    from cohere_medner.parsing import parse_list as parse_list
    from cohere_medner.parsing import parse_relations as parse_relations
    from cohere_medner.prompts import FewShot as FewShot
    from cohere_medner.prompts import Task as Task
    from cohere_medner.prompts import Template as Template
    from cohere_medner.prompts import get_tasks as get_tasks
    from cohere_medner.prompts import get_template as get_template
    from cohere_medner.report import EvaluationRun as EvaluationRun
    from cohere_medner.report import load_run as load_run
    from cohere_medner.report import save_run as save_run
    from cohere_medner.report import write_report as write_report
    from cohere_medner.scoring import score as score
    from cohere_medner.training import prepare_finetuning as prepare_finetuning
    from cohere_medner.types import CHEMICAL as CHEMICAL
    from cohere_medner.types import CID as CID
    from cohere_medner.types import DISEASE as DISEASE
    from cohere_medner.types import ENTITY_TYPES as ENTITY_TYPES
    from cohere_medner.types import Completion as Completion
    from cohere_medner.types import Document as Document
    from cohere_medner.types import Mention as Mention
    from cohere_medner.types import Relation as Relation
    from cohere_medner.types import Score as Score
