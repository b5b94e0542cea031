"""Step: greedy decoding to </s>, against beam search on the same sentence."""
from __future__ import annotations

import math

import streamlit as st

from seq2seq.service import notation
from studio.lesson import cache, charts
from studio.lesson.steps.common import EXAMPLES, Context, decoded, equation, number, offer, scrubber, show
from studio.lesson.words import latex_text, piece_text, quoted, quoted_piece
from studio.shared import glossary
from studio.shared.charts.pieces import candidates_frame


def greedy(ctx: Context) -> None:
    if (story := decoded(cache.STORY, ctx)) is None:
        return
    info, trace = story.info, story.trace
    beam = cache.trace(info, ctx.text, cache.BEAM)
    steps = trace.steps
    t = scrubber(len(steps))
    step = steps[t - 1]
    p = math.exp(step.logprob)
    ended = steps[-1].chosen_piece == "</s>"
    st.markdown(
        f"The decoder writes the translation one piece at a time. **Greedy decoding** takes the most likely piece "
        f"at every step, feeds it back in as the next step's input, and stops when that piece is the end symbol "
        f"{quoted('</s>')}. Your sentence took **{len(steps)} steps**: {len(steps) - 1} pieces"
        f"{' and </s>' if ended else ' (cut at the length limit)'}.\n\n"
        f"Step {t}: the decoder read {quoted_piece(step.input_piece)} and chose {quoted_piece(step.chosen_piece)} "
        f"(p = {p:.1%}), the top bar below" + (" — the end symbol: decoding stops here." if step.chosen_piece == "</s>"
                                                 else "; it becomes the input of step " + str(t + 1) + "."))
    equation(notation.GREEDY,
             rf"y_{{{t}}} = \text{{{latex_text(piece_text(step.chosen_piece))}}},\quad p = {p:.4f},\quad "
             rf"\log p(y \mid x) = \sum_t \log p_t = {trace.logprob:.2f}")
    show(charts.output_progress_chart([s.chosen_piece for s in steps], [math.exp(s.logprob) for s in steps], t))
    left, right = st.columns([1, 1])
    with left:
        st.markdown(f"**The {len(step.top)} best candidates at step {t}**")
        show(charts.top_chart(candidates_frame(step), "probability", "probability p", ".1%"))
    with right:
        st.markdown(f"**Greedy against beam search** (beam {cache.BEAM.beam_size})")
        st.markdown(greedy_versus_beam(trace, beam))
        if trace.translation == beam.translation:
            example = differing_example(info, ctx.text, "beam")
            if example:
                g, b = cache.translations(info, [example]), cache.translations(info, [example], cache.BEAM)
                st.markdown(f"They do differ on {quoted(example)}: greedy {quoted(g[0])}, beam {quoted(b[0])}.")
                offer(example, "lesson_example_beam")
    st.caption(f"{info.name} is the 2014 design trained for 40 minutes on one CPU core: {info.score}. "
               f"Step {number('attention')}'s attention model is far better.")
    glossary.what("lesson_greedy")


def greedy_versus_beam(greedy_trace, beam_trace) -> str:
    """Says whether greedy and beam differ on this sentence, and where they part."""
    g, b = greedy_trace, beam_trace
    if g.translation == b.translation:
        return (f"Greedy and beam search agree on your sentence: {quoted(g.translation)} "
                f"(log p = {g.logprob:.2f}). Greedy's local choices happened to be the best whole sentence.")
    part = next((k for k, (x, y) in enumerate(zip(g.output_ids, b.output_ids)) if x != y),
                min(len(g.output_ids), len(b.output_ids)))
    step = g.steps[part]
    beam_piece = b.steps[part].chosen_piece if part < len(b.steps) else "</s>"
    rival = next((c.prob for c in step.top if c.piece == beam_piece), None)
    rival_text = f"p = {rival:.1%} there" if rival is not None else "outside greedy's top 10 there"
    better = ("a likelier whole sentence" if b.logprob > g.logprob
              else "a sentence it prefers for its length-normalised score")
    return (f"**They differ.** Greedy: {quoted(g.translation)} (log p = {g.logprob:.2f}). Beam: "
            f"{quoted(b.translation)} (log p = {b.logprob:.2f}). They part at step {part + 1}: greedy took "
            f"{quoted_piece(step.chosen_piece)} (p = {math.exp(step.logprob):.1%}), beam kept "
            f"{quoted_piece(beam_piece)} ({rival_text}) and found {better}.")


def differing_example(info, text: str, kind: str) -> str | None:
    """The first example sentence (not the learner's) on which greedy and beam (kind "beam") or attention and
    no attention (kind "attention") really differ, checked now; None if none does."""
    candidates = [s for s, _ in EXAMPLES if s != text]
    if kind == "beam":
        greedy_out = cache.translations(info, candidates)
        beam_out = cache.translations(info, candidates, cache.BEAM)
        return next((s for s, g, b in zip(candidates, greedy_out, beam_out) if g != b), None)
    return None
