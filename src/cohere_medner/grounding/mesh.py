"""MeSH's XML files, record by record: descriptors and supplementary concept records.

NLM publishes MeSH as XML, plain or gzipped: ``descYYYY.xml`` holds the descriptors
(``<DescriptorRecordSet>`` of ``<DescriptorRecord>``), ``suppYYYY.xml`` the supplementary
concept records (``<SupplementalRecordSet>`` of ``<SupplementalRecord>``), which name most
chemicals. A record's names are its ``<ConceptList>``: each ``<Concept>`` has a
``<TermList>`` of ``<Term>`` elements whose ``<String>`` is one name; the record's own name
(``<DescriptorName>``/``<SupplementalRecordName>``) is among them. A supplementary record's
``<HeadingMappedToList>`` names the descriptors it is indexed under, a ``*`` before the
identifier marking a main-heading/qualifier mapping; a ``<PharmacologicalActionList>`` names
the descriptors of what a substance does. Its ``SCRClass`` attribute says what it names:
``1`` a chemical (the default, for records without one), ``2`` a protocol, ``3`` a rare
disease, ``4`` an organism.

Permuted terms are left out: MeSH generates them by rotating an entry term's words
("Pressure, Low Blood" from "Low Blood Pressure"), as ``<Term IsPermutedTermYN="Y">`` since
2015 and as ``<PermutedTermList>`` inside a term before, so they name nothing the term they
come from does not, and written text does not use them.

The files are hundreds of MB: :func:`read_mesh_descriptors` and :func:`read_mesh_supplementary`
stream them with the expat parser the BioC reader uses too, which refuses entities
(``_xml.entity_free_parser``), holding one record's elements at a time. (:func:`xml.etree.ElementTree.iterparse` would stream as well, but offers no way to
refuse entity declarations.)
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Final, NoReturn, TypeVar
from xml.parsers import expat

import attrs

from cohere_medner._files import PathLike, open_binary
from cohere_medner._xml import CHUNK, entity_free_parser
from cohere_medner.errors import LexiconFormatError
from cohere_medner.types import mesh_id

__all__ = [
    "MeshDescriptor",
    "MeshSupplementaryRecord",
    "read_mesh_descriptors",
    "read_mesh_supplementary",
]

_Record = TypeVar("_Record")


@attrs.frozen
class MeshDescriptor:
    """One MeSH descriptor: its identifier, preferred name, entry terms and tree numbers.

    ``id`` is in the official evaluator's form (:func:`~cohere_medner.types.mesh_id`);
    ``terms`` are the names of all its concepts but the preferred ``name``, each once, in the
    file's order, permuted terms left out; ``pharmacological_actions`` are descriptor ids.
    """

    id: str
    name: str
    terms: tuple[str, ...] = ()
    tree_numbers: tuple[str, ...] = ()
    pharmacological_actions: tuple[str, ...] = ()


@attrs.frozen
class MeshSupplementaryRecord:
    """One MeSH supplementary concept record: a chemical (mostly), its names and headings.

    ``id``, ``name`` and ``terms`` as :class:`MeshDescriptor`'s; ``mapped_to`` are the
    descriptor ids it is indexed under, each once, without MeSH's ``*`` (main heading);
    ``pharmacological_actions`` are descriptor ids; ``scr_class`` is the record's
    ``SCRClass`` (1 chemical, 2 protocol, 3 rare disease, 4 organism).
    """

    id: str
    name: str
    terms: tuple[str, ...] = ()
    mapped_to: tuple[str, ...] = ()
    pharmacological_actions: tuple[str, ...] = ()
    scr_class: int = 1


@attrs.frozen
class _Kind:
    """One MeSH file: its root and record elements, and what to call it in messages."""

    root: str
    record: str
    ui: str
    name: str
    file: str
    reader: str


_DESCRIPTORS: Final = _Kind(
    "DescriptorRecordSet",
    "DescriptorRecord",
    "DescriptorUI",
    "DescriptorName",
    "MeSH descriptors (descYYYY.xml)",
    "read_mesh_descriptors",
)
_SUPPLEMENTARY: Final = _Kind(
    "SupplementalRecordSet",
    "SupplementalRecord",
    "SupplementalRecordUI",
    "SupplementalRecordName",
    "MeSH supplementary concept records (suppYYYY.xml)",
    "read_mesh_supplementary",
)
_OTHER_ROOTS: Final = {
    _DESCRIPTORS.root: f"{_DESCRIPTORS.file}: read it with {_DESCRIPTORS.reader}",
    _SUPPLEMENTARY.root: f"{_SUPPLEMENTARY.file}: read it with {_SUPPLEMENTARY.reader}",
    "QualifierRecordSet": "MeSH qualifiers (qualYYYY.xml), which name no concepts",
    "PharmacologicalActionSet": "MeSH pharmacological actions (paYYYY.xml), not a vocabulary",
    "collection": "a BioC corpus, not a MeSH file",
}
_PHARMACOLOGICAL: Final = (
    "PharmacologicalActionList/PharmacologicalAction/DescriptorReferredTo/DescriptorUI"
)
_MAPPED: Final = "HeadingMappedToList/HeadingMappedTo/DescriptorReferredTo/DescriptorUI"


def read_mesh_descriptors(path: PathLike) -> Iterator[MeshDescriptor]:
    """The descriptors of a MeSH ``descYYYY.xml`` (plain or ``.gz``), streamed.

    Raises :class:`~cohere_medner.errors.LexiconFormatError`, naming the file and line,
    while iterating: for another root element (such as a supplementary records file's),
    a record without its identifier or name, malformed XML, or any entity declaration.
    """

    def descriptor(record: _Element) -> MeshDescriptor:
        return MeshDescriptor(
            record.ui,
            record.name,
            record.terms,
            _texts(record.element, "TreeNumberList/TreeNumber"),
            _ids(record.element, _PHARMACOLOGICAL),
        )

    return _read(path, _DESCRIPTORS, descriptor)


def read_mesh_supplementary(path: PathLike) -> Iterator[MeshSupplementaryRecord]:
    """The supplementary concept records of a MeSH ``suppYYYY.xml`` (plain or ``.gz``), streamed.

    Raises :class:`~cohere_medner.errors.LexiconFormatError` as :func:`read_mesh_descriptors`.
    """

    def supplementary(record: _Element) -> MeshSupplementaryRecord:
        return MeshSupplementaryRecord(
            record.ui,
            record.name,
            record.terms,
            _ids(record.element, _MAPPED),
            _ids(record.element, _PHARMACOLOGICAL),
            record.scr_class,
        )

    return _read(path, _SUPPLEMENTARY, supplementary)


@attrs.frozen
class _Element:
    """One record's element, once its identifier and name are found, with its entry terms."""

    element: ET.Element
    ui: str
    name: str
    terms: tuple[str, ...]
    scr_class: int = 1


def _read(path: PathLike, kind: _Kind, build: Callable[[_Element], _Record]) -> Iterator[_Record]:
    source = str(path)
    builder = _Builder(source, kind)
    with open_binary(path) as stream:
        parser = builder.parser
        try:
            while chunk := stream.read(CHUNK):
                parser.Parse(chunk, False)
                yield from map(build, builder.done)
                builder.done.clear()
            parser.Parse(b"", True)
        except expat.ExpatError as error:
            raise LexiconFormatError(
                f"{source}, line {error.lineno}: not well-formed XML: "
                f"{expat.ErrorString(error.code)} (column {error.offset + 1}); expected "
                f"{kind.file}"
            ) from None
    yield from map(build, builder.done)


class _Builder:
    """The expat handlers: elements of the current record, each record checked at its end."""

    def __init__(self, source: str, kind: _Kind) -> None:
        self.source = source
        self.kind = kind
        self.done: list[_Element] = []
        self._open: list[ET.Element] = []  # the current record and its open descendants
        self._line = 0  # where the current record starts
        self._text: list[str] = []
        parser = entity_free_parser(self._fail)
        parser.StartElementHandler = self._start_root
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._characters
        self.parser = parser

    def _fail(self, message: str, line: int | None = None) -> NoReturn:
        where = self.parser.CurrentLineNumber if line is None else line
        raise LexiconFormatError(f"{self.source}, line {where}: {message}")

    def _start_root(self, name: str, attributes: dict[str, str]) -> None:
        if name != self.kind.root:
            other = _OTHER_ROOTS.get(name)
            looks = f"; it looks like {other}" if other else ""
            self._fail(
                f"the root element is <{name}>; expected <{self.kind.root}>, "
                f"{self.kind.file}{looks}"
            )
        self.parser.StartElementHandler = self._start

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        self._settle_text()
        if self._open:
            self._open.append(ET.SubElement(self._open[-1], name, attributes))
        elif name == self.kind.record:
            self._line = self.parser.CurrentLineNumber
            self._open.append(ET.Element(name, attributes))
        else:
            self._fail(f"<{name}> in <{self.kind.root}>; expected <{self.kind.record}>")

    def _characters(self, data: str) -> None:
        if self._open:
            self._text.append(data)

    def _settle_text(self) -> None:
        """Give the text read so far to the open element (or the tail of its last child)."""
        if not self._text:
            return
        text = "".join(self._text)
        self._text.clear()
        current = self._open[-1]
        if len(current):
            last = current[-1]
            last.tail = (last.tail or "") + text
        else:
            current.text = (current.text or "") + text

    def _end(self, name: str) -> None:
        self._settle_text()
        if not self._open:
            return  # the root's end
        element = self._open.pop()
        if not self._open:
            self.done.append(self._checked(element))

    def _checked(self, record: ET.Element) -> _Element:
        kind = self.kind
        ui = mesh_id((record.findtext(kind.ui) or "").strip())
        if not ui:
            self._fail(
                f"<{kind.record}> without its <{kind.ui}>; expected an identifier such as "
                f"D007022 or C040029",
                self._line,
            )
        name = (record.findtext(f"{kind.name}/String") or "").strip()
        if not name:
            self._fail(f"<{kind.record}> {ui} without its <{kind.name}><String>", self._line)
        scr_class = record.get("SCRClass", "1").strip()
        if not (scr_class.isascii() and scr_class.isdigit()):
            self._fail(
                f"<{kind.record}> {ui} has SCRClass {scr_class!r}; expected a number such as "
                "1 (chemical) or 3 (rare disease)",
                self._line,
            )
        return _Element(record, ui, name, _terms(record, name), int(scr_class))


def _terms(record: ET.Element, name: str) -> tuple[str, ...]:
    """Every concept's terms but ``name`` and the permuted ones, each once, in order."""
    seen = {name}
    terms: list[str] = []
    for term in record.iterfind("ConceptList/Concept/TermList/Term"):
        if term.get("IsPermutedTermYN") == "Y":
            continue
        text = (term.findtext("String") or "").strip()
        if text and text not in seen:
            seen.add(text)
            terms.append(text)
    return tuple(terms)


def _texts(record: ET.Element, path: str) -> tuple[str, ...]:
    """The non-empty texts of the elements at ``path``, stripped."""
    texts = ((element.text or "").strip() for element in record.iterfind(path))
    return tuple(text for text in texts if text)


def _ids(record: ET.Element, path: str) -> tuple[str, ...]:
    """The descriptor ids at ``path``, without MeSH's leading ``*``, each once, in order."""
    return tuple(dict.fromkeys(mesh_id(text.lstrip("*")) for text in _texts(record, path)))
