"""The fixed-length bottleneck: score by source length for an attention model and its no-attention twin.

Without attention the decoder sees the source only through one vector, so long sentences suffer
(Cho et al. 2014; Bahdanau et al. 2015). Twins are checkpoints trained on the same data whose only
difference that matters here is attention on or off. Scores are cached per checkpoint on disk.
"""
from __future__ import annotations

import random
from pathlib import Path

from seq2seq.analysis.cache import cache_dir, cache_key, load_json, save_json
from seq2seq.analysis.comparison import budget_in_words
from seq2seq.catalog import ModelInfo
from seq2seq.checkpoint import read_config
from seq2seq.config import DecodeConfig
from seq2seq.data.splits import load_split
from seq2seq.data.tokenizer import clean_text
from seq2seq.decoding.translator import Translator
from seq2seq.errors import UserError
from seq2seq.evaluate import bleu_chrf, exact_match

# Test sentences scored per model: enough for stable per-bucket scores, under a minute on a CPU.
TEST_LIMIT = 1000
WORD_EDGES = (5, 10, 15, 20, 30)
CHAR_EDGES = (10, 15, 20, 25, 30, 40)
SCORES_FILE = "scores_by_length.json"


def attention_of(info: ModelInfo) -> str:
    try:
        return str(read_config(info.path).get("model", {}).get("attention", "bahdanau"))
    except UserError:
        return "?"


def _data_of(info: ModelInfo) -> tuple:
    try:
        train = read_config(info.path).get("train", {})
    except UserError:
        return (None,)
    return train.get("data"), train.get("src_lang"), train.get("tgt_lang")


def find_twins(info: ModelInfo, models: list[ModelInfo]) -> list[ModelInfo]:
    """Models on the same data and language pair with attention switched the other way (several: the
    no-attention GRU and the plain tanh RNN both face the default model)."""
    without = attention_of(info) == "none"
    twins = []
    for other in models:
        kind = attention_of(other)
        if other.path == info.path or kind == "?" or (kind == "none") == without:
            continue
        if _data_of(other) == _data_of(info):
            twins.append(other)
    return twins


def find_twin(info: ModelInfo, models: list[ModelInfo]) -> ModelInfo | None:
    twins = find_twins(info, models)
    return twins[0] if twins else None


def _budget_of(info: ModelInfo) -> tuple:
    """What a run was allowed to spend and where it started from."""
    try:
        train = read_config(info.path).get("train", {})
    except UserError:
        return (None,)
    return budget_in_words(train), train.get("init_from") or ""


def compared_models(info: ModelInfo, models: list[ModelInfo]) -> list[ModelInfo]:
    """The bottleneck view's models: one with attention first, then every no-attention one on its data.
    The model with attention is the one trained on the twins' budget where one is listed (the shipped
    default had a GPU and a fine-tune its twins did not), so that attention is all that differs."""
    lead = info if attention_of(info) != "none" else find_twin(info, models)
    if lead is None:
        return []
    twins = find_twins(lead, models)
    budgets = {_budget_of(twin) for twin in twins}
    if len(budgets) == 1 and _budget_of(lead) not in budgets:
        alike = [m for m in find_twins(twins[0], models) if _budget_of(m) in budgets]
        lead = alike[0] if alike else lead
    return [lead, *twins]


def architecture(info: ModelInfo) -> str:
    """In words: "GRU, attention" or "plain tanh RNN, no attention"."""
    try:
        model = read_config(info.path).get("model", {})
    except UserError:
        return "?"
    cell = str(model.get("cell", "gru"))
    name = f"plain {model.get('nonlinearity', 'tanh')} RNN" if cell == "rnn" else cell.upper()
    return f"{name}, {'no attention' if model.get('attention') == 'none' else 'attention'}"


def length_unit(translator: Translator) -> str:
    """Characters for character-level models (pieces are characters), else words (tokenizer-free)."""
    return "characters" if translator.src.kind == "char" else "words"


def source_length(text: str, unit: str) -> int:
    text = clean_text(text)
    return len(text) if unit == "characters" else len(text.split())


def bucket_label(length: int, edges: tuple[int, ...]) -> tuple[int, str]:
    """(order, label) of the bucket holding `length`: 1-5, 6-10, ..., 31+."""
    low = 1
    for order, high in enumerate(edges):
        if length <= high:
            return order, f"{low}–{high}"
        low = high + 1
    return len(edges), f"{low}+"


def test_sample(translator: Translator, limit: int = TEST_LIMIT) -> tuple[list[str], list[list[str]]]:
    """A fixed-seed sample of the test split: sources and their references."""
    config = translator.bundle.train_config
    try:
        split = load_split(config)
    except OSError as exc:
        raise UserError(f"test data for {config.data} could not be read ({exc})") from None
    refs = split.test_refs or [[p.target] for p in split.test]
    rows = random.Random(config.seed).sample(range(len(split.test)), min(limit, len(split.test)))
    return [split.test[i].source for i in sorted(rows)], [refs[i] for i in sorted(rows)]


def score_buckets(hypotheses: list[str], sources: list[str], references: list[list[str]], unit: str,
                  toy: bool) -> list[dict]:
    """Per length bucket: sentence count and BLEU (translation) or exact match % (toy tasks)."""
    edges = CHAR_EDGES if unit == "characters" else WORD_EDGES
    buckets: dict[tuple[int, str], list[int]] = {}
    for i, source in enumerate(sources):
        buckets.setdefault(bucket_label(source_length(source, unit), edges), []).append(i)
    rows = []
    for (order, label), members in sorted(buckets.items()):
        hyps, refs = [hypotheses[i] for i in members], [references[i] for i in members]
        score = 100 * exact_match(hyps, refs) if toy else bleu_chrf(hyps, refs)["bleu"]
        rows.append({"order": order, "bucket": label, "sentences": len(members), "score": round(score, 2)})
    return rows


def _scores_key(checkpoint: Path, limit: int) -> tuple[Path, str]:
    return cache_dir(checkpoint) / SCORES_FILE, cache_key(checkpoint, what="scores_by_length", limit=limit)


def cached_scores(checkpoint: Path, limit: int = TEST_LIMIT) -> dict | None:
    """Scores computed earlier for this checkpoint's current weights, or None."""
    return load_json(*_scores_key(checkpoint, limit))


def scores_by_length(translator: Translator, checkpoint: Path, toy: bool, limit: int = TEST_LIMIT) -> dict:
    """Greedy scores by source length on the model's test split, cached next to the checkpoint.

    Toy tasks are scored by exact match (their outputs are right or wrong), translation by BLEU.
    """
    cached = cached_scores(checkpoint, limit)
    if cached is not None:
        return cached
    sources, references = test_sample(translator, limit)
    unit = length_unit(translator)
    hypotheses = translator.translate(sources, DecodeConfig(strategy="greedy"))
    result = {"unit": unit, "metric": "exact match %" if toy else "BLEU",
              "signature": "" if toy else bleu_chrf(hypotheses, references)["bleu_signature"],
              "sentences": len(sources), "buckets": score_buckets(hypotheses, sources, references, unit, toy)}
    save_json(*_scores_key(checkpoint, limit), result)
    return result
