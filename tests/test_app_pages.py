"""The home, Translate and Step-by-step pages run headless (Streamlit AppTest) on the shipped dates
model: what they show, how next/back/forcing change it, and what bad input and bad links get."""
from __future__ import annotations

import functools
import shutil

import pytest
from apptest_helpers import ROOT, no_exception, shown
from apptest_helpers import open_page as page
from streamlit.testing.v1 import AppTest

from seq2seq import catalog as service
from studio.shared import sidebar

DATES = ROOT / "checkpoints" / "dates"


def headline(app: AppTest) -> str:
    return next(m.value for m in app.markdown if m.value.startswith("#### "))


def button(app: AppTest, label_start: str):
    return next(b for b in app.button if b.label.startswith(label_start))


@pytest.mark.skipif(not (ROOT / "checkpoints" / service.DEFAULT_MODEL).is_dir(), reason="default model not shipped")
def test_home_opens_on_the_default_model_with_an_everyday_sentence():
    app = page("app.py", model=None)
    no_exception(app)
    assert app.sidebar.selectbox[0].value == service.DEFAULT_MODEL
    assert app.text_area[0].value == "I am very happy to see you."
    assert len(headline(app)) > len("#### ") and shown(app, "decoding steps · greedy")


def test_home_shows_the_example_translated_and_the_pages():
    app = page("app.py")
    no_exception(app)
    assert app.text_area[0].value == "March 5, 1987"
    assert headline(app) == "#### 1987\\-03\\-05"
    assert shown(app, "11 decoding steps")
    assert shown(app, "Step through decoding") and shown(app, "Translate sentences")


def test_translate_page_lists_each_line_and_its_pieces():
    app = page("pages/1_Translate.py", text="March 5, 1987\n12/03/2001")
    no_exception(app)
    table = app.dataframe[0].value
    assert table["translation"].tolist() == ["1987-03-05", "2001-03-12"]
    assert shown(app, "11 decoding steps · greedy")
    labels = [e.label for e in app.expander]
    assert labels[0] == "Greedy vs beam vs sampling, side by side" and labels[1].startswith("Type a reference")


def test_translate_page_compares_strategies_and_scores_a_reference():
    app = page("pages/1_Translate.py", text="March 5, 1987")
    comparison = next(d.value for d in app.dataframe if "strategy" in d.value.columns)
    assert comparison["translation"].tolist()[:2] == ["1987-03-05", "1987-03-05"]
    app.text_input[0].input("1987-05-03").run()
    no_exception(app)
    assert shown(app, "another piece at 2 of 11 steps")
    assert app.query_params["ref"] == "1987-05-03"


def test_beam_search_shows_the_n_best_list_from_the_link():
    app = page("pages/1_Translate.py", text="March 5, 1987", strategy="beam", beam="3")
    no_exception(app)
    assert app.sidebar.radio[0].value == "beam" and app.sidebar.slider[0].value == 3
    nbest = next(d.value for d in app.dataframe if "score" in d.value.columns)
    assert len(nbest) == 3 and nbest["translation"].iloc[0] == "1987-03-05"


def test_next_back_and_slider_move_through_the_steps():
    app = page("pages/2_Step_by_step.py")
    no_exception(app)
    assert shown(app, "**Step 1 of 11**") and button(app, "◀ Back").disabled
    button(app, "Next").click().run()
    assert shown(app, "**Step 2 of 11**") and app.query_params["step"] == "2"
    button(app, "Next").click().run()
    button(app, "◀ Back").click().run()
    assert shown(app, "**Step 2 of 11**")
    app.slider[0].set_value(11).run()
    assert shown(app, "**Step 11 of 11**") and button(app, "Next").disabled


def test_forcing_a_candidate_redecodes_and_can_be_undone():
    app = page("pages/2_Step_by_step.py", step="7")
    assert shown(app, "**Step 7 of 11**") and headline(app) == "#### 1987\\-03\\-05"
    four = next(b for b in app.button if (b.key or "").startswith("force_") and b.label.startswith("4 "))
    four.click().run()
    no_exception(app)
    assert headline(app) == "#### 1987\\-04\\-05"
    assert shown(app, "what-if: pieces up to step 7 imposed") and shown(app, "**Step 7 of 11**")
    assert app.query_params["force"] == "6,14,13,12,4,5,9"
    button(app, "↺ Back to the model's own choices").click().run()
    assert headline(app) == "#### 1987\\-03\\-05" and "force" not in app.query_params


def test_step_page_opens_a_shared_link_at_its_step_with_its_forced_pieces():
    app = page("pages/2_Step_by_step.py", text="12/03/2001", step="3", force="7,5,5,9")
    no_exception(app)
    assert shown(app, "**Step 3 of 11**") and headline(app) == "#### 2004\\-03\\-12"


def test_beam_tree_and_equations_on_the_step_page():
    app = page("pages/2_Step_by_step.py", strategy="beam", beam="2")
    no_exception(app)
    labels = [e.label for e in app.expander]
    assert "Beam search tree" in labels and any(label.startswith("Inside one step") for label in labels)
    assert not app.latex  # a closed expander's content is not built
    app.session_state["step_equations"] = True  # what opening the expander does
    app.run()
    assert any(r"r_{t} &= \sigma(W_{er}" in latex.value for latex in app.latex)  # a GRU, in the design's names
    assert any(code.value.startswith("y_{t-1} = '<s>'") for code in app.code)


@pytest.mark.parametrize("params", [
    {"strategy": "evil", "beam": "999", "temp": "nan", "step": "-4"},
    {"force": "99999,1"},
    {"force": "not,ids"},
])
def test_a_hand_edited_link_falls_back_to_defaults(params):
    app = page("pages/2_Step_by_step.py", **params)
    no_exception(app)
    assert app.sidebar.radio[0].value == "greedy" and shown(app, "**Step 1 of 11**")
    if params.get("force") == "99999,1":
        assert "do not belong to this model" in app.warning[0].value


@pytest.mark.parametrize("path", ["app.py", "pages/1_Translate.py", "pages/2_Step_by_step.py"])
def test_bad_input_gets_a_message_never_a_traceback(path):
    app = page(path)
    app.text_area[0].input("").run()
    assert app.info[0].value.startswith("Type a sentence")
    app.text_area[0].input("\x00\x07\x1b").run()
    assert app.info[0].value.startswith("Type a sentence")
    app.text_area[0].input("March 5, 1987. " * 340).run()  # 5,100 characters
    assert "longer than the model reads" in app.warning[0].value
    app.text_area[0].input("<script>alert(1)</script> 😀 مرحبا بك").run()
    no_exception(app)
    assert "<script>" not in headline(app) and shown(app, "reads them as `<unk>`")


@pytest.fixture
def two_models(tmp_path, monkeypatch):
    """Two shipped-looking checkpoints (copies of dates) so the picker has a real choice."""
    for name in ("alpha", "dates"):
        shutil.copytree(DATES, tmp_path / name)
    monkeypatch.setattr(sidebar, "list_models", functools.partial(service.list_models, tmp_path))
    return tmp_path


def test_an_unknown_model_in_the_link_opens_the_default():
    app = page("app.py", model="../../etc")
    no_exception(app)
    assert app.sidebar.selectbox[0].value == service.list_models()[0].name


def test_model_and_strategy_survive_a_page_switch(two_models):
    app = page("app.py", model=None)
    assert app.sidebar.selectbox[0].value == "alpha"
    app.sidebar.selectbox[0].set_value("dates").run()
    app.sidebar.radio[0].set_value("beam").run()
    app.switch_page("pages/2_Step_by_step.py").run()
    no_exception(app)
    assert app.session_state["model"] == "dates" and app.sidebar.selectbox[0].value == "dates"
    assert app.sidebar.radio[0].value == "beam"
    assert app.query_params["model"] == "dates" and app.query_params["strategy"] == "beam"
    app.switch_page("pages/1_Translate.py").run()
    assert app.sidebar.selectbox[0].value == "dates" and shown(app, "beam search (size 5")


def test_typed_text_follows_to_the_next_page():
    app = page("app.py")
    app.text_area[0].input("12/03/2001").run()
    assert headline(app) == "#### 2001\\-03\\-12" and app.query_params["text"] == "12/03/2001"
    app.switch_page("pages/2_Step_by_step.py").run()
    assert app.text_area[0].value == "12/03/2001" and headline(app) == "#### 2001\\-03\\-12"


def test_a_rerun_of_the_translate_page_builds_no_chart_again(monkeypatch):
    """Any click reruns the whole page: its charts come from the spec cache, keyed by what they show;
    only a chart whose settings changed is built (here the heatmap, when </s> is hidden)."""
    from studio.translate import cache as translate_cache

    built: list[str] = []
    for name in ("source_chips", "attention_heatmap", "strategies_chart"):
        real = getattr(translate_cache, name)
        monkeypatch.setattr(
            translate_cache, name,
            lambda *args, _real=real, _name=name, **kwargs: built.append(_name) or _real(*args, **kwargs))
    app = page("pages/1_Translate.py", text="April 9, 1999")  # a sentence no other test caches
    no_exception(app)
    assert sorted(built) == ["attention_heatmap", "source_chips", "strategies_chart"]
    built.clear()
    app.toggle(key="translate_hide_eos").set_value(True).run()
    no_exception(app)
    assert built == ["attention_heatmap"]
    app.toggle(key="translate_hide_eos").set_value(False).run()
    assert built == ["attention_heatmap"]  # the first heatmap again, from the cache
