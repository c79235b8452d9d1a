"""Benchmark: building, saving and loading a lexicon of vocabularies the size of MeSH and CTD's.

Run by hand (``python bench/lexicon_build.py [--scale 1.0] [--keep DIR]``); prints one JSON
object. Nothing is downloaded: synthetic files in the real formats (NLM's descriptor and
supplementary record XML, CTD's tab-separated vocabularies, all gzipped, as downloaded) are
written to a temporary directory (or ``--keep DIR``), with about the record counts of the
2025 releases at ``--scale 1``:

- 31,000 descriptors (a third diseases, a third chemicals, a third other trees), eight
  names each besides a permuted term, allowable qualifiers and a scope note;
- 330,000 supplementary records (mostly chemicals, some rare diseases, a few protocols),
  three names each, a mapped heading and a pharmacological action;
- 175,000 CTD chemicals and 13,000 CTD diseases naming the same concepts by the same names,
  plus one synonym of their own each, and comment lines.

Some names are shared between concepts, so that ambiguous forms are built too. Then, each in
a fresh Python process so that its time and memory are its own:

- ``build``: :func:`~cohere_medner.grounding.vocabulary.build_lexicon` over the four files
  and :meth:`~cohere_medner.grounding.lexicon.Lexicon.save`, with their seconds and the
  process's peak resident memory (``ru_maxrss``);
- ``load``: :meth:`~cohere_medner.grounding.lexicon.Lexicon.load`, what every ``extract``
  or ``evaluate --lexicon`` run pays, its seconds and peak memory, and lookups per second.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

COUNTS = {"descriptors": 31_000, "supplementary": 330_000, "chemicals": 175_000, "diseases": 13_000}
SYLLABLES = [
    "a", "ben", "car", "di", "eth", "flu", "gan", "hy", "ine", "lo", "met", "ol", "pro", "sul",
    "tri", "ur", "xy", "zol", "mab", "cil", "pam", "ide", "ox", "an", "yl", "ate", "phen", "ol",
]  # fmt: skip
QUALIFIERS = "".join(
    f"  <AllowableQualifier><QualifierReferredTo><QualifierUI>Q0000{n:02d}</QualifierUI>"
    f"<QualifierName><String>qualifier {n}</String></QualifierName></QualifierReferredTo>"
    f"<Abbreviation>Q{n}</Abbreviation></AllowableQualifier>\n"
    for n in range(15)
)


def names(number: int, count: int) -> list[str]:
    """The names of concept ``number``: the same whichever file asks, one in 50 shared."""
    rng = random.Random(number)
    found = []
    for k in range(count):
        if k and rng.random() < 0.02:  # a name another concept has too
            other = random.Random(rng.randrange(number + 1))
            found.append(" ".join("".join(other.choices(SYLLABLES, k=3)) for _ in range(2)))
            continue
        words = rng.randint(1, 4)
        found.append(
            " ".join("".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(words))
        )
    return found


def term(text: str, *, permuted: bool = False) -> str:
    return (
        f'    <Term ConceptPreferredTermYN="N" IsPermutedTermYN="{"Y" if permuted else "N"}" '
        f'LexicalTag="NON" RecordPreferredTermYN="N">\n     <TermUI>T000001</TermUI>\n'
        f"     <String>{text}</String>\n    </Term>\n"
    )


def concepts(terms: list[str]) -> str:
    return (
        ' <ConceptList>\n  <Concept PreferredConceptYN="Y">\n   <ConceptUI>M0000001</ConceptUI>\n'
        f"   <ConceptName><String>{terms[0]}</String></ConceptName>\n   <TermList>\n"
        + "".join(term(t) for t in terms)
        + term(", ".join(reversed(terms[-1].split(" ", 1))), permuted=True)
        + "   </TermList>\n  </Concept>\n </ConceptList>\n"
    )


def referred(ui: str) -> str:
    return (
        f"<DescriptorReferredTo><DescriptorUI>{ui}</DescriptorUI>"
        "<DescriptorName><String>a heading</String></DescriptorName></DescriptorReferredTo>"
    )


def descriptors(count: int) -> Iterator[str]:
    yield (
        '<?xml version="1.0"?>\n<!DOCTYPE DescriptorRecordSet SYSTEM '
        '"https://www.nlm.nih.gov/databases/dtd/nlmdescriptorrecordset_20250101.dtd">\n'
        '<DescriptorRecordSet LanguageCode = "eng">\n'
    )
    for n in range(count):
        terms = names(n, 8)
        tree = ("C14.907", "D02.065", "A05.810")[n % 3]
        yield (
            f'<DescriptorRecord DescriptorClass = "1">\n <DescriptorUI>D{n:06d}</DescriptorUI>\n'
            f" <DescriptorName>\n  <String>{terms[0]}</String>\n </DescriptorName>\n"
            f" <AllowableQualifiersList>\n{QUALIFIERS} </AllowableQualifiersList>\n"
            f" <TreeNumberList><TreeNumber>{tree}.{n}</TreeNumber></TreeNumberList>\n"
            + concepts(terms)
            + " <ScopeNote>"
            + "A scope note, as NLM writes one for most descriptors. " * 5
            + "</ScopeNote>\n</DescriptorRecord>\n"
        )
    yield "</DescriptorRecordSet>\n"


def supplementary(count: int) -> Iterator[str]:
    yield (
        '<?xml version="1.0"?>\n<!DOCTYPE SupplementalRecordSet SYSTEM '
        '"https://www.nlm.nih.gov/databases/dtd/nlmsupplementalrecordset_20250101.dtd">\n'
        '<SupplementalRecordSet LanguageCode = "eng">\n'
    )
    for n in range(count):
        terms = names(1_000_000 + n, 3)
        scr_class = 3 if n % 25 == 0 else 2 if n % 97 == 0 else 1
        yield (
            f'<SupplementalRecord SCRClass = "{scr_class}">\n'
            f" <SupplementalRecordUI>C{n:06d}</SupplementalRecordUI>\n"
            f" <SupplementalRecordName>\n  <String>{terms[0]}</String>\n"
            " </SupplementalRecordName>\n <Note>a note on the substance</Note>\n"
            f" <HeadingMappedToList><HeadingMappedTo>{referred(f'*D{n % 31_000:06d}')}"
            "</HeadingMappedTo></HeadingMappedToList>\n"
            f" <PharmacologicalActionList><PharmacologicalAction>{referred('D000900')}"
            "</PharmacologicalAction></PharmacologicalActionList>\n"
            " <SourceList><Source>a source</Source></SourceList>\n"
            + concepts(terms)
            + "</SupplementalRecord>\n"
        )
    yield "</SupplementalRecordSet>\n"


PREAMBLE = (
    "# Comparative Toxicogenomics Database (CTD)\n# http://ctdbase.org/\n#\n"
    "# Use is subject to the terms set forth at http://ctdbase.org/about/legal.jsp\n#\n"
    "# Fields:\n"
)


def ctd_chemicals(count: int) -> Iterator[str]:
    fields = "ChemicalName\tChemicalID\tCasRN\tDefinition\tParentIDs\tTreeNumbers\t"
    yield PREAMBLE + f"# {fields}ParentTreeNumbers\tSynonyms\tDrugBankIDs\n#\n"
    for n in range(count):
        # Chemicals: MeSH's chemical descriptors (every third), then supplementary records.
        number, ui = (
            (n * 3 + 1, f"D{n * 3 + 1:06d}") if n < 10_000 else (1_000_000 + n, f"C{n:06d}")
        )
        terms = names(number, 8 if ui[0] == "D" else 3)
        own = f"ctd synonym {n}"
        yield f"{terms[0]}\tMESH:{ui}\t\t\t\t\t\t{'|'.join([*terms[1:], own])}\t\n"


def ctd_diseases(count: int) -> Iterator[str]:
    fields = "DiseaseName\tDiseaseID\tAltDiseaseIDs\tDefinition\tParentIDs\tTreeNumbers\t"
    yield PREAMBLE + f"# {fields}ParentTreeNumbers\tSynonyms\tSlimMappings\n#\n"
    for n in range(count):
        if n % 10 == 9:
            yield f"SOME SYNDROME {n}\tOMIM:{600000 + n}\t\t\t\t\t\tSS{n}\t\n"
            continue
        terms = names(n * 3, 8)
        yield f"{terms[0]}\tMESH:D{n * 3:06d}\t\t\t\t\t\t{'|'.join([*terms[1:], f'medic {n}'])}\t\n"


def write(path: Path, chunks: Iterator[str]) -> int:
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as stream:
        written = 0
        for chunk in chunks:
            written += len(chunk)
            stream.write(chunk)
    return written


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def phase_build(directory: Path) -> dict[str, object]:
    from cohere_medner.grounding.vocabulary import build_lexicon

    start = time.perf_counter()
    lexicon = build_lexicon(
        mesh=directory / "desc2025.gz",
        supplementary=directory / "supp2025.gz",
        ctd_diseases=directory / "CTD_diseases.tsv.gz",
        ctd_chemicals=directory / "CTD_chemicals.tsv.gz",
    )
    built = time.perf_counter() - start
    start = time.perf_counter()
    lexicon.save(directory / "lexicon.tsv")
    saved = time.perf_counter() - start
    ambiguous = sum(1 for entry in lexicon.entries() if entry.ambiguous)
    return {
        "forms": len(lexicon),
        "ambiguous_forms": ambiguous,
        "build_s": round(built, 2),
        "save_s": round(saved, 2),
        "file_mb": round((directory / "lexicon.tsv").stat().st_size / 1e6, 1),
        "peak_rss_mb": peak_mb(),
    }


def phase_load(directory: Path) -> dict[str, object]:
    before = peak_mb()
    start = time.perf_counter()
    from cohere_medner.grounding.lexicon import Lexicon

    imported = time.perf_counter() - start
    start = time.perf_counter()
    lexicon = Lexicon.load(directory / "lexicon.tsv")
    loaded = time.perf_counter() - start
    probes = [names(n, 2)[1] for n in range(0, 30_000, 3)]
    start = time.perf_counter()
    found = sum(1 for name in probes if lexicon.lookup(name, "Disease") is not None)
    looked = time.perf_counter() - start
    return {
        "forms": len(lexicon),
        "import_s": round(imported, 2),
        "load_s": round(loaded, 2),
        "lookups_per_s": round(len(probes) / looked),
        "lookups_found": f"{found}/{len(probes)}",
        "peak_rss_mb": peak_mb(),
        "rss_before_load_mb": before,
    }


def in_process(phase: str, directory: Path) -> dict[str, object]:
    """One phase in a fresh interpreter, its figures as JSON on stdout."""
    result = subprocess.run(
        [sys.executable, __file__, "--phase", phase, str(directory)],
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, object] = json.loads(result.stdout)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="record counts times this")
    parser.add_argument("--keep", type=Path, help="write the files here, and keep them")
    parser.add_argument("--phase", choices=("build", "load"), help=argparse.SUPPRESS)
    parser.add_argument("directory", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run = phase_build if args.phase == "build" else phase_load
        print(json.dumps(run(args.directory)))
        return
    with tempfile.TemporaryDirectory(prefix="lexicon-bench-") as temporary:
        directory = args.keep or Path(temporary)
        directory.mkdir(parents=True, exist_ok=True)
        counts = {kind: int(n * args.scale) for kind, n in COUNTS.items()}
        start = time.perf_counter()
        sizes = {
            "desc2025.gz": write(directory / "desc2025.gz", descriptors(counts["descriptors"])),
            "supp2025.gz": write(directory / "supp2025.gz", supplementary(counts["supplementary"])),
            "CTD_chemicals.tsv.gz": write(
                directory / "CTD_chemicals.tsv.gz", ctd_chemicals(counts["chemicals"])
            ),
            "CTD_diseases.tsv.gz": write(
                directory / "CTD_diseases.tsv.gz", ctd_diseases(counts["diseases"])
            ),
        }
        generated = time.perf_counter() - start
        print(
            json.dumps(
                {
                    "records": counts,
                    "uncompressed_mb": {k: round(v / 1e6, 1) for k, v in sizes.items()},
                    "gzipped_mb": {
                        k: round((directory / k).stat().st_size / 1e6, 1) for k in sizes
                    },
                    "generate_s": round(generated, 1),
                    "build": in_process("build", directory),
                    "load": in_process("load", directory),
                }
            )
        )


if __name__ == "__main__":
    main()
