"""The word-swap counterfactual's first suggestion: a word that changes the meaning, spelled like a word.

Reversing a word's characters (the first attempt) turned "you." into ".uoy", which no model has ever
read, and adding an s turned "arrived." into "arriveds.". A suggestion keeps the word's punctuation and
capital, and swaps it for its everyday opposite, the next month, the next number, or its plural or
singular; for a model that reads words (sentencepiece), only a word the model knows as a whole piece,
else the known word nearest to it in the model's embedding with the same ending (-ed for -ed).
"""
from __future__ import annotations

import re
from typing import Callable, Iterable

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
OPPOSITES = {"happy": "sad", "good": "bad", "big": "small", "old": "young", "hot": "cold", "cat": "dog",
             "cats": "dogs", "man": "woman", "men": "women", "boy": "girl", "you": "him", "yesterday": "tomorrow",
             "morning": "evening", "brother": "sister", "like": "hate", "love": "hate", "always": "never",
             "today": "tomorrow", "went": "came", "see": "hear", "is": "was", "am": "was", "are": "were",
             "arrived": "left", "arrive": "leave", "early": "late", "first": "last"}
OPPOSITES |= {value: key for key, value in list(OPPOSITES.items()) if value not in OPPOSITES}


def _split(word: str) -> tuple[str, str, str]:
    """(leading punctuation, core, trailing punctuation)."""
    start = next((i for i, ch in enumerate(word) if ch.isalnum()), len(word))
    end = next((i for i in range(len(word), 0, -1) if word[i - 1].isalnum()), start)
    return word[:start], word[start:end], word[end:]


# Inflections a swap keeps, longest first: a past tense stays a past tense, an adverb an adverb.
ENDINGS = ("ing", "ed", "ly", "s")


def _ending(word: str) -> str:
    return next((e for e in ENDINGS if word.lower().endswith(e) and len(word) > len(e) + 1), "")


def _cased(found: str, core: str) -> str:
    return found.capitalize() if core[:1].isupper() else found


def _candidates(core: str) -> list[str]:
    """Swaps by rule, best first: the opposite, then the singular or the plural."""
    lower = core.lower()
    number = lower[:-1] if lower.endswith("s") and len(lower) > 2 else lower + "s"
    return [_cased(found, core) for found in (OPPOSITES.get(lower), number) if found]


def _swapped(core: str, knows: Callable[[str], bool] | None, similar: Callable[[str], Iterable[str]] | None) -> str:
    if not any(ch.isalpha() for ch in core):  # a number, or a sum such as 123+456: change its last number
        return re.sub(r"\d+(?!.*\d)", lambda m: str(int(m.group()) + 1), core)
    for index, month in enumerate(MONTHS):
        if core.lower() == month.lower():
            return MONTHS[(index + 1) % 12]
    candidates = _candidates(core)
    if knows is None:  # a model that reads characters: any spelling is as real as another to it
        return candidates[0]
    known = [c for c in candidates if knows(c) or knows(c.lower())]
    if known:
        return known[0]
    ending = _ending(core)
    near = [w for w in (similar(core) if similar else []) if w.lower() != core.lower() and _ending(w) == ending
            and w[:1].isupper() == core[:1].isupper()]
    return near[0] if near else candidates[0]


def replacement(word: str, knows: Callable[[str], bool] | None = None,
                similar: Callable[[str], Iterable[str]] | None = None) -> str:
    """`knows(w)`: whether the model reads w as a whole word (None: it reads characters); `similar(w)`: the
    words it knows, nearest to w first."""
    lead, core, trail = _split(word)
    return f"{lead}{_swapped(core, knows, similar)}{trail}" if core else word
