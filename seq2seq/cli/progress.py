"""Terminal side of training: a progress bar on stderr, events as JSON lines, graceful stop on signals."""
from __future__ import annotations

import json
import signal
import sys
from typing import Any, Callable


class ProgressPrinter:
    def __init__(self, events_path: str | None = None, quiet: bool = False, stream=sys.stderr):
        self.events = open(events_path, "a", encoding="utf-8") if events_path else None
        self.quiet, self.stream = quiet, stream

    def __call__(self, event: dict[str, Any]) -> None:
        if self.events:
            self.events.write(json.dumps(event, ensure_ascii=False) + "\n")
            self.events.flush()
        if not self.quiet:
            self.stream.write(format_event(event))
            self.stream.flush()

    def close(self) -> None:
        if self.events:
            self.events.close()


def progress_bar(fraction: float, width: int = 24) -> str:
    filled = int(round(fraction * width))
    return "[" + "#" * filled + "." * (width - filled) + "]"


def format_event(event: dict[str, Any]) -> str:
    kind = event.get("type")
    if kind == "train":
        eta = event.get("eta_s")
        eta_text = f"ETA {eta / 60:5.1f} min" if eta is not None else "ETA   ?"
        return (f"\r{progress_bar(event['progress'])} {event['progress']:6.1%} step {event['step']:>6} "
                f"loss {event['loss']:.3f} ppl {event['ppl']:8.2f} {event['tokens_per_s']:7.0f} tok/s {eta_text}")
    if kind == "valid":
        metric = "bleu" if "bleu" in event else "exact_match"
        probe = event["probes"][0]["translation"] if event.get("probes") else ""
        return (f"\n  valid step {event['step']}: loss {event['valid_loss']:.3f} {metric} {event[metric]:.4g}"
                f"{' (best)' if event['improved'] else ''}  probe: {probe}\n")
    if kind == "start":
        return f"training {event['parameters']:,} parameters on {event['train_pairs']:,} pairs ({event['device']})\n"
    if kind == "test":
        scores = {k: v for k, v in event.items() if k in ("exact_match", "bleu", "chrf")}
        return f"test: {scores}\n"
    if kind == "done":
        return f"done ({event['reason']}) after {event['step']} steps\n"
    return ""


def stop_flag() -> Callable[[], bool]:
    """SIGTERM/SIGINT ask the trainer to stop after the current step and save a checkpoint."""
    state = {"stop": False}

    def handler(signum, frame):
        state["stop"] = True

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return lambda: state["stop"]
