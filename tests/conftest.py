"""Shared pytest fixtures (several engineers append here: add, don't rewrite)."""
import os
from pathlib import Path

import pytest

# Tiny test models gain nothing from intra-op threads, and on a 2-core machine that also runs a
# browser and subprocess workers, spinning thread pools only steal time: one thread per process.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
import torch  # noqa: E402

torch.set_num_threads(1)

DATES_CHECKPOINT = Path(__file__).resolve().parent.parent / "checkpoints" / "dates"


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

    from seq2seq.training import runs, sweeps

    for sweep in sweeps.list_sweeps():
        sweeps.cancel(sweep.sweep_id)
    for run in runs.list_runs():
        if run.pid and run.live:
            os.kill(run.pid, signal.SIGKILL)
