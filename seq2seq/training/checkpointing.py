"""What a training run keeps on disk: the best checkpoint, the trainer state to resume from, the best
few snapshots to average, the history and metrics.json (every file written atomically)."""
from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any, Iterator

import torch

from seq2seq import checkpoint as ckpt
from seq2seq.checkpoint import Bundle
from seq2seq.errors import UserError
from seq2seq.nn.model import Seq2Seq
from seq2seq.training.history import write_history
from seq2seq.training.progress import Progress

SNAPSHOTS = "snapshots"


class CheckpointKeeper:
    """Keeps one run's files in `out_dir`; `average_best` > 1 keeps that many best snapshots to average."""

    def __init__(self, out_dir: Path, average_best: int):
        self.out_dir, self.average_best = Path(out_dir), average_best

    def restore(self, model: Seq2Seq, optimizer: torch.optim.Optimizer) -> Progress:
        metadata = restore_trainer_state(self.out_dir, model, optimizer)
        with _damaged(self.out_dir / ckpt.TRAINER_STATE):
            return Progress.from_json(metadata["progress"])

    def keep(self, bundle: Bundle, optimizer: torch.optim.Optimizer, progress: Progress, score: float,
             improved: bool, history: list[dict[str, Any]], metrics: dict[str, Any]) -> None:
        """After a validation: the snapshot (if among the best), the checkpoint (if improved), the trainer
        state, the history and the metrics."""
        progress.snapshots = keep_snapshot(self.out_dir, bundle.model, progress.snapshots, progress.step, score,
                                           self.average_best)
        if improved:
            bundle.metrics = metrics
            ckpt.save_checkpoint(self.out_dir, bundle)
        save_trainer_state(self.out_dir, bundle.model, optimizer, progress)
        write_history(self.out_dir / "history.csv", history)
        if not improved:
            update_metrics(self.out_dir, **{k: v for k, v in metrics.items() if k != "best_step"})

    def averaged(self, progress: Progress) -> Bundle | None:
        """The best checkpoint with the kept snapshots' mean weights (None with fewer than two kept)."""
        if len(progress.snapshots) < 2:
            return None
        best = ckpt.load_checkpoint(self.out_dir)
        average_snapshots(self.out_dir, progress.snapshots, best.model)
        return best

    def save_averaged(self, bundle: Bundle, progress: Progress, score: float) -> None:
        ckpt.save_checkpoint(self.out_dir, bundle)
        update_metrics(self.out_dir, averaged_checkpoints=[int(step) for _, step in progress.snapshots],
                       best_valid=score, best_single_valid=progress.best)


def save_trainer_state(out_dir: Path, model: Seq2Seq, optimizer: torch.optim.Optimizer, progress: Progress) -> None:
    tensors = {f"model.{k}": v for k, v in ckpt.model_tensors(model).items()}
    tensors.update(_optimizer_tensors(optimizer))
    metadata = {"progress": progress.to_json(), "optimizer": json.dumps(optimizer.state_dict()["param_groups"])}
    ckpt.save_tensors(out_dir / ckpt.TRAINER_STATE, tensors, metadata)


def restore_trainer_state(out_dir: Path, model: Seq2Seq, optimizer: torch.optim.Optimizer) -> dict[str, str]:
    """Load the latest weights and Adam state into model and optimizer; returns the saved metadata."""
    path = out_dir / ckpt.TRAINER_STATE
    metadata = ckpt.load_weights(model, path, prefix="model.")
    tensors, _ = ckpt.read_tensors(path)
    with _damaged(path):
        optimizer.load_state_dict(_optimizer_from_tensors(tensors, json.loads(metadata["optimizer"])))
    return metadata


@contextlib.contextmanager
def _damaged(path: Path) -> Iterator[None]:
    """The JSON in a trainer state's metadata, read on --resume: missing, invalid, nested past the parser's
    stack or of the wrong shape, it is one line naming the file."""
    try:
        yield
    except (KeyError, ValueError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise UserError(f"{path}: the saved optimizer state or progress cannot be read ({type(exc).__name__}); "
                        "start the run again without --resume (add --force)") from None


def write_metrics(out_dir: Path, metrics: dict[str, Any]) -> None:
    ckpt.write_text(out_dir / "metrics.json", json.dumps(metrics, indent=2, ensure_ascii=False))


def update_metrics(out_dir: Path, **fields: Any) -> dict[str, Any]:
    metrics = ckpt.read_metrics(out_dir / "metrics.json")
    metrics.update(fields)
    write_metrics(out_dir, metrics)
    return metrics


def keep_snapshot(out_dir: Path, model: Seq2Seq, kept: list[list[float]], step: int, score: float,
                  limit: int) -> list[list[float]]:
    """Keep the weights of the `limit` best validations (as [score, step]) in out_dir/snapshots."""
    if limit <= 1 or (len(kept) >= limit and score <= min(s for s, _ in kept)):
        return kept
    folder = out_dir / SNAPSHOTS
    ckpt.save_tensors(folder / f"step-{step}.safetensors", ckpt.model_tensors(model))
    kept = sorted(kept + [[score, step]], reverse=True)
    for _, dropped in kept[limit:]:
        (folder / f"step-{int(dropped)}.safetensors").unlink(missing_ok=True)
    return kept[:limit]


def average_snapshots(out_dir: Path, kept: list[list[float]], model: Seq2Seq) -> None:
    """Load into `model` the mean of the kept snapshots' weights."""
    total: dict[str, torch.Tensor] = {}
    for _, step in kept:
        tensors, _ = ckpt.read_tensors(out_dir / SNAPSHOTS / f"step-{int(step)}.safetensors")
        for name, value in tensors.items():
            total[name] = total.get(name, 0) + value.double()
    state = {name: (value / len(kept)).to(model.state_dict()[name].dtype) for name, value in total.items()}
    model.load_state_dict(state, strict=not model.config.tie_embeddings)


def _optimizer_tensors(optimizer: torch.optim.Optimizer) -> dict[str, torch.Tensor]:
    tensors = {}
    for index, state in optimizer.state_dict()["state"].items():
        for name, value in state.items():
            tensors[f"optim.{index}.{name}"] = torch.as_tensor(value).float().reshape(-1) if name == "step" else value
    return tensors


def _optimizer_from_tensors(tensors: dict[str, torch.Tensor], groups: list[dict[str, Any]]) -> dict[str, Any]:
    state: dict[int, dict[str, torch.Tensor]] = {}
    for key, value in tensors.items():
        if key.startswith("optim."):
            _, index, name = key.split(".", 2)
            state.setdefault(int(index), {})[name] = value.reshape(()) if name == "step" else value
    return {"state": state, "param_groups": groups}
