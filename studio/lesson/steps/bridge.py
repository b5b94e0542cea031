"""Step: the fixed-length vector s_0 the bridge makes, and how far it moves without each word."""
from __future__ import annotations

import streamlit as st

from seq2seq.service import notation
from studio.lesson import cache, charts
from studio.lesson.steps.common import Context, equation, number, show
from studio.lesson.steps.encoder import story_both_ways
from studio.lesson.words import latex_vector, piece_text, quoted, quoted_piece
from studio.shared import glossary


def bridge(ctx: Context) -> None:
    story = story_both_ways(ctx)
    if story is None:
        return
    info, enc, pieces = story
    s0, size = enc.bridge, len(enc.bridge)
    forward_last, backward_first = enc.forward[-1], enc.backward[0]
    drops = cache.word_drops(info, ctx.words)
    dropped = next((d for d in drops if d.word == ctx.word), None)
    ranked = sorted(drops, key=lambda d: d.cosine)
    rows = [(f"→h_n ({len(forward_last)})", forward_last), (f"←h_1 ({len(backward_first)})", backward_first),
            (f"s_0 ({size})", s0)]
    lines = [
        f"The decoder never sees the {len(pieces)} × {len(enc.bridge_input) } numbers of step {number('encoder')}. "
        f"In the classic "
        f"encoder-decoder it starts from one vector: the bridge takes the forward direction's last state "
        f"$\\overrightarrow{{h}}_n$ (it has read the whole sentence, up to {quoted('</s>')}) and the backward "
        f"direction's last state $\\overleftarrow{{h}}_1$ (it has read it all backwards, down to "
        f"{quoted_piece(pieces[0])}), {len(enc.bridge_input)} numbers, and squeezes them into $s_0$: "
        f"**{size} numbers, for your {len(pieces)}-piece sentence as for any other**. Everything the "
        f"translation needs must fit in them."]
    if dropped is not None:
        translated = cache.translations(info, [dropped.without])[0]
        full = cache.translations(info, [ctx.text])[0]
        rows.append((f"s_0 without “{piece_text(dropped.word)[:14]}” ({len(dropped.bridge)})", dropped.bridge))
        lines.append(
            f"Leave out the word you follow, {quoted(ctx.word)}, and $s_0$ moves: cosine {dropped.cosine:.3f} with "
            f"the full sentence's (1 = unchanged), and the translation goes from {quoted(full)} to "
            f"{quoted(translated)}. The bars do the same for every word: $s_0$ moves most without "
            f"{quoted(ranked[0].word)} and least without {quoted(ranked[-1].word)}"
            + (": the two states the bridge reads were updated last at the sentence's two ends, so the words "
               "there weigh most." if ranked[0].word in (ctx.words[0], ctx.words[-1]) else "."))
    st.markdown("\n\n".join(lines))
    equation(notation.BRIDGE, r"[\overrightarrow{h}_n; \overleftarrow{h}_1] = " + latex_vector(enc.bridge_input),
             r"s_0 = " + latex_vector(s0))
    show(charts.vectors_chart(rows, focus=[f"s_0 ({size})"]))
    if drops:
        st.markdown("**How far $s_0$ moves when each word is left out** (1 − cosine; the word you follow in red)")
        show(charts.word_change_chart([d.word for d in drops], [1 - d.cosine for d in drops],
                                              next((k for k, d in enumerate(drops) if d is dropped), None)))
    glossary.what("lesson_bridge")
