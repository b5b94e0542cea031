"""Training runs for the app: the recipe form's choices, checking a recipe, and background runs
(launch, watch, stop, resume, delete) with their event history."""
from __future__ import annotations

from seq2seq.data.corpora import CORPORA, available_corpora
from seq2seq.data.toy import TASKS
from seq2seq.data.upload import MAX_UPLOAD_BYTES, validate_tsv
from seq2seq.training.events import Event, continued, latest, merge
from seq2seq.training.presets import PRESETS, get_preset
from seq2seq.training.recipe import check_recipe, train_command
from seq2seq.training.runs import (
    LIVE,
    MAX_THREADS,
    RunStatus,
    delete,
    launch,
    list_runs,
    make_run_id,
    max_concurrent_runs,
    read_events,
    resume,
    status,
    stop,
)

__all__ = ["CORPORA", "LIVE", "MAX_THREADS", "MAX_UPLOAD_BYTES", "PRESETS", "TASKS", "Event", "RunStatus",
           "available_corpora", "check_recipe", "continued", "delete", "get_preset", "latest", "launch", "list_runs",
           "make_run_id", "max_concurrent_runs", "merge", "read_events", "resume", "status", "stop", "train_command",
           "validate_tsv"]
