"""Step: the vanishing gradient in a plain RNN, a GRU and an LSTM."""
from __future__ import annotations

import math

import streamlit as st

from seq2seq import service
from seq2seq.service import notation
from studio.lesson import cache, charts
from studio.lesson.steps.common import Context, equation, number, show
from studio.lesson.words import gradient_letters, letter_positions, quoted
from studio.shared import glossary
from studio.shared.charts.gradients import gradient_chart, gradient_frame


def gradient(ctx: Context) -> None:
    letters, own = gradient_letters(ctx.text)
    models = service.gradient_models()
    if not models:
        st.info("The vanishing-gradient models (checkpoints/grad-rnn, grad-gru, grad-lstm) are not here.")
        return
    if not letters:
        st.info("Your sentence has no letters a-z for the letter-reversing models; type an English sentence.")
        return
    curves = cache.gradient_curves(letters)
    by_cell = {cell: curve.by_distance() for cell, curve in curves.items()}
    facts = {cell: fall(curve) for cell, curve in by_cell.items()}
    reversed_ = {cell: cache.translations(info, [letters])[0] for cell, info in models.items()}
    right = {cell: sum(a == b for a, b in zip(out, letters[::-1])) for cell, out in reversed_.items()}
    near, far = next(iter(facts.values()))[2:]
    how = ("repeated to " + str(len(letters)) if own < len(letters) else
           ("cut to " + str(len(letters)) if own > len(letters) else "all " + str(len(letters))))
    lines = [
        "Training follows the gradient of the loss back through every step that produced it. Through a plain "
        "tanh RNN each step multiplies it by $\\mathrm{diag}(1 - h_k^2)\\,W_{hh}$; when those factors are "
        "small it shrinks geometrically, and the words far back learn almost nothing. Gated cells (GRU, LSTM) "
        "add a path that it crosses nearly unchanged.",
        f"Three models trained alike to reverse strings of up to 30 letters, without attention, differ only in "
        f"their cell. They read your sentence as letters ({own} letters, {how}): {quoted(letters)}. From the "
        f"nearest to the farthest distance ({near} → {far} recurrent steps) the gradient reaching a letter "
        + ", ".join(f"{verb(facts[c][0])} in the {c.upper()}" for c in facts) + "."]
    lines.append("Yet all three still fail to reverse these letters: " + "; ".join(
        f"{c.upper()} {quoted(reversed_[c])} ({right[c]} of {len(letters)} in place)" for c in reversed_)
        + ". A gradient that arrives is not enough when the whole input must pass through one fixed vector: "
          f"step {number('attention')}.")
    st.markdown("\n\n".join(lines))
    equation(notation.GRADIENT)
    positions = letter_positions(ctx.text, ctx.words, ctx.focus, letters)
    st.markdown(f"**The letters read** (the word you follow, {quoted(ctx.word)}, in red)")
    show(charts.letters_chart(letters, positions))
    st.markdown("**How much gradient reaches a letter *d* steps back** (mean over every output step)")
    show(charts.svg(gradient_chart(gradient_frame(by_cell)).properties(width=charts.WIDTH - 120,
                                                                                 height=260)))
    glossary.what("lesson_gradient")


def fall(curve: dict[int, float], span: int = 5) -> tuple[float, float, int, int]:
    """How the gradient changes from the nearest distances to the farthest: (factor far/near, ..., the two
    distances), each end the geometric mean of `span` distances."""
    distances = sorted(curve)
    near, far = distances[:span], distances[-span:]
    mean = lambda ds: math.exp(sum(math.log(max(curve[d], 1e-30)) for d in ds) / len(ds))  # noqa: E731
    return mean(far) / mean(near), mean(near), distances[0], distances[-1]


def verb(factor: float) -> str:
    if factor < 0.5:
        return f"shrinks {1 / factor:,.0f}-fold"
    if factor > 2:
        return f"grows {factor:,.1f}-fold"
    return f"stays within a factor of 2 (× {factor:.2f})"
