"""The Translate page: subword pieces, attention heatmap, n-best list, strategies side by side, and a
typed reference fed by teacher forcing. Decoding settings come from the sidebar; the sentences and
the reference live in the URL."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from seq2seq.service import Timed
from studio.shared import cache, glossary, query, render, specs
from studio.shared.attribution import attribution_section
from studio.shared.page import start
from studio.shared.selection import Selection
from studio.translate import cache as chart_cache
from studio.translate.charts import exposure_frame


def show() -> None:
    selection = start("Translate")
    st.title("Translate")
    if selection is None:
        return
    lines = render.usable_lines(render.text_box(selection, "Sentences, one per line"))
    if not lines:
        return
    with st.spinner("Translating…"):
        results = [cache.trace(selection, line) for line in lines]
    chosen = overview(lines, results) if len(lines) > 1 else 0
    inspect(selection, lines[chosen], results[chosen])
    with st.expander("Greedy vs beam vs sampling, side by side", expanded=True):
        strategies(selection, lines[chosen])
    with st.expander("Type a reference translation: teacher forcing vs the model's own choices", expanded=True):
        reference(selection, lines[chosen], results[chosen])
    attribution_section(selection, results[chosen].trace, None, "translate_attribution")


def overview(lines: list[str], results: list[Timed]) -> int:
    """With several sentences: a table of all translations and a choice of which one to inspect (from 0). The
    choice is the URL's `line` (from 1), the Step-by-step page's too, so a link or a reload shows the same one."""
    st.dataframe(pd.DataFrame({"source": lines, "translation": [r.trace.translation for r in results],
                               "ms": [round(r.ms) for r in results]}), hide_index=True)
    query.put("line", min(len(lines), query.state("line", 1, query.bounded(int, 1, render.MAX_LINES))))
    chosen = st.selectbox("Sentence to inspect", range(1, len(lines) + 1), format_func=lambda i: f"{i}. {lines[i - 1]}",
                          key=query.widget_key("line", 1), on_change=query.keep, args=("line",))
    return chosen - 1


def nbest(timed: Timed) -> None:
    if len(timed.trace.nbest) > 1:
        st.markdown("**n-best list** (score = log p / length penalty)")
        st.dataframe(pd.DataFrame({"translation": [h.translation for h in timed.trace.nbest],
                                   "score": [h.score for h in timed.trace.nbest],
                                   "log p": [h.logprob for h in timed.trace.nbest]}), hide_index=True)


def inspect(selection: Selection, line: str, timed: Timed) -> None:
    render.translation(timed, selection, selection.decode)
    nbest(timed)
    st.markdown("**Source pieces** the model reads (hover for ids)")
    info = selection.model
    specs.show(chart_cache.source_chips_spec(str(info.path), info.version, line, selection.decode))
    glossary.what("source_chips")
    st.markdown("**Attention**: which source pieces each output piece looked at")
    if not selection.summary.has_attention:
        st.info("This model has no attention: the decoder sees the source only through one fixed vector.")
        return
    attention(selection, line)


def attention(selection: Selection, line: str) -> None:
    """The heatmap, optionally without </s> and by whole words."""
    left, right = st.columns(2)
    hide_eos = left.toggle("Hide \\</s>", key="translate_hide_eos",
                           help="Drop the end-of-sentence column and renormalise each row over the real pieces.")
    words = right.toggle("Whole words", key="translate_words",
                         help="Sum each source word's pieces, average each output word's pieces.")
    char_level = selection.summary.src_kind == "char"
    info = selection.model
    specs.show(chart_cache.heatmap_spec(str(info.path), info.version, line, selection.decode, hide_eos, words,
                                        char_level))
    notes = (["</s> hidden: each row renormalised to sum to 1 over the other pieces"] if hide_eos else []) + \
        (["whole words: a source word's weight is the sum over its pieces, an output word's row the average of "
          "its pieces' rows"] if words else [])
    if notes:
        st.caption("; ".join(notes) + ".")
    glossary.what("heatmap")


def strategies(selection: Selection, line: str) -> None:
    """The same sentence decoded three ways with the sidebar's knobs; colour = log p of each piece."""
    configs = chart_cache.strategy_configs(selection.decode)
    results = {name: cache.trace(selection, line, config) for name, config in configs.items()}
    info = selection.model
    specs.show(chart_cache.strategies_spec(str(info.path), info.version, line, selection.decode))
    glossary.what("strategies")
    st.dataframe(pd.DataFrame({"strategy": [c.describe() for c in configs.values()],
                               "translation": [r.trace.translation for r in results.values()],
                               "log p(output)": [r.trace.logprob for r in results.values()],
                               "ms": [round(r.ms) for r in results.values()]}), hide_index=True)


def reference(selection: Selection, line: str, own: Timed) -> None:
    """Exposure bias: teacher forcing feeds the reference; the model's own pick is shown next to it."""
    ref = st.text_input("Reference translation", key=query.widget_key("ref", "", typed=True), on_change=query.keep,
                        args=("ref",), max_chars=render.MAX_CHARS, placeholder="Type the translation you expect")
    if not ref.strip():
        st.caption("Type a reference: each of its pieces gets the probability the model gives it when fed "
                   "the reference so far (teacher forcing), next to what the model would have chosen itself.")
        return
    forced = cache.teacher_forced(selection, line, ref).trace
    frame = exposure_frame(forced)
    info = selection.model
    specs.show(chart_cache.exposure_spec(str(info.path), info.version, line, ref), stretch=True)
    disagree = int((~frame["agrees"]).sum())
    st.caption(f"The model would have chosen another piece at {disagree} of {len(frame)} steps. "
               f"log p(reference) = {forced.logprob:.2f}; log p(model's own output) = {own.trace.logprob:.2f}.")
    st.dataframe(frame.drop(columns=["position"]), hide_index=True)
    glossary.what("teacher_forcing")
