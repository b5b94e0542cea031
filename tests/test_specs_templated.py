"""Templated chart specs (studio.shared.specs.templated): Altair builds a chart once per layout and later
data only replaces its dataset. Every templated spec must equal the chart built afresh from the same data
(but for the dataset's name), whatever step, sentence or layout."""
import io
import json

import pandas as pd
import pyarrow as pa
import pytest

from studio.shared.charts.pieces import (
    candidates_chart,
    candidates_chart_of,
    candidates_frame,
    output_chips,
    output_chips_chart,
    output_chips_frame,
    output_chips_layout,
)
from studio.shared.specs import spec, templated
from studio.step.charts import step_attention_chart, step_attention_chart_of, step_attention_frame

SENTENCES = ["March 5, 1987", "the 3rd of july 2001", "12/25/1999"]


def normalised(value: dict) -> tuple[str, list[pd.DataFrame]]:
    """The spec with its dataset names replaced by their order, and the datasets as frames."""
    value = dict(value)
    datasets = value.pop("datasets")
    text = json.dumps(value, sort_keys=True)
    for number, name in enumerate(datasets):
        text = text.replace(name, f"dataset-{number}")
    frames = [pa.ipc.open_stream(io.BytesIO(data)).read_all().to_pandas() for data in datasets.values()]
    return text, [frame.drop(columns=[c for c in frame.columns if c.startswith("__")]) for frame in frames]


def same(templated_spec: dict, built: dict) -> None:
    (text_a, frames_a), (text_b, frames_b) = normalised(templated_spec), normalised(built)
    assert text_a == text_b
    for a, b in zip(frames_a, frames_b):
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b[a.columns].reset_index(drop=True),
                                      check_dtype=False)


@pytest.mark.parametrize("sentence", SENTENCES)
def test_every_step_s_templated_charts_equal_the_charts_built_afresh(dates_translator, sentence):
    trace = dates_translator.trace(sentence)
    for index, step in enumerate(trace.steps):
        chips = output_chips_frame(trace.steps[: index + 1])
        same(templated(output_chips_layout(chips), chips, output_chips_chart),
             spec(output_chips(trace.steps[: index + 1])))
        same(templated((), candidates_frame(step), candidates_chart_of), spec(candidates_chart(step)))
        attention = step_attention_frame(step, trace.src_pieces)
        same(templated((), attention, step_attention_chart_of),
             spec(step_attention_chart(step, trace.src_pieces)))


def two_datasets(frame: pd.DataFrame):
    import altair as alt

    return alt.layer(alt.Chart(frame).mark_bar().encode(x="a:Q"),
                     alt.Chart(frame.assign(a=1)).mark_rule().encode(x="a:Q"))


def test_a_chart_of_several_datasets_is_refused():
    with pytest.raises(ValueError, match="one dataset"):
        templated((), pd.DataFrame({"a": [1, 2]}), two_datasets)


def test_two_builders_never_share_a_template_and_a_builder_made_per_call_is_refused():
    """Templates are keyed by their builder: no name to reuse by mistake, and so no wrong chart drawn."""
    frame = pd.DataFrame({"a": [1.0, 2.0]})
    bars, ticks = templated((), frame, bar_chart), templated((), frame, tick_chart)
    assert bars["mark"]["type"] == "bar" and ticks["mark"]["type"] == "tick"
    with pytest.raises(ValueError, match="module-level function"):
        templated((), frame, lambda f: bar_chart(f))


def bar_chart(frame: pd.DataFrame):
    import altair as alt

    return alt.Chart(frame).mark_bar().encode(x="a:Q")


def tick_chart(frame: pd.DataFrame):
    import altair as alt

    return alt.Chart(frame).mark_tick().encode(x="a:Q")
