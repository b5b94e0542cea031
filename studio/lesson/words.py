"""The learner's sentence as the Lesson follows it: its words, the pieces of each word in a model's
tokenization (so that one followed word is found in models with different vocabularies), the letters the
vanishing-gradient models read, and the small formatting helpers its texts and equations share.
Pure functions, no streamlit."""
from __future__ import annotations

import re

import numpy as np

from studio.shared.charts.attention import word_groups
from studio.shared.text import escape_markdown, show_piece

MAX_WORDS = 30  # longer input is cut: every view stays readable on one screen
GRADIENT_LETTERS = 29  # the grad-* models were trained on strings of up to 30 letters
EOS = "</s>"


def sentence_words(text: str) -> list[str]:
    return text.split()[:MAX_WORDS]


def default_focus(words: list[str]) -> int:
    """The word followed until the learner picks one: the longest (a content word, usually)."""
    if not words:
        return 0
    letters = [len(re.sub(r"\W", "", word)) for word in words]
    return letters.index(max(letters))


def word_pieces(pieces: list[str], word: int) -> list[int]:
    """Indices of the pieces of the sentence's word number `word` (from 0) in this tokenization: the
    tokenizer starts every word with a ▁ piece, so word k is the k-th group; </s> belongs to none."""
    groups = [g for g in word_groups(pieces, char_level=False) if pieces[g[0]] != EOS]
    return groups[word] if 0 <= word < len(groups) else []


def gradient_letters(text: str, length: int = GRADIENT_LETTERS) -> tuple[str, int]:
    """The sentence as the grad-* models read it, lowercase letters only, repeated until it is `length`
    long (so that the gradient has far to travel) or cut there; and how many letters the sentence had."""
    letters = re.sub(r"[^a-z]", "", text.lower())
    if not letters:
        return "", 0
    return (letters * (length // len(letters) + 1))[:length], len(letters)


def letter_positions(text: str, words: list[str], word: int, letters: str) -> list[int]:
    """Where the followed word's letters sit in `letters` (its first occurrence)."""
    before = len(re.sub(r"[^a-z]", "", " ".join(words[:word]).lower()))
    own = len(re.sub(r"[^a-z]", "", words[word].lower())) if 0 <= word < len(words) else 0
    return [i for i in range(before, before + own) if i < len(letters)]


def quoted(text: str) -> str:
    """Model or user text inside the Lesson's prose, escaped, between quotes."""
    return "‘" + escape_markdown(text) + "’" if text.strip() else "‘’"


def piece_text(piece: str) -> str:
    """A piece as a reader would write it: without the word-start mark."""
    return show_piece(piece).replace("▁", "") or "▁"


def quoted_piece(piece: str) -> str:
    return quoted(piece_text(piece))


def number(value: float, digits: int = 2) -> str:
    return f"{value:,.{digits}f}"


def latex_text(text: str) -> str:
    """Text for KaTeX's \\text{...}: its special characters escaped."""
    table = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "^": r"\^{}", "#": r"\#",
             "$": r"\$", "%": r"\%", "&": r"\&", "~": r"\~{}"}
    return "".join(table.get(ch, ch) for ch in text)


def latex_vector(values, shown: int = 4) -> str:
    """[+0.12, −0.40, …] in LaTeX, with the vector's size."""
    values = np.asarray(values, dtype=float).ravel()
    head = ", ".join(f"{v:+.2f}" for v in values[:shown])
    more = r", \ldots" if len(values) > shown else ""
    return rf"[{head}{more}]\ \ (\text{{{len(values):,} numbers}})"


def saturated(values, threshold: float = 0.9) -> int:
    return int(np.sum(np.abs(np.asarray(values)) > threshold))
