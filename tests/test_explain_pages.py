"""The views beyond attention run headless (Streamlit AppTest): attribution on the Step-by-step and
Translate pages, the Gradients and pattern-search views of the Inside page, on shipped models."""
from __future__ import annotations

import json

import pytest
from apptest_helpers import ROOT, chart_data, charts, no_exception, shown, table_with
from apptest_helpers import open_page as page

GRAD_MODELS = [ROOT / "checkpoints" / name for name in ("grad-rnn", "grad-gru", "grad-lstm")]


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
