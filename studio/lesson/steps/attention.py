"""Step: attention as the fix, compared with the same model without it."""
from __future__ import annotations

import numpy as np
import streamlit as st

from seq2seq import service
from seq2seq.service import notation
from studio.lesson import cache, charts
from studio.lesson.steps.common import EXAMPLES, Context, decoded, equation, has_model, number, offer, scrubber, show
from studio.lesson.words import latex_vector, quoted, quoted_piece, word_pieces
from studio.shared import glossary
from studio.shared.text import escape_markdown


def attention(ctx: Context) -> None:
    if (model := decoded(cache.ATTENTION, ctx)) is None:
        return
    info, config, trace = model
    steps = [s for s in trace.steps if s.attention is not None]
    if not steps:
        st.info(f"{info.name} has no attention.")
        return
    t = scrubber(len(steps))
    step = steps[t - 1]
    pieces = trace.src_pieces
    own = word_pieces(pieces, ctx.focus)
    ranked = sorted(range(len(pieces)), key=lambda j: -step.attention[j])
    looked = ranked[0]
    on_word = [sum(s.attention[j] for j in own) for s in steps] if own else []
    peak = int(np.argmax(on_word)) if on_word else None
    memory = len(step.context) if step.context else 0
    lines = [
        f"Attention (Bahdanau et al., 2015) removes the fixed vector's bottleneck. At every step $t$ the decoder "
        f"scores each of the **{len(pieces)} encoder states** $h_j$ against its own state $s_t$, turns the "
        f"{len(pieces)} scores into weights $\\alpha_{{tj}}$ that add up to 1 (a softmax over the source), and "
        f"reads their weighted average: the context vector $c_t$ (**{memory} numbers**), fresh at every step.",
        f"Step {t} (the black row) writes {quoted_piece(step.chosen_piece)} looking most at "
        f"{quoted_piece(pieces[looked])} (α = {step.attention[looked]:.2f})"
        + (f"; the word you follow, {quoted(ctx.word)} (red columns), gets most attention at step {peak + 1}, "
           f"which writes {quoted_piece(steps[peak].chosen_piece)} (α = {on_word[peak]:.2f})." if peak is not None
           else ".")]
    st.markdown("\n\n".join(lines))
    context = step.context or []
    top3 = ", ".join(rf"\alpha_{{{t},{j + 1}}} = {step.attention[j]:.2f}" for j in ranked[:3])
    equation(notation.SCORES.get(config.attention, notation.SCORES["bahdanau"]) + r",\qquad " + notation.WEIGHTS,
             notation.CONTEXT + r",\qquad " + notation.ATTENTIONAL, notation.output(True),
             top3 + rf",\ \ldots\qquad \sum_j \alpha_{{{t}j}} = {sum(step.attention):.3f}",
             rf"c_{{{t}}} = " + latex_vector(context))
    grid_outputs = [s.chosen_piece for s in steps]
    beside = charts.attention_fits_beside(len(pieces))
    left, right = st.columns([3, 2]) if beside else (st.container(), st.container())
    with left:
        st.markdown("**Attention at every step**")
        show(charts.attention_chart(pieces, grid_outputs, [s.attention for s in steps], own, t,
                                    charts.BESIDE_CELLS if beside else charts.WIDTH))
    with right:
        st.markdown(f"**Step {t} alone**: {quoted_piece(step.chosen_piece)}")
        show(charts.step_weights_chart(pieces, step.attention, own, t))
    compare_attention(ctx, info)
    glossary.what("lesson_attention")


def compare_attention(ctx: Context, info) -> None:
    twin = cache.model(cache.TWIN)
    if twin is None:
        return
    with_attention = cache.translations(info, [ctx.text])[0]
    without = cache.translations(twin, [ctx.text])[0]
    story = cache.translations(cache.model(cache.STORY), [ctx.text])[0] if has_model(cache.STORY) else None
    st.markdown(
        f"**With attention** ({info.name}): {quoted(with_attention)}  \n**Without** ({twin.name}, the fixed vector "
        f"only): {quoted(without)}"
        + (f"  \n**The plain RNN of steps {number('cell')}-{number('training')}** ({cache.STORY}): {quoted(story)}"
           if story is not None else ""))
    st.caption(escape_markdown(service.compare_models([info, twin], ("attention",)).sentence()))
    differ = with_attention != without
    st.markdown(("On your sentence the two **differ**" if differ else
                 "On your sentence both write **the same**: it still fits in the fixed vector")
                + f" (on the whole test set: {info.score} with attention, {twin.score} without).")
    if len(ctx.words) >= LONG:
        return
    example = attention_example(info, twin, ctx.text)
    if example is not None:
        source, a, b, bleu_a, bleu_b = example
        st.markdown(f"The gap grows with length. On {quoted(source)}: with attention {quoted(a)} (sentence BLEU "
                    f"{bleu_a:.0f} against a reference), without {quoted(b)} (sentence BLEU {bleu_b:.0f}).")
        offer(source, "lesson_example_attention")


LONG = 10  # words: from here on the learner's own sentence shows the bottleneck well enough


def attention_example(info, twin, text: str):
    """The first example on which attention's translation differs from the twin's and scores higher against
    its reference, checked now: (source, with, without, BLEU with, BLEU without), or None."""
    candidates = [(s, r) for s, r in EXAMPLES if s != text and len(s.split()) >= LONG]
    table = cache.compared(info, twin, [f"{s}\t{r}" for s, r in candidates])
    for _, row in table.iterrows():
        if row["output A"] != row["output B"] and row["BLEU A"] > row["BLEU B"]:
            return row["source"], row["output A"], row["output B"], row["BLEU A"], row["BLEU B"]
    return None
