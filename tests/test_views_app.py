"""Issue 15's fixes as AppTest sees them on the shipped dates model: the heatmap's options, the
Models page's typed comparison, the picker's label, the step page's sentence box, the swap default."""
from __future__ import annotations

from apptest_helpers import chart_frames, charts, no_exception, open_page
from streamlit.testing.v1 import AppTest

from seq2seq.catalog import one_decimal
from studio.inside.swap_words import replacement
from studio.shared.text import escape_markdown


def page(path: str, **params: str) -> AppTest:
    return no_exception(open_page(path, **params))


def heatmap(app: AppTest):
    return next(f for _, f in chart_frames(app, "source piece") if "output piece" in f.columns)


def test_the_heatmap_hides_eos_renormalised_and_merges_words():
    app = page("pages/1_Translate.py", text="March 5, 1987")
    assert "</s>" in set(heatmap(app)["source piece"])
    app.toggle(key="translate_hide_eos").set_value(True).run()
    hidden = heatmap(app)
    assert "</s>" not in set(hidden["source piece"])
    assert hidden.groupby("output")["weight"].sum().round(6).eq(1.0).all()
    assert any("renormalised" in c.value for c in app.caption)
    app.toggle(key="translate_words").set_value(True).run()
    assert {"March", "1987"} <= set(heatmap(app)["source piece"])


def test_two_models_are_compared_on_typed_sentences_with_optional_references():
    app = page("pages/5_Models.py")
    app.selectbox(key="models_cmp_a").set_value("dates").run()
    app.text_area(key="models_cmp_typed").input("March 5, 1987\t1987-03-05\n12/03/2001").run()
    next(b for b in app.button if b.label == "Translate with both").click().run()
    assert not app.exception
    table = app.dataframe[-1].value
    assert table["output A"].tolist() == ["1987-03-05", "2001-03-12"]
    assert table["BLEU A"].tolist()[0] == 100.0 and table["reference"].tolist() == ["1987-03-05", ""]


def test_the_picker_shows_name_and_score_and_the_caption_the_direction_and_how_it_was_scored():
    app = page("pages/1_Translate.py", model="dates")
    labels = app.sidebar.selectbox[0].options
    assert "dates · exact 99.6%" in labels and not any("(test" in label for label in labels)
    assert any(escape_markdown("(test, greedy)") in c.value and "· dates ·" in c.value for c in app.sidebar.caption)


def test_scores_round_half_up_as_the_readmes_do():
    assert one_decimal(30.65) == "30.7" and one_decimal(44.04) == "44.0" and one_decimal(48.75) == "48.8"


def test_the_step_page_sentence_box_says_sentence_and_explains_several_lines_in_its_help():
    app = page("pages/2_Step_by_step.py")
    assert app.text_area[0].label == "Sentence" and "several lines" in app.text_area[0].help


def test_every_chart_the_translate_page_draws_is_a_complete_spec():
    app = page("pages/1_Translate.py", text="March 5, 1987", ref="1987-05-03")
    specs = charts(app)
    assert len(specs) >= 5 and all("mark" in s or "layer" in s for s in specs)


def test_the_word_swap_suggests_a_real_word_keeping_its_punctuation():
    assert replacement("you.") == "him." and replacement("Happy!") == "Sad!" and replacement("March") == "April"
    assert replacement("1987") == "1988" and replacement("123+456") == "123+457"
    assert replacement("streamlit") == "streamlits" and replacement("...") == "..."
    app = page("pages/3_Inside_the_model.py", view="Compare", text="I am very happy to see you.")
    assert app.text_input(key="inside_swap_6").value == "him."
