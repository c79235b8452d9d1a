"""Reading and writing BC5CDR corpora: PubTator, BioC XML and the tutorial's JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cohere_medner._lazy import lazy_exports

_EXPORTS: dict[str, tuple[str, ...]] = {
    "cohere_medner.corpus.bc5cdr": (
        "load_bc5cdr",
        "load_corpus",
        "load_sample",
        "load_splits",
        "official_path",
        "read_file",
    ),
    "cohere_medner.corpus.bigbio": ("read_bigbio",),
    "cohere_medner.corpus.bigbio_writer": ("write_bigbio",),
    "cohere_medner.corpus.bioc": ("read_bioc",),
    "cohere_medner.corpus.bioc_writer": ("write_bioc",),
    "cohere_medner.corpus.detect": ("FORMATS", "Format", "detect_format"),
    "cohere_medner.corpus.pubtator": ("read_pubtator", "write_pubtator"),
    "cohere_medner.corpus.splits": ("SPLITS", "is_test_split", "normalize_split"),
    "cohere_medner.corpus.stats": ("CorpusStats", "corpus_stats"),
    "cohere_medner.corpus.stream": ("DocumentStream",),
    "cohere_medner.corpus.write": ("write_corpus",),
}
__all__, __getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)

if TYPE_CHECKING:  # `X as X`: re-exported for type checkers
    from cohere_medner.corpus.bc5cdr import load_bc5cdr as load_bc5cdr
    from cohere_medner.corpus.bc5cdr import load_corpus as load_corpus
    from cohere_medner.corpus.bc5cdr import load_sample as load_sample
    from cohere_medner.corpus.bc5cdr import load_splits as load_splits
    from cohere_medner.corpus.bc5cdr import official_path as official_path
    from cohere_medner.corpus.bc5cdr import read_file as read_file
    from cohere_medner.corpus.bigbio import read_bigbio as read_bigbio
    from cohere_medner.corpus.bigbio_writer import write_bigbio as write_bigbio
    from cohere_medner.corpus.bioc import read_bioc as read_bioc
    from cohere_medner.corpus.bioc_writer import write_bioc as write_bioc
    from cohere_medner.corpus.detect import FORMATS as FORMATS
    from cohere_medner.corpus.detect import Format as Format
    from cohere_medner.corpus.detect import detect_format as detect_format
    from cohere_medner.corpus.pubtator import read_pubtator as read_pubtator
    from cohere_medner.corpus.pubtator import write_pubtator as write_pubtator
    from cohere_medner.corpus.splits import SPLITS as SPLITS
    from cohere_medner.corpus.splits import is_test_split as is_test_split
    from cohere_medner.corpus.splits import normalize_split as normalize_split
    from cohere_medner.corpus.stats import CorpusStats as CorpusStats
    from cohere_medner.corpus.stats import corpus_stats as corpus_stats
    from cohere_medner.corpus.stream import DocumentStream as DocumentStream
    from cohere_medner.corpus.write import write_corpus as write_corpus
