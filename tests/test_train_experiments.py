"""The Train page's experiments in AppTest: a sweep of two tiny toy runs overlaid (loss and score
against steps and seconds, one legend entry per run), exact match by input length, the sweep form."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from apptest_helpers import chart_frames, shown
from streamlit.testing.v1 import AppTest

from seq2seq.jobs import runs, sweeps

pytestmark = pytest.mark.usefixtures("runs_dir")
MAX_RUNS = "2"  # both runs of the sweep train at once
PAGE = Path(__file__).resolve().parent.parent / "pages" / "4_Train.py"
TINY = {"model": {"emb_dim": 16, "enc_hidden": 32, "dec_hidden": 32, "bidirectional": False, "dropout": 0.0,
                  "attention": "bahdanau", "max_src_len": 16, "max_tgt_len": 16},
        "train": {"data": "toy:reverse", "tokenizer": {"kind": "char"}, "max_train_pairs": 1000,
                  "batch_tokens": 400, "max_steps": 30, "valid_every": 15, "log_every": 5, "lr": 3e-3,
                  "valid_decode_limit": 30, "patience": 0, "label_smoothing": 0.0, "probes": ["abc"]}}


@pytest.fixture(scope="module")
def swept(runs_dir) -> list[str]:
    sweep_id = sweeps.start("tiny cells", "reverse", {"cell": ["rnn", "gru"]}, base=TINY)
    deadline = time.monotonic() + 300
    while True:
        sweep = sweeps.list_sweeps()[0]
        if len(sweep.run_ids) == 2 and all(runs.status(r).state == "finished" for r in sweep.run_ids):
            return sweep.run_ids
        assert time.monotonic() < deadline, f"sweep {sweep_id} did not finish"
        time.sleep(0.3)


def page() -> AppTest:
    app = AppTest.from_file(str(PAGE), default_timeout=180)
    app.session_state["train_compare"] = True  # the compare expander open
    return app.run()


def test_a_sweep_of_two_toy_runs_is_overlaid_with_a_legend_per_run(swept):
    app = page()
    assert not app.exception, [e.value for e in app.exception]
    sweeps_table = next(d.value for d in app.dataframe if "variant" in getattr(d.value, "columns", []))
    assert list(sweeps_table["variant"]) == ["cell=rnn", "cell=gru"]
    assert list(sweeps_table["state"]) == ["✅ finished"] * 2  # each row follows its run to the end
    assert all(run.startswith("tiny-cells-cell-") and "cell-cell" not in run for run in swept)
    assert set(app.multiselect(key="compare_runs").value) == set(swept)
    curves = [(spec, frame) for spec, frame in chart_frames(app, "run") if "loss" in frame.columns]
    assert len(curves) == 2  # loss and score
    for spec, frame in curves:
        assert set(frame["run"]) == set(swept)
        assert spec["encoding"]["color"]["field"] == "run" and spec["encoding"]["color"]["legend"]["labelLimit"] == 0
        assert spec["encoding"]["x"]["field"] == "step"
    app.radio(key="compare_axis").set_value("seconds").run()
    assert all(spec["encoding"]["x"]["field"] == "seconds" for spec, frame in chart_frames(app, "run")
               if "loss" in frame.columns)


def test_exact_match_by_length_for_each_run(swept):
    app = page()
    (spec, frame), = [(s, f) for s, f in chart_frames(app, "exact_match")]
    # A run that did not learn (30 steps may not be enough) is labelled so, and the caption says it is no evidence.
    assert {run.removesuffix(" (did not learn)") for run in frame["run"]} == set(swept)
    if any(run.endswith(" (did not learn)") for run in frame["run"]):
        assert shown(app, r"did not learn \(final loss") and shown(app, "no evidence about length")
    assert frame["exact_match"].between(0, 1).all() and frame["sentences"].sum() > 0
    assert spec["layer"][0]["encoding"]["y"]["axis"]["format"] == "%"  # the line layer; the dots share it


def test_the_sweep_form_refuses_one_value_and_queues_a_real_sweep(swept):
    app = page()
    app.selectbox(key="sweep_preset").set_value("reverse").run()
    app.multiselect(key="sweep_values_cell").set_value(["gru"]).run()
    app.button(key="sweep_launch").click().run()
    assert any("different values of cell" in e.value for e in app.error)
    app.multiselect(key="sweep_values_cell").set_value(["rnn", "lstm"]).run()
    assert app.text_input(key="sweep_name:reverse:cell").value == "reverse"  # follows the preset
    app.text_input(key="sweep_name:reverse:cell").input("form sweep").run()
    app.button(key="sweep_launch").click().run()
    assert not app.error and not app.exception
    sweep = next(s for s in sweeps.list_sweeps() if s.name == "form sweep")
    sweeps.cancel(sweep.sweep_id)
    for run_id in sweep.run_ids:  # nothing to learn from training them: stop at once
        status = runs.status(run_id)
        if status.pid and status.live:
            os.kill(status.pid, signal.SIGKILL)
    assert [v.values["cell"] for v in sweep.variants] == ["rnn", "lstm"]
