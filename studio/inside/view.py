"""The Inside-the-model page: hidden-state paths in 2-D, word-swap counterfactuals, neurons and gates,
nearest training states, attention vs none. States of your sentences are drawn against states of
the model's own training data."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from seq2seq import service
from studio.inside import cache as inside_cache
from studio.inside.bottleneck import bottleneck
from studio.inside.charts import kl_frame
from studio.inside.gradients import gradients
from studio.inside.space import (
    decoder_path,
    draw_spaces,
    encoder_paths,
    pick_components,
    reference,
    step_page_links,
)
from studio.inside.states import neighbours, neurons
from studio.shared import cache, glossary, query, render
from studio.shared.page import start
from studio.shared.selection import Selection
from studio.shared.text import escape_markdown, show_piece

VIEWS = ("Trajectories", "Compare", "Neurons", "Neighbours", "Bottleneck", "Gradients")
MAX_TRAJECTORIES = 5


def show() -> None:
    selection = start("Inside the model")
    st.title("Inside the model")
    st.caption("The hidden states behind a translation: where they travel, which units fire, which training "
               "sentences they resemble, and what attention buys on long sentences.")
    if selection is None:
        return
    view = st.radio("View", VIEWS, horizontal=True, key=query.widget_key("view", VIEWS[0], query.choice(VIEWS)),
                    on_change=query.keep, args=("view",), label_visibility="collapsed")
    if view == "Gradients":  # its own letters and its own three models: the sentence box would do nothing
        gradients()
        return
    lines = render.usable_lines(render.text_box(selection, "Sentences, one per line (each becomes a path)", 80))
    if not lines:
        return
    first = cache.trace(selection, lines[0])
    render.big_text(first.trace.translation)
    render.input_notes(first, selection)
    show_view(selection, view, lines)


def pick_sentence(lines: list[str]) -> str:
    if len(lines) == 1:
        return lines[0]
    return st.selectbox("Sentence to look inside", lines, key="inside_line", format_func=lambda s: s[:80])


def show_view(selection: Selection, view: str, lines: list[str]) -> None:
    if view == "Trajectories":
        trajectories(selection, lines)
        return
    sentence = pick_sentence(lines)
    {"Compare": compare, "Neurons": neurons, "Neighbours": neighbours, "Bottleneck": bottleneck}[view](
        selection, sentence)


def trajectories(selection: Selection, lines: list[str]) -> None:
    ref = reference(selection, lines)
    st.caption("Each sentence becomes a path: one point per piece, a square on the first, arrows in the order "
               "the RNN goes (the backward encoder reads from the end). Encoder and decoder states differ in "
               "size and role, so each family has its own PCA; forward and backward encoder states share one "
               "space. Pieces are labelled only where a label fits without covering another; hover any point "
               "for its piece and what the state predicts; click a decoder point to open that step on the "
               "step-by-step page.")
    if len(lines) > MAX_TRAJECTORIES:
        st.info(f"Drawing the first {MAX_TRAJECTORIES} of {len(lines)} sentences.")
    components = pick_components()
    encoder, decoder = [], []
    for number, line in enumerate(lines[:MAX_TRAJECTORIES], start=1):
        trace = cache.trace(selection, line).trace
        encoder += encoder_paths(f"#{number}", trace, ref, components)
        decoder.append(decoder_path(f"#{number}", trace, ref, components, links=True))
    draw_spaces(ref, encoder, decoder, components)
    glossary.what("trajectories")
    step_links(selection, lines[0])


def step_links(selection: Selection, sentence: str) -> None:
    trace = cache.trace(selection, sentence).trace
    links = step_page_links(sentence, len(trace.steps))
    if not links[0]:
        return
    labels = [f"step {i + 1}: {show_piece(s.chosen_piece)}" for i, s in enumerate(trace.steps)]
    step = st.selectbox("Open a decoding step of the first sentence on the step-by-step page",
                        range(1, len(labels) + 1), format_func=lambda i: labels[i - 1], key="inside_step")
    st.markdown(f"[Open step {step} on the step-by-step page ↗]({links[step - 1]})")


def swap_controls(selection: Selection, sentence: str) -> str | None:
    words = service.source_words(sentence)
    left, right = st.columns(2)
    index = left.selectbox("Word to change", range(len(words)), index=len(words) - 1,
                           format_func=lambda i: f"{i + 1}: {words[i]}", key="inside_swap_word")
    info = selection.model
    offered = inside_cache.suggested_swap(str(info.path), info.version, words[index])
    replacement = right.text_input("Replace it with", value=offered, max_chars=100, key=f"inside_swap_{index}")
    if not replacement.strip() or len(replacement.split()) != 1:
        st.info("Type one replacement word (no spaces).")
        return None
    return service.swap_word(sentence, index, replacement)


def compare(selection: Selection, sentence: str) -> None:
    st.caption("Change one source word. Both sentences are fed the ORIGINAL output (teacher forcing), so step t "
               "of each answers the same question; the bars show KL(original ‖ swapped) of the next-piece "
               "distributions: 0 = the swap changed nothing at that step.")
    changed = swap_controls(selection, sentence)
    if changed is None:
        return
    info, original = selection.model, cache.trace(selection, sentence).trace
    result = inside_cache.swapped(str(info.path), info.version, sentence, tuple(original.output_ids), changed)
    own = cache.trace(selection, changed).trace
    st.dataframe(pd.DataFrame({"": ["original", "swapped"], "source": [sentence, changed],
                               "own translation": [original.translation, own.translation]}), hide_index=True)
    frame = kl_frame(original.steps, result.kl, result.p_original, result.p_swapped, result.trace.steps)
    inside_cache.show_chart("kl", frame, stretch=True)
    glossary.what("compare")
    biggest = frame.loc[frame["kl"].idxmax()]
    st.caption(f"Total KL {frame['kl'].sum():.3f} nats; largest shift at step {biggest['step']} "
               f"(piece {escape_markdown(biggest['piece'])}: {biggest['kl']:.3f} nats).")
    ref = reference(selection, [sentence, changed])
    components = pick_components()
    encoder = encoder_paths("original", original, ref, components) + \
        encoder_paths("swapped", result.trace, ref, components)
    decoder = [decoder_path("original", original, ref, components, links=True),
               decoder_path("swapped", result.trace, ref, components, links=False)]
    draw_spaces(ref, encoder, decoder, components)
