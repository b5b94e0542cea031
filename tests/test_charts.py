"""Chart builders and the equations view, fed real traces of the shipped dates model (and of
untrained models of other cell/attention kinds built around its tokenizers)."""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
import torch

from seq2seq.checkpoint import Bundle, build_model
from seq2seq.config import DecodeConfig
from seq2seq.decoding.translator import Translator
from seq2seq.service import load_translator
from studio.shared.charts import attention, pieces
from studio.shared.charts import beam as beam_charts
from studio.shared.text import escape_markdown, sentences, show_piece
from studio.step import charts as step_charts
from studio.step.equations import step_equations, vector
from studio.translate import charts as translate_charts

DATES = Path(__file__).resolve().parent.parent / "checkpoints" / "dates"
SENTENCE = "March 5, 1987"


@pytest.fixture(scope="module")
def translator() -> Translator:
    return load_translator(DATES)


@pytest.fixture(scope="module")
def greedy(translator):
    return translator.trace(SENTENCE)


@pytest.fixture(scope="module")
def beam(translator):
    return translator.trace(SENTENCE, DecodeConfig(strategy="beam", beam_size=3, n_best=3))


def variant(translator: Translator, **changes) -> Translator:
    """An untrained model of another kind that reads and writes with the dates tokenizers."""
    bundle = translator.bundle
    torch.manual_seed(0)
    model = build_model(dataclasses.replace(bundle.config, **changes)).eval()
    return Translator(Bundle(model, bundle.src_tokenizer, bundle.tgt_tokenizer, bundle.train_config))


def layer_encodings(chart) -> list[dict]:
    spec = chart.to_dict()
    return [layer["encoding"] for layer in spec.get("layer", [spec])]


def test_key_sorts_by_position_and_label_expression_shows_the_piece():
    keys = [pieces.key(i, p) for i, p in enumerate(["b", "a", "b"])]
    assert sorted(keys) == keys and len(set(keys)) == 3
    assert pieces.KEY_LABEL == "slice(datum.value, 4)" and [k[4:] for k in keys] == ["b", "a", "b"]


def test_output_chips_colour_pieces_by_step_entropy(greedy):
    frame = pieces.steps_frame(greedy.steps)
    assert frame["piece"].tolist() == [show_piece(p) for p in greedy.output_pieces] + ["</s>"]
    assert frame["step"].tolist() == list(range(1, len(greedy.steps) + 1))
    assert frame["probability"].between(0, 1).all()
    rect = layer_encodings(pieces.output_chips(greedy.steps))[0]
    assert rect["color"]["field"] == "entropy" and rect["color"]["title"] == "entropy (nats)"
    assert {t["field"] for t in rect["tooltip"]} >= {"piece", "id", "probability", "entropy"}


def test_source_chips_show_every_piece_with_its_id(greedy):
    chart = pieces.source_chips(greedy)
    data = chart.data
    assert data["piece"].tolist()[-1] == "</s>" and data["id"].tolist() == greedy.src_ids
    assert "␣" in data["piece"].tolist()  # the char tokenizer's spaces are made visible


def test_attention_heatmap_has_one_cell_per_output_and_source_piece(greedy):
    frame = attention.attention_frame(greedy)
    assert len(frame) == len(greedy.steps) * len(greedy.src_pieces)
    sums = frame.groupby("output")["weight"].sum()
    assert sums.round(4).eq(1.0).all()
    encoding = attention.attention_heatmap(greedy).to_dict()["encoding"]
    assert encoding["color"]["field"] == "weight"
    assert {t["field"] for t in encoding["tooltip"]} == {"output piece", "source piece", "weight"}
    assert encoding["x"]["axis"]["labelExpr"] == pieces.KEY_LABEL


def test_no_attention_model_has_no_heatmap(translator):
    trace = variant(translator, attention="none").trace(SENTENCE)
    assert attention.attention_heatmap(trace) is None
    assert step_charts.step_attention_chart(trace.steps[0], trace.src_pieces) is None


def test_candidates_chart_highlights_the_chosen_piece(greedy):
    step = greedy.steps[0]
    frame = pieces.candidates_frame(step)
    assert frame.loc[frame["role"] == "chosen", "id"].tolist() == [step.chosen_id]
    assert (frame["role"] == "alternative").sum() == len(step.top) - 1
    bars = layer_encodings(pieces.candidates_chart(step))[0]
    assert bars["color"]["field"] == "role" and bars["color"]["scale"]["domain"] == ["chosen", "alternative"]


def test_a_forced_piece_outside_the_top_candidates_is_still_shown(translator, greedy):
    outside = next(i for i in range(4, translator.tgt.vocab_size) if i not in {c.token_id for c in greedy.steps[0].top})
    trace = translator.trace(SENTENCE, DecodeConfig(trace_top_k=3), prefix=[outside])
    frame = pieces.candidates_frame(trace.steps[0])
    assert trace.steps[0].forced
    chosen = frame[frame["role"] == "chosen"]
    assert chosen["id"].tolist() == [outside] and len(frame) == 4
    assert chosen["probability"].iloc[0] == pytest.approx(math.exp(trace.steps[0].logprob))


def test_step_attention_bars_follow_the_source(greedy):
    chart = step_charts.step_attention_chart(greedy.steps[2], greedy.src_pieces)
    assert chart.data["weight"].tolist() == greedy.steps[2].attention
    assert len(chart.data) == len(greedy.src_pieces)


def test_beam_tree_links_every_node_to_its_parent(beam):
    points, edges = beam_charts.beam_frames(beam.beam)
    assert len(points) == len(edges) == len(beam.beam)
    assert set(points["status"]) <= {"kept", "finished", "pruned"} and "finished" in set(points["status"])
    assert (edges["step2"] == edges["step"] + 1).all()  # every edge spans one step
    first = points[points["step"] == 1]
    assert first["rank"].tolist() == list(range(len(first)))
    assert first.sort_values("rank")["score"].is_monotonic_decreasing
    spec = beam_charts.beam_tree_chart(beam.beam, current_step=2).to_dict()
    colours = [layer["encoding"]["color"] for layer in spec["layer"] if "field" in layer.get("encoding", {}).get(
        "color", {}) and layer["encoding"]["color"].get("scale") is not None]
    assert all(c["field"] == "status" for c in colours) and len(colours) == 1  # the dots, with the one legend
    rules = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rule"]
    assert rules[0]["encoding"]["color"] == {"field": "hue", "scale": None, "type": "nominal"}  # each edge its status's


def test_strategies_chart_has_a_row_per_strategy(greedy, beam):
    frame = translate_charts.strategies_frame({"greedy": greedy, "beam": beam})
    assert frame.groupby("strategy").size().to_dict() == {"greedy": len(greedy.steps), "beam": len(beam.steps)}
    chart = translate_charts.strategies_chart({"greedy": greedy, "beam": beam})
    encoding = layer_encodings(chart)[0]
    assert encoding["color"]["field"] == "logprob" and encoding["y"]["field"] == "row"
    # One block of rows per strategy, named on its first row, the blocks in the order given.
    first_rows = chart.data.groupby("strategy")["row"].min()
    assert [first_rows[name][4:] for name in ("greedy", "beam")] == ["greedy", "beam"]
    assert first_rows["greedy"] < first_rows["beam"]


def test_exposure_frame_puts_the_reference_next_to_the_models_choice(translator):
    forced = translator.teacher_forced(SENTENCE, "1987-05-03")
    frame = translate_charts.exposure_frame(forced)
    assert frame["reference piece"].tolist() == list("1987-05-03") + ["</s>"]
    disagree = frame[~frame["agrees"]]
    assert disagree["reference piece"].tolist() == ["5", "3"] and disagree["model's choice"].tolist() == ["3", "5"]
    assert (disagree["p(reference)"] < 0.01).all() and (disagree["p(model's choice)"] > 0.9).all()
    encoding = translate_charts.exposure_chart(forced).to_dict()["encoding"]
    assert encoding["color"]["field"] == "series" and encoding["xOffset"]["field"] == "series"


@pytest.mark.parametrize("cell,attention,symbols", [
    ("gru", "bahdanau", ["r_t", "z_t", "n_t", "s_t", "e_t", "α_t", "c_t"]),
    ("lstm", "luong", ["i_t", "f_t", "o_t", "g_t", "c_t", "s_t", "e_t"]),
    ("rnn", "none", ["a_t", "s_t"]),
])
def test_equations_match_the_models_cell_and_attention(translator, cell, attention, symbols):
    config_changes = {"cell": cell, "attention": attention}
    model = translator if (cell, attention) == ("gru", "bahdanau") else variant(translator, **config_changes)
    # Forcing two pieces keeps step 1 in the trace even if an untrained model would stop at once.
    trace = model.trace(SENTENCE, prefix=translator.tgt.encode("19"))
    equations = step_equations(model.model.config, trace.steps[1], trace.src_pieces)
    shown = [symbol for eq in equations for symbol, _ in eq.values]
    assert all(symbol in shown for symbol in symbols)
    assert ("e_t" in shown) == (attention != "none")
    softmax = next(eq for eq in equations if eq.title.startswith("Softmax"))
    assert r"\frac{\exp(z_{t,w})}" in softmax.latex


def test_live_values_are_the_steps_own_numbers(translator, greedy):
    step = greedy.steps[1]
    values = {symbol: value for eq in step_equations(translator.model.config, step, greedy.src_pieces)
              for symbol, value in eq.values}
    assert values["s_t"].startswith(f"[{step.hidden[0]:+.3f}") and f"({len(step.hidden)} values" in values["s_t"]
    assert values["H_t"] == f"{step.entropy:.3f} nats"
    assert values["y_{t-1}"] == repr(greedy.output_pieces[0])
    assert vector(None) == "not recorded"


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "**bold** :red[x] $x$", "a\\b [link](http://x)"])
def test_escape_markdown_leaves_no_active_syntax(text):
    escaped = escape_markdown(text)
    unescaped = escaped.replace("\\", "")
    assert unescaped == text.replace("\\", "")
    for special in "<>*:[]$()":
        assert all(escaped[i - 1] == "\\" for i, ch in enumerate(escaped) if ch == special)


def test_sentences_skip_lines_with_nothing_to_translate():
    assert sentences("one\n\n \x00\x01\n two ") == ["one", "two"]
    assert show_piece(" ") == "␣" and show_piece("a\x07") == "aU+0007"


def test_altairs_schema_table_is_built_once_and_charts_come_out_the_same(greedy, monkeypatch):
    from altair.utils import schemapi

    from studio.shared import altair_speed

    calls = []
    original_hash = schemapi._FromDict.hash_schema.__func__
    monkeypatch.setattr(schemapi._FromDict, "hash_schema",
                        classmethod(lambda cls, *a, **k: calls.append(1) or original_hash(cls, *a, **k)))
    monkeypatch.setattr(schemapi._FromDict, "__init__", schemapi._FromDict.__init__)  # Altair's own, after the test
    altair_speed.install()
    altair_speed._tables.clear()
    first = pieces.candidates_chart(greedy.steps[1]).to_dict()
    hashed_once = len(calls)
    assert pieces.candidates_chart(greedy.steps[1]).to_dict() == first
    assert hashed_once > 100 and len(calls) == hashed_once  # the second chart reuses the table
