"""The Train page's experiments: launch a sweep (one preset, one setting varied), overlay several
runs' curves, and the cell × attention × length experiment's exact match by input length.

Sweeps queue their runs on disk and a launcher process starts them as slots free up, so closing
the page loses nothing; this page only reads their files (and nudges the queue when it polls).
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from seq2seq import service
from seq2seq.errors import UserError
from seq2seq.service import experiments, runs
from studio.shared import classroom, render
from studio.shared.charts.lengths import length_chart
from studio.shared.differences import show_differences
from studio.shared.messages import user_errors
from studio.shared.text import escape_markdown
from studio.train.cache import length_table
from studio.train.charts import LENGTH_COLUMNS, overlay_chart, run_colors
from studio.train.run_panel import STATE_LABELS

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
    # Keyed by preset and setting: a widget keeps what it holds under its key, so a name made for the
    # first preset would stay after another is picked. The runs are named "<sweep> <setting>=<value>".
    name = st.text_input("Sweep name", preset, max_chars=40, key=f"sweep_name:{preset}:{setting}",
                         help="Each run is named after the sweep and its value, e.g. copy30 cell=lstm.")
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
    """Each sweep's variants and where they stand; re-read every few seconds while one has runs queued or
    training, so that each variant's row follows its run to the end."""
    found = experiments.list_sweeps()
    if found:
        busy = any(s.queued or any(runs.status(r).live for r in s.run_ids) for s in found[:5])
        (_live_sweeps if busy else _sweep_rows)()


def _sweep_rows() -> None:
    """Polling also starts queued runs when slots are free (should the launcher have died)."""
    found = experiments.list_sweeps()
    rows = []
    for sweep in found[:5]:
        if sweep.queued:
            sweep = experiments.sweep_status(sweep.sweep_id)
        rows += [{"sweep": sweep.name, "variant": v.label, "state": _variant_state(v),
                  "run": v.run_id or "", "note": v.error} for v in sweep.variants]
    st.markdown("**Sweeps**")
    st.dataframe(rows, hide_index=True)


def _variant_state(variant) -> str:
    """Once launched, a variant is where its run is (training, finished, failed, stopped)."""
    if variant.state == "launched" and variant.run_id:
        state = runs.status(variant.run_id).state
        return STATE_LABELS.get(state, state)
    return SWEEP_STATES.get(variant.state, variant.state)


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
    """Loss above, validation score below, each the width of the page: two side by side left each too
    narrow for its legend of long run names."""
    frame = experiments.curves(chosen)
    if frame.empty:
        st.caption("No curves yet: the runs have not reported.")
        return
    st.markdown("**Loss** (solid: training, dashed: validation)")
    render.chart(overlay_chart(frame, x, "loss", chosen), stretch=True)
    st.markdown("**Validation score**")
    render.chart(overlay_chart(frame, x, "score", chosen), stretch=True)


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
        paths = {run_id: Path(path) for run_id, path, _ in checkpoints}
        checks = experiments.learning_checks(paths, frame)
    if failed:
        return
    labelled = frame.assign(run=frame["run"].map(lambda r: run_label(r, checks)))
    colors = run_colors([run_label(r, checks) for r in chosen])  # each run in the hue of its curves above
    render.chart(length_chart(labelled, LENGTH_COLUMNS, "exact match", "input length (characters)", fraction=True,
                              colors=colors), stretch=True)
    table = labelled.pivot(index="run", columns="lengths", values="exact_match")
    table = table[sorted(table.columns, key=lambda c: int(c.split("-")[0]))]
    st.dataframe(table.style.format("{:.0%}"))
    st.caption(LENGTH_THEORY)
    for sentence in experiments.length_sentences(frame.to_dict("records"), checks):
        st.markdown(escape_markdown(sentence))
    show_differences(experiments.compare_runs(list(paths), paths),
                     "What differs between these runs (from their config.json and metrics.json)")


# What the experiment is designed to show; whether these runs show it is computed (length_sentences).
LENGTH_THEORY = ("Greedy decoding of each run's unseen test strings, grouped by length. Without attention the whole "
                 "input must squeeze through one vector, so exact match is expected to fall with length, faster "
                 "for a plain RNN; attention lets each output letter look back at its input letter. A run that did "
                 "not learn (its final loss no better than a uniform guess over its output symbols, or under "
                 "10% exact match even on the shortest strings) is labelled so: it is no evidence either way.")


def run_label(run_id: str, checks: dict) -> str:
    """The run's name in the chart and table, marked when it did not learn."""
    check = checks.get(run_id)
    return f"{run_id} (did not learn)" if check is not None and not check.learned else run_id
