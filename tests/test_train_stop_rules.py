"""Issue 15's bug 1 and the run card's labels: a preset's stop rule stays with its own data, targets
carry their metric's scale, a run on uploaded data trains past its first validation, and the card
says why a run stopped (tiny runs trained by real worker processes in a temporary runs folder)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from apptest_helpers import no_exception, open_page
from conftest import stopped_run
from streamlit.testing.v1 import AppTest

from seq2seq.config import TrainConfig
from studio.train import charts as train_charts
from studio.train.form import preset_target
from studio.train.stop_reasons import why_stopped

pytestmark = pytest.mark.usefixtures("runs_dir")
PAGE = Path(__file__).resolve().parent.parent / "pages" / "4_Train.py"
PAIRS = b"".join(f"word {i}\tmot {i}\n".encode() for i in range(300))


def page(**params) -> AppTest:
    return no_exception(open_page(PAGE, model=None, timeout=120, **params))


def command(app: AppTest) -> str:
    return next(c.value for c in app.code if c.value.startswith("python -m seq2seq train"))


def upload(app: AppTest) -> AppTest:
    app.radio(key="dates:data_kind").set_value("Upload a TSV file").run()
    app.file_uploader(key="dates:upload").set_value(("pairs.tsv", PAIRS, "text/plain")).run()
    app.radio(key="dates:tok").set_value("char").run()
    return app


def test_a_toy_presets_target_does_not_follow_the_data_elsewhere():
    app = page()
    target = app.number_input(key="dates:target:toy:dates")
    assert target.label.startswith("Stop at validation exact match (%") and target.value == pytest.approx(99.5)
    assert "target_score" not in command(app)  # the preset's own rule, unchanged
    upload(app)
    bleu = app.number_input(key="dates:target:tsv:pairs.tsv")
    assert bleu.label.startswith("Stop at validation BLEU (0-100") and bleu.value == 0
    assert "--set train.target_score=0.0" in command(app) and "0.995" not in command(app)


def test_a_bleu_target_written_as_a_fraction_is_refused_with_a_message():
    app = upload(page())
    app.number_input(key="dates:target:tsv:pairs.tsv").set_value(0.995).run()
    assert "BLEU is on a 0-100 scale" in app.error[0].value and not app.code  # nothing to launch
    app.number_input(key="dates:target:tsv:pairs.tsv").set_value(25.0).run()
    assert "--set train.target_score=25.0" in command(app) and "--set train.target_metric=bleu" in command(app)


def test_exact_match_targets_are_typed_in_percent_and_stored_as_fractions():
    app = page()
    app.selectbox(key="dates:toy").set_value("reverse").run()
    assert app.number_input(key="dates:target:toy:reverse").value == 0  # another task: no inherited target
    app.number_input(key="dates:target:toy:reverse").set_value(90.0).run()
    assert "--set train.target_score=0.9" in command(app)
    assert preset_target({"data": "toy:dates", "target_score": 0.995}, "toy:dates") == pytest.approx(99.5)


@pytest.mark.slow
def test_a_run_on_uploaded_data_trains_past_its_first_validation_and_says_why_it_stopped(runs_dir):
    app = upload(page())
    app.text_input(key="dates:name").set_value("uploaded").run()
    app.number_input(key="dates:steps").set_value(30).run()
    app.number_input(key="dates:valid").set_value(10).run()
    app.number_input(key="dates:batch").set_value(400).run()
    next(b for b in app.button if b.label == "🚀 Launch").click().run()
    assert stopped_run("uploaded").state == "finished"
    events = [json.loads(line) for line in (runs_dir / "uploaded" / "events.jsonl").read_text().splitlines()]
    valids = [e for e in events if e["type"] == "valid"]
    assert [e["step"] for e in valids] == [10, 20, 30] and all(e.get("metric", "bleu") == "bleu" for e in valids)
    assert json.loads((runs_dir / "uploaded" / "metrics.json").read_text())["stop_reason"] == "max_steps"
    card = page(run="uploaded")
    assert card.get("progress")[0].proto.text == "step 30 of 30 · 100% · reached its step limit"
    assert "Validation BLEU" in [m.label for m in card.metric]
    assert any(m.value.startswith("**Why it stopped:** It reached its step limit of 30 steps") for m in card.markdown)


def events_with(reason: str, step: int) -> list[dict]:
    return [{"type": "valid", "step": 100, "metric": "exact_match", "exact_match": 0.62},
            {"type": "valid", "step": 200, "metric": "exact_match", "exact_match": 0.996},
            {"type": "done", "reason": reason, "step": step}]


@pytest.mark.parametrize("reason,settings,expected", [
    ("target_reached", TrainConfig(target_score=0.995), "validation exact match 99.6% (the target was 99.5%)"),
    ("patience", TrainConfig(patience=4), "no better validation exact match for 4 validations in a row "
                                          "(best 99.6% at step 200)"),
    ("time_budget", TrainConfig(time_budget_s=90), "its time budget of 1.5 min"),
    ("max_steps", TrainConfig(max_steps=212), "its step limit of 212 steps"),
    ("stopped", None, "You stopped it at step 212"),
    ("finished", TrainConfig(epochs=20), "all its 20 epochs"),
])
def test_why_a_run_stopped_names_the_rule_and_its_numbers(reason, settings, expected):
    assert expected in why_stopped(reason, settings, events_with(reason, 212))


def test_one_validation_still_draws_a_readable_score_axis():
    events = [{"type": "valid", "step": 30, "valid_loss": 1.0, "valid_ppl": 2.7, "metric": "exact_match",
               "exact_match": 1.0}]
    y = train_charts.score_chart(events).to_dict()["encoding"]["y"]
    assert y["scale"]["domain"] == [0, 1] and y["axis"]["format"] == ".0%"
    bleu = [{**events[0], "metric": "bleu", "bleu": 23.4}]
    assert train_charts.score_chart(bleu).to_dict()["encoding"]["y"]["scale"]["domain"] == [0, 30]
    assert train_charts.METRIC_LABELS[train_charts.score_metric(bleu)] == "Validation BLEU"
