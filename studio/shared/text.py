"""Showing model and user text safely: Markdown escaping and readable subword pieces."""
from __future__ import annotations

import string
import unicodedata

from seq2seq.service import clean_text

# CommonMark lets a backslash escape any ASCII punctuation; escaping all of it also disarms
# Streamlit's own syntax (:red[...], :emoji:, $math$) and raw HTML such as <script>.
_MARKDOWN_SPECIALS = frozenset(string.punctuation)


def escape_markdown(text: str) -> str:
    """Text that st.markdown shows literally, on one line, whatever characters it holds."""
    visible = " ".join(_visible(word) for word in text.split())
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in visible)


def _visible(word: str) -> str:
    return "".join("\ufffd" if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in word)


def show_piece(piece: str) -> str:
    """A subword piece as a chip label: spaces and invisible characters made visible."""
    if piece == " ":
        return "␣"
    return "".join(f"U+{ord(ch):04X}" if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in piece)


def sentences(text: str) -> list[str]:
    """Lines that still hold something to translate once control characters are dropped."""
    return [line.strip() for line in text.splitlines() if clean_text(line)]
