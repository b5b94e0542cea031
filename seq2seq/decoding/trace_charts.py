"""One decoding as one Vega-Lite view with a step slider: the output so far, the step's top-k softmax, its
attention over the source, attention at every step, and the beam tree. A pure function from a Trace to a plain
JSON spec (the engine never imports Altair), which trace_page.py embeds in a page that draws it offline.

Every chart reads the one parameter `step` (1 to the number of steps), bound to a slider: moving it filters
the candidates and the attention to that step and marks it in the output, the heatmap and the tree.
"""
from __future__ import annotations

import math
import unicodedata

from seq2seq.decoding.trace import BeamNode, Trace

WIDTH = 640  # px: the page's charts share one column, readable on a laptop screen
STEP_PX = 52  # px per output step in the output row and the tree: room for a whole piece
SLIDER = "#step-slider"  # the page's element that holds the slider, above the charts
# Axes key pieces "007 piece" (a repeated piece keeps its column); labels show the piece.
KEY_LABEL = "slice(datum.value, 4)"
TAKEN = "#e4572e"  # the piece the step took, in every chart
OTHER = "#9db4c0"


def shown(piece: str) -> str:
    """A piece as a label: spaces and invisible characters made visible (as the app shows them)."""
    if piece == " ":
        return "␣"
    return "".join(f"U+{ord(ch):04X}" if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in piece)


def key(index: int, piece: str) -> str:
    return f"{index:03d} {shown(piece)}"


def trace_spec(trace: Trace) -> dict | None:
    """The whole view; a trace without steps (an empty sentence) gives None."""
    count = len(trace.steps)
    if not count:
        return None
    charts = [_step_line(count), _output_chips(count), {"hconcat": [_candidates(), _step_attention(trace)]}]
    if trace.steps[0].attention is not None:
        charts.append(_heatmap(trace))
    if trace.beam:
        charts.append(_beam_tree(trace))
    return {
        "params": [{"name": "step", "value": 1,
                    "bind": {"input": "range", "min": 1, "max": count, "step": 1, "name": "Decoding step ",
                             "element": SLIDER}}],
        "datasets": _datasets(trace),
        "vconcat": charts,
        "spacing": 28,
        "config": {"view": {"stroke": None}, "axis": {"labelFontSize": 12, "titleFontSize": 12},
                   "title": {"anchor": "start", "fontSize": 14, "subtitleFontSize": 12, "subtitleColor": "#444"}},
    }


def _datasets(trace: Trace) -> dict[str, list[dict]]:
    steps = [{"step": s.index + 1, "piece": shown(s.chosen_piece), "key": key(s.index, s.chosen_piece),
              "p": math.exp(s.logprob), "entropy": s.entropy, "forced": s.forced} for s in trace.steps]
    top = [{"step": s.index + 1, "key": key(rank, c.piece), "piece": shown(c.piece), "p": c.prob,
            "taken": "taken" if c.token_id == s.chosen_id else "not taken"}
           for s in trace.steps for rank, c in enumerate(s.top)]
    attention = [{"step": s.index + 1, "out": key(s.index, s.chosen_piece), "src": key(j, piece), "weight": w}
                 for s in trace.steps if s.attention is not None
                 for j, (piece, w) in enumerate(zip(trace.src_pieces, s.attention))]
    return {"steps": steps, "top": top, "attention": attention, **_beam_data(trace)}


def _step_line(count: int) -> dict:
    """The current step in words, computed from the numbers the charts below draw."""
    words = (f"'Step ' + datum.step + ' of {count}: the decoder ' + (datum.forced ? 'was given' : 'took') + ' \u201c'"
             " + datum.piece + '\u201d, p = ' + format(datum.p, '.1%') + ' (entropy of its next-piece distribution '"
             " + format(datum.entropy, '.2f') + ' nats)'")
    return {"data": {"name": "steps"},
            "transform": [{"filter": "datum.step == step"}, {"calculate": words, "as": "line"}],
            "mark": {"type": "text", "align": "left", "fontSize": 15, "fontWeight": "bold"},
            "encoding": {"text": {"field": "line", "type": "nominal"}, "x": {"value": 0}},
            "width": WIDTH, "height": 20}


def _output_chips(count: int) -> dict:
    """The output, one piece per step: the current step's piece in colour, later steps faded."""
    color = {"condition": {"test": "datum.step == step", "value": TAKEN}, "value": "#333"}
    opacity = {"condition": {"test": "datum.step <= step", "value": 1}, "value": 0.3}
    return {
        "title": {"text": "The output, one piece per step",
                  "subtitle": "the slider's step in colour; later steps faded"},
        "data": {"name": "steps"}, "width": max(WIDTH, STEP_PX * count), "height": 30,
        "mark": {"type": "text", "fontSize": 13},
        "encoding": {"x": {"field": "key", "type": "ordinal", "sort": None, "title": None,
                           "axis": {"labelExpr": "split(datum.value, ' ')[0] * 1 + 1", "labelAngle": 0}},
                     "text": {"field": "piece"}, "color": color, "opacity": opacity,
                     "tooltip": [{"field": "step"}, {"field": "piece"}, {"field": "p", "format": ".1%", "title": "p"}]},
    }


def _candidates() -> dict:
    return {
        "title": {"text": "Next-piece probabilities at this step",
                  "subtitle": "the softmax's most likely pieces; the one taken in colour"},
        "data": {"name": "top"}, "transform": [{"filter": "datum.step == step"}],
        "width": WIDTH // 2 - 40, "height": 240,
        "mark": "bar",
        "encoding": {
            "y": {"field": "key", "type": "nominal", "sort": "ascending", "title": None,
                  "axis": {"labelExpr": KEY_LABEL}},
            "x": {"field": "p", "type": "quantitative", "title": "probability", "axis": {"format": "%"},
                  "scale": {"domain": [0, 1]}},
            "color": {"field": "taken", "type": "nominal", "title": None,
                      "scale": {"domain": ["taken", "not taken"], "range": [TAKEN, OTHER]},
                      "legend": {"orient": "bottom"}},
            "tooltip": [{"field": "piece"}, {"field": "p", "format": ".2%", "title": "probability"}],
        },
    }


def _step_attention(trace: Trace) -> dict:
    if not trace.steps or trace.steps[0].attention is None:
        return {"title": {"text": "No attention",
                          "subtitle": "this model reads the source only through one fixed-length vector"},
                "mark": "text", "width": WIDTH // 2 - 40, "height": 240}
    return {
        "title": {"text": "Attention over the source at this step",
                  "subtitle": "where the decoder looked: the weights sum to 1"},
        "data": {"name": "attention"}, "transform": [{"filter": "datum.step == step"}],
        "width": WIDTH // 2 - 40, "height": 240, "mark": {"type": "bar", "color": "#1f77b4"},
        "encoding": {
            "y": {"field": "src", "type": "nominal", "sort": None, "title": None, "axis": {"labelExpr": KEY_LABEL}},
            "x": {"field": "weight", "type": "quantitative", "title": "attention weight", "scale": {"domain": [0, 1]}},
            "tooltip": [{"field": "src", "title": "source piece"}, {"field": "weight", "format": ".3f"}],
        },
    }


def _heatmap(trace: Trace) -> dict:
    """Every step's attention: a row per output piece, a column per source piece; the slider's row outlined."""
    cell = {"x": {"field": "src", "type": "nominal", "sort": None, "title": "source piece",
                  "axis": {"labelExpr": KEY_LABEL, "labelAngle": -45}},
            "y": {"field": "out", "type": "nominal", "sort": None, "title": "output piece (step)",
                  "axis": {"labelExpr": KEY_LABEL}}}
    size = min(22, max(12, WIDTH // max(1, len(trace.src_pieces))))
    return {
        "title": {"text": "Attention at every step", "subtitle": "darker = more weight; the slider's step outlined"},
        "data": {"name": "attention"},
        "width": size * len(trace.src_pieces), "height": size * len(trace.steps),
        "layer": [
            {"mark": "rect", "encoding": cell | {
                "color": {"field": "weight", "type": "quantitative", "title": "weight",
                          "scale": {"scheme": "blues", "domain": [0, 1]}},
                "tooltip": [{"field": "step"}, {"field": "src", "title": "source piece"},
                            {"field": "weight", "format": ".3f"}]}},
            {"transform": [{"filter": "datum.step == step"}],
             "mark": {"type": "rect", "fill": None, "stroke": TAKEN, "strokeWidth": 2}, "encoding": cell},
        ],
    }


def _beam_data(trace: Trace) -> dict[str, list[dict]]:
    """Kept and finished hypotheses at (step, rank within the step as the search ranked them), and one edge per
    hypothesis from the one it extended; pruned candidates are left out, as the app folds them away."""
    nodes = [n for n in trace.beam if n.status != "pruned"]
    by_id = {n.node_id: n for n in nodes}
    rank: dict[int, int] = {}
    for s in sorted({n.step for n in nodes}):
        here = sorted((n for n in nodes if n.step == s), key=lambda n: -n.score)
        rank |= {n.node_id: r for r, n in enumerate(here)}
    returned = _returned_path(nodes, by_id, trace.output_ids)
    points = [{"id": n.node_id, "step": n.step + 1, "rank": rank[n.node_id], "piece": shown(n.piece),
               "score": n.score, "status": n.status, "returned": n.node_id in returned} for n in nodes]
    edges = [{"edge": n.node_id, "step": end.step + 1, "rank": rank[end.node_id], "returned": n.node_id in returned,
              "child_step": n.step + 1}
             for n in nodes if n.parent in by_id for end in (by_id[n.parent], n)]
    return {"beam": points, "edges": edges}


def _returned_path(nodes: list[BeamNode], by_id: dict[int, BeamNode], output_ids: list[int]) -> set[int]:
    """The hypotheses along the translation the search returned: each node whose path of pieces is a prefix
    of the output (its end-of-sentence node included)."""
    found = set()
    for node in nodes:
        path, walk = [], node
        while walk is not None:
            path.append(walk.token_id)
            walk = by_id.get(walk.parent) if walk.parent is not None else None
        path.reverse()
        if path[: len(output_ids)] == output_ids[: len(path)] and len(path) <= len(output_ids) + 1:
            found.add(node.node_id)
    return found


def _beam_rows(trace: Trace) -> int:
    """Hypotheses held at the fullest step: the tree's height in rows."""
    held: dict[int, int] = {}
    for node in trace.beam:
        if node.status != "pruned":
            held[node.step] = held.get(node.step, 0) + 1
    return max(held.values(), default=1)


def _beam_tree(trace: Trace) -> dict:
    x = {"field": "step", "type": "quantitative", "title": "step", "axis": {"tickMinStep": 1, "format": "d"},
         "scale": {"nice": False}}
    y = {"field": "rank", "type": "quantitative", "title": "rank within the step (0 = best)",
         "scale": {"reverse": True}, "axis": {"tickMinStep": 1, "format": "d"}}
    later = {"condition": {"test": "datum.step > step", "value": 0.2}, "value": 1}
    return {
        "title": {"text": "Beam search tree",
                  "subtitle": "each dot a hypothesis the search kept, a line to the one it extended; the returned "
                              "translation in colour; steps after the slider's faded"},
        "width": max(WIDTH, STEP_PX * max(n.step + 1 for n in trace.beam)), "height": 30 * _beam_rows(trace),
        "layer": [
            {"data": {"name": "edges"}, "mark": {"type": "line", "strokeWidth": 1.5},
             "encoding": {"x": x, "y": y, "detail": {"field": "edge"},
                          "color": {"condition": {"test": "datum.returned", "value": TAKEN}, "value": "#9db4c0"},
                          "opacity": {"condition": {"test": "datum.child_step > step", "value": 0.2}, "value": 1}}},
            {"data": {"name": "beam"}, "mark": {"type": "circle", "size": 60},
             "encoding": {"x": x, "y": y, "opacity": later,
                          "color": {"condition": {"test": "datum.returned", "value": TAKEN}, "value": "#1f77b4"},
                          "tooltip": [{"field": "step"}, {"field": "piece"}, {"field": "status"},
                                      {"field": "score", "format": ".2f", "title": "log-probability so far"}]}},
            *({"data": {"name": "beam"}, "transform": [{"filter": f"{'' if bold else '!'}datum.returned"}],
               "mark": {"type": "text", "align": "left", "dx": 6, "dy": -8, "fontSize": 11,
                        "fontWeight": "bold" if bold else "normal"},
               "encoding": {"x": x, "y": y, "text": {"field": "piece"}, "opacity": later}} for bold in (True, False)),
            {"data": {"name": "steps"}, "transform": [{"filter": "datum.step == step"}],
             "mark": {"type": "rule", "color": TAKEN, "strokeDash": [4, 3]}, "encoding": {"x": x}},
        ],
    }
