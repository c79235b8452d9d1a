"""CTD's vocabularies, record by record: MEDIC diseases and chemicals with their synonyms.

The Comparative Toxicogenomics Database publishes the vocabularies BC5CDR was annotated
with as tab-separated files, plain or gzipped: ``CTD_diseases.tsv`` (MEDIC: MeSH and OMIM
diseases) and ``CTD_chemicals.tsv`` (MeSH chemicals). Lines starting with ``#`` are
comments; one of them names the fields, tab-separated (``# DiseaseName<TAB>DiseaseID<TAB>...``),
and the columns are found by those names, since CTD's own descriptions of the files disagree
on their order. Identifiers carry a namespace (``MESH:D003866``, ``OMIM:601665``); lists
(``AltDiseaseIDs``, ``Synonyms``) are ``|``-separated. The files are hundreds of MB, so
:func:`read_ctd_diseases` and :func:`read_ctd_chemicals` stream them, one line at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

import attrs

from cohere_medner._files import PathLike, open_text
from cohere_medner.errors import LexiconFormatError
from cohere_medner.types import CHEMICAL, DISEASE, mesh_id

__all__ = ["CtdRecord", "read_ctd_chemicals", "read_ctd_diseases"]


@attrs.frozen
class CtdRecord:
    """One concept of a CTD vocabulary: its identifier, preferred name and other names.

    ``id`` is in the official evaluator's form (:func:`~cohere_medner.types.mesh_id`:
    ``D003866`` for ``MESH:D003866``, ``OMIM:601665`` kept); ``alt_ids`` are MEDIC's other
    identifiers of the same disease in that form (none for chemicals); ``synonyms`` are the
    other names as CTD lists them, without the preferred ``name``.
    """

    id: str
    entity_type: str
    name: str
    synonyms: tuple[str, ...] = ()
    alt_ids: tuple[str, ...] = ()


@attrs.frozen
class _Layout:
    """The fields one CTD vocabulary file must name, and what to call it in messages."""

    entity_type: str
    file: str
    reader: str
    name: str
    id: str
    synonyms: str
    alt_ids: str | None

    @property
    def required(self) -> tuple[str, ...]:
        fields = (self.name, self.id, self.alt_ids, self.synonyms)
        return tuple(field for field in fields if field is not None)


_DISEASES: Final = _Layout(
    DISEASE,
    "CTD_diseases.tsv",
    "read_ctd_diseases",
    "DiseaseName",
    "DiseaseID",
    "Synonyms",
    "AltDiseaseIDs",
)
_CHEMICALS: Final = _Layout(
    CHEMICAL,
    "CTD_chemicals.tsv",
    "read_ctd_chemicals",
    "ChemicalName",
    "ChemicalID",
    "Synonyms",
    None,
)

# What a header naming other fields most likely belongs to, first match wins.
_LOOKALIKES: Final = (
    (("ChemicalID", "DiseaseID"), "a CTD chemical-disease association file, not a vocabulary"),
    (("GeneID",), "a CTD gene file, not a chemical or disease vocabulary"),
    (_DISEASES.required, f"{_DISEASES.file}: read it with {_DISEASES.reader}"),
    (_CHEMICALS.required, f"{_CHEMICALS.file}: read it with {_CHEMICALS.reader}"),
)


def read_ctd_diseases(path: PathLike) -> Iterator[CtdRecord]:
    """The diseases of CTD's MEDIC vocabulary (``CTD_diseases.tsv``, plain or ``.gz``), streamed.

    Raises :class:`~cohere_medner.errors.LexiconFormatError`, naming the file and line,
    while iterating: for a file without CTD's field-naming header, a header naming other
    fields (such as a chemicals file), or a damaged record.
    """
    return _read(path, _DISEASES)


def read_ctd_chemicals(path: PathLike) -> Iterator[CtdRecord]:
    """The chemicals of CTD's vocabulary (``CTD_chemicals.tsv``, plain or ``.gz``), streamed.

    Raises :class:`~cohere_medner.errors.LexiconFormatError` as :func:`read_ctd_diseases`.
    """
    return _read(path, _CHEMICALS)


@attrs.frozen
class _Columns:
    """Where one file keeps the fields a record is made of, as its header named them."""

    source: str
    layout: _Layout
    line: int  # of the header
    fields: tuple[str, ...]
    name: int
    id: int
    synonyms: int
    alt_ids: int | None

    @property
    def needed(self) -> int:
        """Fields a record must have to reach every one it is made of."""
        return 1 + max(
            i for i in (self.name, self.id, self.synonyms, self.alt_ids) if i is not None
        )

    def record(self, line: str, number: int) -> CtdRecord:
        """The record on line ``number``, or a LexiconFormatError naming what is wrong.

        A record may leave out empty fields after the last one it is made of (a writer that
        strips trailing tabs); one with more fields than the header names is damaged.
        """
        values = line.split("\t")
        if not self.needed <= len(values) <= len(self.fields):
            raise LexiconFormatError(
                f"{self.source}, line {number}: expected {len(self.fields)} tab-separated "
                f"fields as the header on line {self.line} names ({', '.join(self.fields)}), "
                f"at least the first {self.needed}; got {len(values)}: {line[:60]!r}"
            )
        concept = mesh_id(values[self.id].strip())
        if not concept:
            raise LexiconFormatError(
                f"{self.source}, line {number}: empty {self.layout.id}; expected an "
                f"identifier such as MESH:D003866: {line[:60]!r}"
            )
        if not values[self.name].strip():
            raise LexiconFormatError(
                f"{self.source}, line {number}: empty {self.layout.name} for {values[self.id]}"
            )
        alt_ids = () if self.alt_ids is None else _items(values[self.alt_ids])
        return CtdRecord(
            concept,
            self.layout.entity_type,
            values[self.name],
            _items(values[self.synonyms]),
            tuple(mesh_id(alt) for alt in alt_ids),
        )


def _read(path: PathLike, layout: _Layout) -> Iterator[CtdRecord]:
    source = str(path)
    header: tuple[int, tuple[str, ...]] | None = None  # its line number and the fields
    columns: _Columns | None = None
    with open_text(path) as stream:
        for number, raw in enumerate(stream, start=1):
            line = raw.rstrip("\r\n")
            if line.startswith("#"):
                # Before the first record, the last comment holding tabs names the fields.
                if columns is None and "\t" in line:
                    header = (number, tuple(field.strip() for field in line[1:].split("\t")))
                continue
            if not line.strip():
                continue
            if columns is None:
                columns = _columns(header, layout, source, number)
            yield columns.record(line, number)
    if columns is None:
        _columns(header, layout, source, None)


def _columns(
    header: tuple[int, tuple[str, ...]] | None, layout: _Layout, source: str, number: int | None
) -> _Columns:
    """Where the fields are, once the header is found to name every field ``layout`` needs."""
    expected = (
        f"a comment line naming {layout.file}'s fields, tab-separated, among them "
        f"{', '.join(layout.required)}"
    )
    if header is None:
        where = "" if number is None else f", line {number}"
        before = "in it" if number is None else "before this first record"
        raise LexiconFormatError(
            f"{source}{where}: not a CTD vocabulary: no header {before}; expected {expected}"
        )
    line, fields = header
    missing = [field for field in layout.required if field not in fields]
    if missing:
        guess = next(
            (what for needed, what in _LOOKALIKES if all(field in fields for field in needed)),
            None,
        )
        looks = f"; it looks like {guess}" if guess else ""
        raise LexiconFormatError(
            f"{source}, line {line}: the header names {', '.join(fields)}, without "
            f"{', '.join(missing)}; expected {expected}{looks}"
        )
    return _Columns(
        source,
        layout,
        line,
        fields,
        fields.index(layout.name),
        fields.index(layout.id),
        fields.index(layout.synonyms),
        None if layout.alt_ids is None else fields.index(layout.alt_ids),
    )


def _items(field: str) -> tuple[str, ...]:
    """A ``|``-separated list, without the empty items of an empty field."""
    return tuple(item for item in field.split("|") if item)
