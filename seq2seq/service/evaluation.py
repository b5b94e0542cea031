"""Scoring models for the Models page: a model's own test sentences, an evaluation of them as a whole and
sentence by sentence, two evaluations side by side, and two models on sentences a user typed."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pandas as pd

from seq2seq.catalog import ModelInfo
from seq2seq.config import DecodeConfig, train_config_from_dict
from seq2seq.data.pairs import unique_with_refs
from seq2seq.data.splits import load_split
from seq2seq.decoding.translator import Translator
from seq2seq.errors import TrainingDataMissing, UserError
from seq2seq.evaluate import bleu_chrf, exact_match, sentence_bleu
from seq2seq.service.models import read_json

__all__ = ["Evaluation", "compare_typed", "evaluate", "side_by_side", "test_set"]

# Sentences translated between two progress updates.
CHUNK = 32
# Where the Models page scores sentences a user types (named when a test split cannot be scored).
OWN_SENTENCES = "Compare two models"


@dataclass
class Evaluation:
    scores: dict[str, Any]  # exact_match, and bleu / chrf with sacreBLEU signatures for translation
    rows: pd.DataFrame  # one row per sentence: source, reference, output, sentence BLEU, exact


def test_set(info: ModelInfo, limit: int = 0) -> tuple[list[str], list[list[str]]]:
    """Distinct test sources of the model's own data, with all their references (first `limit`)."""
    train = read_json(info.path / "config.json").get("train", {})
    try:
        split = load_split(train_config_from_dict(train))
    except TrainingDataMissing as exc:
        raise TrainingDataMissing(f"{exc}. Its test split cannot be scored here; sentences of your own can, "
                                  f"with a reference after a tab, under {OWN_SENTENCES}") from None
    if not split.test:
        raise UserError(f"{info.name}'s data has no test part (a Joey NMT config may name none), so there is no test "
                        f"split to score; sentences of your own can be scored, with a reference after a tab, under "
                        f"{OWN_SENTENCES}")
    sources, refs = unique_with_refs(split.test, split.test_refs)
    return (sources[:limit], refs[:limit]) if limit else (sources, refs)


def evaluate(translator: Translator, decode: DecodeConfig, sources: list[str], refs: list[list[str]], toy: bool,
             progress: Callable[[float], None] | None = None) -> Evaluation:
    """Translate `sources` with these settings in chunks (reporting progress), then score them against
    `refs`, the whole set and each sentence."""
    outputs: list[str] = []
    for start in range(0, len(sources), CHUNK):
        outputs += translator.translate(sources[start:start + CHUNK], decode)
        if progress:
            progress(min(1.0, (start + CHUNK) / max(1, len(sources))))
    scores: dict[str, Any] = {"sentences": len(sources), "exact_match": round(exact_match(outputs, refs), 4)}
    if not toy and sources:
        scores.update(bleu_chrf(outputs, refs))
    rows = pd.DataFrame({"source": sources, "reference": [r[0] for r in refs], "references": [len(r) for r in refs],
                         "output": outputs,
                         "sentence BLEU": [round(sentence_bleu(o, r), 1) for o, r in zip(outputs, refs)],
                         "exact": [o.strip() in {x.strip() for x in r} for o, r in zip(outputs, refs)]})
    return Evaluation(scores, rows)


def side_by_side(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Two evaluations (A and B) of the same sentences in one table, the biggest disagreements first."""
    table = pd.DataFrame({"source": a["source"].values, "reference": a["reference"].values,
                          "output A": a["output"].values, "BLEU A": a["sentence BLEU"].values,
                          "output B": b["output"].values, "BLEU B": b["sentence BLEU"].values})
    table["B - A"] = (table["BLEU B"] - table["BLEU A"]).round(1)
    return table.sort_values("B - A", key=abs, ascending=False, kind="stable").reset_index(drop=True)


def compare_typed(a: Translator, b: Translator, decode: DecodeConfig, lines: list[str]) -> pd.DataFrame:
    """Two models on sentences a user typed, one per line; a reference may follow a tab
    ("source<TAB>reference"), and then each output gets its sentence BLEU (0-100) against it."""
    pairs = [line.split("\t", 1) for line in lines]
    sources = [pair[0].strip() for pair in pairs]
    references = [pair[1].strip() if len(pair) > 1 else "" for pair in pairs]
    table = pd.DataFrame({"source": sources, "output A": a.translate(sources, decode),
                          "output B": b.translate(sources, decode)})
    if any(references):
        table.insert(1, "reference", references)
        for side in ("A", "B"):
            table[f"BLEU {side}"] = [round(sentence_bleu(out, [ref]), 1) if ref else None
                                     for out, ref in zip(table[f"output {side}"], references)]
    return table
