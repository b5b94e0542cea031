"""Training runs for the app: the recipe form's choices, checking a recipe, and background runs
(launch, watch, stop, resume, delete) with their event history."""
from __future__ import annotations

import json
from typing import Any

from seq2seq.config import TrainConfig, train_config_from_dict
from seq2seq.data.corpora import CORPORA, available_corpora
from seq2seq.data.toy import TASKS
from seq2seq.data.upload import MAX_UPLOAD_BYTES, MIN_PAIRS, validate_tsv
from seq2seq.errors import UserError
from seq2seq.jobs.events import Event, continued, latest, merge
from seq2seq.jobs.runs import (
    LIVE,
    MAX_THREADS,
    RECIPE,
    RunStatus,
    delete,
    launch,
    list_runs,
    make_run_id,
    max_concurrent_runs,
    read_events,
    resume,
    run_dir,
    status,
    stop,
)
from seq2seq.training.presets import PRESETS, get_preset
from seq2seq.training.recipe import (
    ScheduleFit,
    check_recipe,
    schedule_fit,
    target_pieces,
    train_command,
    vocabulary_fit,
)

__all__ = ["CORPORA", "LIVE", "ScheduleFit", "schedule_fit", "target_pieces", "MAX_THREADS", "MAX_UPLOAD_BYTES",
           "MIN_PAIRS", "PRESETS", "TASKS", "Event", "RunStatus",
           "available_corpora", "check_recipe", "continued", "delete", "get_preset", "latest", "launch", "list_runs",
           "make_run_id", "max_concurrent_runs", "merge", "read_events", "resume", "run_settings", "status", "stop",
           "train_command", "validate_tsv", "vocabulary_fit"]


def run_settings(run_id: str) -> TrainConfig | None:
    """The training settings a run was launched with (its stop rules among them); None when unreadable."""
    try:
        recipe: dict[str, Any] = json.loads((run_dir(run_id) / RECIPE).read_text(encoding="utf-8"))
        return train_config_from_dict(recipe.get("train", {}))
    except (OSError, ValueError, TypeError, AttributeError, UserError):
        return None
