"""Extract diseases, chemicals and chemical-induces-disease relations with Cohere models.

::

    from cohere_medner import Extractor, load_bc5cdr

    extractor = Extractor("command-r-08-2024")          # CO_API_KEY from the environment
    extraction = extractor.extract("Naloxone reverses the hypotension induced by clonidine.")
    extraction.entities["Chemical"], extraction.relations
"""

from __future__ import annotations

from cohere_medner.corpus import (
    DocumentStream,
    load_bc5cdr,
    load_corpus,
    load_sample,
    read_bigbio,
    read_bioc,
    read_file,
    read_pubtator,
    write_bigbio,
    write_bioc,
    write_corpus,
    write_pubtator,
)
from cohere_medner.errors import (
    AnnotationError,
    AuthenticationError,
    CacheError,
    CohereApiError,
    ConfigurationError,
    CorpusError,
    CorpusFormatError,
    CorpusNotFoundError,
    DataLeakError,
    EmptyTextError,
    ExampleLeakError,
    ForbiddenSplitError,
    InvalidRequestError,
    MedNerError,
    MissingApiKeyError,
    ModelNotFoundError,
    OffsetMismatchError,
    RetriesExhaustedError,
    UnknownEntityTypeError,
    UnknownFormatError,
    UnknownSplitError,
)
from cohere_medner.evaluation import EvaluationRun, evaluate
from cohere_medner.extraction import Extraction, read_extractions, write_extractions
from cohere_medner.extractor import Extractor
from cohere_medner.grounding.baseline import LexiconBaseline
from cohere_medner.grounding.ground import Grounding, ground
from cohere_medner.grounding.lexicon import Lexicon, LexiconEntry
from cohere_medner.grounding.prediction import Prediction, predict, predictions
from cohere_medner.models.cache import ResponseCache
from cohere_medner.models.client import CohereClient, Usage
from cohere_medner.models.finetuning._errors import FinetuningRetiredError
from cohere_medner.models.nearest import KNearest
from cohere_medner.parsing.lists import parse_list
from cohere_medner.parsing.relations import parse_relations
from cohere_medner.prompts.tasks import (
    CHEMICALS,
    COMBINED,
    DISEASES,
    RELATIONS,
    CombinedTask,
    Task,
    get_task,
    get_tasks,
)
from cohere_medner.prompts.templates import SEED, FewShot, Template, get_template
from cohere_medner.report import load_run, save_run, write_report
from cohere_medner.scoring.official import score
from cohere_medner.training.prepare import PrepareReport, prepare_finetuning
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

__version__ = "0.1.0"

__all__ = [
    "CHEMICAL",
    "CHEMICALS",
    "CID",
    "COMBINED",
    "DISEASE",
    "DISEASES",
    "ENTITY_TYPES",
    "RELATIONS",
    "SEED",
    "AnnotationError",
    "AuthenticationError",
    "CacheError",
    "CohereApiError",
    "CohereClient",
    "CombinedTask",
    "Completion",
    "ConfigurationError",
    "CorpusError",
    "CorpusFormatError",
    "CorpusNotFoundError",
    "DataLeakError",
    "Document",
    "DocumentStream",
    "EmptyTextError",
    "EvaluationRun",
    "ExampleLeakError",
    "Extraction",
    "Extractor",
    "FewShot",
    "FinetuningRetiredError",
    "ForbiddenSplitError",
    "Grounding",
    "InvalidRequestError",
    "KNearest",
    "Lexicon",
    "LexiconBaseline",
    "LexiconEntry",
    "MedNerError",
    "Mention",
    "MissingApiKeyError",
    "ModelNotFoundError",
    "OffsetMismatchError",
    "Prediction",
    "PrepareReport",
    "Relation",
    "ResponseCache",
    "RetriesExhaustedError",
    "Score",
    "Task",
    "Template",
    "UnknownEntityTypeError",
    "UnknownFormatError",
    "UnknownSplitError",
    "Usage",
    "__version__",
    "evaluate",
    "get_task",
    "get_tasks",
    "get_template",
    "ground",
    "load_bc5cdr",
    "load_corpus",
    "load_run",
    "load_sample",
    "parse_list",
    "parse_relations",
    "predict",
    "predictions",
    "prepare_finetuning",
    "read_bigbio",
    "read_bioc",
    "read_extractions",
    "read_file",
    "read_pubtator",
    "save_run",
    "score",
    "write_bigbio",
    "write_bioc",
    "write_corpus",
    "write_extractions",
    "write_pubtator",
    "write_report",
]
