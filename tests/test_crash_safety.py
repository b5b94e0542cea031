"""A training run killed at any moment, or a disk that fills up mid-write, never leaves a broken checkpoint.

The kills use SIGKILL (no cleanup code runs), some of them timed to land while a checkpoint file is
being written. Children are forked from a server that has already imported torch: a fresh
`python -m seq2seq` spends seconds importing on a busy CPU, twenty-one times over. Each child runs
`seq2seq.cli.main.main(argv)`, which is all that `python -m seq2seq` does (seq2seq/__main__.py).
"""
from __future__ import annotations

import errno
import json
import multiprocessing
import os
import random
import resource
import shutil
import signal
import sys
import time
import types
from pathlib import Path

import pytest

from seq2seq import checkpoint, files
from seq2seq.checkpoint import (
    TRAINER_STATE,
    WEIGHTS,
    load_checkpoint,
    read_tensors,
    save_checkpoint,
)
from seq2seq.cli.main import main as cli_main
from seq2seq.training.history import read_history

DATES = Path(__file__).resolve().parents[1] / "checkpoints" / "dates"
KILLS = 12
# Every third kill waits for a checkpoint file to be mid-write (its temporary file exists).
DURING_WRITE = set(range(0, KILLS, 3))
MODEL = {"emb_dim": 16, "enc_hidden": 32, "dec_hidden": 64, "cell": "gru", "attention": "bahdanau",
         "dropout": 0.0, "max_src_len": 16, "max_tgt_len": 16}


def write_recipe(folder: Path) -> Path:
    """A small reversal corpus as TSV (so validation is cheap) and a config that checkpoints every 5 steps."""
    rng = random.Random(0)
    words = sorted({"".join(rng.choice("abcdefghij") for _ in range(rng.randint(1, 7))) for _ in range(1200)})
    data = folder / "reverse.tsv"
    data.write_text("".join(f"{w}\t{w[::-1]}\n" for w in words), encoding="utf-8")
    train = {"data": f"tsv:{data}", "tokenizer": {"kind": "char"}, "batch_tokens": 200, "epochs": 10_000,
             "valid_every": 5, "log_every": 5, "valid_decode_limit": 8, "patience": 0, "threads": 1,
             "probes": ["abc"]}
    config = folder / "recipe.json"
    config.write_text(json.dumps({"model": MODEL, "train": train}), encoding="utf-8")
    return config


def temporary_files(folder: Path) -> list[str]:
    return [name for name in os.listdir(folder) if name.endswith(".tmp")] if folder.exists() else []


def wait_for_write(folder: Path, process, timeout: float = 8.0) -> None:
    """Return the moment a new temporary checkpoint file exists (or the child died, or time ran out)."""
    stale = set(temporary_files(folder))  # left by earlier kills
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.is_alive():
        if set(temporary_files(folder)) - stale:
            return
        time.sleep(0.0002)  # leave the CPU to the child: a busy loop would slow the very writes it waits for


def wait_for_start(events: Path, seen: int, process, timeout: float = 60.0) -> None:
    """Return once the child reported its "start" event (setup done, training begins)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.is_alive():
        if events.exists() and events.read_text(encoding="utf-8").count('"type": "start"') > seen:
            return
        time.sleep(0.005)


def kill_at(context, argv: list[str], out: Path, during_write: bool, delay: float) -> int | None:
    """Run one child, SIGKILL it `delay` seconds into training (then at the next write if asked)."""
    events = out.parent / "events.jsonl"
    starts = events.read_text(encoding="utf-8").count('"type": "start"') if events.exists() else 0
    process = context.Process(target=cli_main, args=(argv + ["--quiet", "--events", str(events)],))
    process.start()
    wait_for_start(events, starts, process)
    time.sleep(delay)
    if during_write:
        wait_for_write(out, process)
    if process.is_alive():
        os.kill(process.pid, signal.SIGKILL)
    process.join(30)
    return process.exitcode


def assert_loadable(out: Path) -> None:
    """What is on disk is either absent or whole: weights, trainer state, history and metrics all parse."""
    if (out / WEIGHTS).exists():
        bundle = load_checkpoint(out)
        assert bundle.model.num_parameters() > 0
    if (out / TRAINER_STATE).exists():
        tensors, metadata = read_tensors(out / TRAINER_STATE)
        assert json.loads(metadata["progress"])["step"] > 0
        assert any(name.startswith("model.") for name in tensors)
    read_history(out / "history.csv")
    if (out / "metrics.json").exists():
        assert isinstance(json.loads((out / "metrics.json").read_text(encoding="utf-8")), dict)


def trainer_step(out: Path) -> int:
    return json.loads(read_tensors(out / TRAINER_STATE)[1]["progress"])["step"]


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_loadable_checkpoints_and_resume_works(tmp_path, monkeypatch):
    recipe, out = write_recipe(tmp_path), tmp_path / "run"
    # A forkserver child re-runs the parent's __main__ from its file when it has no module name: after an
    # AppTest.from_function earlier in the session, that is Streamlit's generated script, which fails outside
    # Streamlit. A bare __main__ gives the children nothing to re-run.
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    context = multiprocessing.get_context("forkserver")
    # torch._dynamo too: the first normal_() on the meta device (the loader's size check) imports it.
    context.set_forkserver_preload(["seq2seq.cli.main", "seq2seq.training.trainer", "torch._dynamo"])
    rng, leftovers, resumed, stale = random.Random(20240601), 0, 0, set()
    for kill in range(KILLS):
        # Resume when there is something to resume from, so kills also land in resumed runs.
        can_resume = (out / TRAINER_STATE).exists() and (out / WEIGHTS).exists()
        argv = ["train", "--resume", str(out)] if can_resume else ["train", "--config", str(recipe), "--out", str(out)]
        resumed += can_resume
        exitcode = kill_at(context, argv, out, kill in DURING_WRITE, rng.uniform(0.0, 1.5))
        assert exitcode == -signal.SIGKILL, f"kill {kill}: the run ended by itself with {exitcode} ({argv})"
        leftovers, stale = leftovers + bool(set(temporary_files(out)) - stale), set(temporary_files(out))
        assert_loadable(out)
    assert leftovers >= 1, "no kill landed during a checkpoint write; the test did not test that"
    assert resumed >= KILLS // 2
    before = trainer_step(out)
    finish = context.Process(target=cli_main, args=(["train", "--resume", str(out), "--quiet",
                                                     "--set", f"train.max_steps={before + 3}"],))
    finish.start()
    finish.join(120)
    assert finish.exitcode == 0
    assert trainer_step(out) == before + 3
    assert load_checkpoint(out).model.num_parameters() > 0


@pytest.fixture
def dates_copy(tmp_path) -> Path:
    target = tmp_path / "dates"
    shutil.copytree(DATES, target)
    return target


def failing_midway(write):
    """A writer that puts half of the real bytes on disk, then finds the disk full."""
    def run(tmp: Path, *args, **kwargs):
        write(tmp, *args, **kwargs)
        data = Path(tmp).read_bytes()
        Path(tmp).write_bytes(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp))
    return run


@pytest.mark.parametrize("victim", ["config.json", WEIGHTS, "metrics.json"])
def test_full_disk_midway_keeps_previous_file_and_checkpoint_loads(dates_copy, monkeypatch, victim):
    bundle = load_checkpoint(dates_copy)
    before = (dates_copy / victim).read_bytes()
    bundle.metrics = {"note": "x" * 10_000}  # the new metrics differ from what is on disk
    real_atomic_write = checkpoint.atomic_write

    def atomic_write(path, write):
        real_atomic_write(path, failing_midway(write) if path.name == victim else write)

    monkeypatch.setattr(checkpoint, "atomic_write", atomic_write)  # the weights
    monkeypatch.setattr(files, "atomic_write", atomic_write)  # the JSON files, through files.write_text
    with pytest.raises(OSError) as raised:
        save_checkpoint(dates_copy, bundle)
    assert raised.value.errno == errno.ENOSPC
    assert (dates_copy / victim).read_bytes() == before
    assert temporary_files(dates_copy) == []
    assert load_checkpoint(dates_copy).config == bundle.config


def test_file_size_limit_from_the_kernel_keeps_previous_weights(dates_copy):
    """RLIMIT_FSIZE makes the kernel refuse the write (EFBIG) part-way, like a full disk."""
    bundle = load_checkpoint(dates_copy)
    before = (dates_copy / WEIGHTS).read_bytes()
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (len(before) // 2, hard))
    try:
        with pytest.raises(Exception) as raised:
            save_checkpoint(dates_copy, bundle)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous_handler)
    assert "File too large" in str(raised.value) or getattr(raised.value, "errno", None) == errno.EFBIG
    assert (dates_copy / WEIGHTS).read_bytes() == before
    assert temporary_files(dates_copy) == []
    load_checkpoint(dates_copy)
