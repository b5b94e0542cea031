"""Chart builders beyond attention: each validates against the Vega-Lite schema and labels what it shows."""
from types import SimpleNamespace

import pandas as pd

from studio.inside import charts as inside_charts
from studio.shared.charts import attribution, gradients, lengths
from studio.train import charts as train_charts

LABELS = {"saliency": "saliency (gradient norm)", "gradient_x_input": "gradient × input",
          "integrated_gradients": "integrated gradients", "attention": "attention"}


def test_attribution_rows_share_one_scale_whatever_the_method():
    frame = attribution.attribution_frame(
        ["▁Le", "▁chat", "</s>"], {"saliency": [0.01, 0.04, 0.02], "integrated_gradients": [-3.0, 1.5, 0.0]},
        [0.2, 0.7, 0.1], LABELS)
    assert list(dict.fromkeys(frame["pointer"])) == ["attention", "saliency (gradient norm)", "integrated gradients"]
    ig = frame[frame["pointer"] == "integrated gradients"]
    assert ig["share"].tolist() == [-1.0, 0.5, 0.0] and ig["score"].tolist() == [-3.0, 1.5, 0.0]
    spec = attribution.attribution_chart(frame).to_dict()
    assert spec["encoding"]["color"]["scale"]["domain"] == [-1, 1]
    assert spec["encoding"]["x"]["axis"]["labelOverlap"] is False  # every piece labelled
    assert attribution.attribution_frame(["a"], {"saliency": [0.0]}, None, LABELS)["share"].tolist() == [0.0]


def test_removal_table_marks_the_winners():
    removal = SimpleNamespace(pointer="attention", position=1, prob_before=0.9, prob_after=0.4, drop=0.5)
    other = SimpleNamespace(pointer="saliency", position=0, prob_before=0.9, prob_after=0.8, drop=0.1)
    table = attribution.removal_frame([removal, other], ["a", "b"], LABELS, ["attention"])
    assert table["explains best"].tolist() == ["✔", ""] and table["piece removed"].tolist() == ["b", "a"]
    assert table["position"].tolist() == [2, 1]


def test_gradient_chart_is_logarithmic_with_one_line_per_cell():
    frame = gradients.gradient_frame({"rnn": {1: 0.1, 2: 0.01}, "lstm": {1: 0.1, 2: 0.05}})
    spec = gradients.gradient_chart(frame).to_dict()
    assert spec["encoding"]["y"]["scale"]["type"] == "log"
    assert spec["encoding"]["color"]["field"] == "cell" and "distance" in spec["encoding"]["x"]["title"]


def curves() -> pd.DataFrame:
    rows = []
    for run in ("a run with a rather long name, cell=lstm", "b"):
        rows += [{"run": run, "step": s, "seconds": s / 10, "split": "train", "loss": 3 - s / 100, "score": None,
                  "metric": None} for s in (10, 20)]
        rows += [{"run": run, "step": 20, "seconds": 2.0, "split": "valid", "loss": 2.5, "score": 0.4,
                  "metric": "exact_match"}]
    return pd.DataFrame(rows)


def test_overlaid_runs_have_a_legend_entry_each_never_cut():
    loss = train_charts.overlay_chart(curves(), "seconds", "loss").to_dict()
    assert loss["encoding"]["color"]["legend"]["labelLimit"] == 0
    assert loss["layer"][0]["encoding"]["strokeDash"]["field"] == "split"
    assert loss["encoding"]["x"]["field"] == "seconds"
    score = train_charts.overlay_chart(curves(), "step", "score")
    assert set(score.data["split"]) == {"valid"} and len(score.data) == 2
    assert score.to_dict()["encoding"]["y"]["title"] == "validation exact match"


def test_length_chart_orders_buckets_by_length_not_by_text():
    frame = pd.DataFrame({"run": ["r"] * 3, "lengths": ["1-5", "11-15", "6-10"], "low": [1, 11, 6],
                          "sentences": [5, 5, 5], "exact_match": [1.0, 0.2, 0.6]})
    spec = lengths.length_chart(frame, train_charts.LENGTH_COLUMNS, "exact match", "input length (characters)",
                                fraction=True).to_dict()
    assert spec["layer"][0]["encoding"]["x"]["sort"] == ["1-5", "6-10", "11-15"]
    assert spec["layer"][0]["encoding"]["y"]["axis"]["format"] == "%"


def test_pattern_rows_split_the_sentence_around_the_match():
    match = SimpleNamespace(pieces=["▁the", "▁old", "▁man", "</s>"], start=1, end=2, source="the old man")
    row = inside_charts.pattern_frame([match], char_level=False).iloc[0]
    assert (row["before"], row["match"], row["after"], row["length"]) == ("the", "old man", "</s>", 2)
    chars = SimpleNamespace(pieces=list("march"), start=0, end=2, source="march")
    assert inside_charts.pattern_frame([chars], char_level=True).iloc[0]["match"] == "mar"
