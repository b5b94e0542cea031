"""Models: which checkpoints exist, loading one, a plain summary of its settings, its twin, and the
Models page's table, test sets, evaluations and zips."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd
import torch

from seq2seq import catalog
from seq2seq.analysis import bottleneck, reports
from seq2seq.analysis.reports import Evaluation, checkpoint_zip, side_by_side
from seq2seq.catalog import DEFAULT_MODEL, ModelInfo
from seq2seq.checkpoint import load_checkpoint
from seq2seq.config import DecodeConfig, ModelConfig, TrainConfig
from seq2seq.decoding.translator import Translator
from seq2seq.evaluate import sentence_bleu

__all__ = ["DEFAULT_MODEL", "Evaluation", "ModelInfo", "ModelSummary", "attention_of", "checkpoint_zip",
           "architecture", "bottleneck_models", "compare_typed", "evaluate", "find_model", "list_models", "load_translator",
           "models_table", "one_thread", "side_by_side", "summary", "test_set"]


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


# The catalogue is looked up when called, not bound at import, so a test may point it elsewhere.
def list_models(root: Path | None = None) -> list[ModelInfo]:
    return catalog.list_models() if root is None else catalog.list_models(root)


def find_model(name: str) -> ModelInfo:
    """Resolve a name from a link or a form; UserError for one that is not listed."""
    return catalog.find_model(name)


def load_translator(path: Path) -> Translator:
    return Translator(load_checkpoint(path))


def summary(translator: Translator) -> ModelSummary:
    return ModelSummary(translator.model.config, translator.bundle.train_config, translator.src.kind,
                        translator.tgt.kind)


def attention_of(info: ModelInfo) -> str:
    """The checkpoint's attention ("none" without), read from its config without loading it."""
    return bottleneck.attention_of(info)


def bottleneck_models(info: ModelInfo) -> list[ModelInfo]:
    """The listed models on the same data with and without attention, attention first ([] if none)."""
    return bottleneck.compared_models(info, list_models())


def architecture(info: ModelInfo) -> str:
    return bottleneck.architecture(info)


def models_table(models: list[ModelInfo]) -> pd.DataFrame:
    return reports.models_table(models)


def test_set(info: ModelInfo, limit: int = 0) -> tuple[list[str], list[list[str]]]:
    return reports.test_set(info, limit)


def evaluate(translator: Translator, decode: DecodeConfig, sources: list[str], refs: list[list[str]], toy: bool,
             progress: Callable[[float], None] | None = None) -> Evaluation:
    """Translate `sources` with these settings and score them against `refs`, whole set and per sentence."""
    return reports.evaluate_sentences(lambda texts: translator.translate(texts, decode), sources, refs, toy,
                                      progress)


def one_thread() -> None:
    """Interactive inference on one sentence gains nothing from intra-op threads; sessions then each get
    a core instead of fighting over spinning thread pools."""
    torch.set_num_threads(1)


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
