"""The Step-by-step and Translate pages' readable views, without a browser: the beam tree's own layout (no edge
crosses another edge or a label, every label whole, the window fits), the equations taken from the engine's
notation with the step's h~_t, and the strategies' chips kept a few rows tall."""
from __future__ import annotations

import dataclasses
import itertools
import random
from pathlib import Path

import pytest
import torch

from seq2seq.checkpoint import Bundle, build_model
from seq2seq.config import DecodeConfig
from seq2seq.decoding.translator import Translator
from seq2seq.service import BeamNode, load_translator, notation
from studio.shared.charts import beam as beam_charts
from studio.shared.charts import beam_layout
from studio.shared.text import show_piece
from studio.step.equations import step_equations
from studio.translate import charts as translate_charts

DATES = Path(__file__).resolve().parent.parent / "checkpoints" / "dates"
WORDS = ["▁le", "▁marché", "▁rivière", "▁hier", "▁acheter", "▁du", "▁pain", "▁fromage", "▁frais", ",", "'", "ai",
         "▁extraordinairement", "▁Mmmm", "▁W", "."]


def generated_beam(seed: int, beam: int = 5, steps: int = 24, expand: int = 4) -> list[BeamNode]:
    """A search tree as the beam search records it: at each step every live hypothesis proposes `expand`
    pieces, the best `beam` are kept (an </s> among them finishes), the others are pruned."""
    rng = random.Random(seed)
    ids, nodes, live = itertools.count(), [], [(None, 0.0)]
    for step in range(steps):
        proposals = []
        for parent, score in live:
            for _ in range(expand):
                piece = "</s>" if rng.random() < 0.06 * (step > 3) else rng.choice(WORDS)
                logprob = -rng.expovariate(1.5)
                proposals.append((score + logprob, logprob, parent, piece))
        proposals.sort(key=lambda p: -p[0])
        live = []
        for rank, (score, logprob, parent, piece) in enumerate(proposals):
            status = "pruned" if rank >= beam else ("finished" if piece == "</s>" else "kept")
            node = BeamNode(next(ids), parent, step, WORDS.index(piece) if piece in WORDS else 2, piece, logprob,
                            score, status)
            nodes.append(node)
            if status == "kept":
                live.append((node.node_id, score))
        if not live:
            break
    return nodes


def boxes(placed: beam_layout.Layout) -> list[tuple[str, float, float, float, float]]:
    """Each label's box (its estimated text and the dot before it), as (what, x0, x1, y0, y1)."""
    half = beam_layout.FONT_PX / 2
    labels = [(p.piece, p.x - beam_layout.DOT_PX, p.text_end, p.y - half, p.y + half) for p in placed.nodes]
    return labels + [(m.piece, m.text_x, m.text_end, m.y - half, m.y + half) for m in placed.earlier]


def crossings(placed: beam_layout.Layout) -> list[str]:
    """Edge segments crossing another segment, or running through a label."""
    found = []
    segments = placed.segments
    for a, b in itertools.combinations(segments, 2):
        horizontal, vertical = (a, b) if a.y == a.y2 else (b, a)
        if horizontal.y == horizontal.y2 and vertical.x == vertical.x2 and vertical.y != vertical.y2:
            x0, x1 = sorted((horizontal.x, horizontal.x2))
            y0, y1 = sorted((vertical.y, vertical.y2))
            if x0 < vertical.x < x1 and y0 < horizontal.y < y1:  # inside both: a crossing, not a junction
                found.append(f"{a} crosses {b}")
        elif (a.x == a.x2 == b.x == b.x2 and a.y != a.y2 and b.y != b.y2
              and max(min(a.y, a.y2), min(b.y, b.y2)) < min(max(a.y, a.y2), max(b.y, b.y2))):
            found.append(f"{a} overlaps {b}")  # two parents' turns on the same stretch of a gap
    for seg in segments:
        sx0, sx1 = sorted((seg.x, seg.x2))
        sy0, sy1 = sorted((seg.y, seg.y2))
        for what, x0, x1, y0, y1 in boxes(placed):
            if sx0 < x1 and x0 < sx1 and sy0 <= y1 and y0 <= sy1 and not (sx1 <= x0 + 2 * beam_layout.DOT_PX):
                found.append(f"{seg} runs through {what!r}")
    return found


def unconnected(placed: beam_layout.Layout) -> list[str]:
    """Nodes the edges do not join to their parent: a path right from the parent's label, down the gap,
    right to the node's dot, made of the layout's own segments."""
    parents = {p.node_id: p for p in [*placed.nodes, *placed.earlier]}
    missing = []
    for node in placed.nodes:
        if node.node_id == beam_layout.ROOT:
            continue
        parent = parents[node.parent]
        into = [s for s in placed.segments if s.y == s.y2 == node.y and abs(s.x2 - (node.x - beam_layout.DOT_PX - 1))
                < 1e-6]
        leave = [s for s in placed.segments if s.y == s.y2 == parent.y and abs(s.x - (parent.text_end +
                                                                                       beam_layout.PAD_PX)) < 1e-6]
        if len(into) != 1 or len(leave) != 1:
            missing.append(f"{node.piece!r} at step {node.column}")
            continue
        turn, low = into[0].x, parent.y
        while low < node.y:  # follow the turn down from the parent's row to the node's
            step = [s for s in placed.segments if s.x == s.x2 == turn and min(s.y, s.y2) == low]
            if not step:
                break
            low = max(step[0].y, step[0].y2)
        if low != node.y or leave[0].x2 != turn:
            missing.append(f"{node.piece!r} at step {node.column}")
    return missing


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("show_pruned", [False, True])
def test_generated_trees_lay_out_without_crossings_and_with_whole_labels(seed, show_pruned):
    nodes = generated_beam(seed)
    steps = max(n.step for n in nodes) + 1
    for current in (None, 1, steps // 2, steps):
        placed = beam_layout.layout(nodes, current, show_pruned, max_width=760, max_rows=40)
        assert crossings(placed) == [], (seed, current)
        assert unconnected(placed) == [], (seed, current)
        shown = {n.node_id: n for n in nodes if show_pruned or n.status != "pruned"}
        for node in placed.nodes:  # every label whole: the piece itself, nothing cut or shortened
            assert node.piece == ("<s>" if node.node_id == beam_layout.ROOT else show_piece(shown[node.node_id].piece))
        labels = sorted(boxes(placed), key=lambda b: (b[3], b[1]))
        for (_, ax0, ax1, ay0, ay1), (_, bx0, bx1, by0, by1) in itertools.combinations(labels, 2):
            assert not (ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1), "two labels overlap"
        assert placed.width <= 760 and max(b[2] for b in labels) <= placed.width
        assert len({node.row for node in placed.nodes}) <= 40
        if current is not None:
            assert placed.first <= current <= placed.last  # the current step is always shown
        # every hypothesis of the window's steps is drawn, joined to its parent or to a "…" before the window
        window = {i for i, n in shown.items() if placed.first <= n.step + 1 <= placed.last}
        assert {p.node_id for p in placed.nodes} - {beam_layout.ROOT} == window


def test_the_returned_translation_is_the_top_row_and_bold(dates_translator):
    trace = dates_translator.trace("March 5, 1987", DecodeConfig(strategy="beam", beam_size=4, n_best=1))
    placed = beam_layout.layout(trace.beam, None, False, trace.output_ids, max_width=2000, max_rows=500)
    top = [p.piece for p in placed.nodes if p.row == 0]
    assert top == ["<s>", *[show_piece(p) for p in trace.output_pieces], "</s>"]
    assert all(p.chosen == (p.row == 0) for p in placed.nodes)
    spec = beam_charts.beam_tree_chart(trace.beam, 3, output_ids=trace.output_ids, max_width=2000).to_dict()
    texts = [layer["mark"] for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    assert all("limit" not in mark for mark in texts)  # no label is ever cut short
    assert {"bold"} <= {mark.get("fontWeight") for mark in texts}


def test_a_long_tree_shows_a_window_around_the_current_step():
    nodes = generated_beam(3, steps=30)
    whole = beam_layout.layout(nodes, None, False, max_width=100_000, max_rows=10_000)
    assert whole.first == 0 and whole.last == whole.steps
    late = beam_layout.layout(nodes, 25, False, max_width=760)
    assert 0 < late.first <= 25 <= late.last and late.earlier  # "…" leads to the branches from before
    spec = beam_charts.beam_tree_chart(nodes, 25, max_width=760).to_dict()
    assert spec["title"]["text"] == f"steps {late.first}–{late.last} of {late.steps}"
    assert spec["width"] <= 760


@pytest.fixture(scope="module")
def dates() -> Translator:
    return load_translator(DATES)


def without_input_feeding(translator: Translator) -> Translator:
    bundle = translator.bundle
    torch.manual_seed(0)
    model = build_model(dataclasses.replace(bundle.config, input_feeding=False)).eval()
    return Translator(Bundle(model, bundle.src_tokenizer, bundle.tgt_tokenizer, bundle.train_config))


def test_equations_come_from_the_engines_notation_with_the_steps_attentional_vector(dates):
    trace = dates.trace("March 5, 1987")
    config = dates.model.config
    equations = step_equations(config, trace.steps[1], trace.src_pieces, trace.steps[0])
    latex = " ".join(eq.latex for eq in equations)
    assert notation.cell("gru") in latex and notation.decoder_input(True) in latex and notation.ATTENTIONAL in latex
    assert "W_{hy}" in latex and "U_" not in latex and "W_{out}" not in latex
    values = {symbol: value for eq in equations for symbol, value in eq.values}
    assert values["h~_t"].startswith(f"[{trace.steps[1].attentional[0]:+.3f}")
    assert values["h~_{t-1}"].startswith(f"[{trace.steps[0].attentional[0]:+.3f}")  # what input feeding reads
    assert "not recorded" not in " ".join(values.values())


def test_a_model_without_input_feeding_reads_only_the_previous_piece(dates):
    model = without_input_feeding(dates)
    trace = model.trace("March 5, 1987", prefix=dates.tgt.encode("19"))
    equations = step_equations(model.model.config, trace.steps[1], trace.src_pieces, trace.steps[0])
    assert equations[0].latex == notation.decoder_input(False) == r"x_t = E\,y_{t-1}"
    assert "h~_{t-1}" not in {symbol for symbol, _ in equations[0].values}


def test_strategies_stay_a_few_rows_tall(dates):
    long = dates.trace("March 5, 1987")
    traces = {"greedy": long, "beam": long, "sampling": long}
    chart = translate_charts.strategies_chart(traces, row_px=200)
    spec = chart.to_dict()
    rows = spec["encoding"]["y"]["scale"]["domain"] if "encoding" in spec else \
        spec["layer"][0]["encoding"]["y"]["scale"]["domain"]
    per_line = 200 // translate_charts.chip_step(list(chart.data["piece"]))
    lines = -(-len(long.steps) // per_line)
    assert len(rows) == 3 * lines + 2  # each strategy's lines, and one empty row between two strategies
    assert spec["height"] == {"step": 34}
