"""Shared pytest fixtures (several engineers append here: add, don't rewrite)."""
import contextlib
import os
import time
from pathlib import Path

import pytest

# Tiny test models gain nothing from intra-op threads, and on a 2-core machine that also runs a
# browser and subprocess workers, spinning thread pools only steal time: one thread per process.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
# `precision: auto` times both formats and picks the faster one, which differs between machines and even
# between runs on a busy one; the suite resolves auto to fp32 so each test means the same thing on every
# CPU. Tests of bf16 or of the auto choice pin or unset it themselves (SEQ2SEQ_PRECISION=bf16 runs the
# suite's auto paths in bf16).
os.environ.setdefault("SEQ2SEQ_PRECISION", "fp32")
import torch  # noqa: E402

torch.set_num_threads(1)

ROOT = Path(__file__).resolve().parent.parent
DATES_CHECKPOINT = ROOT / "checkpoints" / "dates"
ARTIFACTS = ROOT / "test-artifacts"  # server logs and screenshots of the real-browser tests
BROWSER_WAIT_MS = 180_000  # generous: the test machine may be busy training; an idle one answers in seconds


@pytest.fixture(scope="session")
def dates_translator():
    """The committed, trained toy checkpoint (dates -> ISO 8601, char tokenizer, GRU + Bahdanau)."""
    from seq2seq.service import load_translator

    return load_translator(DATES_CHECKPOINT)


@pytest.fixture
def make_bundle():
    """Factory for an untrained tiny model with char tokenizers over 'a'..'j', in eval mode.

    Options override the tiny defaults, e.g. make_bundle(cell="lstm", attention="luong", seed=3).
    """
    import torch

    from seq2seq.checkpoint import Bundle
    from seq2seq.config import ModelConfig, TokenizerConfig, TrainConfig
    from seq2seq.data.tokenizer import CharTokenizer
    from seq2seq.nn.model import Seq2Seq

    def build(seed: int = 0, **options) -> Bundle:
        torch.manual_seed(seed)
        src, tgt = CharTokenizer("abcdefghij"), CharTokenizer("abcdefghij")
        sizes = {"emb_dim": 8, "enc_hidden": 6, "dec_hidden": 10, "dropout": 0.0, "max_src_len": 16,
                 "max_tgt_len": 12}
        config = ModelConfig(src.vocab_size, tgt.vocab_size, **{**sizes, **options})
        train = TrainConfig(data="toy:reverse", tokenizer=TokenizerConfig(kind="char"))
        return Bundle(Seq2Seq(config).eval(), src, tgt, train)

    return build


@pytest.fixture
def score_references():
    """log p of each reference piece (EOS included) under teacher forcing: score(translator, sources, refs)."""
    import torch

    from seq2seq.decoding.forced import forced_logprobs

    def score(translator, sources: list[str], references: list[str]) -> list[list[float]]:
        with torch.inference_mode():
            return forced_logprobs(translator.model, [translator.source_ids(s)[0] for s in sources],
                                   [translator.target_ids(r) for r in references])

    return score


def stop_every_run() -> None:
    """Cancel queued sweeps and kill live training workers: a test never leaves one behind, even when it fails."""
    import signal

    from seq2seq.jobs import runs, sweeps

    for sweep in sweeps.list_sweeps():
        sweeps.cancel(sweep.sweep_id)
    for run in runs.list_runs():
        if run.pid and run.live:
            os.kill(run.pid, signal.SIGKILL)


def tiny_recipe(**train) -> dict:
    """A recipe (for runs.launch, or a sweep's base) of a GRU + attention model that learns to reverse short
    strings in seconds; `train` overrides training settings."""
    model = {"emb_dim": 16, "enc_hidden": 32, "dec_hidden": 32, "cell": "gru", "attention": "bahdanau",
             "bidirectional": False, "dropout": 0.0, "max_src_len": 16, "max_tgt_len": 16}
    base = {"data": "toy:reverse", "tokenizer": {"kind": "char"}, "max_train_pairs": 1000, "batch_tokens": 400,
            "lr": 3e-3, "label_smoothing": 0.0, "max_steps": 30, "valid_every": 15, "log_every": 5,
            "valid_decode_limit": 30, "patience": 0, "probes": ["abc"]}
    return {"model": model, "train": {**base, **train}}


def stopped_run(run_id: str, timeout: float = 240.0):
    """The run's status once it no longer trains (finished, failed or stopped)."""
    from seq2seq.jobs import runs

    return wait_until(lambda: None if (status := runs.status(run_id)).live else status, timeout,
                      f"run {run_id} to stop training")


def wait_until(predicate, timeout: float = 300.0, what: str = "condition"):
    """predicate()'s first true value, polled every 0.1 s; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@contextlib.contextmanager
def runs_folder(root: Path, max_runs: str | None = None):
    """Training runs go to `root` (SEQ2SEQ_RUNS_DIR) until the block ends, at most `max_runs` at a time (None:
    the default limit); at the end every run and sweep still going is stopped, even when a test failed."""
    from seq2seq.catalog import RUNS_ENV
    from seq2seq.jobs.runs import MAX_RUNS_ENV

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(RUNS_ENV, str(root))
        if max_runs is None:
            patch.delenv(MAX_RUNS_ENV, raising=False)
        else:
            patch.setenv(MAX_RUNS_ENV, max_runs)
        try:
            yield root
        finally:
            stop_every_run()


@pytest.fixture(scope="module")
def runs_dir(request, tmp_path_factory):
    """An empty runs folder shared by the module's tests; the module's MAX_RUNS, if it sets one, is the run limit."""
    with runs_folder(tmp_path_factory.mktemp("runs") / "runs", getattr(request.module, "MAX_RUNS", None)) as root:
        yield root


@pytest.fixture
def fresh_runs_dir(request, tmp_path):
    """A runs folder of the test's own, for tests that count what is queued or running."""
    with runs_folder(tmp_path / "runs", getattr(request.module, "MAX_RUNS", None)) as root:
        yield root


SCRIPT_DONE = ("() => document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state') "
               "=== 'notRunning'")


def settle(page, pause_ms: int = 600) -> None:
    """Until the script run is over and stays over: vega-embed draws a moment after the run ends, and a
    fragment or a widget's callback may start another run meanwhile."""
    page.wait_for_function(SCRIPT_DONE)
    page.wait_for_timeout(pause_ms)
    page.wait_for_function(SCRIPT_DONE)


def playwright_or_skip():
    """Playwright's sync API, for a module of real-browser tests; the module is skipped without it or
    without Debian's chromium."""
    from benchmarks.app_server import CHROMIUM

    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not CHROMIUM.exists():
        pytest.skip("no browser at /usr/bin/chromium (apt package `chromium`)", allow_module_level=True)
    return sync_api


@pytest.fixture(scope="module")
def server_url(request, runs_dir):
    """`streamlit run app.py` for the module's real-browser tests, its runs in runs_dir; its log goes to
    test-artifacts/ under the module's SERVER_LOG."""
    from benchmarks import app_server
    from seq2seq.catalog import RUNS_ENV

    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / getattr(request.module, "SERVER_LOG", "server.log")
    with app_server.running({**os.environ, RUNS_ENV: str(runs_dir)}, log_path=log, timeout=120) as (url, _):
        yield url


@pytest.fixture(scope="module")
def browser_page(request, server_url):
    """One chromium page (Debian's, through Playwright) for the module, sized by its VIEWPORT."""
    from playwright import sync_api

    from benchmarks import app_server

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(app_server.CHROMIUM), args=app_server.CHROMIUM_ARGS)
        page = browser.new_page(viewport=getattr(request.module, "VIEWPORT", {"width": 1400, "height": 1000}))
        page.set_default_timeout(BROWSER_WAIT_MS)
        yield page
        browser.close()
