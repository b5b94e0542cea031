"""The Lesson page: the classic encoder-decoder story in six steps, each one short paragraph and one
live view of the selected model on the sentence in the shared box, with Back and Next. The step is
in the URL (?lesson=3), so a teacher can project it or hand out a link to one step."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

import streamlit as st

from seq2seq import service
from studio.shared import cache, query, render
from studio.shared.charts.attention import attention_heatmap
from studio.shared.charts.beam import beam_tree_chart
from studio.shared.charts.gradients import gradient_chart, gradient_frame
from studio.shared.charts.pieces import candidates_chart, source_chips
from studio.shared.charts.units import unit_frame, unit_heatmap
from studio.shared.examples import GRADIENT_INPUT
from studio.shared.page import start
from studio.shared.selection import Selection
from studio.shared.text import escape_markdown


@dataclass(frozen=True)
class Lesson:
    title: str
    text: str
    view: Callable[[Selection, str], None]


def _encoder(selection: Selection, sentence: str) -> None:
    trace = cache.trace(selection, sentence).trace
    render.chart(source_chips(trace))
    states = service.trace_states(trace)["encoder_forward"]
    units = service.unit_order(states)[:16]
    st.markdown("**The forward encoder's 16 busiest units**, one column per piece read")
    render.chart(unit_heatmap(unit_frame(states, units, trace.src_pieces), "activation", (-1.0, 1.0)))


def _vector(selection: Selection, sentence: str) -> None:
    trace = cache.trace(selection, sentence).trace
    states = service.trace_states(trace)["encoder_forward"]
    units = service.unit_order(states)[:24]
    last = states[-1:]
    st.markdown(f"**The last forward state**: {states.shape[1]} numbers, whatever the sentence's length "
                f"({len(trace.src_pieces)} pieces here)")
    render.chart(unit_heatmap(unit_frame(last, units, trace.src_pieces[-1:]), "activation", (-1.0, 1.0)))


def _greedy(selection: Selection, sentence: str) -> None:
    trace = cache.trace(selection, sentence).trace
    render.big_text(trace.translation)
    step = trace.steps[0]
    st.markdown("**The softmax at the first step**: the most likely pieces; greedy takes the top one")
    render.chart(candidates_chart(step), stretch=True)


def _long(selection: Selection, sentence: str) -> None:
    models = service.gradient_models()
    if not models:
        st.info("The vanishing-gradient models (checkpoints/grad-*) are not here.")
        return
    curves = {cell: curve.by_distance() for cell, curve in cache.gradient_curves(models, GRADIENT_INPUT).items()}
    st.markdown(f"**How much learning signal reaches a letter *d* steps back** (reversing “{GRADIENT_INPUT}”)")
    render.chart(gradient_chart(gradient_frame(curves)), stretch=True)


def _attention(selection: Selection, sentence: str) -> None:
    trace = cache.trace(selection, sentence).trace
    heatmap = attention_heatmap(trace)
    if heatmap is None:
        st.info("This model has no attention; pick one with attention in the sidebar (e.g. tatoeba-en-fr).")
        return
    render.chart(heatmap)


def _beam(selection: Selection, sentence: str) -> None:
    decode = dataclasses.replace(selection.decode, strategy="beam", beam_size=4, n_best=1)
    timed = cache.trace(selection, sentence, decode)
    greedy = cache.trace(selection, sentence).trace
    st.markdown(f"Greedy: **{escape_markdown(greedy.translation)}** · beam 4: "
                f"**{escape_markdown(timed.trace.translation)}**")
    render.chart(beam_tree_chart(timed.trace.beam))


LESSONS = (
    Lesson("1. The encoder reads the sentence",
           "The sentence is cut into pieces and each piece becomes a vector (its embedding). A recurrent network "
           "reads them one by one, and after each piece it updates its hidden state: h_i = f(x_i, h_{i-1}). Below, "
           "each column is the state after one more piece; each row one unit of it.", _encoder),
    Lesson("2. The fixed-length vector",
           "In the original encoder-decoder (Cho et al., Sutskever et al., 2014) the decoder starts from the last "
           "state alone: one vector of the same size for a three-word sentence and for a thirty-word one. "
           "Everything the translation needs must fit in these numbers.", _vector),
    Lesson("3. Greedy decoding with the softmax",
           "The decoder writes the translation piece by piece. At each step it turns its state into a score for "
           "every piece of the vocabulary and the softmax makes them probabilities. Greedy decoding takes the most "
           "likely piece, feeds it back in, and stops at </s>.", _greedy),
    Lesson("4. Where it breaks: long sentences",
           "Long sentences overflow the fixed vector, and training cannot fix it easily: the learning signal for an "
           "early word must travel back through every step in between, and in a plain RNN it shrinks at each one "
           "(the vanishing gradient). Gated cells (GRU, LSTM) shrink it far less, but the vector stays fixed.",
           _long),
    Lesson("5. Attention",
           "Attention (Bahdanau et al., 2015) lets every decoding step look back at all the encoder states and take "
           "a weighted average of them, the weights computed afresh at each step. Each row below is one output "
           "piece; dark cells are the source pieces it looked at.", _attention),
    Lesson("6. Beam search",
           "Greedy decoding can commit to a piece that looks best now and regret it later. Beam search keeps the k "
           "best partial translations at every step and extends each of them; the tree shows which survived "
           "(kept), which ended (finished) and which were dropped.", _beam),
)


def move(delta: int) -> None:
    query.put("lesson", min(len(LESSONS), max(1, st.session_state.get("lesson", 1) + delta)))


def show() -> None:
    selection = start("Lesson", "🎓")
    st.title("Lesson: the encoder-decoder story")
    if selection is None:
        return
    lines = render.usable_lines(render.text_box(selection, "Sentence used in every step", height=68))
    if not lines:
        return
    number = query.state("lesson", 1, query.bounded(int, 1, len(LESSONS)))
    back, next_, label = st.columns([1, 1, 6], vertical_alignment="center")
    back.button("◀ Back", on_click=move, args=(-1,), disabled=number <= 1, width="stretch", key="lesson_back")
    next_.button("Next ▶", on_click=move, args=(1,), disabled=number >= len(LESSONS), type="primary",
                 width="stretch", key="lesson_next")
    label.markdown(f"**Step {number} of {len(LESSONS)}**")
    query.publish({"lesson": number})
    lesson = LESSONS[number - 1]
    st.subheader(lesson.title)
    st.markdown(escape_markdown(lesson.text))
    lesson.view(selection, lines[0])
