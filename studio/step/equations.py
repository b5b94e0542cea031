"""The equations of one decoder step for a model's actual cell and attention, with the live values
a StepTrace recorded: what the "Inside one step" view shows next to each formula.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from seq2seq.config import ModelConfig
from seq2seq.service import StepTrace
from studio.shared.text import show_piece

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


def step_equations(config: ModelConfig, step: StepTrace, src_pieces: list[str]) -> list[Equation]:
    equations = [_input_equation(config, step), _cell_equation(config, step)]
    if config.attention != "none":
        equations += _attention_equations(config, step, src_pieces)
    return equations + _output_equations(config, step)


def _input_equation(config: ModelConfig, step: StepTrace) -> Equation:
    feeds = config.attention != "none" and config.input_feeding
    latex = r"x_t = [\,E\,y_{t-1};\ \tilde h_{t-1}\,]" if feeds else r"x_t = E\,y_{t-1}"
    return Equation("Input: embed the previous piece" + (" and feed the last attentional vector" if feeds else ""),
                    latex, [("y_{t-1}", repr(show_piece(step.input_piece))), ("E y_{t-1}", vector(step.embedding))])


CELL_LATEX = {
    "gru": r"""\begin{aligned}
r_t &= \sigma(W_{r} x_t + U_{r} s_{t-1} + b_r) \\
z_t &= \sigma(W_{z} x_t + U_{z} s_{t-1} + b_z) \\
n_t &= \tanh(W_{n} x_t + b_n + r_t \odot (U_{n} s_{t-1} + b_{hn})) \\
s_t &= (1 - z_t) \odot n_t + z_t \odot s_{t-1}
\end{aligned}""",
    "lstm": r"""\begin{aligned}
i_t &= \sigma(W_i x_t + U_i s_{t-1} + b_i) \quad f_t = \sigma(W_f x_t + U_f s_{t-1} + b_f) \\
o_t &= \sigma(W_o x_t + U_o s_{t-1} + b_o) \quad g_t = \tanh(W_g x_t + U_g s_{t-1} + b_g) \\
c_t &= f_t \odot c_{t-1} + i_t \odot g_t \\
s_t &= o_t \odot \tanh(c_t)
\end{aligned}""",
}


def _rnn_latex(nonlinearity: str) -> str:
    squash = r"\tanh" if nonlinearity == "tanh" else r"\mathrm{ReLU}"
    return rf"""\begin{{aligned}}
a_t &= W x_t + U s_{{t-1}} + b \\
s_t &= {squash}(a_t)
\end{{aligned}}"""


GATE_SYMBOLS = {"reset": "r_t", "update": "z_t", "candidate": "n_t", "input": "i_t", "forget": "f_t",
                "output": "o_t", "cell_candidate": "g_t", "preactivation": "a_t"}


def _cell_equation(config: ModelConfig, step: StepTrace) -> Equation:
    values = [(GATE_SYMBOLS.get(name, name), vector(gate)) for name, gate in step.gates.items()]
    if step.cell is not None:
        values.append(("c_t", vector(step.cell)))
    values.append(("s_t", vector(step.hidden)))
    layer = f" (top of {config.dec_layers} layers)" if config.dec_layers > 1 else ""
    latex = _rnn_latex(config.nonlinearity) if config.cell == "rnn" else CELL_LATEX[config.cell]
    return Equation(f"Recurrent update: {config.cell.upper()} cell{layer}", latex, values)


SCORE_LATEX = {
    "bahdanau": r"e_{tj} = v^\top \tanh(W_q s_t + W_k h_j)",
    "luong": r"e_{tj} = s_t^\top W_a h_j",
    "dot": r"e_{tj} = s_t^\top h_j",
}


def _attention_equations(config: ModelConfig, step: StepTrace, src_pieces: list[str]) -> list[Equation]:
    return [
        Equation(f"Attention scores ({config.attention})", SCORE_LATEX[config.attention],
                 [("e_t", per_source(step.scores, src_pieces))]),
        Equation("Attention weights", r"\alpha_{tj} = \frac{\exp(e_{tj})}{\sum_k \exp(e_{tk})}",
                 [("α_t", per_source(step.attention, src_pieces)), ("Σ α_t", _total(step.attention))]),
        Equation("Context vector", r"c_t = \sum_j \alpha_{tj}\, h_j", [("c_t", vector(step.context))]),
        Equation("Attentional vector", r"\tilde h_t = \tanh(W_c\,[\,s_t;\ c_t\,])",
                 [("h~_t", "not recorded: it feeds the output layer below")]),
    ]


def _total(values: list[float] | None) -> str:
    return "not recorded" if values is None else f"{sum(values):.4f}"


def _output_equations(config: ModelConfig, step: StepTrace) -> list[Equation]:
    source = r"\tilde h_t" if config.attention != "none" else "s_t"
    top = step.top[:PREVIEW]
    logits = ", ".join(f"{show_piece(c.piece)!r}: {c.logit:.2f}" for c in top)
    probs = ", ".join(f"{show_piece(c.piece)!r}: {c.prob:.4f}" for c in top)
    return [
        Equation("Logits: one score per vocabulary piece", rf"z_t = W_{{out}}\,{source} + b_{{out}}",
                 [("z_t (top)", logits)]),
        Equation("Softmax: scores to probabilities",
                 r"p(y_t = w \mid y_{<t}, x) = \frac{\exp(z_{t,w})}{\sum_{v} \exp(z_{t,v})}",
                 [("p (top)", probs), ("log Σ exp z", _log_normaliser(step)),
                  ("chosen", f"{show_piece(step.chosen_piece)!r} with p = {math.exp(step.logprob):.4f}")]),
        Equation("Entropy: how unsure the step is", r"H_t = -\sum_w p_w \log p_w",
                 [("H_t", f"{step.entropy:.3f} nats")]),
    ]


def _log_normaliser(step: StepTrace) -> str:
    """Recovered from the best candidate: log Z = z_w - log p_w holds for every piece w."""
    if not step.top or step.top[0].prob <= 0:
        return "not recorded"
    best = step.top[0]
    return f"{best.logit - math.log(best.prob):.3f}  (= z_w − log p_w for any w)"
