"""The Tatoeba en→fr training setup the toolkit comparisons share: our recipe, one architecture."""
from __future__ import annotations

from pathlib import Path

from benchmarks.archs import model_options
from benchmarks.joey_config import (
    model_section,
    side_section,
    testing_section,
    write_config,
    write_corpus,
    write_tokenizer,
)
from seq2seq.config import TrainConfig, train_config_from_dict
from seq2seq.data.pairs import Split
from seq2seq.data.tokenizer import Tokenizer
from seq2seq.training.presets import PRESETS
from seq2seq.training.trainer import Trainer


def train_config(threads: int, batch_tokens: int, max_pairs: int = 0, **overrides) -> TrainConfig:
    """The shipped tatoeba-en-fr recipe (data, 8k sentencepiece per side, max_len, lr) with benchmark settings."""
    recipe = dict(PRESETS["tatoeba-en-fr"]["train"])
    recipe.update(threads=threads, batch_tokens=batch_tokens, max_train_pairs=max_pairs, precision="fp32",
                  **overrides)
    return train_config_from_dict(recipe)


def make_trainer(arch: str, threads: int, batch_tokens: int, max_pairs: int, out_dir: Path) -> Trainer:
    """A Trainer on Tatoeba (its tokenizers trained on the training split); nothing is written yet."""
    return Trainer(train_config(threads, batch_tokens, max_pairs), model_options(arch), out_dir)


def joey_run_config(folder: Path, split: Split, src_tok: Tokenizer, tgt_tok: Tokenizer, arch: str,
                    config: TrainConfig, training: dict) -> Path:
    """Write Joey's corpus files, our tokenizers and a config into `folder`; returns the config path."""
    folder.mkdir(parents=True, exist_ok=True)
    src, tgt = config.src_lang, config.tgt_lang
    train = write_corpus(folder, "train", split.train, src, tgt)
    dev = write_corpus(folder, "dev", split.valid, src, tgt)
    # Ours keeps pairs shorter than max_len pieces; Joey keeps those of at most max_length.
    sides = {"src": side_section(src, *write_tokenizer(folder, "src", src_tok), src_tok.vocab_size, config.max_len - 1),
             "trg": side_section(tgt, *write_tokenizer(folder, "tgt", tgt_tok), tgt_tok.vocab_size, config.max_len - 1)}
    joey = {"name": "seq2seq-benchmark", "joeynmt_version": "2.3.0", "model_dir": training["model_dir"],
            "data": {"train": str(train), "dev": str(dev), "dataset_type": "plain", **sides},
            "training": training, "testing": testing_section(), "model": model_section(model_options(arch))}
    return write_config(folder / "config.yaml", joey)
