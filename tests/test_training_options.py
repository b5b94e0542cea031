"""Training options: precision auto picks bf16 only where the hardware has it, the plain RNN with ReLU learns,
a stop target applies only to its own metric, fine-tuning starts from a checkpoint, snapshots are averaged."""
import json

import pytest
import torch

from seq2seq.checkpoint import load_checkpoint
from seq2seq.config import train_config_from_dict
from seq2seq.decoding.translator import Translator
from seq2seq.errors import UserError
from seq2seq.training import precision
from seq2seq.training.presets import get_preset
from seq2seq.training.trainer import Trainer
from seq2seq.training.validator import Measurement

CPU = torch.device("cpu")
NO_BF16 = {"avx2": True, "avx512_bf16": False, "amx_bf16": False}


@pytest.mark.parametrize("capabilities, env, expected", [
    (NO_BF16, None, "fp32"),
    ({**NO_BF16, "avx512_bf16": True}, None, "bf16"),
    ({**NO_BF16, "amx_bf16": True}, None, "bf16"),
    ({**NO_BF16, "avx512_bf16": True}, "avx2", "fp32"),  # torch told to use AVX2 kernels: no native bf16
    ({**NO_BF16, "avx512_bf16": True}, "AVX512", "bf16"),
])
def test_precision_auto_is_bf16_only_on_cpus_with_native_bf16(monkeypatch, capabilities, env, expected):
    monkeypatch.delenv(precision.ENV_OVERRIDE, raising=False)
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: capabilities)
    if env is None:
        monkeypatch.delenv("ATEN_CPU_CAPABILITY", raising=False)
    else:
        monkeypatch.setenv("ATEN_CPU_CAPABILITY", env)
    assert precision.choose_precision("auto", CPU).precision == expected
    assert precision.choose_precision("fp32", CPU).precision == "fp32"
    assert precision.choose_precision("bf16", CPU).precision == "bf16"


def test_precision_auto_is_bf16_on_cuda(monkeypatch):
    monkeypatch.delenv(precision.ENV_OVERRIDE, raising=False)
    assert precision.choose_precision("auto", torch.device("cuda")).precision == "bf16"


def step_times(fp32: float, bf16: float):
    """A step whose two formats take these seconds; counts its calls (the thing under test is the choice)."""
    calls = []

    def timed(chosen: str) -> float:
        calls.append(chosen)
        return fp32 if chosen == "fp32" else bf16

    return timed, calls


@pytest.mark.parametrize("fp32, bf16, expected", [(1.0, 0.4, "bf16"), (1.0, 0.97, "fp32"), (1.0, 1.6, "fp32")])
def test_precision_auto_keeps_bf16_only_where_it_is_measured_faster(monkeypatch, tmp_path, fp32, bf16, expected):
    monkeypatch.delenv(precision.ENV_OVERRIDE, raising=False)
    monkeypatch.setenv("SEQ2SEQ_CACHE", str(tmp_path))
    monkeypatch.setattr(precision, "native_bf16", lambda device: True)
    timed, calls = step_times(fp32, bf16)
    choice = precision.choose_precision("auto", CPU, timed, cache_key="model A")
    assert choice.precision == expected and choice.speedup == pytest.approx(fp32 / bf16, abs=1e-3)
    assert f"{fp32 / bf16:.2f}x" in choice.reason and expected in choice.reason
    assert calls.count("fp32") == calls.count("bf16") >= 2
    # Measured once per machine and model shape: the next run reads the cache, another model measures anew.
    again, calls_again = step_times(9.0, 0.1)
    assert precision.choose_precision("auto", CPU, again, cache_key="model A") == choice and not calls_again
    assert precision.choose_precision("auto", CPU, again, cache_key="model B").precision == "bf16"


def test_precision_auto_never_measures_without_native_bf16_or_when_pinned(monkeypatch, tmp_path):
    monkeypatch.setenv("SEQ2SEQ_CACHE", str(tmp_path))
    timed, calls = step_times(1.0, 0.1)
    monkeypatch.setenv(precision.ENV_OVERRIDE, "bf16")
    assert precision.choose_precision("auto", CPU, timed).precision == "bf16"
    assert precision.choose_precision("fp32", CPU, timed).precision == "fp32"
    monkeypatch.delenv(precision.ENV_OVERRIDE)
    monkeypatch.setattr(precision, "native_bf16", lambda device: False)
    choice = precision.choose_precision("auto", CPU, timed)
    assert choice.precision == "fp32" and "no native bf16" in choice.reason and not calls


def test_the_measurement_leaves_the_model_and_the_random_streams_untouched():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.Dropout(0.5), torch.nn.Linear(8, 1))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    timed = precision.step_timer(model, lambda m: m(torch.randn(4, 8)).sum(), CPU)
    state = torch.random.get_rng_state()
    assert timed("fp32") > 0 and timed("bf16") > 0
    assert torch.equal(state, torch.random.get_rng_state())
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert all(p.grad is None for p in model.parameters())


@pytest.mark.parametrize("pinned", ["fp32", "bf16"])
def test_a_run_says_which_precision_it_chose_and_why(tmp_path, pinned):
    """Both paths, on every machine (bf16 is emulated where the CPU lacks it: a few steps only)."""
    events = []
    trainer = Trainer(train_config_from_dict(toy("reverse", max_steps=3, valid_every=1000, precision=pinned)),
                      {"emb_dim": 8, "enc_hidden": 8, "dec_hidden": 16}, tmp_path, on_event=events.append)
    trainer.run()
    start = next(e for e in events if e["type"] == "start")
    assert start["precision"] == pinned and pinned in start["precision_reason"]
    assert json.loads((tmp_path / "metrics.json").read_text())["precision"] == pinned


def toy(task: str, **train) -> dict:
    preset = get_preset(task)
    return {**preset["train"], "threads": 1, "lr": 0.01, "batch_tokens": 1500, "valid_every": 100,
            "valid_decode_limit": 100, "max_train_pairs": 4000, **train}


def test_a_plain_relu_rnn_learns_to_copy(tmp_path):
    """h = relu(W x + U h + b) in encoder and decoder; with attention it copies short strings."""
    model = {**get_preset("copy")["model"], "cell": "rnn", "nonlinearity": "relu", "emb_dim": 16,
             "enc_hidden": 32, "dec_hidden": 64}
    trainer = Trainer(train_config_from_dict(toy("copy", max_steps=300, target_score=0.9)), model, tmp_path)
    assert trainer.model.encoder.rnn.nonlinearity == "relu" and trainer.model.decoder.cells[0].nonlinearity == "relu"
    trainer.run()
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["model"]["nonlinearity"] == "relu"
    assert metrics["test"]["greedy"]["exact_match"] >= 0.5  # 0.72 measured; untrained: 0
    assert metrics["precision"] == precision.choose_precision("auto", CPU).precision


def test_relu_is_only_for_the_plain_rnn():
    from seq2seq.config import model_config_from_dict

    with pytest.raises(UserError, match="plain 'rnn'"):
        model_config_from_dict({"src_vocab_size": 10, "tgt_vocab_size": 10, "cell": "gru", "nonlinearity": "relu"})


def test_a_target_on_exact_match_never_stops_a_run_scored_with_bleu(tmp_path):
    """The toy preset's 0.995 is a fraction of exact matches; BLEU is on 0-100, so it must not apply."""
    trainer = Trainer(train_config_from_dict(toy("reverse", max_steps=20, valid_every=10, target_score=0.995)),
                      {"emb_dim": 8, "enc_hidden": 8, "dec_hidden": 16}, tmp_path)
    scored = lambda metric, score: Measurement(0.0, metric, "", score, [])  # noqa: E731
    assert trainer.validator.stop_reason(trainer.progress, scored("exact_match", 0.996)) == "target_reached"
    assert trainer.validator.stop_reason(trainer.progress, scored("bleu", 2.1)) is None
    with pytest.raises(UserError, match="target_metric"):
        train_config_from_dict({"target_metric": "BLEU"})


def test_fine_tuning_starts_from_the_checkpoint_and_keeps_its_tokenizers(tmp_path):
    first = tmp_path / "first"
    Trainer(train_config_from_dict(toy("reverse", max_steps=30, valid_every=30)),
            {"emb_dim": 8, "enc_hidden": 8, "dec_hidden": 16}, first).run()
    start = load_checkpoint(first)
    tuned = Trainer(train_config_from_dict(toy("reverse", max_steps=1, valid_every=1000, init_from=str(first),
                                               lr=1e-9)), {}, tmp_path / "tuned")
    assert tuned.model.config == start.config
    assert tuned.bundle.src_tokenizer.chars == start.src_tokenizer.chars
    before = {k: v.clone() for k, v in start.model.state_dict().items()}
    assert all(torch.equal(before[k], v) for k, v in tuned.model.state_dict().items())


def test_the_best_snapshots_are_averaged_when_that_validates_as_well(tmp_path):
    trainer = Trainer(train_config_from_dict(toy("reverse", max_steps=120, valid_every=20, average_best=3,
                                                 target_score=0.0, patience=0)),
                      {"emb_dim": 16, "enc_hidden": 32, "dec_hidden": 64}, tmp_path)
    events = []
    trainer.on_event = events.append
    trainer.run()
    kept = trainer.progress.snapshots
    assert len(kept) == 3 and [s for s, _ in kept] == sorted((s for s, _ in kept), reverse=True)
    assert sorted(p.name for p in (tmp_path / "snapshots").iterdir()) == sorted(
        f"step-{int(step)}.safetensors" for _, step in kept)
    average = next(e for e in events if e["type"] == "average")
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    if average["score"] >= average["best"]:
        assert metrics["averaged_checkpoints"] == sorted(int(step) for _, step in kept) or \
            sorted(metrics["averaged_checkpoints"]) == sorted(int(step) for _, step in kept)
    else:
        assert "averaged_checkpoints" not in metrics
    assert Translator(load_checkpoint(tmp_path)).translate(["abc"])[0]


def test_the_plain_rnn_preset_outputs_softmax_of_w_hy_times_the_decoder_state_plus_b_y():
    from seq2seq.config import ModelConfig
    from seq2seq.nn.model import Seq2Seq

    settings = {**get_preset("plain-rnn-en-fr")["model"], "src_vocab_size": 50, "tgt_vocab_size": 40}
    config = ModelConfig(**settings)
    assert (config.cell, config.nonlinearity, config.bidirectional, config.attention) == ("rnn", "tanh", True, "none")
    torch.manual_seed(0)
    model = Seq2Seq(config).eval()
    assert not hasattr(model.decoder, "combine") and model.decoder.output.bias is not None
    # W_hy is the target embedding matrix (tied, as in the preset's two twins); b_y is its own.
    assert model.decoder.output.weight.data_ptr() == model.decoder.embedding.weight.data_ptr()
    src = torch.randint(4, 50, (2, 7))
    _, memory, state = model.encode(src, torch.tensor([7, 7]))
    logits, new_state, weights = model.decoder.step(torch.tensor([1, 1]), state, memory)
    hidden = new_state.hidden[-1]  # (B, H_dec): the decoder state s_t itself
    expected = hidden @ model.decoder.output.weight.T + model.decoder.output.bias
    assert weights is None and torch.allclose(logits, expected, atol=1e-5)
    # and s_t = tanh(W_eh x_t + W_hh s_{t-1} + b_h): the plain cell, with nothing between it and the output layer
    cell = model.decoder.cells[0]
    x = model.decoder.embedding(torch.tensor([1, 1]))
    by_hand = torch.tanh(x @ cell.weight_ih.T + cell.bias_ih + state.hidden[0] @ cell.weight_hh.T + cell.bias_hh)
    assert torch.allclose(hidden, by_hand, atol=1e-5)
