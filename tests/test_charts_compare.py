"""Chart builders of issue 20, without a browser: runs overlaid told apart by hue, shape and dash with ticks
that read as numbers; trajectory labels that never overlap; the table of what differs between models."""
from __future__ import annotations

import colorsys
import itertools

import numpy as np
import pandas as pd

from seq2seq.analysis.comparison import Comparison, Fact
from studio.shared.charts import trajectories
from studio.shared.differences import differences_frame
from studio.train import charts as train_charts

RUNS = ["cell-x-attention-cell-rnn-attention-none", "cell-x-attention-cell-rnn-attention-bahdanau",
        "cell-x-attention-cell-lstm-attention-none", "cell-x-attention-cell-lstm-attention-bahdanau"]


def hue(color: str) -> float:
    r, g, b = (int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 360 * colorsys.rgb_to_hsv(r, g, b)[0]


def four_runs_validated_once() -> pd.DataFrame:
    rows = []
    for number, run in enumerate(RUNS):
        rows += [{"run": run, "step": s, "seconds": s / 7, "split": "train", "loss": 3.4 - number * s / 200,
                  "score": None, "metric": None} for s in (20, 60, 100)]
        rows.append({"run": run, "step": 100, "seconds": 14.3, "split": "valid", "loss": 3.0 - number / 3,
                     "score": number / 4, "metric": "exact_match"})
    return pd.DataFrame(rows)


def overlay_encoding(spec: dict) -> dict:
    """The overlay's channels: shared by its layers (the lines and, apart, their points) or each layer's own."""
    return {**spec["encoding"], **{k: v for layer in spec["layer"] for k, v in layer.get("encoding", {}).items()}}


def test_four_runs_get_four_distinct_hues_shapes_and_on_the_score_chart_dashes():
    frame = four_runs_validated_once()
    for y in ("loss", "score"):
        spec = train_charts.overlay_chart(frame, "step", y).to_dict()
        encoding = overlay_encoding(spec)
        colors = encoding["color"]["scale"]["range"]
        assert encoding["color"]["scale"]["domain"] == RUNS and len(set(colors)) == 4
        for a, b in itertools.combinations(colors, 2):
            gap = abs(hue(a) - hue(b))
            assert min(gap, 360 - gap) >= 30, (a, b)  # never two shades of one hue
        assert len(set(encoding["shape"]["scale"]["range"])) == 4
        assert encoding["color"]["legend"] == encoding["shape"]["legend"]  # one legend, symbol and colour
        assert encoding["color"]["legend"]["labelLimit"] == 0 and encoding["color"]["legend"]["columns"] == 1
        assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}  # the legend never squeezes the plot
    score = overlay_encoding(train_charts.overlay_chart(frame, "step", "score").to_dict())
    dashes = score["strokeDash"]["scale"]["range"]
    assert score["strokeDash"]["field"] == "line" and len({tuple(d) for d in dashes}) == 4
    assert score["strokeDash"]["legend"] is None  # dashes in the legend would break the symbols' outlines


def test_ticks_read_as_numbers_when_every_run_validated_once():
    frame = four_runs_validated_once()
    score = train_charts.overlay_chart(frame, "step", "score").to_dict()["encoding"]
    assert score["x"]["axis"]["format"] == ",~f" and score["x"]["axis"]["tickMinStep"] == 1
    assert score["y"]["axis"]["format"] == ".0%" and score["y"]["scale"]["domain"] == [0, 1]
    loss = train_charts.overlay_chart(frame, "seconds", "loss").to_dict()["encoding"]
    assert loss["x"]["axis"]["format"] == ",~f" and loss["y"]["axis"]["format"] == ".2~f"
    bleu = frame.assign(metric=frame["metric"].where(frame["metric"].isna(), "bleu"), score=frame["score"] * 100)
    assert train_charts.overlay_chart(bleu, "step", "score").to_dict()["encoding"]["y"]["axis"]["format"] == ".1~f"


def crowd() -> pd.DataFrame:
    """A path of 20 states, 14 of them bunched near the origin (as real encoder paths are)."""
    rng = np.random.default_rng(1)
    coords = np.concatenate([rng.normal(0, 0.05, size=(14, 2)), rng.uniform(-2, 2, size=(6, 2))])
    pieces = ["▁I", "▁am", "▁very", "▁happy", "▁to", "▁see", "▁you", ".", "</s>", "▁and", "▁then", "▁we",
              "▁went", "▁home", "▁a", "▁b", "▁c", "▁d", "▁e", "▁f"]
    return trajectories.trajectory_frame("#1 · encoder", pieces, coords)


def boxes(labels: pd.DataFrame, x_domain, y_domain, size=trajectories.TRAJECTORY_SIZE):
    for row in labels.itertuples():
        px = (row.lx - x_domain[0]) / (x_domain[1] - x_domain[0]) * size
        py = (y_domain[1] - row.ly) / (y_domain[1] - y_domain[0]) * size
        half = (len(row.piece) * trajectories.LABEL_CHAR_PX + trajectories.LABEL_PAD_PX) / 2
        yield px - half, py - trajectories.LABEL_HEIGHT_PX / 2, px + half, py + trajectories.LABEL_HEIGHT_PX / 2


def test_trajectory_labels_never_overlap_and_stay_inside_the_plot():
    points = crowd()
    x_domain, y_domain = trajectories._square_domain([points])
    labels = trajectories.label_frame(points, x_domain, y_domain)
    assert 3 <= len(labels) < len(points)  # the crowd keeps a few labels, not all 20
    assert 0 in set(labels["order"])  # the first piece is placed first
    found = list(boxes(labels, x_domain, y_domain))
    size = trajectories.TRAJECTORY_SIZE
    for left, top, right, bottom in found:
        assert 0 <= left and right <= size and 0 <= top and bottom <= size
    for a, b in itertools.combinations(found, 2):
        assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    spec = trajectories.trajectory_chart(points, None, ("PC1", "PC2")).to_dict()
    texts = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    assert len(texts) == 2 and texts[0]["mark"]["stroke"] == "white"  # the halo under each label


def test_the_differences_table_has_a_row_per_fact_and_a_column_per_model():
    facts = (Fact("cell", "cell", ("GRU", "LSTM"), True), Fact("steps", "steps", ("10", "20"), True),
             Fact("data", "data", ("x", "x"), False))
    comparison = Comparison(("a", "b"), ("cell",), facts, ())
    frame = differences_frame(comparison)
    assert list(frame.columns) == ["", "same?", "a", "b"]
    assert frame["same?"].tolist() == ["compared", "differs", "same"]
