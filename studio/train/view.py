"""The Train page: pick a preset, change any setting, launch a run in the background and watch it.

Runs are separate processes writing into checkpoints/runs/<id>; this page only reads their files,
so leaving it, reloading it or opening it in another browser loses nothing.
"""
from __future__ import annotations

import streamlit as st

from seq2seq.service import runs
from studio.shared import classroom, query
from studio.shared.messages import user_errors
from studio.shared.page import start
from studio.shared.text import escape_markdown
from studio.train.experiments import experiments_section
from studio.train.form import Draft, recipe_form
from studio.train.run_panel import STATE_LABELS, run_panel


def show() -> None:
    start("Train", "🏋️")
    st.title("Train")
    st.caption("Training runs in the background: you can switch pages or reload while it trains. "
               "A finished run appears in the sidebar's model picker.")
    classroom.unlock_panel()
    all_runs = runs.list_runs()
    run_id = pick_run(all_runs) if all_runs else ""
    if run_id:
        run_panel(run_id)
    with st.expander("New run", expanded=not run_id):
        launch_section(recipe_form(), all_runs)
    experiments_section(all_runs)


def pick_run(all_runs: list[runs.RunStatus]) -> str:
    """The run shown (its id is in the URL as ?run=...); '' for none."""
    ids = [r.run_id for r in all_runs]
    if query.peek("run", "") not in ids:
        query.put("run", "")
    states = {r.run_id: r.state for r in all_runs}
    st.selectbox("Run", ["", *ids], key=query.widget_key("run", ""), on_change=query.keep, args=("run",),
                 format_func=lambda i: (f"{i} · {STATE_LABELS.get(states[i], states[i])}" if i
                                        else "— none: set up a new run —"))
    return query.peek("run", "")


def launch_section(draft: Draft, all_runs: list[runs.RunStatus]) -> None:
    recipe = None
    if draft.recipe is not None:
        with user_errors(before="Fix this setting before launching: ") as failed:
            recipe = runs.check_recipe(draft.recipe)
        if failed:
            recipe = None
    if recipe is None:  # the button stays where the user expects it, saying what it waits for
        st.button("🚀 Launch", type="primary", disabled=True, key="train_launch_waiting",
                  help="Complete or fix the settings above first: the message above says what.")
        st.caption("Launch waits for the settings above: complete or fix what the message above them says.")
        return
    st.caption("The same run from a terminal:")
    st.code(runs.train_command(recipe, draft.preset, f"checkpoints/runs/{runs.make_run_id(draft.name)}"),
            language="bash")
    busy = [r.run_id for r in all_runs if r.live]
    limit = runs.max_concurrent_runs()
    if len(busy) >= limit:
        st.warning(f"{escape_markdown(', '.join(busy))} is training; at most {limit} run(s) at a time. "
                   "Stop it or wait for it to finish.")
    if st.button("🚀 Launch", type="primary", disabled=len(busy) >= limit):
        if not classroom.allowed("Launching a run"):
            return
        with user_errors() as failed:
            run_id = runs.launch(recipe, draft.name, draft.threads, draft.upload)
        if not failed:
            query.put("run", run_id)
            st.rerun()
