"""Checkpoint directories: config.json, model.safetensors, tokenizers, metrics.json, history.csv.

Nothing is ever unpickled. Every file is written to a temporary name and atomically renamed, so a
killed run leaves either the previous or the new file, never a broken one.
"""
from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from seq2seq.config import (
    ModelConfig,
    TrainConfig,
    model_config_from_dict,
    to_dict,
    train_config_from_dict,
)
from seq2seq.data.tokenizer import Tokenizer, load_tokenizer, tokenizer_filename
from seq2seq.errors import UserError
from seq2seq.files import atomic_write, check_regular, read_bytes, read_json, write_text
from seq2seq.nn.model import Seq2Seq, parameter_upper_bound

FORMAT_VERSION = 1
WEIGHTS = "model.safetensors"
TRAINER_STATE = "trainer.safetensors"
# A bound on what a config may ask us to allocate: far above any model this app trains.
MAX_PARAMETERS = 300_000_000


@dataclass
class Bundle:
    """Everything needed to translate: the model, its tokenizers and its configs."""

    model: Seq2Seq
    src_tokenizer: Tokenizer
    tgt_tokenizer: Tokenizer
    train_config: TrainConfig
    metrics: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def config(self) -> ModelConfig:
        return self.model.config


def save_tensors(path: Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None) -> None:
    tensors = {k: v.detach().contiguous().cpu() for k, v in tensors.items()}

    def write(tmp: Path) -> None:
        try:
            save_file(tensors, str(tmp), metadata=metadata)
        except SafetensorError as exc:  # its writer's I/O errors, as the OSError atomic_write reports
            raise _os_error(exc, tmp) from None

    atomic_write(path, write)


def _os_error(exc: SafetensorError, path: Path) -> OSError:
    """safetensors reports a failed write as text ("I/O error: No space left on device (os error 28)")."""
    found = re.search(r"I/O error: (.*) \(os error (\d+)\)", str(exc))
    return OSError(int(found.group(2)), found.group(1), str(path)) if found else OSError(str(exc))


def model_tensors(model: Seq2Seq, dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
    """The state dict without the tied duplicate (safetensors refuses shared storage)."""
    state = model.state_dict()
    if model.config.tie_embeddings:
        state.pop("decoder.output.weight")
    return {k: v.to(dtype) if v.is_floating_point() else v for k, v in state.items()}


def save_checkpoint(directory: Path, bundle: Bundle, dtype: torch.dtype = torch.float32) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for side, tok in (("src", bundle.src_tokenizer), ("tgt", bundle.tgt_tokenizer)):
        target = directory / tokenizer_filename(tok, side)
        atomic_write(target, tok.save)
    config = {"format": FORMAT_VERSION, "model": to_dict(bundle.config), "train": to_dict(bundle.train_config),
              "src_tokenizer": tokenizer_filename(bundle.src_tokenizer, "src"),
              "tgt_tokenizer": tokenizer_filename(bundle.tgt_tokenizer, "tgt")}
    write_text(directory / "config.json", json.dumps(config, indent=2))
    save_tensors(directory / WEIGHTS, model_tensors(bundle.model, dtype))
    write_text(directory / "metrics.json", json.dumps(bundle.metrics, indent=2, ensure_ascii=False))


def read_config(directory: Path) -> dict[str, Any]:
    path = Path(directory)
    if not path.is_dir():
        raise UserError(f"{path}: checkpoint directory not found")
    if not (path / "config.json").exists():
        raise UserError(f"{path}: no config.json — not a checkpoint directory")
    config = read_json(path / "config.json")
    found = config.get("format") if isinstance(config, dict) else type(config).__name__
    if found != FORMAT_VERSION:
        raise UserError(f"{path}/config.json: unknown checkpoint format {found!r}")
    return config


def build_model(config: ModelConfig) -> Seq2Seq:
    """Build after bounding the size from the config, so absurd configs never allocate."""
    count = parameter_upper_bound(config)
    if count > MAX_PARAMETERS:
        raise UserError(f"config asks for about {count:,} parameters; the limit is {MAX_PARAMETERS:,}")
    return Seq2Seq(config)


def load_checkpoint(directory: Path | str) -> Bundle:
    directory = Path(directory)
    config = read_config(directory)
    model_config = model_config_from_dict(config.get("model", {}))
    train_config = train_config_from_dict(config.get("train", {}))
    src_tok = load_tokenizer(directory / _safe_name(config.get("src_tokenizer", "src.model")))
    tgt_tok = load_tokenizer(directory / _safe_name(config.get("tgt_tokenizer", "tgt.model")))
    _check_vocab(src_tok, model_config.src_vocab_size, "source")
    _check_vocab(tgt_tok, model_config.tgt_vocab_size, "target")
    model = build_model(model_config)
    load_weights(model, directory / WEIGHTS)
    model.eval()
    metrics = read_metrics(directory / "metrics.json")
    return Bundle(model, src_tok, tgt_tok, train_config, metrics, directory)


def _safe_name(name: Any) -> str:
    if not isinstance(name, str) or not name or Path(name).name != name or name.startswith("."):
        raise UserError(f"config.json names an invalid tokenizer file {name!r}")
    return name


def _check_vocab(tokenizer: Tokenizer, expected: int, side: str) -> None:
    if tokenizer.vocab_size != expected:
        raise UserError(f"{side} tokenizer has {tokenizer.vocab_size} pieces but the config says {expected}")


def read_metrics(path: Path) -> dict[str, Any]:
    """A checkpoint's scores and lineage: {} when missing. Nothing needs them to translate, so a broken
    file is ignored, with a warning naming it (the next save of a run writes a good one)."""
    if not path.exists():
        return {}
    try:
        metrics = read_json(path)
    except UserError as exc:
        warnings.warn(f"{exc}; its scores are ignored", UserWarning, stacklevel=2)
        return {}
    return metrics if isinstance(metrics, dict) else {}


def read_tensors(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    if not path.exists():
        raise UserError(f"{path}: weights file missing")
    check_regular(path)
    try:
        with safe_open(str(path), framework="pt") as handle:
            return {k: handle.get_tensor(k) for k in handle.keys()}, handle.metadata() or {}
    except (SafetensorError, OSError, ValueError) as exc:
        raise UserError(f"{path}: not a readable safetensors file ({exc})") from None


def load_weights(model: Seq2Seq, path: Path, prefix: str = "") -> dict[str, str]:
    tensors, metadata = read_tensors(path)
    tensors = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
    expected = model_tensors(model)
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    wrong = [f"{k} {tuple(tensors[k].shape)} vs config {tuple(v.shape)}"
             for k, v in expected.items() if k in tensors and tensors[k].shape != v.shape]
    if missing or unexpected or wrong:
        problems = [f"missing: {', '.join(missing[:5])}"] if missing else []
        problems += [f"unexpected: {', '.join(unexpected[:5])}"] if unexpected else []
        problems += [f"wrong shape: {'; '.join(wrong[:5])}"] if wrong else []
        raise UserError(f"{path}: weights do not match the config ({' | '.join(problems)})")
    _check_finite(tensors, path)
    dtype = next(model.parameters()).dtype
    state = {k: v.to(dtype) if v.is_floating_point() else v for k, v in tensors.items()}
    model.load_state_dict(state, strict=not model.config.tie_embeddings)
    return metadata


def _check_finite(tensors: dict[str, torch.Tensor], path: Path) -> None:
    """NaN or infinite weights (a run that diverged, a damaged file) translate every sentence to nothing."""
    bad = [k for k, v in tensors.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
    if bad:
        raise UserError(f"{path}: {len(bad)} weight tensor(s) hold NaN or infinite values ({', '.join(bad[:3])}); "
                        "the run that wrote them diverged or the file is damaged: use another checkpoint")


def export_checkpoint(source: Path, target: Path, dtype: torch.dtype = torch.float16) -> None:
    """Copy a trained run as a shippable checkpoint: weights only (no optimizer state), fp16 by default."""
    bundle = load_checkpoint(source)
    save_checkpoint(Path(target), bundle, dtype)
    history = Path(source) / "history.csv"
    if history.exists():
        write_text(Path(target) / "history.csv", read_bytes(history).decode("utf-8", errors="replace"))
