"""Extract diseases, chemicals and chemical-induces-disease relations with Cohere models.

::

    from cohere_medner import Extractor, load_bc5cdr

    extractor = Extractor("command-r-08-2024")          # CO_API_KEY from the environment
    extraction = extractor.extract("Naloxone reverses the hypotension induced by clonidine.")
    extraction.entities["Chemical"], extraction.relations
"""

from __future__ import annotations

from .baseline import LexiconBaseline
from .cache import ResponseCache
from .client import CohereClient, Completion, Usage
from .corpus import (
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
from .errors import (
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
    FinetuningRetiredError,
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
from .evaluation import EvaluationRun, evaluate
from .examples import KNearest
from .extraction import Extraction, read_extractions, write_extractions
from .extractor import Extractor
from .grounding import Grounding, ground
from .lexicon import Lexicon, LexiconEntry
from .parsing.lists import parse_list
from .parsing.relations import parse_relations
from .prediction import Prediction, predict, predictions
from .prepare import PrepareReport, prepare_finetuning
from .report import load_run, save_run, write_report
from .scoring import score
from .tasks import (
    CHEMICALS,
    COMBINED,
    DISEASES,
    RELATIONS,
    CombinedTask,
    Task,
    get_task,
    get_tasks,
)
from .templates import SEED, FewShot, Template, get_template
from .types import CHEMICAL, CID, DISEASE, ENTITY_TYPES, Document, Mention, Relation, Score

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
