"""Seq2Seq Studio from Python and Jupyter: load a model, translate, trace, attribute, and draw the charts the app
draws (pieces, each step's softmax, attention, the beam tree, attribution, vanishing gradients) as Altair charts.

    from studio import notebook as s2s
    s2s.offline()                                  # charts draw with bundled Vega: no network
    model = s2s.load("tatoeba-en-fr")
    trace = s2s.trace(model, "I am very happy to see you.", s2s.DecodeConfig(strategy="beam", beam_size=5))
    s2s.attention_chart(trace)

Importing this module imports no Streamlit and changes no other library (offline() registers a renderer with
Altair's registry when called). Models are loaded for decoding only and never changed. Steps count from 1,
as the app counts them. The app's charts come from studio.shared.charts: the same builders, the same pictures.
"""
from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd

from seq2seq import service
from seq2seq.config import DecodeConfig
from seq2seq.errors import UserError
from studio.offline import offline
from studio.shared.charts import attention as attention_charts
from studio.shared.charts import attribution as attribution_charts
from studio.shared.charts import beam as beam_charts
from studio.shared.charts import contrast as contrast_charts
from studio.shared.charts import gradients as gradient_charts
from studio.shared.charts import pieces as piece_charts
from studio.shared.charts import trajectories
from studio.shared.charts.accessible import described
from studio.shared.examples import GRADIENT_INPUT

__all__ = ["DecodeConfig", "UserError", "attention_chart", "attribute", "attribution_chart", "beam_chart", "contrast",
           "contrast_chart", "load", "gradients_chart", "models", "offline", "page", "pieces_chart", "softmax_chart",
           "trace", "trajectories_chart", "translate"]


def models() -> list[str]:
    """The names load() takes: the shipped models (the default first), then your training runs."""
    return [info.name for info in service.list_models()]


def load(model: str | Path = service.DEFAULT_MODEL):
    """A model to translate with: a name from models() or a checkpoint folder."""
    path = Path(model)
    if not (path / "config.json").is_file():
        path = service.find_model(str(model)).path
    return service.load_translator(path)


def translate(model, sentences: str | list[str], decode: DecodeConfig = DecodeConfig()) -> list[str]:
    """One translation per sentence, in order."""
    lines = [sentences] if isinstance(sentences, str) else list(sentences)
    return model.translate(lines, decode.validate())


def trace(model, sentence: str, decode: DecodeConfig = DecodeConfig()) -> service.Trace:
    """One sentence decoded with every step recorded: its pieces, each step's top candidates (the softmax),
    attention and hidden states, and with beam search the whole search tree."""
    return service.trace(model, sentence, decode.validate()).trace


def attribute(model, decoded: service.Trace, step: int) -> service.PieceAttribution:
    """Which source pieces caused the output piece of `step`: saliency, gradient × input and integrated
    gradients beside attention, and the faithfulness check (a second or so)."""
    return service.explain_piece(model, decoded.source, decoded.output_ids, _index(decoded, step))


def contrast(model, decoded: service.Trace, step: int, rather_than: str | int) -> service.PieceContrast:
    """Why the output piece of `step` rather than `rather_than` (one of the step's candidates, as its piece or
    its id): attribution of log p(X) − log p(Y) to the source pieces and the output pieces written so far, and
    the faithfulness check on p(X | X or Y) (a second or two)."""
    index = _index(decoded, step)
    found = [c.token_id for c in decoded.steps[index].top if rather_than in (c.piece, c.token_id)]
    if not found:
        pieces = ", ".join(repr(c.piece) for c in decoded.steps[index].top)
        raise UserError(f"{rather_than!r} is not a candidate of step {step}; its candidates are {pieces}")
    return service.explain_contrast(model, decoded.source, decoded.output_ids, index, found[0])


def page(decoded: service.Trace, model_name: str, decode: DecodeConfig = DecodeConfig()) -> str:
    """The decoding as one self-contained HTML page with a step slider (what `seq2seq trace --html` writes)."""
    return service.trace_page(decoded, model_name, decode)


def pieces_chart(decoded: service.Trace) -> alt.VConcatChart:
    """The source pieces as the model reads them, over the output pieces coloured by the entropy of the step
    that chose them (dark: the model hesitated)."""
    return described(alt.vconcat(piece_charts.source_chips(decoded), piece_charts.output_chips(decoded.steps)),
                     "The sentence's pieces", "The source pieces as the model reads them, then the output pieces, "
                     "each coloured by the entropy of the step that chose it: the darker, the less sure the model was.")


def softmax_chart(decoded: service.Trace, step: int) -> alt.LayerChart:
    """The next-piece probabilities at `step`: the softmax's most likely pieces, the one taken highlighted."""
    return piece_charts.candidates_chart(decoded.steps[_index(decoded, step)])


def attention_chart(decoded: service.Trace, hide_eos: bool = False, words: bool = False) -> alt.Chart:
    """Attention at every step: source pieces across, output pieces down (by whole words with `words`)."""
    grid = attention_charts.attention_grid(decoded, hide_eos, words)
    if grid is None:
        raise UserError("this model has no attention: it reads the source through one fixed-length vector")
    return attention_charts.grid_heatmap(grid)


def beam_chart(decoded: service.Trace, step: int | None = None, show_pruned: bool = False) -> alt.LayerChart:
    """The beam search tree (a trace decoded with strategy="beam"), the returned translation on the top row;
    `step` shades that step, `show_pruned` adds the candidates the search dropped."""
    if not decoded.beam:
        raise UserError('the tree needs a beam search: trace with DecodeConfig(strategy="beam", beam_size=5)')
    current = None if step is None else _index(decoded, step) + 1
    return beam_charts.beam_tree_chart(decoded.beam, current, show_pruned, output_ids=decoded.output_ids)


def attribution_chart(found: service.PieceAttribution) -> alt.Chart:
    """attribute()'s rows as the app draws them: attention, then each method, over the source pieces."""
    frame = attribution_charts.attribution_frame(found.src_pieces, found.scores, found.attention,
                                                 service.ATTRIBUTION_LABELS)
    return attribution_charts.attribution_chart(frame)


def contrast_chart(found: service.PieceContrast) -> alt.Chart:
    """The contrast by each method over the source pieces and the output pieces so far: red toward the piece
    taken, blue toward the other candidate."""
    frame = contrast_charts.contrast_frame(found.src_pieces, found.output_pieces, found.scores, found.output_scores,
                                           found.attention, service.ATTRIBUTION_LABELS)
    return contrast_charts.contrast_chart(frame)


def gradients_chart(letters: str = GRADIENT_INPUT, step: int | None = None) -> alt.Chart:
    """Vanishing gradients: in the shipped grad-rnn, grad-gru and grad-lstm models (they reverse letters), the
    gradient that reaches a source letter against the recurrent steps it crossed; every output step's
    geometric mean, or one output `step`."""
    found = service.gradient_models()
    if not found:
        raise UserError("the grad-rnn, grad-gru and grad-lstm models are not installed")
    curves = {cell: service.gradient_curve(service.load_translator(info.path), letters) for cell, info in found.items()}
    by_distance = {cell: curve.by_distance(None if step is None else step - 1) for cell, curve in curves.items()}
    return gradient_charts.gradient_chart(gradient_charts.gradient_frame(by_distance))


def trajectories_chart(model, decoded: service.Trace | list[service.Trace], space: str = "encoder") -> alt.LayerChart:
    """Hidden states as paths (the Inside page's view), `space` "encoder" (as it reads each sentence: forward,
    and backward from the end for a two-way encoder) or "decoder" (as it writes); the plane is the first two
    principal components of the states of the sentences given."""
    if space not in ("encoder", "decoder"):
        raise UserError(f'space must be "encoder" or "decoder", got {space!r}')
    traces = [decoded] if isinstance(decoded, service.Trace) else list(decoded)
    reference = service.typed_reference(model, [(t.source, t.translation) for t in traces])
    paths = [path for number, t in enumerate(traces, 1) for path in _paths(reference, space, f"#{number}", t)]
    ratios = service.explained(reference, space)
    axes = (f"{space} PC1 ({ratios[0]:.0%} of variance)", f"{space} PC2 ({ratios[1]:.0%} of variance)")
    return trajectories.trajectory_chart(pd.concat(paths, ignore_index=True), None, axes)


def _paths(reference, space: str, label: str, decoded: service.Trace) -> list[pd.DataFrame]:
    """The sentence's paths in one space, each in the order its RNN runs (the backward encoder from the end)."""
    states = service.trace_states(decoded)
    if space == "decoder":
        coords = service.project(reference, "decoder", states["decoder"], (0, 1))
        return [trajectories.trajectory_frame(f"{label} decoder", [s.chosen_piece for s in decoded.steps], coords,
                                              [f"predicts {trajectories.top_label(s)}" for s in decoded.steps])]
    paths = []
    for family, arrow in (("encoder_forward", "→"), ("encoder_backward", "←")):
        if family in states:
            order = list(range(len(decoded.src_pieces)))[:: -1 if arrow == "←" else 1]
            coords = service.project(reference, "encoder", states[family][order], (0, 1))
            paths.append(trajectories.trajectory_frame(f"{label} encoder {arrow}",
                                                       [decoded.src_pieces[i] for i in order], coords))
    return paths


def _index(decoded: service.Trace, step: int) -> int:
    if not 1 <= step <= len(decoded.steps):
        raise UserError(f"step must be 1 to {len(decoded.steps)} (this trace's steps), got {step}")
    return step - 1
