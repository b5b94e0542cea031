"""Step: the softmax output, logits to probabilities over the whole vocabulary."""
from __future__ import annotations

import math

import streamlit as st

from seq2seq.service import notation
from studio.lesson import cache, charts
from studio.lesson.steps.common import Context, decoded, equation, scrubber, show
from studio.lesson.words import latex_text, piece_text, quoted, quoted_piece
from studio.shared import glossary
from studio.shared.charts.pieces import candidates_frame


def softmax(ctx: Context) -> None:
    if (story := decoded(cache.STORY, ctx)) is None:
        return
    info, config, trace = story
    t = scrubber(len(trace.steps))
    step = trace.steps[t - 1]
    probabilities = cache.distributions(info, ctx.text, trace.output_ids)[t - 1]
    vocabulary = len(probabilities)
    top = step.top
    best = top[0]
    mass = sum(c.prob for c in top)
    total = float(probabilities.sum())
    log_z = best.logit - math.log(best.prob)
    after = "the start symbol" if t == 1 else quoted(" ".join(piece_text(s.chosen_piece) for s in trace.steps[:t - 1]))
    st.markdown(
        f"At every step the decoder's state $s_t$ (**{len(step.hidden)} numbers**) goes through one linear layer, "
        f"$z_t = W_{{hy}} s_t + b_y$: **one score (logit) for each of the {vocabulary:,} pieces** of the French "
        f"vocabulary. The softmax turns the scores into probabilities: $e^{{z}}$ makes them positive, dividing by "
        f"their sum makes them add up to 1 (here {total:.4f}).\n\n"
        f"At step {t} (after {after}) the most likely piece is {quoted_piece(best.piece)}, p = {best.prob:.1%} "
        f"(logit {best.logit:.2f}); the {len(top)} best hold {mass:.1%} of the probability and the other "
        f"{vocabulary - len(top):,} pieces share the remaining {1 - mass:.1%}.")
    equation(notation.output(config.attention != "none"),
             rf"p(\text{{{latex_text(piece_text(best.piece))}}}) = \frac{{e^{{{best.logit:.2f}}}}}"
             rf"{{\sum_v e^{{z_{{t,v}}}}}} = e^{{{best.logit:.2f} - {log_z:.2f}}} = {best.prob:.4f},"
             rf"\qquad \sum_w p_w = {total:.4f}")
    frame = candidates_frame(step)
    left, right = st.columns([1, 1])
    with left:
        st.markdown(f"**Logits $z_t$** of the {len(top)} best pieces")
        show(charts.top_chart(frame, "logit", "logit z", ".2f"))
    with right:
        st.markdown("**After the softmax: probabilities $p$**")
        show(charts.top_chart(frame, "probability", "probability p", ".1%"))
    st.markdown(f"**All {vocabulary:,} probabilities of step {t}**, one dot per piece, best first")
    show(charts.vocabulary_chart(probabilities, step.chosen_id, {c.token_id: c.piece for c in top}))
    glossary.what("lesson_softmax")
