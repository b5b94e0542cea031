"""Data-parallel training: the step plan, a real 2-process torchrun run on CPU (gloo), reproducibility."""
from __future__ import annotations

import hashlib
import json
import math
import os
import random
import subprocess
from pathlib import Path

import pytest

from seq2seq.checkpoint import TRAINER_STATE, load_checkpoint
from seq2seq.config import train_config_from_dict
from seq2seq.data.batches import Example, make_batches, plan_steps
from seq2seq.data.toy import reverse_pair
from seq2seq.jobs.runs import train_command
from seq2seq.training.trainer import Trainer

pytestmark = pytest.mark.slow  # real training runs or subprocesses: left out of the quick loop

ROOT = Path(__file__).resolve().parents[1]
MODEL = {"emb_dim": 16, "enc_hidden": 16, "dec_hidden": 32, "dropout": 0.0, "max_src_len": 16, "max_tgt_len": 16}


def train_settings(tsv: Path, **changes) -> dict:
    # batch_tokens is per process; log_every=1 gives the whole loss curve.
    return {"data": f"tsv:{tsv}", "tokenizer": {"kind": "char"}, "batch_tokens": 120, "max_steps": 20,
            "log_every": 1, "valid_every": 1000, "valid_decode_limit": 8, "threads": 1, "label_smoothing": 0.0,
            "lr": 3e-3, "seed": 7, "precision": "fp32", **changes}  # losses compared across runs: pinned


@pytest.fixture(scope="module")
def tsv(tmp_path_factory) -> Path:
    """A small reverse-the-letters corpus as a TSV file: loads in milliseconds, unlike the 20k toy set."""
    rng, pairs = random.Random(0), {}
    while len(pairs) < 800:
        pair = reverse_pair(rng)
        pairs[pair.source] = pair.target
    path = tmp_path_factory.mktemp("data") / "reverse.tsv"
    path.write_text("".join(f"{s}\t{t}\n" for s, t in pairs.items()), encoding="utf-8")
    return path


def run_in_process(out: Path, settings: dict, model: dict = MODEL, **trainer_options) -> list[dict]:
    events: list[dict] = []
    Trainer(train_config_from_dict(settings), model, out, on_event=events.append, **trainer_options).run()
    return events


def losses(events: list[dict]) -> list[float]:
    return [e["loss"] for e in events if e["type"] == "train"]


def test_ranks_share_each_step_of_the_single_process_plan():
    rng = random.Random(1)
    examples = [Example([5] * rng.randint(1, 12), [6] * rng.randint(1, 12)) for _ in range(300)]
    batches = make_batches(examples, 60, seed=3)
    single = plan_steps(examples, batches, per_step=2)
    ranks = [plan_steps(examples, batches, per_step=2, rank=r, world_size=2) for r in range(2)]
    assert len(single) == len(ranks[0]) == len(ranks[1]) == len(batches) // 2
    for whole, mine, theirs in zip(single, *ranks):
        assert sorted(mine.indices + theirs.indices) == sorted(whole.indices)
        assert not set(mine.indices) & set(theirs.indices)
        assert mine.tokens == theirs.tokens == whole.tokens == sum(len(examples[i].tgt) + 1 for i in whole.indices)


@pytest.fixture(scope="module")
def torchrun(tsv, tmp_path_factory) -> tuple[Path, list[dict]]:
    """One 2-process CPU run through the real command line, as a user launches it."""
    work = tmp_path_factory.mktemp("ddp")
    (work / "cfg.json").write_text(json.dumps({"model": MODEL, "train": train_settings(tsv)}))
    # The command line the app's Train page launches with processes=2.
    command = train_command(["--config", str(work / "cfg.json"), "--out", str(work / "out"),
                             "--events", str(work / "events.jsonl"), "--quiet"], processes=2)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    events = [json.loads(line) for line in (work / "events.jsonl").read_text().splitlines()]
    return work / "out", events


def test_only_rank_zero_reports_and_replicas_stay_identical(torchrun):
    _, events = torchrun
    kinds = [e["type"] for e in events]
    assert kinds.count("start") == 1 and kinds.count("done") == 1 and kinds.count("train") == 20
    assert events[0]["world_size"] == 2
    assert events[-1]["replicas_in_sync"] is True


def test_two_processes_follow_the_single_process_loss_curve(torchrun, tsv, tmp_path):
    """Two ranks with one batch each take the step one process takes on both batches at once."""
    _, events = torchrun
    reference = run_in_process(tmp_path / "single", train_settings(tsv), batches_per_step=2)
    assert len(losses(events)) == len(losses(reference)) == 20
    assert losses(events) == pytest.approx(losses(reference), rel=1e-4)
    assert losses(events)[-1] < losses(events)[0]


def test_rank_zero_writes_one_loadable_checkpoint_with_provenance(torchrun, tsv):
    out, _ = torchrun
    # Exactly these names: a second writer would leave temporary files from racing atomic writes.
    assert sorted(p.name for p in out.iterdir()) == sorted([
        "config.json", "history.csv", "metrics.json", "model.safetensors", "src.vocab.json", "tgt.vocab.json",
        TRAINER_STATE])
    bundle = load_checkpoint(out)
    metrics = bundle.metrics
    assert metrics["world_size"] == 2 and metrics["steps"] == 20
    assert metrics["data_files"] == {str(tsv): hashlib.sha256(tsv.read_bytes()).hexdigest()}
    assert len(metrics["data_sha256"]) == 64
    assert "seq2seq" in metrics["command"] and "torch" in metrics["libraries"]
    assert "code_version" in metrics and "code_modified" in metrics


def test_same_seed_same_losses_and_bf16_changes_them(tsv, tmp_path):
    """Dropout on, so the check covers the per-step RNG seeding, not just the data order."""
    settings, model = train_settings(tsv, max_steps=50), {**MODEL, "dropout": 0.3}
    first = losses(run_in_process(tmp_path / "a", settings, model))
    second = losses(run_in_process(tmp_path / "b", settings, model))
    bf16 = losses(run_in_process(tmp_path / "c", {**settings, "precision": "bf16", "max_steps": 20}, model))
    assert len(first) == 50 and first == second
    assert bf16 != first[:20] and all(math.isfinite(x) for x in bf16)
    assert bf16 == pytest.approx(first[:20], rel=0.05)
