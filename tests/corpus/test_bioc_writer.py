"""Tests for writing BioC XML laid out like the official BC5CDR files."""

from __future__ import annotations

import tempfile
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cohere_medner.corpus import SPLITS, official_path
from cohere_medner.corpus.bioc import read_bioc
from cohere_medner.corpus.bioc_writer import write_bioc
from cohere_medner.errors import CorpusFormatError, UnknownEntityTypeError
from cohere_medner.types import CHEMICAL, DISEASE, ENTITY_TYPES, Document, Mention, Relation

# Writing -------------------------------------------------------------------------------


def test_write_composite_locates_parts(tmp_path: Path) -> None:
    text = "Ocular and auditory toxicity"
    document = Document(
        "2234245",
        f"{text} of desferrioxamine.",
        "Yes.",
        (
            Mention(
                0,
                28,
                text,
                DISEASE,
                ("D014786", "D006311"),
                ("Ocular toxicity", "auditory toxicity"),
            ),
        ),
    )
    path = tmp_path / "out.BioC.xml"
    write_bioc([document], path)
    written = path.read_text(encoding="utf-8")
    assert (
        '<infon key="CompositeRole">IndividualMention</infon>\n'
        '<infon key="MESH">D014786</infon>\n'
        "<location offset='0' length='6' />\n"
        "<location offset='20' length='8' />\n"
        "<text>Ocular toxicity</text>\n"
    ) in written
    assert read_bioc(path).to_list() == [document]


def test_write_refuses_a_part_not_in_the_composite(tmp_path: Path) -> None:
    document = Document(
        "1",
        "renal and hepatic failure",
        "",
        (Mention(0, 25, "renal and hepatic failure", DISEASE, parts=("cardiac failure",)),),
    )
    path = tmp_path / "out.BioC.xml"
    with pytest.raises(CorpusFormatError, match="the word 'cardiac' is not in the composite"):
        write_bioc([document], path)
    assert not path.exists()


def test_write_refuses_an_unknown_entity_type(tmp_path: Path) -> None:
    document = Document("1", "BRCA1", "", (Mention(0, 5, "BRCA1", "Gene"),))
    with pytest.raises(UnknownEntityTypeError, match="'Gene'"):
        write_bioc([document], tmp_path / "out.BioC.xml")


def test_write_puts_namespaced_ids_under_their_own_key(tmp_path: Path) -> None:
    document = Document(
        "1", "methyl", "", (Mention(0, 6, "methyl", CHEMICAL, ("CHEBI:32875",), score=0.5),)
    )
    path = tmp_path / "out.BioC.xml"
    write_bioc([document], path)
    assert '<infon key="CHEBI">32875</infon>\n<infon key="score">0.5</infon>' in path.read_text()
    assert read_bioc(path).to_list() == [document]


# Round trip ----------------------------------------------------------------------------

# Any text XML 1.0 can carry, with its special characters and line breaks made likely.
TEXT = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff")
    | st.sampled_from("\t\n\r &<>'\"]"),
    max_size=60,
)
MESH_ID = st.from_regex(r"[CD][0-9]{6}", fullmatch=True)
NAMESPACED_ID = st.from_regex(r"(CHEBI|OMIM|MESH):[0-9]{1,6}", fullmatch=True)
IDS = st.one_of(
    st.lists(MESH_ID, max_size=3),
    st.lists(st.from_regex(r"CHEBI:[0-9]{1,6}", fullmatch=True), min_size=1, max_size=2),
    st.lists(st.one_of(MESH_ID, NAMESPACED_ID, st.just("-1")), min_size=2, max_size=3),
).map(tuple)
SCORE = st.none() | st.floats(allow_nan=False)


@st.composite
def mentions(draw: st.DrawFn, text: str) -> Mention:
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, min(len(text), start + 40)))
    surface = text[start:end]
    words = surface.split()
    parts: list[str] = []
    composite = draw(st.booleans())
    if words and composite:
        for _ in range(draw(st.integers(1, 3))):
            keep = draw(st.lists(st.booleans(), min_size=len(words), max_size=len(words)))
            chosen = [word for word, kept in zip(words, keep, strict=True) if kept]
            parts.append(" ".join(chosen or words))
    return Mention(
        start,
        end,
        surface,
        draw(st.sampled_from(ENTITY_TYPES)),
        draw(IDS),
        tuple(parts),
        draw(SCORE),
    )


@st.composite
def documents(draw: st.DrawFn) -> Document:
    title, abstract = draw(TEXT), draw(TEXT)
    text = f"{title} {abstract}"
    found = draw(st.lists(mentions(text), max_size=6))
    relation = st.builds(
        Relation,
        MESH_ID | NAMESPACED_ID,
        MESH_ID | NAMESPACED_ID,
        st.sampled_from(["CID", "X"]),
        SCORE,
    )
    return Document(
        draw(st.from_regex(r"[0-9]{1,9}", fullmatch=True)),
        title,
        abstract,
        tuple(found),
        tuple(draw(st.lists(relation, max_size=3))),
    )


def _pmid(document: Document) -> str:
    # A file gives each PMID once, and holds at least one document (issue 14).
    return document.pmid


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents(), min_size=1, max_size=4, unique_by=_pmid))
def test_round_trip(generated: list[Document]) -> None:
    # Mentions go into the passage where they start, so the title's come back first.
    expected = [
        attrs.evolve(
            d,
            mentions=tuple(sorted(d.mentions, key=lambda m: m.start >= d.abstract_start)),
        )
        for d in generated
    ]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "round.BioC.xml"
        write_bioc(generated, path)
        assert read_bioc(path).to_list() == expected


# The official corpus -------------------------------------------------------------------

# Lines where a rewritten file differs from the official one: the corpus's own part
# locations that are one or two characters off (the part texts are right), and two
# parts whose MeSH id is not the composite's id at the same position (parts keep no ids).
KNOWN_REWRITE_CHANGES = {
    "train": [
        ("<location offset='223' length='7' />", "<location offset='224' length='7' />"),
        ("<location offset='478' length='11' />", "<location offset='479' length='11' />"),
        ("<location offset='946' length='20' />", "<location offset='948' length='20' />"),
    ],
    "validation": [
        ("<location offset='247' length='16' />", "<location offset='248' length='16' />"),
    ],
    "test": [
        ('<infon key="MESH">D017114</infon>', '<infon key="MESH">D058625</infon>'),
        ('<infon key="MESH">D002819</infon>', '<infon key="MESH">D004409</infon>'),
    ],
}


@pytest.mark.corpus
@pytest.mark.parametrize("split", SPLITS)
def test_rewriting_the_official_file_reproduces_it(
    bc5cdr_dir: Path, split: str, tmp_path: Path
) -> None:
    official = official_path(bc5cdr_dir, split, "bioc")
    if not official.is_file():
        pytest.skip(f"{official.name} is not in {bc5cdr_dir}")
    documents = read_bioc(official).to_list()
    written = tmp_path / official.name
    write_bioc(documents, written)

    before = official.read_bytes().decode("utf-8").replace("\r\n", "\n").splitlines()
    after = written.read_text(encoding="utf-8").splitlines()
    assert len(after) == len(before)
    changes = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert changes == KNOWN_REWRITE_CHANGES[split]
    assert read_bioc(written).to_list() == documents
