"""The "Inside the model" page runs headless (Streamlit AppTest) on the shipped dates model: what each
view draws, the links into the step page, the fallback without training data, and bad input."""
from __future__ import annotations

import functools
import shutil
from urllib.parse import parse_qs

import pytest
from apptest_helpers import ROOT, chart_data, charts, no_exception, open_page, shown, texts
from streamlit.testing.v1 import AppTest

from seq2seq import catalog as service
from studio.shared import sidebar

DATES = ROOT / "checkpoints" / "dates"
PAGE = "pages/3_Inside_the_model.py"


def page(view: str = "Trajectories", **params: str) -> AppTest:
    return open_page(PAGE, view=view, **params)


def marks(spec: dict) -> set[str]:
    layers = spec.get("layer", [spec])
    return {layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in layers}


def test_trajectories_draw_encoder_and_decoder_paths_with_explained_variance():
    app = page()
    no_exception(app)
    encoder, decoder = charts(app)
    assert {"line", "text", "circle", "point"} <= marks(encoder) and {"line", "text"} <= marks(decoder)
    assert shown(app, "Encoder: the two axes explain") and shown(app, "from 500 training sentences")
    assert "PC1 (" in encoder["layer"][0]["encoding"]["x"]["title"]
    points = chart_data(app, "link", 1)
    assert points["piece"].tolist() == list("1987-03-05") + ["</s>"]
    assert points["detail"].iloc[0].startswith("predicts 1 ")  # hover: the step's top pieces, chosen one first


def test_decoder_points_link_to_their_step_on_the_step_page():
    app = page()
    link = next(m.value for m in app.markdown if "step-by-step page" in m.value)
    query = parse_qs(link.split("(", 1)[1].rstrip(")").split("?", 1)[1])
    assert query["text"] == ["March 5, 1987"] and query["step"] == ["1"] and query["model"] == ["dates"]
    app.selectbox(key="inside_step").set_value(4).run()
    assert any("step=4" in m.value for m in app.markdown)
    decoder = charts(app)[1]
    assert any(layer.get("encoding", {}).get("href") for layer in decoder["layer"])


def test_components_three_and_four_change_the_axes():
    app = page()
    app.radio(key="inside_components").set_value("PC3 × PC4").run()
    no_exception(app)
    assert "PC3 (" in charts(app)[0]["layer"][0]["encoding"]["x"]["title"]
    assert shown(app, "PC4")


def test_several_lines_become_several_trajectories():
    app = page(text="March 5, 1987\n12/03/2001")
    no_exception(app)
    legend = charts(app)[1]["layer"][1]["encoding"]["color"]
    assert legend["field"] == "trajectory"
    assert shown(app, "Decoder: the two axes explain")


def test_compare_view_shows_kl_per_step_and_both_paths():
    app = page("Compare")
    no_exception(app)
    specs = charts(app)
    assert len(specs) == 3 and marks(specs[0]) == {"bar"}
    assert app.dataframe[0].value["source"].tolist() == ["March 5, 1987", "March 5, 1988"]
    assert shown(app, "Total KL") and shown(app, "largest shift at step")
    app.text_input(key="inside_swap_2").input("1987").run()
    assert shown(app, "Total KL 0.000 nats")


def test_compare_asks_for_a_single_replacement_word():
    app = page("Compare")
    app.text_input(key="inside_swap_2").input("two words").run()
    no_exception(app)
    assert app.info[0].value.startswith("Type one replacement word")


def test_neurons_view_draws_units_and_gates_in_the_chosen_order():
    app = page("Neurons")
    no_exception(app)
    hidden, gate = charts(app)
    assert marks(hidden) == {"rect"} and marks(gate) == {"rect"}
    assert app.radio(key="inside_gate").options == ["reset", "update", "candidate"]
    app.radio(key="inside_units_order").set_value("correlation with a piece").run()
    app.selectbox(key="inside_units_piece").set_value("0").run()
    no_exception(app)
    assert len(charts(app)) == 2
    app.radio(key="inside_family").set_value("encoder_forward").run()
    assert len(charts(app)) == 1 and shown(app, "Gate values are recorded for the decoder")


def test_neighbours_view_lists_training_sentences():
    app = page("Neighbours")
    no_exception(app)
    table = app.table[0].value  # a static table: its cells wrap instead of pushing the target off-screen
    assert len(table) == 10 and table["rank"].tolist() == list(range(1, 11))
    assert {"piece", "context", "source", "target", "score"} <= set(table.columns)
    assert (table["score"].diff().dropna() <= 1e-9).all()  # cosine: most similar first


def test_bottleneck_without_a_twin_says_so():
    app = page("Bottleneck")
    no_exception(app)
    assert "No no-attention twin of dates" in app.info[0].value


@pytest.fixture
def no_training_data(tmp_path, monkeypatch):
    """A copy of dates whose training data is a file that does not exist on this machine."""
    copy = tmp_path / "dates"
    shutil.copytree(DATES, copy)
    config = (copy / "config.json").read_text().replace('"toy:dates"', '"tsv:/nonexistent/pairs.tsv"')
    (copy / "config.json").write_text(config)
    monkeypatch.setattr(sidebar, "list_models", functools.partial(service.list_models, tmp_path))


def test_without_training_data_the_typed_sentences_are_the_reference(no_training_data):
    app = page()
    no_exception(app)
    assert "not on this machine" in app.warning[0].value
    assert len(charts(app)) == 2 and shown(app, "typed sentences")
    neighbours = page("Neighbours")
    assert "need the training data" in neighbours.warning[0].value


@pytest.mark.parametrize("view", ["Trajectories", "Compare", "Neurons", "Neighbours"])
def test_bad_input_gets_a_message_never_a_traceback(view):
    app = page(view)
    app.text_area[0].input("").run()
    assert app.info[0].value.startswith("Type a sentence")
    app.text_area[0].input("March 5, 1987. " * 340).run()  # 5,100 characters
    no_exception(app)
    assert "longer than the model reads" in app.warning[0].value
    app.text_area[0].input("<script>alert(1)</script> 😀").run()
    no_exception(app)
    assert not any("<script>" in text for text in texts(app))


@pytest.fixture
def twins(tmp_path, monkeypatch, make_bundle):
    """Two untrained tiny checkpoints on the same toy data, with and without attention."""
    from seq2seq.checkpoint import save_checkpoint

    for name, attention in (("tiny", "bahdanau"), ("tiny-noattn", "none")):
        save_checkpoint(tmp_path / name, make_bundle(attention=attention))
    listed = functools.partial(service.list_models, tmp_path)
    monkeypatch.setattr(sidebar, "list_models", listed)
    monkeypatch.setattr(service, "list_models", listed)


def test_bottleneck_scores_a_model_and_its_twin_by_length(twins):
    app = page("Bottleneck", model="tiny", text="abc")
    no_exception(app)
    assert [m.value for m in app.markdown if m.value.startswith("**tiny")] == [
        "**tiny \\(GRU\\, attention\\)**", "**tiny\\-noattn \\(GRU\\, no attention\\)**"]
    assert len(app.text) == 2  # each model's translation of the sentence
    next(b for b in app.button if b.label.startswith("Score these models")).click().run()
    no_exception(app)
    spec = charts(app)[0]
    assert {"line", "point"} <= marks(spec)  # points of one shape per model
    assert spec["layer"][0]["encoding"]["x"]["title"] == "source length (characters)"
    assert set(chart_data(app, "model", 0)["model"]) == {"tiny (GRU, attention)", "tiny-noattn (GRU, no attention)"}
    again = page("Bottleneck", model="tiny", text="abc")  # scores are on disk now: no button needed
    assert len(charts(again)) == 1 and not again.button
