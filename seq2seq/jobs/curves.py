"""A run's curves as plain rows, so that several runs can be drawn on one chart."""
from __future__ import annotations

from typing import Any

from seq2seq.jobs.events import Event, continued

CURVE_FIELDS = ("step", "seconds", "split", "loss", "score", "metric")


def curve_rows(events: list[Event]) -> list[dict[str, Any]]:
    """One row per training report (train loss) and per validation (valid loss and score), with the
    step and the seconds of training behind it; a resumed run counts on from its checkpoint."""
    rows = []
    for event in continued(events):
        if event["type"] == "train":
            rows.append({"step": event["step"], "seconds": event.get("elapsed_s"), "split": "train",
                         "loss": event["loss"], "score": None, "metric": None})
        elif event["type"] == "valid":
            metric = event.get("metric") or next((m for m in ("bleu", "exact_match") if m in event), None)
            rows.append({"step": event["step"], "seconds": event.get("elapsed_s"), "split": "valid",
                         "loss": event.get("valid_loss"), "score": event.get(metric), "metric": metric})
    return rows
