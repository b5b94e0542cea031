"""The Train page's experiments: launch a sweep (one preset, one setting varied), overlay several
runs' curves, and the cell × attention × length experiment's exact match by input length.

Sweeps queue their runs on disk and a launcher process starts them as slots free up, so closing
the page loses nothing; this page only reads their files (and nudges the queue when it polls).
"""
from __future__ import annotations

import streamlit as st

from seq2seq import service
from seq2seq.errors import UserError
from seq2seq.service import experiments, runs
from studio.shared import classroom, render
from studio.shared.charts.lengths import length_chart
from studio.shared.messages import user_errors
from studio.train.cache import length_table
from studio.train.charts import LENGTH_COLUMNS, overlay_chart

MAX_OVERLAID = 8
SWEEP_STATES = {"queued": "⏳ queued", "launched": "▶ started", "failed": "✖ failed", "cancelled": "— cancelled"}


def experiments_section(all_runs: list[runs.RunStatus]) -> None:
    with st.expander("Sweep: one preset, one setting varied over 2-4 values", key="train_sweep"):
        sweep_form()
    sweeps_table()
    compare_box = st.expander("Compare runs: curves overlaid, exact match by input length",
                              key="train_compare", on_change="rerun", expanded=bool(experiments.list_sweeps()))
    with compare_box:
        if compare_box.open:
            compare_runs(all_runs)


def sweep_form() -> None:
    presets = list(runs.PRESETS)
    left, middle = st.columns(2)
    preset = left.selectbox("Preset", presets, index=presets.index(experiments.LENGTH_PRESET), key="sweep_preset")
    setting = middle.selectbox("Setting to vary", list(experiments.SETTINGS), key="sweep_setting")
    options = list(experiments.SETTINGS[setting])
    values = st.multiselect(f"Values of {setting} (2-4)", options, default=options[:2], key=f"sweep_values_{setting}",
                            max_selections=experiments.MAX_VALUES)
    name = st.text_input("Sweep name", f"{preset} {setting}", max_chars=40, key="sweep_name")
    st.caption(f"Runs wait in a queue and start as the run limit ({runs.max_concurrent_runs()} at a time) allows, "
               "even with this page closed.")
    one, grid = st.columns(2)
    if one.button("🚀 Launch the sweep", type="primary", key="sweep_launch"):
        launch(name, preset, {setting: values})
    if grid.button("🧪 Cell × attention × length experiment (4 runs on copy30)", key="sweep_cell_attention",
                   help="A plain RNN and an LSTM, each with and without attention, on strings up to 30 letters: "
                        "then compare their exact match by input length below."):
        launch("cell x attention", experiments.LENGTH_PRESET, experiments.CELL_ATTENTION)


def launch(name: str, preset: str, axes: dict[str, list]) -> None:
    if not classroom.allowed("Launching a sweep"):
        return
    with user_errors() as failed:
        experiments.start_sweep(name, preset, axes)
    if not failed:
        st.rerun()


def sweeps_table() -> None:
    """Each sweep's variants and where they stand; re-read every few seconds while one has runs queued."""
    found = experiments.list_sweeps()
    if found:
        (_live_sweeps if any(s.queued for s in found) else _sweep_rows)()


def _sweep_rows() -> None:
    """Polling also starts queued runs when slots are free (should the launcher have died)."""
    found = experiments.list_sweeps()
    rows = []
    for sweep in found[:5]:
        if sweep.queued:
            sweep = experiments.sweep_status(sweep.sweep_id)
        rows += [{"sweep": sweep.name, "variant": v.label, "state": SWEEP_STATES.get(v.state, v.state),
                  "run": v.run_id or "", "note": v.error} for v in sweep.variants]
    st.markdown("**Sweeps**")
    st.dataframe(rows, hide_index=True)


def compare_runs(all_runs: list[runs.RunStatus]) -> None:
    ids = [r.run_id for r in all_runs]
    if not ids:
        st.info("No runs yet: launch a sweep or a run first.")
        return
    latest = next((s for s in experiments.list_sweeps() if s.run_ids), None)
    default = [r for r in (latest.run_ids if latest else ids[:3]) if r in ids]
    chosen = st.multiselect("Runs to compare", ids, default=default, key="compare_runs",
                            max_selections=MAX_OVERLAID)
    if not chosen:
        return
    overlay(chosen, any(r.live for r in all_runs if r.run_id in chosen))
    lengths(chosen, {r.run_id: r for r in all_runs})


def overlay(chosen: list[str], live: bool) -> None:
    axis = st.radio("Against", ["steps", "seconds"], horizontal=True, key="compare_axis")
    x = "step" if axis == "steps" else "seconds"
    (_live_overlay if live else _overlay_charts)(chosen, x)


def _overlay_charts(chosen: list[str], x: str) -> None:
    frame = experiments.curves(chosen)
    if frame.empty:
        st.caption("No curves yet: the runs have not reported.")
        return
    left, right = st.columns(2)
    with left:
        st.markdown("**Loss** (solid: training, dashed: validation)")
        render.chart(overlay_chart(frame, x, "loss"), stretch=True)
    with right:
        st.markdown("**Validation score**")
        render.chart(overlay_chart(frame, x, "score"), stretch=True)


_live_overlay = st.fragment(run_every=3)(_overlay_charts)
_live_sweeps = st.fragment(run_every=3)(_sweep_rows)


def lengths(chosen: list[str], by_id: dict[str, runs.RunStatus]) -> None:
    ready = [r for r in chosen if by_id[r].has_checkpoint and by_id[r].data.startswith("toy:")]
    st.markdown("**Exact match by input length** (toy-task runs with a checkpoint)")
    if not ready:
        st.caption("None of these runs is a toy-task run with a saved checkpoint yet.")
        return
    checkpoints = []
    for run_id in ready:
        try:
            info = service.find_model(by_id[run_id].model_name)
        except UserError:
            continue
        checkpoints.append((run_id, str(info.path), info.version))
    with st.spinner("Translating the test strings with each run…"), user_errors(st.warning) as failed:
        frame = length_table(tuple(checkpoints))
    if failed:
        return
    render.chart(length_chart(frame, LENGTH_COLUMNS, "exact match", "input length (characters)", fraction=True),
                 stretch=True)
    table = frame.pivot(index="run", columns="lengths", values="exact_match")
    st.dataframe(table[sorted(table.columns, key=lambda c: int(c.split("-")[0]))].style.format("{:.0%}"))
    st.caption("Greedy decoding of each run's unseen test strings, grouped by length. Without attention the "
               "whole input must squeeze through one vector: exact match falls with length, fastest for a "
               "plain RNN; attention lets each output letter look back at its input letter.")
