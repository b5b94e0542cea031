"""Sweeps: one preset trained several times with one or two settings varied, queued under the run limit.

A sweep is a JSON file under <runs>/.sweeps/ listing its variants, each queued, launched (with the
id of its run) or failed. Variants are started as slots under the concurrency limit of `runs` free
up, by whoever advances the sweep first: the small launcher process that `start` leaves behind
(`python -m seq2seq.jobs.sweeps ID`, alive until nothing is queued), or any page that polls the
sweep. Both advance under one file lock, so a variant is never launched twice, and the queue makes
progress with no browser open.
"""
from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from seq2seq.catalog import REPO_ROOT, runs_root
from seq2seq.config import ATTENTIONS, CELLS
from seq2seq.errors import UserError
from seq2seq.files import write_text
from seq2seq.jobs import runs
from seq2seq.training.presets import get_preset
from seq2seq.training.recipe import check_recipe

SWEEPS = ".sweeps"  # starts with a dot: never taken for a run or a model
SWEEP_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# What a sweep can vary, each with what the form offers by default.
SETTINGS = {"cell": CELLS, "attention": ATTENTIONS, "hidden size": (64, 128, 256), "learning rate": (3e-4, 1e-3, 3e-3)}
# 2-4 values of one setting; a grid of two settings (cell × attention) may reach 6 runs.
MIN_VALUES, MAX_VALUES, MAX_VARIANTS = 2, 4, 6
# How often the launcher looks for a free slot: runs last minutes, so seconds of delay cost nothing.
POLL_S = 2.0
# The launcher gives up after this long (a run that never ends must not keep it alive for ever).
LAUNCHER_LIFETIME_S = 24 * 3600
_LAUNCHERS: dict[int, subprocess.Popen] = {}


@dataclass(frozen=True)
class Variant:
    label: str  # "cell=lstm, attention=none"
    values: dict[str, Any]  # setting -> value
    state: str  # queued, launched, failed, cancelled
    run_id: str | None
    error: str


@dataclass(frozen=True)
class Sweep:
    sweep_id: str
    name: str
    preset: str
    settings: list[str]
    variants: list[Variant]
    created: float

    @property
    def run_ids(self) -> list[str]:
        return [v.run_id for v in self.variants if v.run_id]

    @property
    def queued(self) -> int:
        return sum(v.state == "queued" for v in self.variants)


def apply_setting(recipe: dict[str, Any], setting: str, value: Any) -> dict[str, Any]:
    """The recipe with one sweep setting changed (a copy). "hidden size" sets the encoder size and a
    decoder that matches its memory (twice as big for a two-way encoder), so any attention still fits."""
    model, train = dict(recipe.get("model", {})), dict(recipe.get("train", {}))
    if setting in ("cell", "attention"):
        model[setting] = value
    elif setting == "hidden size":
        model["enc_hidden"] = int(value)
        model["dec_hidden"] = int(value) * (2 if model.get("bidirectional", True) else 1)
    elif setting == "learning rate":
        train["lr"] = float(value)
    else:
        raise UserError(f"a sweep varies one of: {', '.join(SETTINGS)} (not {setting!r})")
    return {"model": model, "train": train}


def plan(preset: str, axes: dict[str, list[Any]], base: dict[str, Any] | None = None) -> list[tuple[dict, dict]]:
    """(values, recipe) per variant: every combination of the axes' values, checked before anything runs."""
    if not 1 <= len(axes) <= 2:
        raise UserError("a sweep varies one setting (or two, for a grid such as cell × attention)")
    for setting, values in axes.items():
        if len(values) != len(set(map(str, values))) or not MIN_VALUES <= len(values) <= MAX_VALUES:
            raise UserError(f"give {MIN_VALUES}-{MAX_VALUES} different values of {setting} (got {len(values)})")
    combinations = list(itertools.product(*axes.values()))
    if len(combinations) > MAX_VARIANTS:
        raise UserError(f"{len(combinations)} runs is too many for one sweep; at most {MAX_VARIANTS}")
    base = base if base is not None else get_preset(preset)
    base = {"model": dict(base.get("model", {})), "train": dict(base.get("train", {}))}
    planned = []
    for combination in combinations:
        values, recipe = dict(zip(axes, combination)), base
        for setting, value in values.items():
            recipe = apply_setting(recipe, setting, value)
        planned.append((values, check_recipe(recipe)))
    return planned


def _label(values: dict[str, Any]) -> str:
    return ", ".join(f"{setting}={value}" for setting, value in values.items())


# ----- the sweep file -----
def _folder() -> Path:
    folder = runs_root() / SWEEPS
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _path(sweep_id: str) -> Path:
    if not isinstance(sweep_id, str) or not SWEEP_ID.match(sweep_id):
        raise UserError(f"invalid sweep id {sweep_id!r}")
    return _folder() / f"{sweep_id}.json"


@contextlib.contextmanager
def _locked(sweep_id: str) -> Iterator[dict[str, Any]]:
    """The sweep's record, held exclusively; changes to it are written back on leaving."""
    path = _path(sweep_id)
    if not path.is_file():
        raise UserError(f"no sweep {sweep_id!r}")
    with open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            before = json.dumps(record, sort_keys=True)
            yield record
            if json.dumps(record, sort_keys=True) != before:
                write_text(path, json.dumps(record, indent=2, ensure_ascii=False))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _new_id(name: str) -> str:
    base = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_")[:56] or "sweep"
    taken = {path.stem for path in _folder().glob("*.json")}
    free = next((c for c in [base] + [f"{base}-{n}" for n in range(2, 1000)] if c not in taken), None)
    if free is None:
        raise UserError(f"too many sweeps named {name!r}; choose another name")
    return free


def _sweep(record: dict[str, Any]) -> Sweep:
    variants = [Variant(v["label"], v["values"], v["state"], v.get("run_id"), v.get("error", ""))
                for v in record["variants"]]
    return Sweep(record["sweep_id"], record["name"], record["preset"], record["settings"], variants, record["created"])


# ----- actions -----
def start(name: str, preset: str, axes: dict[str, list[Any]], threads: int = 1, base: dict[str, Any] | None = None,
          launcher: bool = True) -> str:
    """Queue every variant, start what the run limit allows now, and leave a launcher for the rest."""
    planned = plan(preset, axes, base)
    sweep_id = _new_id(name)
    record = {"sweep_id": sweep_id, "name": name, "preset": preset, "settings": list(axes), "threads": threads,
              "created": time.time(),
              "variants": [{"label": _label(values), "values": values, "recipe": recipe, "state": "queued"}
                           for values, recipe in planned]}
    path = _path(sweep_id)
    write_text(path, json.dumps(record, indent=2, ensure_ascii=False))
    sweep = advance(sweep_id)
    if launcher and sweep.queued:
        _spawn_launcher(sweep_id)
    return sweep_id


def _free_slots() -> int:
    return runs.max_concurrent_runs() - sum(status.live for status in runs.list_runs())


def advance(sweep_id: str) -> Sweep:
    """Launch queued variants while the run limit has room; returns the sweep as it stands."""
    with _locked(sweep_id) as record:
        for variant in record["variants"]:
            if variant["state"] != "queued":
                continue
            if _free_slots() <= 0:
                break
            try:
                variant["run_id"] = runs.launch(variant["recipe"], f"{record['name']} {variant['label']}",
                                                threads=int(record.get("threads", 1)))
                variant["state"] = "launched"
            except UserError as exc:
                if _free_slots() <= 0:  # someone else took the slot first: wait for the next one
                    break
                variant["state"], variant["error"] = "failed", str(exc)
        return _sweep(record)


def cancel(sweep_id: str) -> Sweep:
    """Drop the variants still queued (runs already training go on; stop them on their own)."""
    with _locked(sweep_id) as record:
        for variant in record["variants"]:
            if variant["state"] == "queued":
                variant["state"] = "cancelled"
        return _sweep(record)


def status(sweep_id: str) -> Sweep:
    """The sweep after one advance: a page polling it also starts what its launcher may have missed."""
    return advance(sweep_id)


def list_sweeps() -> list[Sweep]:
    """Every sweep, newest first (unreadable files are skipped)."""
    found = []
    for path in _folder().glob("*.json"):
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            found.append(_sweep(json.loads(path.read_text(encoding="utf-8"))))
    return sorted(found, key=lambda s: s.created, reverse=True)


def _spawn_launcher(sweep_id: str) -> None:
    log = _folder() / f"{sweep_id}.log"
    with open(log, "ab") as handle:
        process = subprocess.Popen([sys.executable, "-m", "seq2seq.jobs.sweeps", sweep_id], cwd=REPO_ROOT,
                                   stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    _LAUNCHERS[process.pid] = process
    for pid, child in list(_LAUNCHERS.items()):  # reap the ones that ended
        if child.poll() is not None:
            del _LAUNCHERS[pid]


def run_launcher(sweep_id: str, poll_s: float = POLL_S, lifetime_s: float = LAUNCHER_LIFETIME_S) -> None:
    """Advance the sweep until nothing is queued (the body of the launcher process)."""
    deadline = time.monotonic() + lifetime_s
    while time.monotonic() < deadline:
        try:
            if advance(sweep_id).queued == 0:
                return
        except UserError:  # the sweep was deleted
            return
        time.sleep(poll_s)


if __name__ == "__main__":
    run_launcher(sys.argv[1])
