"""Chart builders of the "Inside the model" page: pure functions, checked on their data and specs."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from studio.inside import charts as inside_charts
from studio.shared.charts import lengths, trajectories, units


def path(label: str, xy: list[tuple[float, float]]) -> pd.DataFrame:
    return trajectories.trajectory_frame(label, [f"p{i}" for i in range(len(xy))], np.array(xy, dtype=float))


def test_arrows_point_along_each_move_clockwise_from_up():
    frame = path("a", [(0, 0), (0, 1), (1, 1), (1, 0), (0, 0)])  # up, right, down, left
    arrows = trajectories.arrow_frame(frame)
    assert arrows["angle"].tolist() == pytest.approx([0.0, 90.0, 180.0, 270.0])
    assert arrows[["x", "y"]].iloc[0].tolist() == [0.0, 0.5]


def test_arrows_skip_standing_still_and_stay_within_each_trajectory():
    frame = pd.concat([path("a", [(0, 0), (0, 0), (2, 0)]), path("b", [(5, 5), (5, 6)])], ignore_index=True)
    arrows = trajectories.arrow_frame(frame)
    assert arrows["trajectory"].tolist() == ["a", "b"]


def test_trajectory_axes_have_equal_spans_so_arrows_are_true():
    frame = path("a", [(0, 0), (10, 1)])
    cloud = pd.DataFrame({"x": [-1.0, 2.0], "y": [0.0, 3.0]})
    spec = trajectories.trajectory_chart(frame, cloud, ("PC1", "PC2")).to_dict()  # validates the spec
    x_domain = spec["layer"][0]["encoding"]["x"]["scale"]["domain"]
    y_domain = spec["layer"][0]["encoding"]["y"]["scale"]["domain"]
    assert x_domain[1] - x_domain[0] == pytest.approx(y_domain[1] - y_domain[0])
    assert spec["width"] == spec["height"] and spec["autosize"]["type"] == "pad"  # legend may not squeeze it


def test_unit_frame_keeps_the_chosen_unit_order():
    acts = np.arange(12, dtype=float).reshape(3, 4)  # 3 steps x 4 units
    frame = units.unit_frame(acts, np.array([2, 0]), ["a", "b", "a"])
    assert frame.drop_duplicates("unit")["unit"].tolist() == ["unit 2", "unit 0"]
    assert frame.loc[(frame["unit"] == "unit 2") & (frame["step"] == 3), "value"].item() == 10.0
    spec = units.unit_heatmap(frame, "activation", (-1.0, 1.0)).to_dict()
    assert spec["encoding"]["y"]["sort"] == ["unit 2", "unit 0"]


def test_length_chart_orders_buckets_by_length_not_alphabetically():
    results = {"with": {"buckets": [{"order": 1, "bucket": "11–15", "sentences": 3, "score": 20.0},
                                    {"order": 0, "bucket": "6–10", "sentences": 9, "score": 30.0}]}}
    spec = lengths.length_chart(inside_charts.length_frame(results), inside_charts.LENGTH_COLUMNS, "BLEU",
                                "source length (words)").to_dict()
    assert spec["layer"][0]["encoding"]["x"]["sort"] == ["6–10", "11–15"]


def test_kl_chart_has_one_bar_per_step_of_the_original(dates_translator):
    from seq2seq.analysis.counterfactual import counterfactual

    trace = dates_translator.trace("March 5, 1987")
    result = counterfactual(dates_translator, trace.source, trace.output_ids, "April 5, 1987")
    frame = inside_charts.kl_frame(trace.steps, result.kl, result.p_original, result.p_swapped, result.trace.steps)
    assert frame["piece"].tolist() == list("1987-03-05") + ["</s>"] and frame["step"].tolist() == list(range(1, 12))
    spec = inside_charts.kl_chart(frame).to_dict()
    assert spec["mark"]["type"] == "bar" and spec["encoding"]["y"]["field"] == "kl"
