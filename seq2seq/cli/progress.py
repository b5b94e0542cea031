"""Terminal side of training: tqdm's progress bar on stderr, events as JSON lines, graceful stop on signals."""
from __future__ import annotations

import contextlib
import json
import signal
import sys
from typing import Any, Iterator

from tqdm import tqdm

from seq2seq.errors import UserError
from seq2seq.files import NO_SPACE


class ProgressPrinter:
    """Training events on the terminal (tqdm's bar, which redraws in place on a terminal and writes plain
    updates to a pipe or log file) and, with --events, appended as JSON lines."""

    def __init__(self, events_path: str | None = None, quiet: bool = False, stream=sys.stderr):
        self.events_path, self.events = events_path, None
        if events_path:
            with self._writing():  # opened before the data is read: a wrong path is told at once
                self.events = open(events_path, "a", encoding="utf-8")
        self.quiet, self.stream = quiet, stream
        self.bar: tqdm | None = None

    def __call__(self, event: dict[str, Any]) -> None:
        if self.events:
            with self._writing():
                self.events.write(json.dumps(event, ensure_ascii=False) + "\n")
                self.events.flush()
        if not self.quiet:
            self._show(event)

    def _show(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "start":
            self._write(format_event(event))
            self.bar = tqdm(total=event.get("total_steps") or None, initial=event.get("step", 0), unit="step",
                            file=self.stream, dynamic_ncols=True, leave=True)
        elif kind == "train" and self.bar is not None:
            self.bar.update(event["step"] - self.bar.n)
            self.bar.set_postfix_str(f"loss {event['loss']:.3f} ppl {event['ppl']:.2f} "
                                     f"{event['tokens_per_s']:.0f} tok/s", refresh=True)
        elif kind == "train":
            self._write(format_event(event))
        else:
            text = format_event(event)
            if text:
                self._write(text)

    def _write(self, text: str) -> None:
        """A line above the bar, which tqdm then redraws below it."""
        if self.bar is not None:
            self.bar.write(text.rstrip("\n"), file=self.stream)
        else:
            self.stream.write(text)
            self.stream.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        if self.events:
            self.events.close()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """--events /etc, a read-only place or a full disk: one line naming the file, not a traceback."""
        try:
            yield
        except OSError as exc:
            fix = "free some space" if exc.errno in NO_SPACE else "give the path of a file in a writable folder"
            raise UserError(f"--events {self.events_path}: cannot write ({exc.strerror or exc}); {fix}") from None


def format_event(event: dict[str, Any]) -> str:
    """One event as the lines a person reads (the bar itself is tqdm's)."""
    kind = event.get("type")
    if kind == "train":
        return (f"step {event['step']} ({event['progress']:.1%}): loss {event['loss']:.3f} ppl {event['ppl']:.2f} "
                f"{event['tokens_per_s']:.0f} tok/s\n")
    if kind == "valid":
        metric = "bleu" if "bleu" in event else "exact_match"
        probe = event["probes"][0]["translation"] if event.get("probes") else ""
        return (f"  valid step {event['step']}: loss {event['valid_loss']:.3f} {metric} {event[metric]:.4g}"
                f"{' (best)' if event['improved'] else ''}  probe: {probe}\n")
    if kind == "start":
        reason = f"; {event['precision_reason']}" if event.get("precision_reason") else ""
        return (f"training {event['parameters']:,} parameters on {event['train_pairs']:,} pairs "
                f"({event['device']}{reason})\n")
    if kind == "test":
        scores = {k: v for k, v in event.items() if k in ("exact_match", "bleu", "chrf")}
        return f"test: {scores}\n"
    if kind == "done":
        return f"done ({event['reason']}) after {event['step']} steps\n"
    return ""


class StopFlag:
    """Graceful stop on SIGTERM/SIGINT once `install`ed: the trainer finishes its step, saves a checkpoint
    and ends. A second signal ends the process at once; so does any signal before `install` (while the
    data is read and the model built, when there is nothing to save)."""

    def __init__(self):
        self.requested = False

    def __call__(self) -> bool:
        return self.requested

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self._handle)
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise SystemExit(128 + signum)
        self.requested = True
