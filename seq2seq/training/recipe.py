"""Training recipes ({"model": {...}, "train": {...}}) as the Train page builds them.

A recipe is checked with the same config classes the trainer uses, so a mistake is reported before
a process is started, and it can be written as the equivalent `python -m seq2seq train` command.
"""
from __future__ import annotations

import dataclasses
import json
import math
import shlex
from dataclasses import dataclass
from typing import Any

from seq2seq.config import (
    ModelConfig,
    TrainConfig,
    model_config_from_dict,
    train_config_from_dict,
)
from seq2seq.errors import UserError
from seq2seq.training.presets import get_preset

# The trainer fills in vocabulary sizes from the data; any legal value lets the rest be checked now.
_PLACEHOLDER_VOCAB = {"src_vocab_size": 1000, "tgt_vocab_size": 1000}


def check_recipe(recipe: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A copy of the recipe with only known, valid settings, or a UserError naming the bad one."""
    if not isinstance(recipe, dict) or set(recipe) - {"model", "train"}:
        raise UserError('a recipe is {"model": {...}, "train": {...}}')
    model, train = dict(recipe.get("model", {})), dict(recipe.get("train", {}))
    reserved = sorted(set(model) & set(_PLACEHOLDER_VOCAB))
    if reserved:
        raise UserError(f"{', '.join(reserved)} come from the data; leave them out of the model settings")
    model_config_from_dict({**model, **_PLACEHOLDER_VOCAB})
    train_config_from_dict(train)
    return {"model": model, "train": train}


def overrides(recipe: dict[str, Any], preset: str) -> list[str]:
    """`section.name=value` settings that turn the preset into this recipe (JSON values where needed)."""
    preset_settings = get_preset(preset)
    settings = []
    for section, cls in (("model", ModelConfig), ("train", TrainConfig)):
        base = {**_defaults(cls), **preset_settings.get(section, {})}
        for name, value in recipe.get(section, {}).items():
            if base.get(name) != value:
                settings.append(f"{section}.{name}={_cli_value(value)}")
    return settings


def _defaults(cls: type) -> dict[str, Any]:
    return {f.name: f.default for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING}


def _cli_value(value: Any) -> str:
    """The CLI reads JSON and falls back to the raw text: plain words stay readable."""
    if isinstance(value, str):
        try:
            json.loads(value)
        except json.JSONDecodeError:
            return value
    return json.dumps(value, ensure_ascii=False)


def train_command(recipe: dict[str, Any], preset: str, out: str) -> str:
    """The shell command that trains this recipe without the app."""
    words = ["python", "-m", "seq2seq", "train", "--preset", preset, "--out", out]
    for setting in overrides(recipe, preset):
        words += ["--set", setting]
    return shlex.join(words)


# A run worth watching: enough optimizer steps to learn something, validated several times on the way.
FIT_MIN_STEPS = 300
FIT_MIN_VALIDATIONS = 5
FIT_MIN_BATCHES = 10  # per epoch: fewer, and an epoch is a handful of huge steps


@dataclass(frozen=True)
class ScheduleFit:
    """How a recipe's schedule plays out on a given amount of data, and settings that fit it better."""
    target_pieces: int  # estimated pieces on the target side of the whole training set
    steps_per_epoch: int
    total_steps: int
    validations: int
    suggestion: dict[str, int]  # batch_tokens, epochs, valid_every; empty when the recipe already fits

    @property
    def fits(self) -> bool:
        return not self.suggestion


def target_pieces(targets: list[str], tokenizer_kind: str) -> int:
    """Pieces the trainer will see on the target side (EOS included): exact for characters, an estimate of
    1.5 pieces a word for subwords (the tokenizer is only trained when the run starts)."""
    per = (lambda t: len(t) + 1) if tokenizer_kind == "char" else (lambda t: round(1.5 * len(t.split())) + 1)
    return sum(per(t) for t in targets)


def schedule_fit(train: dict[str, Any], pieces: int) -> ScheduleFit:
    """Steps and validations that `train` (batch_tokens, epochs, max_steps, valid_every) gives on `pieces`."""
    config = train_config_from_dict(train)
    steps = _total_steps(config.batch_tokens, config.epochs, config.max_steps, pieces)
    per_epoch = max(1, math.ceil(pieces / config.batch_tokens))
    validations = steps // config.valid_every
    if steps >= FIT_MIN_STEPS and validations >= FIT_MIN_VALIDATIONS and per_epoch >= FIT_MIN_BATCHES:
        return ScheduleFit(pieces, per_epoch, steps, validations, {})
    batch = max(50, min(config.batch_tokens, pieces // FIT_MIN_BATCHES // 50 * 50))
    epochs = max(config.epochs, math.ceil(FIT_MIN_STEPS / max(1, math.ceil(pieces / batch))))
    total = _total_steps(batch, epochs, 0, pieces)
    return ScheduleFit(pieces, per_epoch, steps, validations,
                       {"batch_tokens": batch, "epochs": epochs, "valid_every": max(1, total // FIT_MIN_VALIDATIONS)})


# What sentencepiece with byte fallback holds before it learns a single piece: the 256 bytes and the 4 specials.
VOCAB_FLOOR = 260
# Pieces a corpus can fill: Tatoeba's ~30,000 distinct English words fill the default 8,000 pieces; past a
# quarter of the distinct words, most pieces would be whole words seen once, which teach nothing shared.
WORDS_PER_PIECE = 4


def vocabulary_fit(texts: list[str], vocab_size: int) -> int:
    """A sentencepiece vocabulary size `texts` can fill (one side of a corpus): `vocab_size` when it can,
    else the byte-fallback floor plus the characters plus a quarter of the distinct words, in fifties."""
    words = {word for text in texts for word in text.split()}
    characters = {ch for text in texts for ch in text if not ch.isspace()}
    fit = VOCAB_FLOOR + len(characters) + len(words) // WORDS_PER_PIECE
    return vocab_size if vocab_size <= fit else max(VOCAB_FLOOR + len(characters), fit // 50 * 50)


def _total_steps(batch_tokens: int, epochs: int, max_steps: int, pieces: int) -> int:
    steps = max(1, math.ceil(pieces / batch_tokens)) * epochs
    return min(steps, max_steps) if max_steps else steps
