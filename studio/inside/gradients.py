"""The Inside page's vanishing-gradient view: how much of the loss at an output step reaches each
source piece, against how many recurrent steps lie between them, for the three shipped models that
differ only in their cell (rnn, gru, lstm; reverse up to 30 letters, no attention)."""
from __future__ import annotations

import streamlit as st

from seq2seq import service
from studio.shared import cache, render
from studio.shared.charts.gradients import gradient_chart, gradient_frame
from studio.shared.differences import show_differences
from studio.shared.examples import GRADIENT_INPUT
from studio.shared.text import escape_markdown

EXPLANATION = ("Each point is the size of the gradient of one output step's loss with respect to one source "
               "letter's embedding, against the number of recurrent steps between reading that letter and "
               "producing that output; without attention the gradient has no other way back. A plain RNN "
               "multiplies it by a Jacobian at every step, so it can shrink geometrically with the distance "
               "(the vanishing gradient); the gates of a GRU or an LSTM give it a path along which it can "
               "shrink far less. What these three models show, from the numbers drawn:")


def gradients() -> None:
    """A view of its own: its letters and the three models, whatever sentence and model the page has."""
    models = service.gradient_models()
    if not models:
        st.info("The vanishing-gradient models are not here: train them with "
                "`python -m seq2seq train --preset grad-rnn` (and grad-gru, grad-lstm); see checkpoints/README.md.")
        return
    names = ", ".join(m.name for m in models.values())
    text = st.text_input("Letters to reverse (up to 30, a-z)", value=GRADIENT_INPUT, max_chars=30,
                         key="inside_grad_text", help=f"The models ({escape_markdown(names)}) reverse "
                                                      "strings of letters; the loss is measured against the exact "
                                                      "reversal.")
    clean = "".join(ch for ch in text.lower() if "a" <= ch <= "z")
    if not clean:
        st.info("Type a few letters a-z.")
        return
    with st.spinner("Taking gradients in three models…"):
        found = cache.gradient_curves(models, clean)
    steps = len(next(iter(found.values())).out_pieces)
    options = ["all", *range(1, steps + 1)]
    step = st.select_slider("Output step", options, value="all", key="inside_grad_step",
                            format_func=lambda s: "every step (geometric mean)" if s == "all" else str(s))
    curves = {cell: curve.by_distance(None if step == "all" else step - 1) for cell, curve in found.items()}
    render.chart(gradient_chart(gradient_frame(curves)), stretch=True)
    st.caption(EXPLANATION)
    readings = service.read_cells(curves)
    st.markdown(escape_markdown(service.gradient_sentence(readings)))
    st.caption(escape_markdown(service.gradient_summary(readings)))
    show_differences(service.compare_models(list(models.values()), ("cell",)),
                     "What differs between the three models (from their config.json and metrics.json)")
