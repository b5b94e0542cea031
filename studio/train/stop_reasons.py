"""Why a training run stopped, in words: the trainer's stop reason with the numbers behind it.

The trainer ends a run for one of six reasons (its "done" event and metrics.json say which); runs
trained before the reasons were split say "early_stop" for both the target and patience.
"""
from __future__ import annotations

from typing import Any

from seq2seq.config import TrainConfig

REASONS = {"target_reached": "reached its target score", "patience": "stopped improving",
           "time_budget": "used up its time budget", "max_steps": "reached its step limit",
           "stopped": "was stopped by hand", "finished": "trained all its epochs",
           "early_stop": "stopped early (target reached or no more improvement)"}
METRIC_NAMES = {"bleu": "BLEU", "exact_match": "exact match"}


def reason_label(reason: str) -> str:
    return REASONS.get(reason, reason.replace("_", " ") or "ended")


def score_text(metric: str, value: float) -> str:
    """A score on its own scale: exact match is a fraction shown in %, BLEU is 0-100."""
    return f"{value:.1%}" if metric == "exact_match" else f"{value:.1f}"


def _metric(valid: dict[str, Any]) -> str:
    return valid.get("metric") or next((m for m in METRIC_NAMES if m in valid), "exact_match")


def why_stopped(reason: str, settings: TrainConfig | None, events: list[dict[str, Any]]) -> str:
    """One sentence a student can act on: what ended the run, with the setting and the score involved."""
    valids = [e for e in events if e["type"] == "valid"]
    done = next((e for e in reversed(events) if e["type"] == "done"), {})
    step = f" at step {done['step']:,}" if "step" in done else ""
    if reason == "target_reached" and valids:
        metric, last = _metric(valids[-1]), valids[-1]
        target = f" (the target was {score_text(metric, settings.target_score)})" if settings else ""
        return (f"It reached its target score{step}: validation {METRIC_NAMES[metric]} "
                f"{score_text(metric, last[metric])}{target}.")
    if reason == "patience" and valids:
        metric = _metric(valids[-1])
        best = max(valids, key=lambda e: e.get(metric, float("-inf")))
        wait = f"{settings.patience} validations" if settings else "several validations"
        return (f"It stopped improving: no better validation {METRIC_NAMES[metric]} for {wait} in a row "
                f"(best {score_text(metric, best[metric])} at step {best['step']:,}). Patience saves the time "
                "a run would spend without getting better.")
    if reason == "time_budget":
        budget = f" of {settings.time_budget_s / 60:g} min" if settings else ""
        return f"It used up its time budget{budget}{step}; a longer budget would let it train on."
    if reason == "max_steps":
        limit = f" of {settings.max_steps:,} steps" if settings else ""
        return f"It reached its step limit{limit}."
    if reason == "stopped":
        return f"You stopped it{step}; Resume continues from its last checkpoint."
    if reason == "finished":
        epochs = f" {settings.epochs}" if settings else ""
        return f"It trained all its{epochs} epochs."
    return f"It {reason_label(reason)}{step}."
