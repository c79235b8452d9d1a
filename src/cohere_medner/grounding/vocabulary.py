"""Lexicons from the vocabularies BC5CDR was annotated with: MeSH, and CTD's MEDIC and chemicals.

BC5CDR's annotators gave each mention a MeSH identifier through CTD's vocabularies (MEDIC for
diseases, MeSH-based chemicals; 2015-era MeSH). A lexicon learnt from the train and
validation annotations knows only the names written there; :func:`build_lexicon` adds every
name and synonym of the vocabularies, read from the files NLM and CTD publish (see
``docs/lexicons.md`` for where to get them; nothing is downloaded here):

- **Entity types.** CTD's disease file gives diseases and its chemical file chemicals. A MeSH
  descriptor is a disease under the tree numbers ``C`` (Diseases) and ``F03`` (Mental
  Disorders), a chemical under ``D`` (Chemicals and Drugs), and both under both; other
  descriptors (anatomy, organisms, procedures ...) are left out. A supplementary concept
  record is a chemical for ``SCRClass`` 1 and a disease for 3 (rare diseases); protocols
  (2) and organisms (4) are left out.
- **Identifiers** are written as BC5CDR writes them: bare MeSH (``D003920``, ``C535700``).
  MEDIC diseases known only by an OMIM identifier are left out: BC5CDR annotates none.
- **Forms.** Every name of a concept is a form (under
  :func:`~cohere_medner.grounding.names.name_key`): its preferred name, MeSH's entry terms
  (permuted terms left out by the reader), CTD's synonyms. The names of the headings a
  record is mapped to or acts as (``HeadingMappedTo``, ``PharmacologicalAction``) are those
  headings' own, not the record's.
- **Shared forms.** A form several concepts share keeps them all (the entry is
  ``ambiguous``) and resolves to the one it is the preferred name of, then to a descriptor
  (``D``) before a supplementary record (``C``), then to the smallest identifier.
- **Annotations first.** With ``splits``, the annotated documents' entries are built as
  :meth:`~cohere_medner.grounding.lexicon.Lexicon.from_splits` builds them (the test split
  refused the same way), and a form they annotate keeps their entry, not the vocabulary's.

The vocabulary files are read as streams, one record at a time; what stays in memory is
the forms and their identifiers.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Final

from cohere_medner._files import PathLike
from cohere_medner.errors import LexiconError
from cohere_medner.grounding.ctd import read_ctd_chemicals, read_ctd_diseases
from cohere_medner.grounding.lexicon import Lexicon, LexiconEntry
from cohere_medner.grounding.mesh import read_mesh_descriptors, read_mesh_supplementary
from cohere_medner.grounding.names import name_key
from cohere_medner.types import CHEMICAL, DISEASE, ENTITY_TYPES, Document

__all__ = ["build_lexicon"]

_MESH: Final = re.compile(r"[CD][0-9]+")
"""A MeSH descriptor (D...) or supplementary record (C...) identifier, as BC5CDR writes it."""
_SCR_TYPES: Final = {1: CHEMICAL, 3: DISEASE}
"""Supplementary record classes (SCRClass) by the entity type they name."""


def build_lexicon(
    *,
    mesh: PathLike | None = None,
    supplementary: PathLike | None = None,
    ctd_diseases: PathLike | None = None,
    ctd_chemicals: PathLike | None = None,
    splits: Mapping[str, Iterable[Document]] | None = None,
    allow_test: bool = False,
) -> Lexicon:
    """A lexicon of the vocabularies' names, and of annotated documents' names before them.

    ``mesh`` is NLM's descriptor file (``descYYYY.xml``), ``supplementary`` its
    supplementary concept records (``suppYYYY.xml``), ``ctd_diseases`` and ``ctd_chemicals``
    CTD's ``CTD_diseases.tsv`` and ``CTD_chemicals.tsv``; each plain or gzipped, any of
    them. ``splits`` are annotated documents by split name, as
    :meth:`~cohere_medner.grounding.lexicon.Lexicon.from_splits` takes them (the test
    split is refused without ``allow_test``). Raises
    :class:`~cohere_medner.errors.LexiconError` when given nothing to build from, and
    :class:`~cohere_medner.errors.LexiconFormatError` (naming the file and line) for a file
    that is not what it is given as.
    """
    files = [
        path for path in (mesh, supplementary, ctd_diseases, ctd_chemicals) if path is not None
    ]
    if not files and splits is None:
        raise LexiconError(
            "nothing to build a lexicon from: give at least one vocabulary file (MeSH "
            "descriptors or supplementary records, CTD diseases or chemicals) or annotated "
            "splits"
        )
    # The splits first: a refused test split should not wait for hundreds of MB of XML.
    annotated = Lexicon.from_splits(splits, allow_test=allow_test) if splits is not None else None
    forms = _Forms()
    if mesh is not None:
        for descriptor in read_mesh_descriptors(mesh):
            for entity_type in _descriptor_types(descriptor.tree_numbers):
                forms.add(entity_type, descriptor.id, descriptor.name, descriptor.terms)
    if supplementary is not None:
        for record in read_mesh_supplementary(supplementary):
            scr_type = _SCR_TYPES.get(record.scr_class)
            if scr_type is not None:
                forms.add(scr_type, record.id, record.name, record.terms)
    for path, read in ((ctd_diseases, read_ctd_diseases), (ctd_chemicals, read_ctd_chemicals)):
        if path is not None:
            for concept in read(path):
                forms.add(concept.entity_type, concept.id, concept.name, concept.synonyms)
    return Lexicon(
        itertools.chain(annotated.entries() if annotated else (), forms.entries()),
        annotated.splits if annotated else (),
        annotated.pmids if annotated else (),
        [Path(path).name for path in files],
    )


def _descriptor_types(tree_numbers: Iterable[str]) -> list[str]:
    """The entity types a descriptor's tree numbers place it under (see the module's doc)."""
    found = set()
    for tree in tree_numbers:
        if tree.startswith(("C", "F03")):
            found.add(DISEASE)
        elif tree.startswith("D"):
            found.add(CHEMICAL)
    return sorted(found)


class _Forms:
    """Every form the vocabularies give, by entity type, with the concepts it names."""

    def __init__(self) -> None:
        # A form's concepts, tab-separated: most forms name one, whose id string is shared.
        self.concepts: dict[str, dict[str, str]] = {t: {} for t in ENTITY_TYPES}
        self.preferred: set[tuple[str, str, str]] = set()  # (type, form, concept)

    def add(self, entity_type: str, concept: str, name: str, others: Iterable[str]) -> None:
        """The names of one concept: its preferred ``name``, and the ``others``."""
        if not _MESH.fullmatch(concept):
            return
        forms = self.concepts[entity_type]
        preferred = name_key(name)
        if preferred:
            self.preferred.add((entity_type, preferred, concept))
        for form in (preferred, *map(name_key, others)):
            if not form:
                continue
            known = forms.get(form)
            if known is None:
                forms[form] = concept
            elif known != concept and concept not in known.split("\t"):
                forms[form] = f"{known}\t{concept}"

    def rank(self, entity_type: str, form: str, concept: str) -> tuple[bool, bool, str]:
        """Where ``concept`` comes among those sharing ``form``: lowest first."""
        return (entity_type, form, concept) not in self.preferred, concept[0] != "D", concept

    def entries(self) -> Iterator[LexiconEntry]:
        """One vocabulary entry per form, its concepts ranked (see the module's doc)."""
        for entity_type, forms in self.concepts.items():
            for form, known in forms.items():
                concepts = known.split("\t")
                if len(concepts) > 1:
                    concepts.sort(key=lambda c: self.rank(entity_type, form, c))
                yield LexiconEntry(
                    form,
                    entity_type,
                    (concepts[0],),
                    0,
                    0,
                    tuple(((c,), 0) for c in concepts[1:]),
                    source="vocabulary",
                )
