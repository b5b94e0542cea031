"""Step: the tanh RNN cell, one update of the encoder at the followed word."""
from __future__ import annotations

import numpy as np
import streamlit as st

from seq2seq.service import notation
from studio.lesson import cache, charts
from studio.lesson.steps.common import Context, equation, number, show
from studio.lesson.words import latex_vector, quoted, quoted_piece, saturated, word_pieces
from studio.shared import glossary


def cell(ctx: Context) -> None:
    info = cache.model(cache.STORY)
    if info is None:
        return
    config = cache.summary(info).config
    walk = cache.walk(info, ctx.text)
    enc = walk.encoder
    if enc.forward_pre is None:
        st.info(f"{info.name} is not a one-layer plain RNN: its cell has gates (step {number('gradient')}).")
        return
    pieces = walk.src_pieces
    own = word_pieces(pieces, ctx.focus) or [0]
    i = own[-1]
    x, a, h = enc.embeddings[i], enc.forward_pre[i], enc.forward[i]
    previous = enc.forward[i - 1] if i > 0 else np.zeros_like(h)
    size, emb = len(h), len(x)
    squash = "tanh" if config.nonlinearity == "tanh" else "ReLU"
    relu_zero, relu_big = int(np.sum(a < 0)), int(np.sum(a > 1))
    st.markdown(
        f"The encoder reads your sentence one piece at a time: {len(pieces)} pieces, the last one the end symbol "
        f"{quoted('</s>')}. Each piece $i$ becomes an embedding $x_i$ of **{emb} numbers**, and the cell mixes it "
        f"with what it has read so far, the state $h_{{i-1}}$ of **{size} numbers**: {size} weighted sums "
        f"$a = W_{{eh}} x_i + W_{{hh}} h_{{i-1}} + b_h$, each squashed by {squash} into the new state $h_i$. The same "
        f"weights serve every piece.\n\n"
        f"Below: the update at {quoted_piece(pieces[i])} (piece {i + 1} of {len(pieces)}, in the word you follow). "
        f"Each of the **{size} dots** is one unit: its sum $a$ across, its new value $h_i$ up. "
        + (f"tanh keeps every value between −1 and 1; {saturated(h)} of the {size} units sit near ±1 (|h| > 0.9), "
           f"where the curve is flat. ReLU, $\\max(0, a)$, is the other choice: on these sums it would set "
           f"{relu_zero} units to 0 and let {relu_big} grow past 1, with nothing to stop them growing from piece to "
           f"piece." if squash == "tanh" else
           f"ReLU sets the {relu_zero} negative sums to 0 and keeps the others as they are ({relu_big} are past 1); "
           f"tanh, the other choice, would squash them all into (−1, 1)."))
    function = r"\tanh" if squash == "tanh" else r"\mathrm{ReLU}"
    equation(notation.cell("rnn", config.nonlinearity, state="h", t="i", prev="i-1") + r"\qquad " + notation.RELU,
             # x and a on lines of their own: side by side they ran past the column, into a scrolled box
             rf"x_{{{i + 1}}} = " + latex_vector(x), rf"a_{{{i + 1}}} = " + latex_vector(a),
             rf"h_{{{i + 1}}} = {function}(a_{{{i + 1}}}) = " + latex_vector(h))
    left, right = st.columns([1, 1])
    with left:
        show(charts.cell_chart(a, h, config.nonlinearity))
    with right:
        rows = [(f"x_{i + 1} ({emb})", x), (f"h_{i} ({size})", previous), (f"a_{i + 1} ({size})", a),
                (f"h_{i + 1} ({size})", h)]
        st.markdown(f"**The four vectors of this update**, one cell per number (x is {emb}, the others {size})")
        show(charts.vectors_chart(rows, focus=[f"h_{i + 1} ({size})"], width=300, title="unit"))
    glossary.what("lesson_cell")
