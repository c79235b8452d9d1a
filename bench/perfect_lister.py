"""Benchmark: what the road from "- item" lists to official predictions loses, by cause.

Run by hand (``python bench/perfect_lister.py [DATA_DIR]``); prints one JSON object. A perfect
lister (the oracle of :mod:`cohere_medner.testing`, answering every prompt with the gold
lists, through the loopback server and the real SDK) extracts the full test split; the
predictions are scored by the official definitions, and every false negative is put down
to a cause:

- mention: a name only in the title the prompt does not show; else not placed back;
- identifier: the concept appears only in the unshown title; its names got no identifier,
  the lexicon knowing the concept under other names only, or not at all; they got another
  identifier;
- relation: a side only in the unshown title; a side whose concept got no identifier (the
  listed triple is unresolved); both identified, yet not paired.

Three lexicons: the train and validation annotations (the default), and a stand-in for a
complete vocabulary: CTD-format files written from all three splits' annotations and read
back by ``cohere-medner lexicon build`` (it contains the test names, so it only proves the
vocabulary road end to end; it is labelled so in the output). Each with the title shown
(the default template) and with the tutorial's abstract-only prompt (``seed``).
"""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cohere_medner.cli import main as cli
from cohere_medner.corpus import load_bc5cdr
from cohere_medner.evaluation import evaluate
from cohere_medner.extractor import Extractor
from cohere_medner.grounding.lexicon import Lexicon
from cohere_medner.prompts.templates import get_template
from cohere_medner.report import EvaluationRun
from cohere_medner.scoring.official import document_keys, normalize_identifier
from cohere_medner.testing import FakeCohere
from cohere_medner.testing.oracle import oracle
from cohere_medner.types import CHEMICAL, DISEASE, ENTITY_TYPES, Document

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "bc5cdr"
TARGETS = {
    "train+validation": {"id": 0.87, "relation": 0.78},
    "stand-in vocabulary": {"id": 0.97, "relation": 0.95},
}


def perfect_run(test: Sequence[Document], template: str, lexicon: Lexicon) -> EvaluationRun:
    """The oracle's lists for every test document through the real SDK, scored."""
    shown = get_template(template)
    with FakeCohere(responder=oracle(test)) as server:
        extractor = Extractor(
            "command-r-08-2024",
            template=shown,
            api_key="bench",
            base_url=server.url,
            cache=False,
            progress=False,
            max_concurrency=32,
        )
        return evaluate(extractor, test, lexicon)


def _ids(document: Document, entity_type: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for mention in document.mentions:
        if mention.type == entity_type:
            for identifier in mention.ids:
                for normalized in normalize_identifier(identifier):
                    found.setdefault(normalized, []).append(mention.text)
    return found


def losses(run: EvaluationRun, lexicon: Lexicon, title_shown: bool) -> dict[str, Any]:
    """Every false negative of every level, put down to its cause (see above)."""
    known = {(e.entity_type, i) for e in lexicon.entries() for i in e.ids}
    causes: dict[str, Counter[str]] = {"mention": Counter(), "id": Counter(), "relation": Counter()}
    for view in run.views:
        gold, predicted = view.gold, view.predicted
        title_end = len(gold.title)
        shown = gold.abstract_start if not title_shown else 0
        spans = {(m.start, m.end, m.type) for m in predicted.mentions}
        for mention in gold.mentions:
            if (mention.start, mention.end, mention.type) not in spans:
                only_title = mention.end <= title_end and not any(
                    m.text == mention.text for m in gold.mentions if m.start >= shown
                )
                causes["mention"]["only in the unshown title" if only_title else "not placed"] += 1
        visible: dict[str, set[str]] = {}
        for entity_type in ENTITY_TYPES:
            got = _ids(predicted, entity_type)
            in_shown = {
                i for m in gold.mentions if m.start >= shown and m.type == entity_type
                for identifier in m.ids for i in normalize_identifier(identifier)
            }  # fmt: skip
            visible[entity_type] = in_shown
            identified = {m.text for m in predicted.mentions if m.ids and m.type == entity_type}
            for identifier, texts in _ids(gold, entity_type).items():
                if identifier in got:
                    continue
                if identifier not in in_shown:
                    cause = "only in the unshown title"
                elif set(texts) & identified:
                    cause = "given another identifier"
                elif (entity_type, identifier) in known:
                    cause = "no identifier: the lexicon knows the concept by other names"
                else:
                    cause = "no identifier: the lexicon does not know the concept"
                causes["id"][f"{entity_type}: {cause}"] += 1
        ids = {i for m in predicted.mentions for i in m.ids}
        for chemical, disease in document_keys(gold, "relation") - document_keys(
            predicted, "relation"
        ):
            if chemical not in visible[CHEMICAL] or disease not in visible[DISEASE]:
                cause = "a side only in the unshown title"
            elif chemical not in ids or disease not in ids:
                cause = "a side got no identifier"
            else:
                cause = "both sides identified, not paired"
            causes["relation"][cause] += 1
    return {level: dict(counts.most_common()) for level, counts in causes.items()}


def figures(run: EvaluationRun) -> dict[str, float]:
    return {
        f"{level} {kind}": round(score.f1, 4)
        for level, by_type in run.official.items()
        for kind, score in by_type.items()
    }


def stand_in_lexicon(splits: dict[str, list[Document]], directory: Path) -> Path:
    """CTD-format vocabulary files from every split's annotations, built by the CLI."""
    names: dict[tuple[str, str], Counter[str]] = {}
    for documents in splits.values():
        for document in documents:
            for mention in document.mentions:
                ids = [i for raw in mention.ids for i in normalize_identifier(raw)]
                if len(ids) == 1:
                    names.setdefault((mention.type, ids[0]), Counter())[mention.text] += 1
    fields = {
        DISEASE: ["DiseaseName", "DiseaseID", "AltDiseaseIDs", "Definition", "ParentIDs",
                  "TreeNumbers", "ParentTreeNumbers", "Synonyms", "SlimMappings"],
        CHEMICAL: ["ChemicalName", "ChemicalID", "CasRN", "Definition", "ParentIDs",
                   "TreeNumbers", "ParentTreeNumbers", "Synonyms"],
    }  # fmt: skip
    files = {DISEASE: directory / "CTD_diseases.tsv", CHEMICAL: directory / "CTD_chemicals.tsv"}
    for entity_type, path in files.items():
        lines = [
            "# Stand-in vocabulary written from BC5CDR annotations by bench/perfect_lister.py\n",
            "# Fields:\n",
            "# " + "\t".join(fields[entity_type]) + "\n",
            "#\n",
        ]
        for (kind, identifier), texts in sorted(names.items()):
            if kind != entity_type:
                continue
            ranked = [text for text, _ in texts.most_common()]
            prefixed = identifier if ":" in identifier else f"MESH:{identifier}"
            values = {fields[kind][0]: ranked[0], fields[kind][1]: prefixed}
            values["Synonyms"] = "|".join(ranked[1:])
            lines.append("\t".join(values.get(f, "") for f in fields[kind]) + "\n")
        path.write_text("".join(lines), encoding="utf-8")
    output = directory / "stand-in.lexicon.json"
    with contextlib.redirect_stdout(sys.stderr):  # keep stdout the one JSON object
        code = cli(
            [
                "lexicon", "build", "--ctd-diseases", str(files[DISEASE]),
                "--ctd-chemicals", str(files[CHEMICAL]), "--output", str(output),
            ]
        )  # fmt: skip
    if code:
        raise SystemExit(f"lexicon build failed ({code})")
    return output


def main(data: Path) -> dict[str, Any]:
    splits = {
        s: load_bc5cdr(s, data, "pubtator").to_list() for s in ("train", "validation", "test")
    }
    test = splits["test"]
    started = time.monotonic()
    lexicons = {
        "train+validation": Lexicon.from_splits(
            {"train": splits["train"], "validation": splits["validation"]}
        )
    }
    with tempfile.TemporaryDirectory() as directory:
        lexicons["stand-in vocabulary"] = Lexicon.load(stand_in_lexicon(splits, Path(directory)))
    out: dict[str, Any] = {
        "documents": len(test),
        "note": "the stand-in vocabulary is written from all three splits' annotations, test "
        "included: it proves the vocabulary road, it is not a score",
    }
    for name, lexicon in lexicons.items():
        for template in ("titled", "seed"):
            begun = time.monotonic()
            run = perfect_run(test, template, lexicon)
            scores = figures(run)
            target = TARGETS[name]
            out[f"{name}, {template}"] = {
                "scores": scores,
                "targets": target if template == "titled" else None,
                "met": (
                    all(scores[f"id {t}"] >= target["id"] for t in ENTITY_TYPES)
                    and scores["relation CID"] >= target["relation"]
                )
                if template == "titled"
                else None,
                "losses": losses(run, lexicon, title_shown=template != "seed"),
                "unresolved triples": len(run.unresolved),
                "listed triples": run.listed_relations,
                "identified by": run.identified_by,
                "seconds": round(time.monotonic() - begun, 1),
            }
    out["seconds"] = round(time.monotonic() - started, 1)
    return out


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA), indent=1))
