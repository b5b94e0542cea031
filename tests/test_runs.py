"""Background runs through the service the Train page uses: real worker processes on a tiny model."""
from __future__ import annotations

import json
import os
import random
import signal

import pytest
from conftest import tiny_recipe, wait_until

from seq2seq.catalog import list_models
from seq2seq.checkpoint import load_checkpoint
from seq2seq.errors import UserError
from seq2seq.jobs import runs
from seq2seq.jobs.events import continued, read_jsonl
from seq2seq.training.history import read_history

pytestmark = pytest.mark.slow  # real training runs or subprocesses: left out of the quick loop

TINY = tiny_recipe(max_train_pairs=2000, max_steps=100, valid_every=20, valid_decode_limit=50, probes=["abcdef"])


def reversal_tsv(pairs: int = 2000) -> bytes:
    rng = random.Random(0)
    words = ["".join(rng.choice("abcdefghij") for _ in range(rng.randint(2, 8))) for _ in range(pairs)]
    return "".join(f"{w}\t{w[::-1]}\n" for w in words).encode()


def recipe(**train) -> dict:
    return {"model": dict(TINY["model"]), "train": {**TINY["train"], **train}}


@pytest.fixture(scope="module")
def batch(runs_dir) -> dict[str, str]:
    """The worker runs, started together: each process spends most of its time importing torch."""
    recipes = {"stop": recipe(max_steps=100), "kill": recipe(max_steps=100000),
               "fail": recipe(data="tsv:/nonexistent/pairs.tsv")}
    uploads = {"kill": reversal_tsv()}
    return {name: runs.launch(r, f"Tiny {name}!", max_concurrent=len(recipes), upload=uploads.get(name))
            for name, r in recipes.items()}


def events_of(run_id: str) -> list[dict]:
    return runs.read_events(run_id)[0]


def first_validation(run_id: str) -> bool:
    return any(e["type"] == "valid" for e in events_of(run_id))


def test_an_uploaded_file_is_saved_in_the_run_and_trained_on(batch, runs_dir):
    run_id = batch["kill"]
    directory = runs_dir / run_id
    assert (directory / "data.tsv").read_bytes() == reversal_tsv()
    assert json.loads((directory / "recipe.json").read_text())["train"]["data"] == f"tsv:{directory / 'data.tsv'}"
    assert runs.status(run_id).data == f"tsv:{directory / 'data.tsv'}"
    wait_until(lambda: first_validation(run_id), what="the first validation")


def test_kill_9_shows_failed_with_the_log_tail_and_keeps_the_checkpoint(batch, runs_dir):
    run_id = batch["kill"]
    wait_until(lambda: first_validation(run_id), what="the first validation")
    with pytest.raises(UserError, match=f"already training .*{run_id}.*the limit is 1"):
        runs.launch(recipe(), "one too many")
    assert not (runs_dir / "one-too-many").exists()
    with pytest.raises(UserError, match="stop it before deleting"):
        runs.delete(run_id)
    os.kill(runs.status(run_id).pid, signal.SIGKILL)
    status = wait_until(lambda: (s := runs.status(run_id)).state == "failed" and s, what="the run to fail")
    assert "ended without finishing" in status.error
    assert "seq2seq train --config" in status.log_tail
    assert status.can_resume
    assert load_checkpoint(runs_dir / run_id).config.cell == "gru"
    runs.delete(run_id)
    assert not (runs_dir / run_id).exists()


def test_stop_mid_run_then_resume_continues_steps_and_curves_to_a_loadable_model(batch, runs_dir):
    run_id = batch["stop"]
    wait_until(lambda: any(e["type"] == "train" for e in events_of(run_id)), what="the first training report")
    runs.stop(run_id)
    assert runs.status(run_id).state in ("stopping", "stopped")
    wait_until(lambda: runs.status(run_id).state == "stopped", what="the run to stop")
    stopped_at = events_of(run_id)[-1]
    assert stopped_at["type"] == "done" and stopped_at["reason"] == "stopped" and 5 <= stopped_at["step"] < 100
    assert load_checkpoint(runs_dir / run_id).config.emb_dim == 16
    assert runs.status(run_id).can_resume

    runs.resume(run_id, max_concurrent=len(batch))
    wait_until(lambda: not runs.status(run_id).live, what="the resumed run to end")
    status = runs.status(run_id)
    assert (status.state, status.reason, status.error) == ("finished", "max_steps", "")
    events = events_of(run_id)
    assert events[-1] == {"type": "done", "reason": "max_steps", "step": 100}
    assert [s["step"] for s in events if s["type"] == "start"] == [0, stopped_at["step"]]
    steps = [e["step"] for e in continued(events) if e["type"] == "train"]
    assert steps == list(range(5, 101, 5))
    history = [row["step"] for row in read_history(runs_dir / run_id / "history.csv") if row["type"] == "train"]
    assert history == steps
    assert [p["source"] for p in runs_events_probes(events)] == ["abcdef"]
    assert load_checkpoint(runs_dir / run_id).config.emb_dim == 16
    assert f"runs/{run_id}" in [m.name for m in list_models()]
    assert json.loads((runs_dir / run_id / "recipe.json").read_text())["train"]["threads"] == 1


def runs_events_probes(events: list[dict]) -> list[dict]:
    return next(e for e in reversed(events) if e["type"] == "valid")["probes"]


def test_a_failing_worker_reports_its_error(batch):
    run_id = batch["fail"]
    status = wait_until(lambda: (s := runs.status(run_id)).state == "failed" and s, what="the run to fail")
    assert status.error == "/nonexistent/pairs.tsv: file not found"
    assert not status.can_resume
    with pytest.raises(UserError, match="saved no checkpoint"):
        runs.resume(run_id)


def test_bad_recipes_and_threads_are_refused_before_anything_is_written(runs_dir):
    with pytest.raises(UserError, match="cell must be one of"):
        runs.launch({"model": {**TINY["model"], "cell": "transformer"}, "train": TINY["train"]}, "bad")
    with pytest.raises(UserError, match="unknown TrainConfig field"):
        runs.launch(recipe(speed=11), "bad")
    with pytest.raises(UserError, match="threads must be between 1"):
        runs.launch(recipe(), "bad", threads=runs.MAX_THREADS + 1)
    with pytest.raises(UserError, match="no tab at all"):
        runs.launch(recipe(), "bad", upload=b"just one column\n" * 300)
    assert not runs_dir.exists() or not any(p.name == "bad" for p in runs_dir.iterdir())


@pytest.mark.parametrize("bad", ["../escape", "/etc", "a/b", "..", "", "UPPER", "x" * 65, ".hidden"])
def test_run_ids_that_could_leave_the_runs_folder_are_refused(bad):
    with pytest.raises(UserError, match="invalid run id"):
        runs.run_dir(bad)


def test_a_symlinked_run_pointing_outside_is_refused(runs_dir, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "status.json").write_text('{"state": "finished"}')
    runs_dir.mkdir(exist_ok=True)
    (runs_dir / "link").symlink_to(outside)
    with pytest.raises(UserError, match="not a folder inside"):
        runs.delete("link")
    assert outside.is_dir() and "link" not in [r.run_id for r in runs.list_runs()]


def test_run_ids_are_made_from_names_and_never_reuse_a_folder(runs_dir):
    runs_dir.mkdir(exist_ok=True)
    assert runs.make_run_id("My Dates run") == "my-dates-run"
    (runs_dir / "my-dates-run").mkdir()
    assert runs.make_run_id("My Dates run") == "my-dates-run-2"
    assert runs.make_run_id("../../etc") == "etc"
    assert runs.make_run_id("!!!") == "run"


def test_events_are_read_incrementally_and_a_half_written_line_waits(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_bytes(b'{"type": "start", "step": 0}\n{"type": "train", "st')
    events, offset = read_jsonl(path, 0)
    assert events == [{"type": "start", "step": 0}] and offset == len(b'{"type": "start", "step": 0}\n')
    with open(path, "ab") as handle:
        handle.write(b'ep": 5}\nnot json\n')
    events, offset = read_jsonl(path, offset)
    assert events == [{"type": "train", "step": 5}] and offset == path.stat().st_size
    assert read_jsonl(path, offset) == ([], offset)


def test_a_resumed_segment_replaces_what_a_killed_process_wrote_after_its_checkpoint():
    events = [{"type": "start", "step": 0}, {"type": "train", "step": 20}, {"type": "valid", "step": 20},
              {"type": "train", "step": 40}, {"type": "start", "step": 20}, {"type": "train", "step": 40}]
    assert [(e["type"], e["step"]) for e in continued(events)] == [
        ("start", 0), ("train", 20), ("valid", 20), ("start", 20), ("train", 40)]
