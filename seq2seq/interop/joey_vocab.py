"""A Joey NMT vocabulary and tokenizer as one of our tokenizers, and where each of our ids sits in Joey's.

Joey looks pieces up in its vocabulary file (line i = id i, its four special symbols first); our
tokenizers have the specials at fixed ids (seq2seq.symbols) and ids of their own for the rest. The same
text gives the same pieces on both sides, so an imported model reads and writes the same pieces when its
embedding and output rows are reordered by `joey_ids`: row i of ours = row joey_ids[i] of Joey's.

Joey's char level maps onto our char tokenizer (Joey writes a space as '▁'), its sentencepiece level onto
ours with the same sentencepiece model. Word level, subword-nmt, lowercasing, normalizing and Moses
pre-tokenizing have no tokenizer here and are refused.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sentencepiece as spm

from seq2seq.data.tokenizer import CharTokenizer, SentencePieceTokenizer, Tokenizer
from seq2seq.errors import UserError
from seq2seq.interop.joey_config import SPECIALS_DEFAULT, section
from seq2seq.symbols import SPECIALS

SPACE_ESCAPE = "\u2581"  # Joey's char level writes a space as sentencepiece's '▁'


@dataclass(frozen=True)
class SideVocab:
    tokenizer: Tokenizer
    joey_ids: list[int]  # for each of our ids, Joey's id of the same piece


def side_vocab(config: dict[str, Any], side: str, model_dir: Path) -> SideVocab:
    """`side` is Joey's "src" or "trg" data section."""
    data = section(config, "data", side)
    _check_preprocessing(data, side)
    itos = read_vocab(model_dir / f"{side}_vocab.txt", _specials(config))
    specials = _special_ids(config, itos)
    level = data.get("level", "word")
    if level == "char":
        return _char_vocab(itos, specials, side)
    kind = data.get("tokenizer_type", data.get("bpe_type", "sentencepiece"))
    if level == "bpe" and kind == "sentencepiece":
        return _sentencepiece_vocab(itos, specials, _sentencepiece_file(data, model_dir, side))
    raise UserError(f"Joey {side} tokenizer (level {level!r}{', ' + str(kind) if level == 'bpe' else ''}) has no "
                    "seq2seq counterpart: char level and sentencepiece import")


def read_vocab(path: Path, specials: list[str]) -> list[str]:
    """Joey's id -> piece list, built as joeynmt.vocabulary.Vocabulary builds it from the file."""
    try:
        lines = [line.rstrip("\n") for line in path.read_text(encoding="utf-8").splitlines()]
    except FileNotFoundError:
        raise UserError(f"{path}: not found — Joey writes it into the model folder when it trains") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text") from None
    itos: list[str] = []
    for token in specials + lines:
        if token not in itos:
            itos.append(token)
    return itos


def _specials(config: dict[str, Any]) -> list[str]:
    symbols = SPECIALS_DEFAULT | section(config, "data", "special_symbols")
    if symbols.get("sep_token") or symbols.get("lang_tags"):
        raise UserError("Joey model uses prompts or language tags (sep_token, lang_tags): not supported by seq2seq")
    return [symbols[f"{name}_token"] for name in ("unk", "pad", "bos", "eos")]


def _special_ids(config: dict[str, Any], itos: list[str]) -> dict[str, int]:
    """Joey's id for each of our special symbols, by role."""
    symbols = SPECIALS_DEFAULT | section(config, "data", "special_symbols")
    ours = dict(zip(("pad", "unk", "bos", "eos"), SPECIALS))
    return {ours[role]: itos.index(symbols[f"{role}_token"]) for role in ours}


def _check_preprocessing(data: dict[str, Any], side: str) -> None:
    if data.get("lowercase") or data.get("normalize"):
        raise UserError(f"Joey {side} side lowercases or normalizes its input: seq2seq's tokenizers read text as typed")
    if section(data, "tokenizer_cfg").get("pretokenizer", "none") != "none":
        raise UserError(f"Joey {side} side uses the Moses pre-tokenizer: seq2seq's tokenizers have none")


def _char_vocab(itos: list[str], specials: dict[str, int], side: str) -> SideVocab:
    pieces = [(i, token) for i, token in enumerate(itos) if i not in specials.values()]
    long = [token for _, token in pieces if len(token) != 1]
    if long:
        raise UserError(f"Joey {side} vocabulary is char level but holds {long[0]!r}: not one character")
    chars = [" " if token == SPACE_ESCAPE else token for _, token in pieces]
    return SideVocab(CharTokenizer(chars), [specials[s] for s in SPECIALS] + [i for i, _ in pieces])


def _sentencepiece_file(data: dict[str, Any], model_dir: Path, side: str) -> Path:
    """Joey copies its sentencepiece model into the model folder; the configured path is the fallback."""
    configured = section(data, "tokenizer_cfg").get("model_file")
    if not configured:
        raise UserError(f"Joey {side} side is sentencepiece but names no tokenizer_cfg.model_file")
    for path in (model_dir / Path(str(configured)).name, Path(str(configured))):
        if path.is_file():
            return path
    raise UserError(f"Joey {side} sentencepiece model {Path(str(configured)).name} is neither in {model_dir} nor at "
                    f"{configured}")


def _sentencepiece_vocab(itos: list[str], specials: dict[str, int], path: Path) -> SideVocab:
    try:
        tokenizer = SentencePieceTokenizer(path.read_bytes())
    except RuntimeError as exc:
        raise UserError(f"{path}: not a sentencepiece model ({exc})") from None
    processor = spm.SentencePieceProcessor(model_proto=tokenizer.model_proto)
    found = (processor.pad_id(), processor.unk_id(), processor.bos_id(), processor.eos_id())
    if found != (0, 1, 2, 3):
        raise UserError(f"{path.name} puts <pad>, <unk>, <s>, </s> at ids {found}: seq2seq's tokenizers need them "
                        "at 0, 1, 2, 3 (spm_train --pad_id=0 --unk_id=1 --bos_id=2 --eos_id=3)")
    stoi = {token: i for i, token in enumerate(itos)}
    pieces = [processor.id_to_piece(i) for i in range(len(SPECIALS), processor.get_piece_size())]
    known = set(pieces)
    missing = [p for p in pieces if p not in stoi]
    extra = [t for i, t in enumerate(itos) if t not in known and i not in specials.values()]
    if missing or extra:
        # Joey would segment with only its vocabulary's pieces (SetVocabulary), or could write pieces the
        # model file cannot: either way the same text would not give the same pieces.
        example = f"{missing[0]!r} missing" if missing else f"{extra[0]!r} extra"
        raise UserError(f"Joey's vocabulary and {path.name} differ in {len(missing) + len(extra)} pieces "
                        f"(e.g. {example}): import needs the vocabulary written from the sentencepiece model itself")
    return SideVocab(tokenizer, [specials[s] for s in SPECIALS] + [stoi[p] for p in pieces])
