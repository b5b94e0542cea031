"""What the model has seen of a typed sentence: its words counted in the model's training data, the
byte pieces the tokenizer fell back to, and whether the sentence looks like the output language.

A model learns what a word means only from the training sentences that contain it. A word it never met
is read through pieces learnt from other words, and a rare one from a handful of examples: the output may
then be fluent and unrelated ("Hello." → "Je suis en train de faire."). Sentencepiece spells a character
that has no piece of its own as its UTF-8 bytes (<0x33> is the byte of "3"); those byte pieces are shared
by every such character, so they tell the model little. And a sentence typed in the output language
(French into an English→French model) is mostly words the model saw on its output side only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from seq2seq.data.word_counts import WordCounts, words


@dataclass(frozen=True)
class CoverageConfig:
    # Fewer training sentences than this and a word is "rare". Measured on the tatoeba model's 1,944 test
    # sentences grouped by their rarest word's count (benchmarks/rare_words.py): chrF 37 when it is unseen,
    # 45 at 1-9 sentences, 57 at 10-29, then 63 at 30-99 and 66 at 100-999; below 30 the output degrades.
    rare_below: int = 30
    # A word is on the output side when the target side has it this many times more often than the
    # source side: English text quotes the odd French word ("je ne sais quoi") and shares many words
    # with French ("restaurant", "important"), which must not count.
    output_side_ratio: float = 10.0
    # The hint shows when at least this share of the words are output-side words: one stray French word
    # in an English sentence is not French.
    output_side_share: float = 0.5


@dataclass(frozen=True)
class WordSeen:
    word: str  # as the student reads it: lowercased, no punctuation
    count: int  # training sentences whose source side contains it
    target_count: int  # training sentences whose target side contains it


@dataclass(frozen=True)
class BytePieces:
    pieces: list[str]  # consecutive byte pieces, e.g. ["<0xE2>", "<0x82>", "<0xAC>"]
    text: str  # the characters they spell, e.g. "€" (U+FFFD where the bytes are not whole UTF-8)


@dataclass(frozen=True)
class Coverage:
    sentences: int  # training sentences counted
    unseen: list[WordSeen]  # words no training source sentence contains, in typed order
    rare: list[WordSeen]  # words fewer than `rare_below` training source sentences contain
    output_side: list[WordSeen]  # words the model met (mostly) on its output side
    looks_like_output: bool  # enough of the words are output-side words for the hint
    byte_pieces: list[BytePieces] = field(default_factory=list)


_BYTE = re.compile(r"<0x([0-9A-Fa-f]{2})>")


def byte_runs(pieces: list[str]) -> list[BytePieces]:
    """Runs of sentencepiece byte-fallback pieces (<0x..>) among `pieces`, with the characters they spell."""
    runs, current = [], []
    for piece in [*pieces, ""]:
        if _BYTE.fullmatch(piece):
            current.append(piece)
        elif current:
            raw = bytes(int(_BYTE.fullmatch(p).group(1), 16) for p in current)
            runs.append(BytePieces(current, raw.decode("utf-8", errors="replace")))
            current = []
    return runs


def coverage(counts: WordCounts, text: str, src_pieces: list[str],
             config: CoverageConfig = CoverageConfig()) -> Coverage:
    """The typed sentence `text` (read by the model as `src_pieces`) against the training counts."""
    seen = [WordSeen(w, counts.source.get(w, 0), counts.target.get(w, 0)) for w in dict.fromkeys(words(text))]
    output_side = [w for w in seen if w.target_count > config.output_side_ratio * w.count]
    looks = bool(seen) and len(output_side) >= config.output_side_share * len(seen)
    unseen = [w for w in seen if w.count == 0]
    rare = [w for w in seen if 0 < w.count < config.rare_below]
    return Coverage(counts.sentences, unseen, rare, output_side, looks, byte_runs(src_pieces))
