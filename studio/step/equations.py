"""The equations of one decoder step for a model's actual cell, attention and input, with the live values
a StepTrace recorded: what the "Inside one step" view shows next to each formula.

Every formula comes from the engine's one notation module (`service.notation`, seq2seq/nn/notation.py), so the
step page writes the design's names (W_eh, W_hh, b_h, W_hy, b_y, ...) as the docstrings and the lesson do.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from seq2seq.config import ModelConfig
from seq2seq.service import StepTrace, notation
from studio.shared.text import show_piece

# Entries shown of a long vector or a ranking: with its size and mean they fit a narrow column in a few lines.
PREVIEW = 6


@dataclass
class Equation:
    title: str
    latex: str
    values: list[tuple[str, str]]  # (symbol, formatted live value)


def vector(values: list[float] | None) -> str:
    """A long vector in one line: its first entries, size and mean."""
    if not values:
        return "not recorded"
    head = ", ".join(f"{v:+.3f}" for v in values[:PREVIEW])
    more = ", …" if len(values) > PREVIEW else ""
    return f"[{head}{more}]  ({len(values)} values, mean {sum(values) / len(values):+.3f})"


def per_source(values: list[float] | None, src_pieces: list[str]) -> str:
    """Values over source pieces, largest first, each with its piece."""
    if values is None:
        return "not recorded"
    ranked = sorted(zip(values, src_pieces), key=lambda pair: -pair[0])[:PREVIEW]
    return ", ".join(f"{show_piece(piece)!r}: {value:.3f}" for value, piece in ranked)


def stacked(latex: str) -> str:
    """A formula with parts side by side (`a,\\quad b`; in an aligned block `a \\quad b`), one part per line:
    side by side they ran out of the formula's column."""
    if r"\begin{aligned}" in latex:  # "i_t &= ... \quad\n f_t = ..." -> "i_t &= ... \\\n f_t &= ..."
        return re.sub(r"\s*\\quad\s*\n\s*([^=&\n]+?)\s*=", lambda m: " \\\\\n" + m.group(1) + " &=", latex)
    parts = latex.split(r",\quad")
    return latex if len(parts) == 1 else r"\begin{gathered}" + r" \\ ".join(parts) + r"\end{gathered}"


def feeds_input(config: ModelConfig) -> bool:
    """Input feeding exists only with attention: the decoder reads the last attentional vector h~_{t-1}."""
    return config.attention != "none" and config.input_feeding


def step_equations(config: ModelConfig, step: StepTrace, src_pieces: list[str],
                   previous: StepTrace | None = None) -> list[Equation]:
    """The step's equations, top to bottom as the decoder computes them. `previous` (the step before, None at
    the first step) gives h~_{t-1} when the model feeds it back in."""
    equations = [_input_equation(config, step, previous), _cell_equation(config, step)]
    if config.attention != "none":
        equations += _attention_equations(config, step, src_pieces)
    return equations + _output_equations(config, step)


def _input_equation(config: ModelConfig, step: StepTrace, previous: StepTrace | None) -> Equation:
    feeds = feeds_input(config)
    values = [("y_{t-1}", repr(show_piece(step.input_piece))), ("E y_{t-1}", vector(step.embedding))]
    if feeds:
        fed = previous.attentional if previous is not None else None
        values.append(("h~_{t-1}", vector(fed) if fed else "zeros: the first step has no earlier h~"))
    return Equation("Input: embed the previous piece" + (" and feed the last attentional vector" if feeds else ""),
                    notation.decoder_input(feeds), values)


def _cell_equation(config: ModelConfig, step: StepTrace) -> Equation:
    values = [(notation.GATE_SYMBOLS.get(name, name), vector(gate)) for name, gate in step.gates.items()]
    if step.cell is not None:
        values.append(("c_t", vector(step.cell)))
    values.append(("s_t", vector(step.hidden)))
    layer = f" (top of {config.dec_layers} layers)" if config.dec_layers > 1 else ""
    return Equation(f"Recurrent update: {config.cell.upper()} cell{layer}",
                    stacked(notation.cell(config.cell, config.nonlinearity)), values)


def _attention_equations(config: ModelConfig, step: StepTrace, src_pieces: list[str]) -> list[Equation]:
    return [
        Equation(f"Attention scores ({config.attention})", notation.SCORES[config.attention],
                 [("e_t", per_source(step.scores, src_pieces))]),
        Equation("Attention weights", notation.WEIGHTS,
                 [("α_t", per_source(step.attention, src_pieces)), ("Σ α_t", _total(step.attention))]),
        Equation("Context vector", notation.CONTEXT, [("c_t", vector(step.context))]),
        Equation("Attentional vector: what the output layer reads", notation.ATTENTIONAL,
                 [("h~_t", vector(step.attentional))]),
    ]


def _total(values: list[float] | None) -> str:
    return "not recorded" if values is None else f"{sum(values):.4f}"


def _output_equations(config: ModelConfig, step: StepTrace) -> list[Equation]:
    attention = config.attention != "none"
    top = step.top[:PREVIEW]
    logits = ", ".join(f"{show_piece(c.piece)!r}: {c.logit:.2f}" for c in top)
    probs = ", ".join(f"{show_piece(c.piece)!r}: {c.prob:.4f}" for c in top)
    return [
        Equation("Logits: one score per vocabulary piece", notation.logits(attention),
                 [("z_t (top)", logits)]),
        Equation("Softmax: scores to probabilities", stacked(notation.output(attention)),
                 [("p (top)", probs), ("log Σ exp z", _log_normaliser(step)),
                  ("chosen", f"{show_piece(step.chosen_piece)!r} with p = {math.exp(step.logprob):.4f}")]),
        Equation("Entropy: how unsure the step is", notation.ENTROPY, [("H_t", f"{step.entropy:.3f} nats")]),
    ]


def _log_normaliser(step: StepTrace) -> str:
    """Recovered from the best candidate: log Z = z_w - log p_w holds for every piece w."""
    if not step.top or step.top[0].prob <= 0:
        return "not recorded"
    best = step.top[0]
    return f"{best.logit - math.log(best.prob):.3f}  (= z_w − log p_w for any w)"
