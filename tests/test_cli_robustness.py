"""The CLI under careless and hostile input: every bad setting refused with one line and no traceback,
input streamed in bounded batches, nothing overwritten without --force, a prompt stop on SIGTERM."""
import gc
import io
import os
import select
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from seq2seq.cli.main import main
from seq2seq.cli.streaming import line_batches

REPO = Path(__file__).resolve().parent.parent
DATES = str(REPO / "checkpoints" / "dates")
TRANSLATE = ["translate", "--checkpoint", DATES]
TRAIN = ["train", "--preset", "dates"]

HOSTILE = [
    (TRAIN + ["--set", "model.bogus=1"], "bogus"),
    (TRAIN + ["--set", "train.lr=-0.1"], "lr must be"),
    (TRAIN + ["--set", "train.lr=NaN"], "lr must be"),
    (TRAIN + ["--set", "train.lr=Infinity"], "lr must be"),
    (TRAIN + ["--set", "train.seed=1e30"], "seed must be"),
    (TRAIN + ["--set", "train.valid_every=0"], "valid_every must be"),
    (TRAIN + ["--set", "train.epochs=-3"], "epochs must be"),
    (TRAIN + ["--set", "train.batch_tokens=0"], "batch_tokens must be"),
    (TRAIN + ["--set", "train.batch_tokens=1000000000000"], "batch_tokens must be"),
    (TRAIN + ["--set", "train.threads=1000"], "threads must be"),
    (TRAIN + ["--set", "train.time_budget_s=NaN"], "time_budget_s must be"),
    (TRAIN + ["--set", "train.dropout=0.5"], "unknown TrainConfig"),
    (TRAIN + ["--set", "model.dropout=2"], "dropout must be"),
    (TRAIN + ["--set", "model.enc_hidden=100000000"], "enc_hidden must be"),
    (TRAIN + ["--set", 'train.tokenizer={"vocab_size": -5}'], "vocab_size must be"),
    (TRAIN + ["--set", "train.data=7"], "data must be text"),
    (TRANSLATE + ["--beam", "3", "--length-penalty=1000"], "length_penalty must be"),
    (TRANSLATE + ["--beam", "3", "--length-penalty=-1e308"], "length_penalty must be"),
    (TRANSLATE + ["--beam", "3", "--length-penalty=nan"], "length_penalty must be"),
    (TRANSLATE + ["--beam", "-3"], "--beam must be"),
    (TRANSLATE + ["--sample", "--seed=99999999999999999999999"], "seed must be"),
    (TRANSLATE + ["--sample", "--temperature=inf"], "temperature must be"),
    (["export", "--checkpoint", DATES, "--out", "/etc/passwd"], "is a file"),
    (["export", "--checkpoint", DATES, "--out", "/proc/foo"], "cannot write"),
]


@pytest.mark.parametrize("args,needle", HOSTILE, ids=[" ".join(a[-2:]) for a, _ in HOSTILE])
def test_a_hostile_setting_is_refused_with_one_line(capsys, monkeypatch, args, needle):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"March 5, 1987\n")))
    started = time.monotonic()
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("error: ") and needle in err and err.count("\n") == 1, err
    assert time.monotonic() - started < 20


def test_a_config_file_that_is_not_a_recipe_is_refused(capsys, tmp_path):
    (tmp_path / "list.json").write_text("[1, 2]")
    assert main(["train", "--config", str(tmp_path / "list.json")]) == 2
    assert "a recipe is a JSON object" in capsys.readouterr().err


def test_nothing_is_overwritten_without_force(capsys, tmp_path):
    out = tmp_path / "copy"
    assert main(["export", "--checkpoint", DATES, "--out", str(out)]) == 0
    before = (out / "model.safetensors").stat().st_mtime_ns
    assert main(["export", "--checkpoint", DATES, "--out", str(out)]) == 2
    assert main(TRAIN + ["--out", str(out), "--set", "train.max_steps=1"]) == 2
    err = capsys.readouterr().err
    assert err.count("add --force") == 2 and (out / "model.safetensors").stat().st_mtime_ns == before
    assert main(["export", "--checkpoint", DATES, "--out", str(out), "--force"]) == 0


def test_trace_of_empty_input_is_empty_as_translate_is(capsys):
    assert main(["trace", "--checkpoint", DATES, ""]) == 0
    out = capsys.readouterr().out
    assert '"translation": ""' in out and '"steps": []' in out


def test_other_codes_warnings_never_reach_the_cli_output(capsys, monkeypatch):
    """An unclosed socket of earlier code in the same process is collected while the CLI runs."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))

    def leaky_translator(path):
        warnings.warn("unclosed transport <_SelectorSocketTransport fd=7>", ResourceWarning, stacklevel=2)
        warnings.warn("some library's deprecation", DeprecationWarning, stacklevel=2)
        from seq2seq.service import load_translator
        return load_translator(path)

    monkeypatch.setattr(sys.modules["seq2seq.cli.main"], "_load_translator", leaky_translator)
    assert main(TRANSLATE) == 0
    assert capsys.readouterr().err == ""
    gc.collect()


def test_input_is_read_in_bounded_batches_and_long_lines_are_cut():
    source = io.BytesIO(b"a\n" * 150 + b"x" * 50_000 + b"\nlast")
    warned = []
    batches = list(line_batches(source, warned.append, batch_lines=64, max_chars=1000))
    assert all(len(batch) <= 64 for batch in batches)
    lines = [line for batch in batches for line in batch]
    assert lines[:150] == ["a"] * 150 and lines[150] == "x" * 1000 and lines[151] == "last"
    assert warned == ["line 151 is longer than 1,000 characters; only its beginning is read"]


def test_translate_answers_a_line_before_stdin_is_closed():
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen([sys.executable, "-m", "seq2seq", *TRANSLATE], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO, env=env)
    try:
        process.stdin.write(b"March 5, 1987\n")
        process.stdin.flush()
        ready, _, _ = select.select([process.stdout], [], [], 120)  # a CLI that waits for the end never answers
        assert ready and process.stdout.readline() == b"1987-03-05\n"  # while stdin is still open
        process.stdin.write(b"12/03/1999\n")
        process.stdin.close()
        assert process.stdout.read() == b"1999-03-12\n"
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()


def test_a_line_without_end_keeps_memory_bounded(tmp_path):
    """/dev/zero has no newline at all: the first 10,000 characters are read, the rest skipped."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    big = tmp_path / "one-line.txt"
    big.write_bytes(b"March 5, 1987 " * 400_000 + b"\n12/03/1999\n")  # a 5.6 MB line, then a normal one
    result = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-m", "seq2seq", *TRANSLATE,
                             "--input", str(big)], capture_output=True, cwd=REPO, env=env, timeout=300)
    assert result.returncode == 0 and result.stdout.decode().split("\n")[1] == "1999-03-12"
    assert "line 1 is longer than 10,000 characters" in result.stderr.decode()
    peak_mb = int(result.stderr.decode().strip().splitlines()[-1]) / 1024
    assert peak_mb < 1000


def test_sigterm_while_the_data_is_prepared_ends_the_run_at_once(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen([sys.executable, "-m", "seq2seq", *TRAIN, "--out", str(tmp_path / "run"),
                                "--set", "train.max_train_pairs=2000000", "--quiet"],
                               cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(4)  # imports done; generating two million dates
    process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    process.wait(timeout=30)
    assert time.monotonic() - started < 5
