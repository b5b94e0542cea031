"""Training recipes ({"model": {...}, "train": {...}}) as the Train page builds them.

A recipe is checked with the same config classes the trainer uses, so a mistake is reported before
a process is started, and it can be written as the equivalent `python -m seq2seq train` command.
"""
from __future__ import annotations

import dataclasses
import json
import shlex
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
