"""What `train --resume DIR` continues, and which `--out` folders hold a checkpoint that only --force replaces.

A run saves its first checkpoint in steps: tokenizers, config.json, model.safetensors, metrics.json, then
the trainer state (trainer.safetensors: weights, Adam state, step). Each file is atomic, but a kill (or a full
disk) between them leaves a folder with only some of them. The trainer state is written last, so it marks a
run that can be continued. Before it exists, nothing was learnt that a restart would lose beyond one
validation interval: --resume starts again from step 0 with the settings in config.json (once that is
written), and `train --out` may reuse the folder without --force. A folder with config.json and weights but
no trainer state is a whole checkpoint (an exported or shipped model, or a run killed just after saving its
weights): it is never trained over without --force.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from seq2seq.checkpoint import TRAINER_STATE, WEIGHTS, read_config
from seq2seq.errors import UserError


def held_checkpoint(out: Path) -> list[str]:
    """The files that make `out` a checkpoint worth keeping: the trainer state, or config.json with weights.
    Empty for a run stopped before its first checkpoint was complete."""
    if (out / TRAINER_STATE).exists():
        return [name for name in ("config.json", WEIGHTS, TRAINER_STATE) if (out / name).exists()]
    whole = (out / "config.json").exists() and (out / WEIGHTS).exists()
    return ["config.json", WEIGHTS] if whole else []


def resume_plan(out: Path, warn: Callable[[str], None]) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """(train settings, model settings, whether to continue the trainer state) for --resume `out`."""
    if not out.is_dir():
        raise UserError(f"--resume {out}: no such folder")
    if (out / TRAINER_STATE).is_file():
        return read_config(out)["train"], {}, True
    if held_checkpoint(out):
        raise UserError(f"--resume {out}: it holds a checkpoint but no {TRAINER_STATE} to continue from; "
                        f"fine-tune it with --set train.init_from={out} and another --out, or train it again "
                        f"from step 0 with --out {out} --force")
    if not (out / "config.json").is_file():
        raise UserError(f"--resume {out}: the run was stopped before it saved any settings, so there is nothing "
                        f"to continue; start it again with the command that began it (--out {out})")
    config = read_config(out)
    warn(f"{out}: the run was stopped before its first checkpoint was complete (no {WEIGHTS} or "
         f"{TRAINER_STATE}); starting it again from step 0 with the settings in its config.json")
    return dict(config.get("train", {})), dict(config.get("model", {})), False
