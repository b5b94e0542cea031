"""Faults of issue 28 in the engine and the CLI: each one ends with one line on stderr naming what to fix and a
non-zero exit (or a documented behaviour), never a traceback or a hang. Checkpoints are copies of the
committed `dates` model, corrupted in tmp_path; the one training recipe is a few steps on 300 words."""
from __future__ import annotations

import dataclasses
import errno
import functools
import io
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file
from test_corpora import fake_tatoeba_zip, server  # noqa: F401 (server: the local HTTP server fixture)

from seq2seq import catalog
from seq2seq.checkpoint import TRAINER_STATE, WEIGHTS, load_checkpoint
from seq2seq.cli.main import main
from seq2seq.cli.streaming import line_batches
from seq2seq.data import corpora
from seq2seq.errors import CorpusMissing, UserError
from seq2seq.files import WriteFailed, atomic_write

REPO = Path(__file__).resolve().parent.parent
DATES = REPO / "checkpoints" / "dates"
NESTED = "[" * 100_000  # deeper than Python's recursion limit: json.loads raises RecursionError


@pytest.fixture
def dates_copy(tmp_path) -> Path:
    shutil.copytree(DATES, tmp_path / "dates")
    return tmp_path / "dates"


def translate(capsys, monkeypatch, checkpoint: Path, text: str = "March 5, 1987\n") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    code = main(["translate", "--checkpoint", str(checkpoint)])
    out, err = capsys.readouterr()
    return code, out, err


def train(*args: str) -> int:
    """`main(["train", ...])` in this process, whose SIGTERM and SIGINT handlers the run replaces while it runs."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return main(["train", *args])
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def one_error(err: str, *needles: str) -> None:
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err


# ----- 1. JSON nested past the parser's stack ----------------------------------------------------------

@pytest.mark.parametrize("name", ["config.json", "src.vocab.json"])
def test_nested_json_in_a_checkpoint_is_one_line_naming_the_file(capsys, monkeypatch, dates_copy, name):
    (dates_copy / name).write_text(NESTED)
    code, out, err = translate(capsys, monkeypatch, dates_copy)
    assert code == 2 and out == ""
    one_error(err, str(dates_copy / name), "nested too deeply")


def test_nested_metrics_are_ignored_with_a_warning_and_translation_goes_on(capsys, monkeypatch, dates_copy):
    (dates_copy / "metrics.json").write_text(NESTED)
    code, out, err = translate(capsys, monkeypatch, dates_copy)
    assert code == 0 and out == "1987-03-05\n"
    assert err.startswith("warning: ") and err.count("\n") == 1 and "metrics.json" in err and "ignored" in err


def test_nested_train_config_is_one_line_naming_the_file(capsys, tmp_path):
    (tmp_path / "deep.json").write_text(NESTED)
    assert main(["train", "--config", str(tmp_path / "deep.json"), "--out", str(tmp_path / "run")]) == 2
    one_error(capsys.readouterr().err, "deep.json", "nested too deeply")
    assert not (tmp_path / "run").exists()


def test_the_model_list_skips_a_checkpoint_with_nested_json(tmp_path):
    for name in ("good", "nested-config", "nested-metrics"):
        shutil.copytree(DATES, tmp_path / name)
    (tmp_path / "nested-config" / "config.json").write_text(NESTED)
    (tmp_path / "nested-metrics" / "metrics.json").write_text(NESTED)
    assert [m.name for m in catalog.list_models(tmp_path)] == ["good"]


# ----- 2. a full disk while saving ---------------------------------------------------------------------

def tiny_recipe(folder: Path, **train) -> Path:
    """300 reversed words, a 16-unit GRU, a validation (and checkpoint) every 2 steps, 4 steps in all."""
    rng = random.Random(0)
    words = sorted({"".join(rng.choice("abcdefghij") for _ in range(rng.randint(1, 7))) for _ in range(300)})
    (folder / "reverse.tsv").write_text("".join(f"{w}\t{w[::-1]}\n" for w in words), encoding="utf-8")
    model = {"emb_dim": 8, "enc_hidden": 16, "dec_hidden": 16, "cell": "gru", "attention": "bahdanau",
             "max_src_len": 16, "max_tgt_len": 16}
    settings = {"data": f"tsv:{folder / 'reverse.tsv'}", "tokenizer": {"kind": "char"}, "batch_tokens": 200,
                "max_steps": 4, "valid_every": 2, "log_every": 2, "valid_decode_limit": 4, "patience": 0,
                "threads": 1, "probes": ["abc"], "precision": "fp32", **train}
    path = folder / "recipe.json"
    path.write_text(json.dumps({"model": model, "train": settings}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("finished")
    assert train("--config", str(tiny_recipe(folder)), "--out", str(folder / "run"), "--quiet") == 0
    return folder / "run"


def test_a_disk_that_fills_during_a_checkpoint_write_is_one_line_and_keeps_the_checkpoint(capsys, finished_run,
                                                                                          tmp_path):
    """The kernel's file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored) makes safetensors' own writer fail part-way,
    with EFBIG, as a full disk fails it with ENOSPC."""
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    before = {name: (run / name).read_bytes() for name in (WEIGHTS, TRAINER_STATE)}
    limit = len(before[TRAINER_STATE]) // 2  # the other files are smaller: the trainer state's write fails
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        code = train("--resume", str(run), "--set", "train.max_steps=6", "--quiet")
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)
    assert code == 2
    one_error(capsys.readouterr().err, f"in {run} ", "free some space", "previous file is kept")
    assert (run / TRAINER_STATE).read_bytes() == before[TRAINER_STATE]
    assert [p.name for p in run.iterdir() if p.name.endswith(".tmp")] == []
    load_checkpoint(run)


def test_a_write_refused_with_enospc_is_a_user_error_that_is_still_an_os_error(tmp_path):
    target = tmp_path / "config.json"
    target.write_text("{}")

    def fill_the_disk(tmp: Path) -> None:
        tmp.write_text('{"half": ')
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp))

    with pytest.raises(WriteFailed) as refused:
        atomic_write(target, fill_the_disk)
    assert isinstance(refused.value, UserError) and refused.value.errno == errno.ENOSPC  # caches shrug it off
    assert "free some space" in str(refused.value) and str(tmp_path) in str(refused.value)
    assert target.read_text() == "{}" and sorted(p.name for p in tmp_path.iterdir()) == ["config.json"]


# ----- 3. --events that cannot be written --------------------------------------------------------------

@pytest.mark.parametrize("events", ["/etc", "/nonexistent-folder/events.jsonl"])
def test_events_that_cannot_be_written_are_one_line(capsys, tmp_path, events):
    code = main(["train", "--preset", "dates", "--out", str(tmp_path / "run"), "--events", events])
    assert code == 2
    one_error(capsys.readouterr().err, f"--events {events}: cannot write")


# ----- 7. a kill during the first checkpoint ---------------------------------------------------------------

KILL_DURING_WRITE = """
import os, signal, sys
from pathlib import Path
from seq2seq import checkpoint
from seq2seq.cli.main import main
real = checkpoint.save_file

def save_file(tensors, filename, metadata=None):  # the first weights file: half its bytes, then SIGKILL
    real(tensors, filename, metadata=metadata)
    data = Path(filename).read_bytes()
    Path(filename).write_bytes(data[: len(data) // 2])
    os.kill(os.getpid(), signal.SIGKILL)

checkpoint.save_file = save_file
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture(scope="module")
def killed_run(tmp_path_factory) -> tuple[Path, Path]:
    """A run really SIGKILLed while its first model.safetensors was half written: (recipe, run folder)."""
    folder = tmp_path_factory.mktemp("killed")
    recipe = tiny_recipe(folder)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-c", KILL_DURING_WRITE, "train", "--config", str(recipe),
                             "--out", str(folder / "run"), "--quiet"], cwd=REPO, env=env, capture_output=True,
                            timeout=300)
    assert result.returncode == -signal.SIGKILL, result.stderr.decode()
    return recipe, folder / "run"


def test_the_kill_leaves_a_run_without_a_complete_first_checkpoint(killed_run):
    names = sorted(p.name for p in killed_run[1].iterdir())
    assert "config.json" in names and WEIGHTS not in names and TRAINER_STATE not in names
    assert any(name.startswith(f".{WEIGHTS}.") and name.endswith(".tmp") for name in names)


def test_resume_of_a_run_killed_during_its_first_checkpoint_starts_it_again(capsys, killed_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(killed_run[1], run)
    assert train("--resume", str(run), "--quiet") == 0
    err = capsys.readouterr().err
    assert err.startswith("warning: ") and "starting it again from step 0" in err and "Traceback" not in err
    assert (run / TRAINER_STATE).is_file()
    assert load_checkpoint(run).metrics["steps"] == 4


def test_train_out_onto_a_run_killed_during_its_first_checkpoint_is_not_refused(capsys, killed_run, tmp_path):
    recipe, killed = killed_run
    run = tmp_path / "run"
    shutil.copytree(killed, run)
    assert train("--config", str(recipe), "--out", str(run), "--quiet") == 0
    load_checkpoint(run)


def test_resume_of_a_run_killed_before_saving_any_settings_says_to_start_again(capsys, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(DATES / "src.vocab.json", run)  # the first file of the first checkpoint, then the kill
    assert train("--resume", str(run)) == 2
    one_error(capsys.readouterr().err, "nothing to continue", f"--out {run}")


def test_resume_of_a_checkpoint_without_trainer_state_is_refused_and_leaves_it_alone(capsys, dates_copy):
    before = (dates_copy / WEIGHTS).read_bytes()
    assert train("--resume", str(dates_copy)) == 2
    one_error(capsys.readouterr().err, "train.init_from", "--force")
    assert (dates_copy / WEIGHTS).read_bytes() == before


# ----- 8. a line that never ends -----------------------------------------------------------------------

def test_the_warning_comes_as_soon_as_a_line_passes_the_cut():
    """The line is still being written (the pipe is open) when the warning must already be out."""
    read, write = os.pipe()
    warned = threading.Event()
    messages = []

    def warn(message: str) -> None:
        messages.append(message)
        warned.set()

    lines: list[str] = []
    with open(read, "rb") as source, open(write, "wb", buffering=0) as sink:
        reader = threading.Thread(target=lambda: lines.extend(
            line for batch in line_batches(source, warn, max_chars=1000) for line in batch))
        reader.start()  # as the CLI does: batches are taken as they come
        sink.write(b"x" * 50_000)  # no newline yet
        assert warned.wait(timeout=60), "no warning while the long line is still open"
        sink.write(b"\nok\n")
        sink.close()
        reader.join(timeout=60)
    assert lines == ["x" * 1000, "ok"]
    assert messages == ["line 1 is longer than 1,000 characters; only its beginning is read"]


def test_a_line_that_never_ends_stops_with_an_error_after_the_lines_before_it():
    warned = []
    with open("/dev/zero", "rb") as zeros:
        source = io.BufferedReader(io.BytesIO(b"first\nsecond\n")), zeros
        chained = io.BufferedReader(Chain(*source))
        lines = []
        with pytest.raises(UserError, match="line 3 has no end after 1 MB"):
            for batch in line_batches(chained, warned.append, max_chars=1000, max_bytes=2**20):
                lines += batch
    assert lines == ["first", "second"]
    assert warned == ["line 3 is longer than 1,000 characters; only its beginning is read"]


class Chain(io.RawIOBase):
    """Two readable binary streams read one after the other."""

    def __init__(self, first, second):
        self.streams = [first, second]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self.streams:
            data = self.streams[0].read(len(buffer))
            if data:
                buffer[: len(data)] = data
                return len(data)
            self.streams.pop(0)
        return 0


def test_translate_input_dev_zero_ends_with_a_warning_and_an_error(capsys):
    started = time.monotonic()
    assert main(["translate", "--checkpoint", str(DATES), "--input", "/dev/zero"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "warning: line 1 is longer than 10,000 characters; only its beginning is read"
    assert err[1].startswith("error: line 1 has no end after 64 MB") and len(err) == 2
    assert time.monotonic() - started < 120  # generous on a busy machine; it takes about a second


# ----- 9. weights that are not numbers -------------------------------------------------------------------

@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_weights_are_refused_naming_the_file(capsys, monkeypatch, dates_copy, value):
    tensors = load_file(dates_copy / WEIGHTS)
    name = sorted(tensors)[0]
    tensors[name] = torch.full_like(tensors[name], value)
    save_file(tensors, dates_copy / WEIGHTS)
    code, out, err = translate(capsys, monkeypatch, dates_copy)
    assert code == 2 and out == ""
    one_error(err, str(dates_copy / WEIGHTS), "NaN or infinite", name)


# ----- 10. a FIFO where a file should be -------------------------------------------------------------------

class HangWatch:
    """Fails a test instead of letting it hang: if anything opens the FIFO for reading (and blocks there until
    a writer comes), this opens it for writing after `after` seconds and writes `{}`."""

    def __init__(self, fifo: Path, after: float = 30.0):
        self.fifo, self.after, self.hung, self.done = fifo, after, False, threading.Event()
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        if self.done.wait(self.after):
            return
        while not self.done.is_set():
            try:
                fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO: no reader is waiting
                time.sleep(0.1)
                continue
            self.hung = True
            os.write(fd, b"{}")
            os.close(fd)
            return

    def stop(self) -> None:
        self.done.set()


def fifo_in_place_of(path: Path) -> HangWatch:
    path.unlink(missing_ok=True)
    os.mkfifo(path)
    return HangWatch(path)


@pytest.mark.parametrize("name", ["config.json", "src.vocab.json", WEIGHTS])
def test_a_fifo_in_a_checkpoint_is_refused_at_once(capsys, monkeypatch, dates_copy, name):
    watch = fifo_in_place_of(dates_copy / name)
    try:
        code, out, err = translate(capsys, monkeypatch, dates_copy)
    finally:
        watch.stop()
    assert not watch.hung and code == 2
    one_error(err, str(dates_copy / name), "pipe (FIFO)")


def test_a_fifo_metrics_file_is_ignored_with_a_warning(capsys, monkeypatch, dates_copy):
    watch = fifo_in_place_of(dates_copy / "metrics.json")
    try:
        code, out, err = translate(capsys, monkeypatch, dates_copy)
    finally:
        watch.stop()
    assert not watch.hung and code == 0 and out == "1987-03-05\n"
    assert "metrics.json is a pipe (FIFO)" in err and "ignored" in err


def test_a_fifo_train_config_is_refused_and_the_model_list_skips_a_fifo_config(capsys, tmp_path):
    watch = fifo_in_place_of(tmp_path / "recipe.json")
    shutil.copytree(DATES, tmp_path / "models" / "fifo")
    shutil.copytree(DATES, tmp_path / "models" / "good")
    listed = fifo_in_place_of(tmp_path / "models" / "fifo" / "config.json")
    try:
        code = main(["train", "--config", str(tmp_path / "recipe.json")])
        names = [m.name for m in catalog.list_models(tmp_path / "models")]
    finally:
        watch.stop()
        listed.stop()
    assert not watch.hung and not listed.hung
    assert code == 2 and names == ["good"]
    one_error(capsys.readouterr().err, "recipe.json is a pipe (FIFO)")


# ----- evaluate without the corpus: the message suits its reader ------------------------------------------

@pytest.fixture
def no_corpora(tmp_path, monkeypatch) -> Path:
    """Corpus lookup pointed at empty folders: no ../shared/data, no $SEQ2SEQ_DATA, an empty cache."""
    monkeypatch.delenv("SEQ2SEQ_DATA", raising=False)
    monkeypatch.setenv("SEQ2SEQ_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(corpora, "SHARED_DATA", tmp_path / "no-shared-data")
    return tmp_path


def tatoeba_model(folder: Path) -> Path:
    """The dates model, saying that it was trained on Tatoeba: scoring it needs that corpus."""
    copy = folder / "tatoeba-dates"
    shutil.copytree(DATES, copy)
    config = json.loads((copy / "config.json").read_text())
    config["train"].update(data="tatoeba-en-fr", tokenizer={"kind": "char"})
    (copy / "config.json").write_text(json.dumps(config))
    return copy


def test_evaluate_without_the_corpus_names_its_download_flag(capsys, no_corpora):
    model = tatoeba_model(no_corpora)
    assert main(["evaluate", "--checkpoint", str(model), "--split", "test"]) == 2
    err = capsys.readouterr().err
    one_error(err, "corpus 'tatoeba-en-fr' is not on this computer", "run the command again with --download",
              str(no_corpora / "no-shared-data" / "tatoeba-en-fr"))
    assert "load_corpus" not in err and "app" not in err


def test_evaluate_download_fetches_the_corpus_and_scores(capsys, no_corpora, monkeypatch, server):  # noqa: F811
    server.payload = fake_tatoeba_zip(no_corpora / "served").read_bytes()
    local = dataclasses.replace(corpora.CORPORA["tatoeba-en-fr"], urls={"fra-eng.zip": (server.url, None, None)})
    monkeypatch.setitem(corpora.CORPORA, "tatoeba-en-fr", local)
    model = tatoeba_model(no_corpora)
    assert main(["evaluate", "--checkpoint", str(model), "--split", "test", "--download"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["data"] == "tatoeba-en-fr test split" and 0 <= result["bleu"] <= 100
    assert (no_corpora / "cache" / "tatoeba-en-fr" / "fra-eng.zip").is_file()


def test_the_app_says_what_to_do_in_the_app(no_corpora, monkeypatch):
    """The Inside page on a model whose corpus is absent: one instruction, no Python call, no CLI flag."""
    from apptest_helpers import no_exception, open_page

    from studio.shared import sidebar

    model = tatoeba_model(no_corpora / "models")
    monkeypatch.setattr(sidebar, "list_models", functools.partial(catalog.list_models, no_corpora / "models"))
    app = no_exception(open_page("pages/3_Inside_the_model.py", model=model.name, view="Trajectories"))
    warning = app.warning[0].value
    assert "ask whoever runs the app to put it in" in warning and "not on this machine" in warning
    assert "load_corpus" not in warning and "--download" not in warning and "download=True" not in warning


def test_python_callers_still_get_the_python_call():
    exc = CorpusMissing("multi30k", ("train.en.gz",), ("/a", "/b"), "/b")
    assert "load_corpus('multi30k', download=True)" in str(exc) and "SEQ2SEQ_DATA" in str(exc)
