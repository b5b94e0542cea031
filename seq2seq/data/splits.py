"""The `data` setting of a training config resolved to a train/valid/test split."""
from __future__ import annotations

import random

from seq2seq.config import TrainConfig
from seq2seq.data import joey_data
from seq2seq.data.pairs import Split, read_tsv, split_grouped
from seq2seq.data.toy import make_toy_split


def load_split(config: TrainConfig, data_dir=None, download: bool = False) -> Split:
    """Resolve the `data` setting; `max_train_pairs` keeps a deterministic subset of the training part."""
    split = _load_full_split(config, data_dir, download)
    if config.max_train_pairs:
        split.train = random.Random(config.seed).sample(split.train, min(config.max_train_pairs, len(split.train)))
    return split


def _load_full_split(config: TrainConfig, data_dir, download: bool) -> Split:
    if config.data.startswith("toy:"):
        return make_toy_split(config.data[4:], seed=config.seed)
    if config.data.startswith("tsv:"):
        return split_grouped(read_tsv(config.data[4:]), seed=config.seed)
    if config.data.startswith(joey_data.PREFIX):
        return joey_data.load_joey_split(config)
    from seq2seq.data.corpora import (
        load_corpus,  # the registry pulls in download code only when needed
    )

    return load_corpus(config.data, config.src_lang, config.tgt_lang, data_dir=data_dir, download=download)
