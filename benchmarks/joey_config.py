"""A Joey NMT 2.3 run folder: plain-text corpus files, our sentencepiece models, and a config that
mirrors our architecture and training settings as closely as Joey allows.

The config is written as JSON, which YAML parsers read, so this side needs no YAML library.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.archs import out_dim
from seq2seq.data.pairs import Pair
from seq2seq.data.tokenizer import Tokenizer


def write_corpus(folder: Path, name: str, pairs: list[Pair], src_lang: str, tgt_lang: str) -> Path:
    """`name.src_lang` and `name.tgt_lang`, one sentence per line, as Joey's "plain" datasets expect."""
    stem = folder / name
    (folder / f"{name}.{src_lang}").write_text("".join(p.source + "\n" for p in pairs), encoding="utf-8")
    (folder / f"{name}.{tgt_lang}").write_text("".join(p.target + "\n" for p in pairs), encoding="utf-8")
    return stem


def write_tokenizer(folder: Path, side: str, tokenizer: Tokenizer) -> tuple[Path, Path]:
    """Our sentencepiece model as is, and its pieces as Joey's vocabulary file (same ids for specials)."""
    model = folder / f"{side}.model"
    tokenizer.save(model)
    vocab = folder / f"{side}.vocab.txt"
    vocab.write_text("".join(tokenizer.piece(i) + "\n" for i in range(tokenizer.vocab_size)), encoding="utf-8")
    return model, vocab


def side_section(lang: str, model: Path, vocab: Path, vocab_size: int, max_length: int) -> dict[str, Any]:
    return {"lang": lang, "max_length": max_length, "min_length": 1, "lowercase": False, "normalize": False,
            "level": "bpe", "voc_limit": vocab_size, "voc_min_freq": 1, "voc_file": str(vocab),
            "tokenizer_type": "sentencepiece",
            "tokenizer_cfg": {"model_file": str(model), "pretokenizer": "none", "alpha": 0.0}}


def model_section(options: dict[str, Any]) -> dict[str, Any]:
    """Our model options in Joey's terms (GRU, bridge init, Bahdanau, input feeding)."""
    tied = bool(options.get("tie_embeddings"))
    if out_dim(options) != options["dec_hidden"]:
        raise SystemExit("Joey's attentional vector is the decoder size: output_dim must be 0 or dec_hidden")
    dropout = options.get("dropout", 0.0)
    encoder = {"type": "recurrent", "rnn_type": options["cell"], "hidden_size": options["enc_hidden"],
               "bidirectional": True, "num_layers": 1, "dropout": dropout,
               "embeddings": {"embedding_dim": options["emb_dim"]}}
    decoder = {"type": "recurrent", "rnn_type": options["cell"], "hidden_size": options["dec_hidden"],
               "num_layers": 1, "dropout": dropout, "hidden_dropout": dropout, "attention": options["attention"],
               "input_feeding": options.get("input_feeding", True), "init_hidden": "bridge",
               "embeddings": {"embedding_dim": options["emb_dim"]}}
    return {"initializer": "xavier_uniform", "bias_initializer": "zeros", "embed_initializer": "normal",
            "embed_init_weight": 0.1, "tied_embeddings": False, "tied_softmax": tied,
            "encoder": encoder, "decoder": decoder}


def training_section(model_dir: Path, batch_tokens: int, lr: float, label_smoothing: float, clip_norm: float,
                     logging_freq: int, validation_freq: int, epochs: int = 100) -> dict[str, Any]:
    # "plateau" breaks on torch 2.13 (ReduceLROnPlateau lost `verbose`) and a missing scheduler is an
    # error in Joey 2.3: step decay once every 10,000 epochs is a constant learning rate.
    return {"random_seed": 42, "optimizer": "adam", "adam_betas": [0.9, 0.999], "learning_rate": lr,
            "learning_rate_min": 0.0, "scheduling": "decaying", "decaying_step_size": 10000,
            "clip_grad_norm": clip_norm, "label_smoothing": label_smoothing, "loss": "crossentropy",
            "normalization": "tokens", "batch_size": batch_tokens, "batch_type": "token", "batch_multiplier": 1,
            "epochs": epochs, "validation_freq": validation_freq, "logging_freq": logging_freq,
            "early_stopping_metric": "ppl", "model_dir": str(model_dir), "overwrite": True, "shuffle": True,
            "use_cuda": False, "fp16": False, "print_valid_sents": [], "keep_best_ckpts": 1, "num_workers": 0}


def testing_section(beam_size: int = 1, batch_size: int = 64) -> dict[str, Any]:
    return {"n_best": 1, "beam_size": beam_size, "beam_alpha": 1.0, "batch_size": batch_size,
            "batch_type": "sentence", "eval_metrics": ["bleu"], "sacrebleu_cfg": {"tokenize": "13a"}}


def write_config(path: Path, config: dict[str, Any]) -> Path:
    _check_floats(config)
    path.write_text(json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def _check_floats(value: Any) -> None:
    """PyYAML (YAML 1.1) reads JSON's 1e-08 as a string: keep every float in plain decimal notation."""
    if isinstance(value, dict):
        for item in value.values():
            _check_floats(item)
    elif isinstance(value, float) and "e" in repr(value):
        raise ValueError(f"{value!r} would reach Joey NMT as a string; use a plain decimal")


def read_config(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def decoding_config(train_config: Path, checkpoint: Path, out: Path, beam_size: int = 1, batch_size: int = 64) -> Path:
    """A copy of a training run's config that decodes with `checkpoint` (greedy when beam_size is 1)."""
    config = read_config(train_config)
    config["testing"] = testing_section(beam_size, batch_size) | {"load_model": str(checkpoint.resolve())}
    return write_config(out, config)


def resumed_config(train_config: Path, checkpoint: Path, model_dir: Path, out: Path) -> Path:
    """A copy of a training run's config that continues from `checkpoint` (weights, Adam, data order)."""
    config = read_config(train_config)
    config["model_dir"] = str(model_dir)
    config["training"] |= {"model_dir": str(model_dir), "load_model": str(checkpoint.resolve())}
    return write_config(out, config)
