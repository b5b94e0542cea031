"""Streamlit snippets the pages share: the sentence box, input messages, a translation with its
pieces, timing and warnings, and a chart. Model and user text only ever reaches the screen escaped.
"""
from __future__ import annotations

import altair as alt
import streamlit as st

from seq2seq.config import DecodeConfig
from seq2seq.service import UNK_ID, Timed
from studio.shared import coverage, glossary, query, specs
from studio.shared.examples import example_sentence
from studio.shared.selection import Selection
from studio.shared.text import escape_markdown, sentences

MAX_LINES = 20
# Far beyond a sentence, yet bounded: the model truncates long input anyway and says so.
MAX_CHARS = 20_000


def text_box(selection: Selection, label: str, height: int = 100,
             help: str = "One sentence per line. Ctrl+Enter translates.") -> str:
    """The sentence box shared by the pages: what one page got typed, the next one shows."""
    key = query.widget_key("text", example_sentence(selection.model), typed=True)
    if "text" in st.session_state:
        query.publish({"text": st.session_state["text"]})  # a page switch may have dropped it
    return st.text_area(label, key=key, on_change=query.keep, args=("text",), height=height, max_chars=MAX_CHARS,
                        help=help) or ""


def usable_lines(text: str) -> list[str]:
    """The lines to translate, with a message when there are none or too many."""
    lines = sentences(text)
    if not lines:
        st.info("Type a sentence to translate (one per line).")
    elif len(lines) > MAX_LINES:
        st.warning(f"Only the first {MAX_LINES} of {len(lines)} lines are translated here; for a whole file "
                   "use `python -m seq2seq translate --input FILE`.")
    return lines[:MAX_LINES]


def big_text(text: str) -> None:
    st.markdown("#### " + escape_markdown(text) if text.strip() else "#### _(empty output)_")


def truncation_warning(timed: Timed, selection: Selection) -> None:
    if timed.trace.truncated:
        limit = selection.summary.config.max_src_len
        st.warning(f"This sentence is longer than the model reads ({limit} pieces): only its beginning was "
                   "translated. Split it into shorter sentences.")


def input_notes(timed: Timed, selection: Selection) -> None:
    """Say when the model did not read all of the input, read some of it as unknown, or saw its words
    rarely or never in training (studio/shared/coverage.py)."""
    truncation_warning(timed, selection)
    unknown = timed.trace.src_ids.count(UNK_ID)
    if unknown:
        st.caption(f"{unknown} piece(s) of the input never occurred in this model's training data; it reads "
                   "them as `<unk>`.")
    coverage.notes(selection, timed.trace.source)


def translation(timed: Timed, selection: Selection, decode: DecodeConfig) -> None:
    """The translation in large type, its pieces coloured by the model's uncertainty, and the timing."""
    big_text(timed.trace.translation)
    input_notes(timed, selection)
    specs.show(specs.translation_chips(selection.model, decode, timed.trace))
    st.caption(f"{len(timed.trace.steps)} decoding steps · {decode.describe()} · decoded in "
               f"{timed.ms:.0f} ms on the server · chip colour = entropy of the step (dark = unsure)")
    glossary.what("chips")


def chart(value: alt.TopLevelMixin | None, stretch: bool = False) -> None:
    specs.show(specs.spec(value), stretch)
