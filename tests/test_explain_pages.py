"""The views beyond attention run headless (Streamlit AppTest): attribution on the Step-by-step and
Translate pages, the Gradients and pattern-search views of the Inside page, on shipped models."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 180  # generous: the test machine may be busy training
GRAD_MODELS = [ROOT / "checkpoints" / name for name in ("grad-rnn", "grad-gru", "grad-lstm")]


def page(path: str, **params: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / path), default_timeout=TIMEOUT)
    for name, value in {"model": "dates", **params}.items():
        app.query_params[name] = value
    return app.run()


def no_exception(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]


def texts(app: AppTest) -> list[str]:
    return [m.value for m in app.markdown] + [c.value for c in app.caption]


def shown(app: AppTest, fragment: str) -> bool:
    return any(fragment in text for text in texts(app))


def charts(app: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("vega_lite_chart")]


def chart_data(app: AppTest, column: str):
    for chart in app.get("vega_lite_chart"):
        for data in chart.proto.datasets:
            frame = convert_arrow_bytes_to_pandas_df(data.data.data)
            if column in frame.columns:
                return frame
    raise AssertionError(f"no chart data with column {column!r}")


def table_with(app: AppTest, column: str):
    return next(d.value for d in app.dataframe if column in getattr(d.value, "columns", []))


def test_step_page_attribution_opens_on_request_beside_attention():
    app = page("pages/2_Step_by_step.py", text="March 5, 1987", step="6")
    no_exception(app)
    assert not shown(app, "What caused piece")  # closed: no gradients taken
    app.session_state["step_attribution"] = True  # what opening the expander does
    app.run()
    no_exception(app)
    assert shown(app, "What caused piece 6")
    frame = chart_data(app, "pointer")
    assert set(frame["pointer"]) == {"attention", "saliency (gradient norm)", "gradient × input",
                                     "integrated gradients"}
    assert frame["share"].between(-1, 1).all()
    removals = table_with(app, "p after")
    assert len(removals) == 4 and removals["explains best"].str.contains("✔").any()
    assert shown(app, "(completeness)")


def test_translate_page_attribution_explains_the_piece_picked():
    app = page("pages/1_Translate.py", text="March 5, 1987")
    app.session_state["translate_attribution"] = True
    app.run()
    no_exception(app)
    picker = next(s for s in app.selectbox if s.label == "Output piece to explain")
    picker.set_value(3).run()
    no_exception(app)
    assert shown(app, "What caused piece 4")


def test_neurons_view_pattern_search_lists_matches_with_the_span_highlighted():
    app = page("pages/3_Inside_the_model.py", view="Neurons", text="March 5, 1987")
    no_exception(app)
    assert shown(app, "Pattern search")
    threshold = next(s for s in app.slider if s.label == "On above")
    threshold.set_value(0.0).run()
    no_exception(app)
    assert shown(app, "unit(s) on over pieces")
    frame = table_with(app, "match")
    assert len(frame) >= 1 and (frame["length"] >= 2).all()


@pytest.mark.skipif(not all((p / "model.safetensors").is_file() for p in GRAD_MODELS),
                    reason="the vanishing-gradient models are not shipped yet")
def test_gradients_view_draws_one_curve_per_cell():
    app = page("pages/3_Inside_the_model.py", view="Gradients", text="March 5, 1987")
    no_exception(app)
    frame = chart_data(app, "norm")
    assert set(frame["cell"]) == {"rnn", "gru", "lstm"}
    assert frame["norm"].gt(0).all() and frame["distance"].min() == 1
    spec = next(s for s in charts(app) if "norm" in json.dumps(s))
    assert spec["encoding"]["y"]["scale"]["type"] == "log"
    assert shown(app, "vanishing gradient")
    app.text_input(key="inside_grad_text").input("abc").run()
    no_exception(app)
    # "abc" + EOS in (3 encoder steps after "a"), "cba" + EOS out (up to 4 decoder steps): at most 3 + 4
    assert chart_data(app, "norm")["distance"].max() == 3 + 4
