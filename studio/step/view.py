"""The Step-by-step page: decoding piece by piece with candidates, attention, the beam tree, the
equations with live values, and what-if forcing. The sentence, the step and any forced pieces live
in the URL, so a link reopens the same step."""
from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from seq2seq import service
from seq2seq.service import BOS_ID, PAD_ID, Trace
from studio.shared import cache, glossary, query, render, specs
from studio.shared.attribution import attribution_section
from studio.shared.messages import user_errors
from studio.shared.page import start
from studio.shared.selection import Selection
from studio.shared.text import escape_markdown, show_piece
from studio.step.cache import StepChart, step_specs, tree_chart
from studio.step.charts import beam_step_table
from studio.step.contrast import contrast_section
from studio.step.equations import feeds_input, step_equations


def show() -> None:
    selection = start("Step by step")
    st.title("Step by step")
    sentence = pick_sentence(selection) if selection is not None else ""
    if not sentence:
        return
    follow_view(selection, sentence)
    forced = forced_prefix(selection)
    timed = cache.trace(selection, sentence, prefix=forced)
    trace = timed.trace
    render.big_text(trace.translation)
    render.input_notes(timed, selection)
    st.caption(f"{selection.decode.describe()} · decoded in {timed.ms:.0f} ms"
               + (f" · what-if: pieces up to step {len(forced)} imposed, the rest decoded" if forced else ""))
    download_page(selection, trace)
    step_panel(selection, sentence, forced, trace)
    # Closed expanders cost nothing: their content is built only while open (opening one reruns the page).
    everything = st.expander("All steps", key="step_all_steps", on_change="rerun")
    with everything:
        if everything.open:
            history(trace)


@st.fragment
def step_panel(selection: Selection, sentence: str, forced: list[int], trace: Trace) -> None:
    """All that follows the current step. Next, Back and the slider rerun only this part; the
    charts come from studio.step.cache, so a step seen before is not built again."""
    if query.peek("force", [], query.parse_ids) != forced:
        st.rerun()  # a what-if choice changed the decoding: the whole page follows
    current = navigation(len(trace.steps))
    charts = step_specs(selection, sentence, forced, current - 1, trace)
    step_view(trace, current - 1, charts)
    what_if(trace, current - 1, forced)
    contrast_section(selection, trace, current - 1)
    if charts[StepChart.BEAM] is not None:
        with st.expander("Beam search tree", expanded=True):
            beam_tree(trace, current, charts[StepChart.BEAM])
    attribution_section(selection, trace, current - 1, "step_attribution")
    equations = st.expander("Inside one step: the equations with this step's values", key="step_equations",
                            on_change="rerun")
    with equations:
        if equations.open:
            inside_step(selection, trace, current - 1)
            glossary.what("equations")


def download_page(selection: Selection, trace) -> None:
    """This decoding as one HTML file that opens offline (service.trace_page), built only when clicked."""
    name = "".join(ch if ch.isalnum() else "-" for ch in selection.model.name)
    st.download_button("⬇ Download this decoding as one offline page", key="step_download_page",
                       data=lambda: service.trace_page(trace, selection.model.name, selection.decode),
                       file_name=f"decoding-{name}.html", mime="text/html", on_click="ignore",
                       help="Every step's top candidates, attention and the beam tree, with a step slider, in one "
                            "file that any browser opens from disk with no network.")


def pick_sentence(selection: Selection) -> str:
    """The shared sentence box; with several lines, which one to step through."""
    lines = render.usable_lines(render.text_box(selection, "Sentence", height=80,
                                                help="Type several lines to pick which one to step through."))
    if len(lines) <= 1:
        return lines[0] if lines else ""
    query.put("line", min(len(lines), query.state("line", 1, query.bounded(int, 1, render.MAX_LINES))))
    chosen = st.selectbox("Sentence to step through", range(1, len(lines) + 1),
                          format_func=lambda i: f"{i}. {lines[i - 1]}",
                          key=query.widget_key("line", 1), on_change=query.keep, args=("line",))
    return lines[chosen - 1]


def follow_view(selection: Selection, sentence: str) -> None:
    """A new sentence or model starts at step 1 with the model's own choices (a link keeps its step)."""
    owner = f"{selection.model.name}\n{sentence}"
    previous = st.session_state.get("view_owner")
    st.session_state["view_owner"] = owner
    if previous is not None and previous != owner:
        query.put("step", 1)
        query.put("force", [])


def forced_prefix(selection: Selection) -> list[int]:
    """Forced pieces from the URL or an older model: only ids this model's vocabulary has."""
    with user_errors(st.warning):
        return service.valid_prefix(selection.translator, query.state("force", [], query.parse_ids))
    query.put("force", [])
    return []


def move(delta: int, total: int) -> None:
    query.put("step", min(total, max(1, st.session_state.get("step", 1) + delta)))


def navigation(total: int) -> int:
    """Back / next buttons and a slider over the steps; returns the current step (from 1)."""
    step = min(total, max(1, query.state("step", 1, query.bounded(int, 1, 10_000))))
    query.put("step", step)
    back, next_, label = st.columns([1, 1, 6], vertical_alignment="center")
    back.button("◀ Back", on_click=move, args=(-1, total), disabled=step <= 1, shortcut="Left",
                width="stretch", help="Previous step (← key)")
    next_.button("Next ▶", on_click=move, args=(1, total), disabled=step >= total, shortcut="Right",
                 type="primary", width="stretch", help="Next step (→ key)")
    # Counted as the beam tree's window counts them: a step per piece the translation writes.
    label.markdown(f"**Step {step} of {total}** :gray[· the translation's steps: one per piece it writes, "
                   f"{escape_markdown('</s>')} included]")
    if total > 1:
        st.slider("Step", 1, total, key=query.widget_key("step", 1), on_change=query.keep, args=("step",),
                  label_visibility="collapsed")
    return step


def force(ids: list[int]) -> None:
    query.put("force", ids)


def what_if(trace: Trace, index: int, forced: list[int]) -> None:
    """Buttons for every candidate: forcing one re-decodes everything after this step."""
    step = trace.steps[index]
    st.markdown("**What if?** Force another piece at this step and let the model continue from there:")
    with st.container(horizontal=True):
        for cand in step.top:
            if cand.token_id in (PAD_ID, BOS_ID):
                continue
            st.button(f"{escape_markdown(show_piece(cand.piece))} · {cand.prob:.0%}", key=f"force_{cand.token_id}",
                      on_click=force, args=(trace.output_ids[:index] + [cand.token_id],),
                      disabled=cand.token_id == step.chosen_id)
    if forced:
        st.button("↺ Back to the model's own choices", on_click=force, args=([],))


def step_view(trace: Trace, index: int, charts: dict[StepChart, specs.Spec | None]) -> None:
    """The output so far across the page (it grows with every step), then this step's numbers beside
    each other: in a column, a long output would run into them."""
    step = trace.steps[index]
    pick = "this step's pick, forced" if step.forced else "this step's pick"
    st.markdown(f"**Output up to this step** (the last chip is {pick})")
    specs.show(charts[StepChart.CHIPS])
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**Next-piece probabilities** (top candidates; the piece taken is highlighted)")
        specs.show(charts[StepChart.CANDIDATES], stretch=True)
        glossary.what("candidates")
    with right:
        metrics = st.columns(2)
        metrics[0].metric("Entropy", f"{step.entropy:.2f} nats", help=glossary.HELP["entropy"])
        metrics[1].metric("p(piece taken)", f"{math.exp(step.logprob):.1%}", help=glossary.HELP["p_taken"])
        st.markdown("**Attention over the source** at this step")
        if charts[StepChart.ATTENTION] is None:
            st.info("This model has no attention: every step sees the same fixed summary of the source.")
            return
        specs.show(charts[StepChart.ATTENTION], stretch=True)
        glossary.what("step_attention")


def beam_tree(trace: Trace, current: int, kept_only: specs.Spec) -> None:
    """The search tree around the current step (kept and finished hypotheses; the pruned candidates on
    request), and the hypotheses held after the current step written out in full."""
    pruned = st.toggle("Show pruned candidates", key="step_beam_pruned",
                       help="Candidates the search scored at each step and dropped because better ones "
                            "filled the beam.")
    if pruned:
        render.chart(tree_chart(trace, current, show_pruned=True))
    else:
        specs.show(kept_only)
    st.caption("Steps run left to right (this step shaded); each dot is a hypothesis the search held, with its "
               "last piece written beside it and a line to the pieces that extended it. The translation the search "
               "returned is the top row, in bold. " + ("" if pruned else "Pruned candidates are folded away: the "
                                                       "toggle shows them. ")
               + "A long sentence shows the steps around this one; Back and Next move along.")
    st.markdown(f"**Hypotheses after step {current}**, best first")
    st.dataframe(beam_step_table(trace.beam, current), hide_index=True)
    glossary.what("beam_tree")


def inside_step(selection: Selection, trace: Trace, index: int) -> None:
    config = selection.summary.config
    st.caption(f"Decoder of this model: {config.cell.upper()} cell, {config.attention} attention, "
               f"{'input feeding' if feeds_input(config) else 'no input feeding'}. "
               f"Step {index + 1}: the previous piece goes in, a distribution over the next one comes out.")
    previous = trace.steps[index - 1] if index > 0 else None
    for equation in step_equations(config, trace.steps[index], trace.src_pieces, previous):
        st.markdown(f"**{escape_markdown(equation.title)}**")
        formula, values = st.columns([3, 2], vertical_alignment="center")
        formula.latex(equation.latex)
        # Long values wrap between entries (never inside a number) instead of running out of the box.
        values.code("\n".join(f"{symbol} = {value}" for symbol, value in equation.values), language=None,
                    wrap_lines=True)


def history(trace: Trace) -> None:
    st.dataframe(pd.DataFrame({
        "step": [s.index + 1 for s in trace.steps], "input piece": [show_piece(s.input_piece) for s in trace.steps],
        "piece taken": [show_piece(s.chosen_piece) for s in trace.steps],
        "p": [round(math.exp(s.logprob), 4) for s in trace.steps],
        "entropy": [round(s.entropy, 3) for s in trace.steps], "forced": [s.forced for s in trace.steps],
    }), hide_index=True)
