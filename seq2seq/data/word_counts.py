"""How many training sentences contain each word: what a model has seen of a word it is asked to translate.

Words are read the way a student reads them: lowercased, punctuation stripped, an apostrophe inside a
word kept ("don't", "aujourd'hui"). Counts are of sentences (a word twice in one sentence counts once),
for both sides of the training split that the model's own `data` setting resolves to. They are computed
once per data setting and kept in the user cache ($SEQ2SEQ_CACHE/derived, never the repository): the
file holds words and numbers, no sentence.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from seq2seq.config import TrainConfig
from seq2seq.data import joey_data
from seq2seq.data.corpora import cache_dir
from seq2seq.data.pairs import Pair
from seq2seq.data.splits import load_split
from seq2seq.files import write_text

# Bump when the counting changes, so that files counted the old way are counted again.
FORMAT = 1
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def words(text: str) -> list[str]:
    """The words of `text` as a student reads them, in order: lowercased, without punctuation."""
    return [word.replace("’", "'") for word in _WORD.findall(text.lower())]


@dataclass(frozen=True)
class WordCounts:
    data: str  # the `data` setting counted, e.g. "tatoeba-en-fr"
    sentences: int  # training pairs counted
    source: dict[str, int]  # word -> training sentences whose source side contains it
    target: dict[str, int]  # word -> training sentences whose target side contains it


def count_words(data: str, pairs: list[Pair]) -> WordCounts:
    source, target = Counter(), Counter()
    for pair in pairs:
        source.update(set(words(pair.source)))
        target.update(set(words(pair.target)))
    return WordCounts(data, len(pairs), dict(source), dict(target))


def _key(config: TrainConfig) -> str:
    """What decides the training split: the data setting, its languages, the subset kept, and for an
    uploaded file or a Joey model's files their size and time (new files under the same name are counted
    again)."""
    parts = {"format": FORMAT, "data": config.data, "src": config.src_lang, "tgt": config.tgt_lang,
             "max_train_pairs": config.max_train_pairs, "seed": config.seed}
    if config.data.startswith("tsv:"):
        stat = Path(config.data[4:]).stat()
        parts["file"] = [stat.st_size, stat.st_mtime]
    if config.data.startswith(joey_data.PREFIX):  # files Joey trained on, which may be rewritten in place
        parts["files"] = [[p.stat().st_size, p.stat().st_mtime] for p in joey_data.files(config) if p.is_file()]
    return json.dumps(parts, sort_keys=True)


def _cache_file(key: str) -> Path:
    return cache_dir("derived") / f"word-counts-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"


def training_word_counts(config: TrainConfig, data_dir=None) -> WordCounts:
    """The counts of the training split `config` describes, from the cache when counted before.
    UserError (naming what is missing) when the data is not on this machine."""
    key = _key(config) if not config.data.startswith("tsv:") or Path(config.data[4:]).is_file() else None
    path = _cache_file(key) if key else None
    if path is not None and path.is_file():
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            if stored.get("key") == key:
                return WordCounts(config.data, stored["sentences"], stored["source"], stored["target"])
        except (OSError, ValueError, KeyError):
            pass  # unreadable or half-written by an older version: count again
    counts = count_words(config.data, load_split(config, data_dir).train)
    if path is not None:
        try:
            write_text(path, json.dumps({"key": key, "sentences": counts.sentences, "source": counts.source,
                                         "target": counts.target}, ensure_ascii=False))
        except OSError:
            pass  # a read-only cache only costs the next caller the counting again
    return counts
