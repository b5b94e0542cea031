"""Sweeps: variants planned from a preset, queued under the run limit, started as slots free up."""
from __future__ import annotations

import pytest
from conftest import tiny_recipe, wait_until

from seq2seq.errors import UserError
from seq2seq.jobs import runs, sweeps
from seq2seq.jobs.curves import curve_rows

TINY = tiny_recipe()


pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("fresh_runs_dir")]
MAX_RUNS = "1"  # the run limit of each test's own runs folder: one run at a time, the rest queued


def test_plan_varies_each_setting_and_checks_the_recipes():
    planned = sweeps.plan("copy30", {"cell": ["rnn", "lstm"], "attention": ["none", "bahdanau"]})
    assert [values for values, _ in planned] == [
        {"cell": "rnn", "attention": "none"}, {"cell": "rnn", "attention": "bahdanau"},
        {"cell": "lstm", "attention": "none"}, {"cell": "lstm", "attention": "bahdanau"}]
    assert planned[3][1]["model"]["cell"] == "lstm" and planned[0][1]["train"]["data"] == "toy:copy30"
    hidden = sweeps.plan("dates", {"hidden size": [32, 96]})
    assert [(r["model"]["enc_hidden"], r["model"]["dec_hidden"]) for _, r in hidden] == [(32, 64), (96, 192)]
    rates = sweeps.plan("dates", {"learning rate": [1e-3, 3e-3]})
    assert [r["train"]["lr"] for _, r in rates] == [1e-3, 3e-3]


@pytest.mark.parametrize("axes,message", [
    ({"cell": ["gru"]}, "2-4 different values"),
    ({"cell": ["gru", "gru"]}, "2-4 different values"),
    ({"learning rate": [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]}, "2-4 different values"),
    ({"dropout": [0.1, 0.2]}, "one of: cell"),
    ({"cell": ["rnn", "gru", "lstm"], "attention": ["none", "dot", "luong"]}, "too many"),
    ({"cell": ["rnn", "frog"]}, "cell must be one of"),
    ({}, "one setting"),
])
def test_bad_sweeps_are_refused_before_anything_runs(axes, message, fresh_runs_dir):
    with pytest.raises(UserError, match=message):
        sweeps.start("bad", "dates", axes)
    assert sweeps.list_sweeps() == [] and runs.list_runs() == []


def test_a_sweep_of_two_runs_queues_the_second_and_its_launcher_starts_it(fresh_runs_dir):
    sweep_id = sweeps.start("lr", "dates", {"learning rate": [1e-3, 3e-3]}, base=TINY)
    first = sweeps.list_sweeps()[0]  # read without advancing: whatever moves now, the launcher moved
    assert [v.state for v in first.variants] == ["launched", "queued"]  # the limit is one run at a time
    done = wait_until(lambda: all(v.state == "launched" for v in sweeps.list_sweeps()[0].variants)
                      and all(runs.status(r).state == "finished" for r in sweeps.list_sweeps()[0].run_ids),
                      what="both runs of the sweep to finish")
    sweep = sweeps.list_sweeps()[0]
    assert sweep.sweep_id == sweep_id and len(sweep.run_ids) == 2 and done
    started = [runs.status(r).started for r in sweep.run_ids]
    assert started[1] >= runs.status(sweep.run_ids[0]).ended - 5  # queued, not run side by side
    for run_id, lr in zip(sweep.run_ids, (1e-3, 3e-3)):
        rows = curve_rows(runs.read_events(run_id)[0])
        assert {r["split"] for r in rows} == {"train", "valid"}
        assert max(r["step"] for r in rows) == 30 and all(r["seconds"] is not None for r in rows)
        assert any(r["metric"] == "exact_match" and 0 <= r["score"] <= 1 for r in rows if r["split"] == "valid")
        recipe = (fresh_runs_dir / run_id / runs.RECIPE).read_text()
        assert f'"lr": {lr}' in recipe


def test_without_a_launcher_a_polling_page_advances_the_queue(fresh_runs_dir):
    sweep_id = sweeps.start("cells", "dates", {"cell": ["rnn", "lstm"]}, base=TINY, launcher=False)
    first_run = sweeps.list_sweeps()[0].run_ids[0]
    wait_until(lambda: runs.status(first_run).state == "finished", what="the first run")
    assert sweeps.list_sweeps()[0].variants[1].state == "queued"  # nothing moved it meanwhile
    sweep = sweeps.status(sweep_id)
    assert [v.state for v in sweep.variants] == ["launched", "launched"]
    assert runs.status(sweep.run_ids[1]).live or runs.status(sweep.run_ids[1]).state == "finished"
    assert sweeps.cancel(sweep_id).queued == 0


def test_cancel_drops_what_is_still_queued(fresh_runs_dir):
    sweep_id = sweeps.start("three", "dates", {"cell": ["rnn", "gru", "lstm"]}, base=TINY, launcher=False)
    sweep = sweeps.cancel(sweep_id)
    assert [v.state for v in sweep.variants] == ["launched", "cancelled", "cancelled"]
    assert sweeps.status(sweep_id).run_ids == sweep.run_ids
