"""Checkpoints: save -> load is exact, a checkpoint rebuilds from its own config, and every kind of
broken checkpoint is refused with a UserError that names the problem (nothing is ever unpickled)."""
import json
import pickle
import resource
import shutil
from pathlib import Path

import pytest
import torch
from safetensors import safe_open

from seq2seq.checkpoint import (
    WEIGHTS,
    build_model,
    load_checkpoint,
    load_weights,
    save_checkpoint,
)
from seq2seq.config import ModelConfig, model_config_from_dict
from seq2seq.data.batches import pad_batch
from seq2seq.decoding.translator import Translator
from seq2seq.errors import UserError
from seq2seq.nn.model import Seq2Seq, parameter_upper_bound
from seq2seq.symbols import BOS_ID

CONFIGS = [
    {"cell": "gru", "attention": "bahdanau"},
    {"cell": "lstm", "attention": "luong", "enc_layers": 2, "dec_layers": 2, "bidirectional": False},
    {"cell": "rnn", "attention": "none"},
    {"cell": "gru", "attention": "dot", "enc_hidden": 5, "dec_hidden": 10},
    {"cell": "gru", "attention": "bahdanau", "output_dim": 8, "tie_embeddings": True},
]
TEXTS = ["abc", "jihgfedcba", "a", ""]


def logits_of(model: Seq2Seq) -> torch.Tensor:
    src, lengths = pad_batch([[4, 5, 6, 3], [7, 3]])
    with torch.inference_mode():
        return model(src, lengths, torch.tensor([[BOS_ID, 8, 9]] * 2)).logits


@pytest.fixture
def saved(tmp_path, make_bundle) -> Path:
    save_checkpoint(tmp_path / "ckpt", make_bundle(seed=1))
    return tmp_path / "ckpt"


@pytest.mark.parametrize("options", CONFIGS, ids=lambda o: "-".join(str(v) for v in o.values()))
def test_save_then_load_gives_identical_outputs(tmp_path, make_bundle, options):
    bundle = make_bundle(seed=4, **options)
    save_checkpoint(tmp_path, bundle)
    loaded = load_checkpoint(tmp_path)
    assert loaded.config == bundle.config and not loaded.model.training
    assert torch.equal(logits_of(loaded.model), logits_of(bundle.model))
    assert Translator(loaded).translate(TEXTS) == Translator(bundle).translate(TEXTS)
    if bundle.config.tie_embeddings:
        assert loaded.model.decoder.output.weight is loaded.model.decoder.embedding.weight


def test_fp16_storage_loads_as_fp32_with_rounded_weights(tmp_path, make_bundle):
    bundle = make_bundle(seed=2)
    save_checkpoint(tmp_path, bundle, dtype=torch.float16)
    with safe_open(str(tmp_path / WEIGHTS), framework="pt") as handle:
        assert {handle.get_tensor(k).dtype for k in handle.keys()} == {torch.float16}
    loaded = load_checkpoint(tmp_path)
    for name, value in bundle.model.state_dict().items():
        restored = loaded.model.state_dict()[name]
        assert restored.dtype == torch.float32 and torch.equal(restored, value.half().float()), name
    assert torch.allclose(logits_of(loaded.model), logits_of(bundle.model), atol=1e-2)


def test_a_checkpoint_rebuilds_from_its_own_config_json(saved, make_bundle):
    config = json.loads((saved / "config.json").read_text())
    model_config = model_config_from_dict(config["model"])
    assert model_config == make_bundle(seed=1).config
    model = Seq2Seq(model_config).eval()
    load_weights(model, saved / WEIGHTS)
    assert torch.equal(logits_of(model), logits_of(make_bundle(seed=1).model))
    assert (saved / config["src_tokenizer"]).is_file() and (saved / config["tgt_tokenizer"]).is_file()


def test_the_committed_dates_checkpoint_loads(dates_translator):
    assert dates_translator.bundle.config.cell == "gru" and dates_translator.bundle.config.attention == "bahdanau"
    assert dates_translator.bundle.metrics["task"] == "toy"


def edit_config(directory: Path, section: str | None, **changes) -> None:
    config = json.loads((directory / "config.json").read_text())
    (config[section] if section else config).update(changes)
    (directory / "config.json").write_text(json.dumps(config))


def refused(directory: Path, *needles: str) -> str:
    with pytest.raises(UserError) as caught:
        load_checkpoint(directory)
    message = str(caught.value)
    assert all(n in message for n in needles), message
    return message


def test_missing_directory(tmp_path):
    refused(tmp_path / "nope", "nope", "checkpoint directory not found")


def test_missing_config_json(saved):
    (saved / "config.json").unlink()
    refused(saved, "no config.json")


@pytest.mark.parametrize("content,needle", [
    (b'{"format": 1, "model": {', "not valid JSON"),
    (b"\xff\xfe\x00", "not valid JSON"),
    (b"[1, 2, 3]", "unknown checkpoint format"),
    (b'{"format": 99}', "unknown checkpoint format 99"),
])
def test_corrupt_config_json(saved, content, needle):
    (saved / "config.json").write_bytes(content)
    refused(saved, "config.json", needle)


def test_truncated_weights(saved):
    data = (saved / WEIGHTS).read_bytes()
    for size in (len(data) // 2, 7, 0):
        (saved / WEIGHTS).write_bytes(data[:size])
        refused(saved, WEIGHTS, "not a readable safetensors file")


def test_missing_weights(saved):
    (saved / WEIGHTS).unlink()
    refused(saved, WEIGHTS, "weights file missing")


def test_weights_that_do_not_match_the_config(saved):
    edit_config(saved, "model", dec_hidden=11)
    refused(saved, "weights do not match the config", "wrong shape", "(10,", "(11,")


def test_weights_of_another_architecture(saved):
    edit_config(saved, "model", cell="lstm")
    refused(saved, "weights do not match the config", "missing: ", "bridge.cell")


def test_vocabulary_size_that_does_not_match_the_tokenizer(saved):
    edit_config(saved, "model", src_vocab_size=40)
    refused(saved, "source tokenizer has 14 pieces but the config says 40")


@pytest.mark.parametrize("changes,needle", [
    ({"enc_hidden": 10**9}, "enc_hidden"),
    ({"dec_layers": 1000}, "dec_layers"),
    ({"tgt_vocab_size": -5}, "tgt_vocab_size"),
    ({"dropout": "0.2"}, "dropout"),
    ({"bidirectional": "no"}, "bidirectional"),
    ({"cell": "transformer"}, "cell"),
    ({"heads": 8}, "unknown ModelConfig field(s): heads"),
])
def test_absurd_or_mistyped_model_configs(saved, changes, needle):
    edit_config(saved, "model", **changes)
    refused(saved, needle)


def test_a_huge_model_is_refused_before_allocating():
    """Every size is within its own limit, but together ~7e9 parameters: bounded from the config."""
    config = ModelConfig(200_000, 200_000, emb_dim=8192, enc_hidden=8192, dec_hidden=8192)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(UserError, match="parameters; the limit is"):
        build_model(config)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 500_000  # KiB: nothing near 28 GB


@pytest.mark.parametrize("sizes", [
    {},
    {"cell": "lstm", "enc_layers": 2, "dec_layers": 2},
    {"cell": "rnn", "bidirectional": False, "attention": "none"},
    {"attention": "luong", "output_dim": 24, "tie_embeddings": True, "emb_dim": 24},
    {"attention": "dot", "enc_hidden": 10, "dec_hidden": 20, "input_feeding": False},
])
def test_the_size_bound_is_tight_and_never_below_the_real_count(sizes):
    config = ModelConfig(300, 200, **{"emb_dim": 16, "enc_hidden": 32, "dec_hidden": 48, **sizes})
    real = build_model(config).num_parameters()
    assert real <= parameter_upper_bound(config) <= 1.25 * real


def test_missing_tokenizer_file(saved):
    (saved / "src.vocab.json").unlink()
    refused(saved, "src.vocab.json", "tokenizer file missing")


@pytest.mark.parametrize("name", ["../../etc/passwd", ".hidden.json", 7])
def test_tokenizer_names_cannot_leave_the_checkpoint(saved, name):
    edit_config(saved, None, src_tokenizer=name)
    refused(saved, "invalid tokenizer file")


class _Booby:
    """Unpickling this creates a marker file: proof that something ran pickle.load."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return Path.touch, (self.marker,)


def test_a_pickle_renamed_model_safetensors_is_never_unpickled(saved, tmp_path):
    marker = tmp_path / "unpickled"
    (saved / WEIGHTS).write_bytes(pickle.dumps({"decoder.output.weight": _Booby(marker)}))
    refused(saved, WEIGHTS, "not a readable safetensors file")
    torch.save({"payload": _Booby(marker)}, saved / WEIGHTS)  # torch's zip+pickle format
    refused(saved, WEIGHTS, "not a readable safetensors file")
    assert not marker.exists()


def test_copied_checkpoint_is_independent_of_its_origin(saved, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(saved, copy)
    shutil.rmtree(saved)
    assert load_checkpoint(copy).path == copy
