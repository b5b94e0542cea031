"""Models: which checkpoints exist, loading one, a plain summary of its settings, its no-attention twins,
and what the Models page lists about each checkpoint on disk (its row of the table, a zip of it)."""
from __future__ import annotations

import contextlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from safetensors import SafetensorError, safe_open

from seq2seq import catalog, files
from seq2seq.analysis.bottleneck import architecture, attention_of, compared_models
from seq2seq.analysis.comparison import Comparison, Fact
from seq2seq.analysis.comparison import compare as compare_checkpoints
from seq2seq.catalog import DEFAULT_MODEL, ModelInfo, find_model, list_models
from seq2seq.checkpoint import TRAINER_STATE, WEIGHTS
from seq2seq.config import ModelConfig, TrainConfig
from seq2seq.decoding.translator import Translator, load_translator
from seq2seq.errors import UserError

__all__ = ["DEFAULT_MODEL", "Comparison", "Fact", "ModelInfo", "ModelSummary", "architecture", "attention_of",
           "bottleneck_models", "checkpoint_zip", "compare_checkpoints", "compare_models", "find_model", "list_models",
           "load_translator", "models_table", "one_thread", "summary"]

# Run bookkeeping and the optimizer state are not part of the model a user downloads.
NOT_ZIPPED = {TRAINER_STATE, "status.json", "log.txt", "events.jsonl", "data.tsv", ".lock"}


@dataclass(frozen=True)
class ModelSummary:
    """What the app shows about a loaded model, without reaching into it."""
    config: ModelConfig  # architecture and length limits
    train: TrainConfig  # the data and recipe it was trained with
    src_kind: str  # "char" or "sentencepiece"
    tgt_kind: str

    @property
    def has_attention(self) -> bool:
        return self.config.attention != "none"


def summary(translator: Translator) -> ModelSummary:
    return ModelSummary(translator.model.config, translator.bundle.train_config, translator.src.kind,
                        translator.tgt.kind)


def one_thread() -> None:
    """Interactive inference on one sentence gains nothing from intra-op threads; sessions then each get
    a core instead of fighting over spinning thread pools."""
    torch.set_num_threads(1)


def bottleneck_models(info: ModelInfo) -> list[ModelInfo]:
    """The listed models on the same data with and without attention, attention first ([] if none)."""
    # catalog.list_models is looked up at each call, not bound at import, so a test may point it elsewhere.
    return compared_models(info, catalog.list_models())


def compare_models(models: list[ModelInfo], about: tuple[str, ...] = ()) -> Comparison:
    """What differs between models set side by side (data, pieces, sizes, parameters, recipe, epochs, steps,
    training time and hardware, summed over each one's training stages), read from their files; `about`
    names the facts the comparison is about (e.g. ("attention",)), every other difference is named."""
    return compare_checkpoints({m.name: m.path for m in models}, about)


def models_table(models: list[ModelInfo]) -> pd.DataFrame:
    """One row per checkpoint: what it is, its architecture, size and scores, read from its files
    without loading its weights."""
    return pd.DataFrame([_model_row(info) for info in models])


def _model_row(info: ModelInfo) -> dict[str, Any]:
    model = read_json(info.path / "config.json").get("model", {})
    row = {"model": info.name, "kind": "shipped" if info.shipped else "your run", "task": info.task,
           "data": info.data, "direction": info.direction, "cell": model.get("cell"),
           "attention": model.get("attention"), "bidirectional": model.get("bidirectional"),
           "emb": model.get("emb_dim"), "encoder": model.get("enc_hidden"), "decoder": model.get("dec_hidden"),
           "layers": f"{model.get('enc_layers', 1)}+{model.get('dec_layers', 1)}",
           "parameters": parameter_count(info.path / WEIGHTS),
           "size on disk": disk_size(info.path)}
    return {**row, **_scores(read_json(info.path / "metrics.json"))}


def read_json(path: Path) -> dict[str, Any]:
    """The JSON object in a checkpoint's file; {} when it is missing, unreadable or not an object."""
    try:
        value = files.read_json(path)  # regular files only: a FIFO would hang the Models page
    except UserError:
        return {}
    return value if isinstance(value, dict) else {}


def _scores(metrics: dict[str, Any]) -> dict[str, Any]:
    test = metrics.get("test", {}).get("greedy", {})
    alignment = metrics.get("alignment", {})  # written by benchmarks/alignment.py --write
    eos = alignment.get("eos_mass_test")
    return {"test BLEU": test.get("bleu"), "test chrF": test.get("chrf"), "test exact match": test.get("exact_match"),
            "AER % (gold trial)": alignment.get("aer_trial"),
            "% attention on </s>": None if eos is None else round(100 * eos, 1),
            "best valid": metrics.get("best_valid"), "steps": metrics.get("steps"),
            "train minutes": round(metrics["train_seconds"] / 60, 1) if "train_seconds" in metrics else None}


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


def checkpoint_zip(path: Path) -> bytes:
    """The checkpoint folder as a zip made in memory, without optimizer state or run bookkeeping."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(path.iterdir()):
            if (file.is_file() and not file.is_symlink() and file.name not in NOT_ZIPPED
                    and not file.name.startswith(".")):
                archive.write(file, f"{path.name}/{file.name}")
    return buffer.getvalue()
