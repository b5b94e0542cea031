"""Step: the bidirectional encoder, both directions' states for every piece."""
from __future__ import annotations

import numpy as np
import streamlit as st

from seq2seq.service import notation
from studio.lesson import cache, charts
from studio.lesson.steps.common import Context, equation, show
from studio.lesson.words import piece_text, quoted, word_pieces
from studio.shared import glossary


def story_both_ways(ctx: Context):
    """(model, its encoder's walk over the sentence, the pieces) for the encoder and bridge steps, or None
    with a note on screen where the story's model is missing or reads one way only."""
    info = cache.model(cache.STORY)
    if info is None:
        return None
    walk = cache.walk(info, ctx.text)
    if walk.encoder.backward is None:
        st.info(f"{info.name} reads in one direction only.")
        return None
    return info, walk.encoder, walk.src_pieces


def encoder(ctx: Context) -> None:
    story = story_both_ways(ctx)
    if story is None:
        return
    info, enc, pieces = story
    n, size = len(pieces), enc.forward.shape[1]
    both = enc.forward.shape[1] + enc.backward.shape[1]
    own = word_pieces(pieces, ctx.focus)
    labels = [f"{j + 1:02d} {piece_text(p)}" for j, p in enumerate(pieces)]
    first, last = (own[0], own[-1]) if own else (0, 0)
    seen_forward = " ".join(piece_text(p) for p in pieces[:last + 1])
    seen_backward = " ".join(piece_text(p) for p in pieces[first:])
    st.markdown(
        f"A second RNN, with weights of its own, reads the sentence from right to left. After piece $i$ the "
        f"forward state $\\overrightarrow{{h}}_i$ (**{size} numbers**) has read pieces 1 to $i$, the backward state "
        f"$\\overleftarrow{{h}}_i$ (**{enc.backward.shape[1]} numbers**) pieces $i$ to $n$. The encoder keeps the two "
        f"side by side, $h_i = [\\overrightarrow{{h}}_i; \\overleftarrow{{h}}_i]$: **{both} numbers for each of the "
        f"{n} pieces** of your sentence, {n * both:,} numbers in all, one row each below (forward half left of the "
        f"black line, backward half right).\n\n"
        f"At the word you follow, {quoted(ctx.word)} (framed), the forward half has read {quoted(seen_forward)} "
        f"and the backward half {quoted(seen_backward)}: each state knows the words on both sides of its piece.")
    equation(notation.BIDIRECTIONAL + rf",\qquad h_i \in \mathbb{{R}}^{{{both}}} = \mathbb{{R}}^{{{size}}}"
             rf"\times\mathbb{{R}}^{{{enc.backward.shape[1]}}},\quad i = 1..{n}")
    rows = [(label, np.concatenate([f, b])) for label, f, b in zip(labels, enc.forward, enc.backward)]
    show(charts.vectors_chart(rows, focus=[labels[j] for j in own], split=size,
                                      title=f"unit: forward 0-{size - 1} | backward {size}-{both - 1}"))
    glossary.what("lesson_encoder")
