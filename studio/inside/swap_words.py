"""The word-swap counterfactual's first suggestion: a word that changes the meaning, spelled like a word.

Reversing a word's characters (the first attempt) turned "you." into ".uoy", which no model has ever
read. A suggestion keeps the word's punctuation and capital, and swaps it for its everyday opposite,
the next month, the next number, or its plural.
"""
from __future__ import annotations

import re

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
OPPOSITES = {"happy": "sad", "good": "bad", "big": "small", "old": "young", "hot": "cold", "cat": "dog",
             "cats": "dogs", "man": "woman", "men": "women", "boy": "girl", "you": "him", "yesterday": "tomorrow",
             "morning": "evening", "brother": "sister", "like": "hate", "love": "hate", "always": "never",
             "today": "tomorrow", "went": "came", "see": "hear", "is": "was", "am": "was", "are": "were"}
OPPOSITES |= {value: key for key, value in list(OPPOSITES.items()) if value not in OPPOSITES}


def _split(word: str) -> tuple[str, str, str]:
    """(leading punctuation, core, trailing punctuation)."""
    start = next((i for i, ch in enumerate(word) if ch.isalnum()), len(word))
    end = next((i for i in range(len(word), 0, -1) if word[i - 1].isalnum()), start)
    return word[:start], word[start:end], word[end:]


def _swapped(core: str) -> str:
    lower = core.lower()
    if not any(ch.isalpha() for ch in core):  # a number, or a sum such as 123+456: change its last number
        return re.sub(r"\d+(?!.*\d)", lambda m: str(int(m.group()) + 1), core)
    for index, month in enumerate(MONTHS):
        if lower == month.lower():
            return MONTHS[(index + 1) % 12]
    found = OPPOSITES.get(lower) or (lower[:-1] if lower.endswith("s") and len(lower) > 2 else lower + "s")
    return found.capitalize() if core[:1].isupper() else found


def replacement(word: str) -> str:
    lead, core, trail = _split(word)
    return f"{lead}{_swapped(core)}{trail}" if core else word
