"""What the Models page shows: a table of checkpoints, per-sentence test results, checkpoint zips."""
from __future__ import annotations

import contextlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pandas as pd
from safetensors import SafetensorError, safe_open

from seq2seq.catalog import ModelInfo
from seq2seq.checkpoint import TRAINER_STATE, WEIGHTS
from seq2seq.config import train_config_from_dict
from seq2seq.data.splits import load_split
from seq2seq.evaluate import bleu_chrf, exact_match, sentence_bleu
from seq2seq.data.pairs import unique_with_refs

# Run bookkeeping and the optimizer state are not part of the model a user downloads.
NOT_ZIPPED = {TRAINER_STATE, "status.json", "log.txt", "events.jsonl", "data.tsv", ".lock"}
# Sentences translated between two progress updates.
CHUNK = 32


def _json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def parameter_count(weights: Path) -> int:
    """Counted from the safetensors header, without loading the weights."""
    try:
        with safe_open(str(weights), framework="pt") as handle:
            return sum(_product(handle.get_slice(k).get_shape()) for k in handle.keys())
    except (SafetensorError, OSError, ValueError):
        return 0


def _product(shape: list[int]) -> int:
    total = 1
    for size in shape:
        total *= size
    return total


def disk_size(path: Path) -> int:
    total = 0
    for file in path.iterdir():
        if file.name not in NOT_ZIPPED:
            with contextlib.suppress(OSError):  # a trainer's temporary file may vanish meanwhile
                total += file.stat().st_size if file.is_file() else 0
    return total


def _percent(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


def _scores(metrics: dict[str, Any]) -> dict[str, Any]:
    test = metrics.get("test", {}).get("greedy", {})
    alignment = metrics.get("alignment", {})  # written by benchmarks/alignment.py --write
    return {"test BLEU": test.get("bleu"), "test chrF": test.get("chrf"), "test exact match": test.get("exact_match"),
            "AER % (gold trial)": alignment.get("aer_trial"), "% attention on </s>": _percent(alignment.get("eos_mass_test")),
            "best valid": metrics.get("best_valid"), "steps": metrics.get("steps"),
            "train minutes": round(metrics["train_seconds"] / 60, 1) if "train_seconds" in metrics else None}


def model_row(info: ModelInfo) -> dict[str, Any]:
    model = _json(info.path / "config.json").get("model", {})
    row = {"model": info.name, "kind": "shipped" if info.shipped else "your run", "task": info.task,
           "data": info.data, "direction": info.direction, "cell": model.get("cell"),
           "attention": model.get("attention"), "bidirectional": model.get("bidirectional"),
           "emb": model.get("emb_dim"), "encoder": model.get("enc_hidden"), "decoder": model.get("dec_hidden"),
           "layers": f"{model.get('enc_layers', 1)}+{model.get('dec_layers', 1)}",
           "parameters": parameter_count(info.path / WEIGHTS),
           "size on disk": disk_size(info.path)}
    return {**row, **_scores(_json(info.path / "metrics.json"))}


def models_table(models: list[ModelInfo]) -> pd.DataFrame:
    return pd.DataFrame([model_row(info) for info in models])


def test_set(info: ModelInfo, limit: int = 0) -> tuple[list[str], list[list[str]]]:
    """Distinct test sources of the model's own data, with all their references (first `limit`)."""
    train = _json(info.path / "config.json").get("train", {})
    split = load_split(train_config_from_dict(train))
    sources, refs = unique_with_refs(split.test, split.test_refs)
    return (sources[:limit], refs[:limit]) if limit else (sources, refs)


@dataclass
class Evaluation:
    scores: dict[str, Any]  # exact_match, and bleu / chrf with sacreBLEU signatures for translation
    rows: pd.DataFrame  # one row per sentence: source, reference, output, sentence BLEU, exact


def evaluate_sentences(translate: Callable[[list[str]], list[str]], sources: list[str], refs: list[list[str]],
                       toy: bool, progress: Callable[[float], None] | None = None) -> Evaluation:
    """Translate in chunks (reporting progress), then score the whole set and each sentence."""
    outputs: list[str] = []
    for start in range(0, len(sources), CHUNK):
        outputs += translate(sources[start:start + CHUNK])
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


def checkpoint_zip(path: Path) -> bytes:
    """The checkpoint folder as a zip made in memory, without optimizer state or run bookkeeping."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(path.iterdir()):
            if file.is_file() and not file.is_symlink() and file.name not in NOT_ZIPPED and not file.name.startswith("."):
                archive.write(file, f"{path.name}/{file.name}")
    return buffer.getvalue()
