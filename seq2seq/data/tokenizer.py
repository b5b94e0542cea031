"""Tokenizers: sentencepiece for natural language, characters for toy tasks.

Both share fixed ids for the special symbols so that models and searches need not ask.
"""
from __future__ import annotations

import io
import json
import unicodedata
from pathlib import Path
from typing import Iterable, Protocol

import sentencepiece as spm

from seq2seq.config import TokenizerConfig
from seq2seq.data.pairs import Split
from seq2seq.errors import UserError
from seq2seq.files import read_bytes, read_json
from seq2seq.symbols import BOS_ID, EOS_ID, PAD_ID, SPECIALS, UNK_ID

# Format characters that carry meaning: joiners build emoji sequences and Persian/Indic words.
_KEPT_FORMAT = {"\u200c", "\u200d"}


def clean_text(text: str) -> str:
    """Make any string safe to tokenize: drop control and format characters and lone surrogates.

    Unassigned and private-use code points stay: they may be emoji newer than Python's Unicode tables.
    """
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf") and ch not in _KEPT_FORMAT else ch for ch in text)
    return " ".join(text.split())


class Tokenizer(Protocol):
    kind: str

    @property
    def vocab_size(self) -> int: ...
    def encode(self, text: str) -> list[int]: ...
    def decode(self, ids: Iterable[int]) -> str: ...
    def piece(self, token_id: int) -> str: ...
    def save(self, path: Path) -> None: ...


class SentencePieceTokenizer:
    kind = "sentencepiece"

    def __init__(self, model_proto: bytes):
        self.model_proto = model_proto
        self._sp = spm.SentencePieceProcessor(model_proto=model_proto)

    @property
    def vocab_size(self) -> int:
        return self._sp.get_piece_size()

    def encode(self, text: str) -> list[int]:
        return self._sp.encode(clean_text(text))

    def decode(self, ids: Iterable[int]) -> str:
        return self._sp.decode([i for i in ids if i > EOS_ID])

    def piece(self, token_id: int) -> str:
        return SPECIALS[token_id] if token_id <= EOS_ID else self._sp.id_to_piece(token_id)

    def save(self, path: Path) -> None:
        path.write_bytes(self.model_proto)


class CharTokenizer:
    """One id per character; for toy tasks where pieces are symbols (digits, letters)."""

    kind = "char"

    def __init__(self, chars: Iterable[str]):
        self.chars = list(chars)
        self._ids = {ch: i + len(SPECIALS) for i, ch in enumerate(self.chars)}

    @property
    def vocab_size(self) -> int:
        return len(SPECIALS) + len(self.chars)

    def encode(self, text: str) -> list[int]:
        return [self._ids.get(ch, UNK_ID) for ch in clean_text(text)]

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self.chars[i - len(SPECIALS)] for i in ids if i > EOS_ID)

    def piece(self, token_id: int) -> str:
        return SPECIALS[token_id] if token_id <= EOS_ID else self.chars[token_id - len(SPECIALS)]

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"kind": "char", "chars": self.chars}, ensure_ascii=False))


def train_char(texts: Iterable[str]) -> CharTokenizer:
    return CharTokenizer(sorted({ch for text in texts for ch in clean_text(text)}))


def train_sentencepiece(texts: Iterable[str], vocab_size: int, model_type: str = "unigram") -> SentencePieceTokenizer:
    """Train in memory from an iterator: no temporary files, byte fallback so any text round-trips."""
    texts = [t for t in (clean_text(t) for t in texts) if t]
    if not texts:
        raise UserError("cannot train a tokenizer on empty data")
    writer = io.BytesIO()
    options = dict(
        sentence_iterator=iter(texts), model_writer=writer, vocab_size=vocab_size,
        model_type=model_type, pad_id=PAD_ID, unk_id=UNK_ID, bos_id=BOS_ID, eos_id=EOS_ID,
        byte_fallback=True, character_coverage=0.9995, input_sentence_size=2_000_000,
        shuffle_input_sentence=True, minloglevel=2, num_threads=2,
        # Small corpora cannot fill a large vocabulary; let sentencepiece settle below it.
        hard_vocab_limit=False,
    )
    try:
        spm.SentencePieceTrainer.train(**options)
    except RuntimeError as exc:  # e.g. a vocab_size too small for the 256 byte pieces plus the characters
        raise UserError(f"cannot train a sentencepiece tokenizer with vocab_size={vocab_size}: {exc}") from None
    return SentencePieceTokenizer(writer.getvalue())


def load_tokenizer(path: Path) -> Tokenizer:
    if not path.exists():
        raise UserError(f"{path}: tokenizer file missing")
    if path.suffix == ".json":
        data = read_json(path, "a character tokenizer file")
        chars = data.get("chars") if isinstance(data, dict) and data.get("kind") == "char" else None
        if not isinstance(chars, list) or not all(isinstance(ch, str) for ch in chars):
            raise UserError(f"{path}: not a character tokenizer file")
        return CharTokenizer(chars)
    try:
        return SentencePieceTokenizer(read_bytes(path))
    except RuntimeError as exc:
        raise UserError(f"{path}: not a sentencepiece model ({exc})") from None


def tokenizer_filename(tokenizer: Tokenizer, side: str) -> str:
    return f"{side}.vocab.json" if tokenizer.kind == "char" else f"{side}.model"


def build_tokenizers(tok: TokenizerConfig, split: Split) -> tuple[Tokenizer, Tokenizer]:
    """Source and target tokenizers learnt from the training part of `split`."""
    sources = [p.source for p in split.train]
    targets = [p.target for p in split.train]
    if tok.kind == "char":
        return (train_char(sources + targets),) * 2 if tok.joint else (train_char(sources), train_char(targets))
    if tok.joint:
        shared = train_sentencepiece(sources + targets, tok.vocab_size, tok.model_type)
        return shared, shared
    return (train_sentencepiece(sources, tok.vocab_size, tok.model_type),
            train_sentencepiece(targets, tok.vocab_size, tok.model_type))
