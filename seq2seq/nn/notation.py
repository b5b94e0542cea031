"""The design's notation, defined once. Docstrings in nn/, the step page's live equations and the
lesson all use these names and formulas, so a symbol means the same thing wherever a learner meets it.

Encoder, each direction, over source pieces i = 1..n (x_i = the embedding of piece i):
    h_i = f(W_eh x_i + W_hh h_{i-1} + b_h)          f = tanh, or ReLU (plain RNN); GRU/LSTM gates below
    h_i = [→h_i; ←h_i]                              bidirectional: both directions side by side
Bridge: the fixed-length vector starts the decoder:
    s_0 = tanh(W_b [→h_n; ←h_1] + b_b)
Decoder step t (x_t = E y_{t-1}, with input feeding [E y_{t-1}; h~_{t-1}]):
    s_t = f(W_eh x_t + W_hh s_{t-1} + b_h)          the decoder's own weights, same form as the encoder's
    e_tj = v^T tanh(W_q s_t + W_k h_j)              attention scores (Bahdanau); Luong: s_t^T W_a h_j
    α_tj = softmax_j(e_tj),  c_t = Σ_j α_tj h_j
    h~_t = tanh(W_c [s_t; c_t])                     without attention h~_t = s_t
    y_t = softmax(W_hy h~_t + b_y)
Gates use the same two-letter scheme: W_e? reads the input, W_h? the previous state (W_er, W_hr, b_r ...).

Tensor shapes in the engine's comments, e.g. `(B, T_src, D)`, use the letters of SHAPES below.
"""
from __future__ import annotations

from seq2seq.nn.attention import SCORERS

# The letters of every shape comment in the engine, each defined once here; the ModelConfig field named is
# where the size is set.
SHAPES = {
    "B": "sentences in the batch (beam search's rows are B*K: K hypotheses per sentence)",
    "T_src": "source pieces of the longest sentence in the batch (shorter ones padded with PAD_ID)",
    "T_tgt": "target pieces of the longest reference in the batch (teacher forcing: one decoder step each)",
    "T_out": "output pieces a decoding produced, </s> included",
    "T": "a run of steps: a sentence's pieces, or decoder steps when the kind does not matter",
    "E": "embedding size (ModelConfig.emb_dim)",
    "H_enc": "encoder hidden size per direction (ModelConfig.enc_hidden)",
    "D": "encoder output size h_j: H_enc × 2 when bidirectional, else H_enc (ModelConfig.memory_dim)",
    "H_dec": "decoder hidden size s_t (ModelConfig.dec_hidden)",
    "H_out": "attentional vector h~_t fed to the output layer (ModelConfig.out_dim; H_dec without attention)",
    "L": "decoder layers (ModelConfig.dec_layers)",
    "V": "target vocabulary: the output layer's pieces (ModelConfig.tgt_vocab_size)",
    "in": "a layer's input size: E (+ H_out with input feeding) for the first, H_dec above it",
    "H": "units of one kind of state, whichever it is (H_enc, D or H_dec)",
    "N": "rows gathered from many sentences or steps, one state each",
    "K": "beam width (DecodeConfig.beam_size)",
}

# Plain RNN: `squash` is \tanh or \mathrm{ReLU}; `state` is h (encoder) or s (decoder).
RNN = r"{state}_{{{t}}} = {squash}\left(W_{{eh}}\, x_{{{t}}} + W_{{hh}}\, {state}_{{{prev}}} + b_h\right)"

GRU = r"""\begin{{aligned}}
r_{{{t}}} &= \sigma(W_{{er}}\, x_{{{t}}} + W_{{hr}}\, {state}_{{{prev}}} + b_r) \\
z_{{{t}}} &= \sigma(W_{{ez}}\, x_{{{t}}} + W_{{hz}}\, {state}_{{{prev}}} + b_z) \\
n_{{{t}}} &= \tanh(W_{{en}}\, x_{{{t}}} + b_n + r_{{{t}}} \odot (W_{{hn}}\, {state}_{{{prev}}} + b_{{hn}})) \\
{state}_{{{t}}} &= (1 - z_{{{t}}}) \odot n_{{{t}}} + z_{{{t}}} \odot {state}_{{{prev}}}
\end{{aligned}}"""

LSTM = r"""\begin{{aligned}}
i_{{{t}}} &= \sigma(W_{{ei}}\, x_{{{t}}} + W_{{hi}}\, {state}_{{{prev}}} + b_i) \quad
f_{{{t}}} = \sigma(W_{{ef}}\, x_{{{t}}} + W_{{hf}}\, {state}_{{{prev}}} + b_f) \\
o_{{{t}}} &= \sigma(W_{{eo}}\, x_{{{t}}} + W_{{ho}}\, {state}_{{{prev}}} + b_o) \quad
g_{{{t}}} = \tanh(W_{{eg}}\, x_{{{t}}} + W_{{hg}}\, {state}_{{{prev}}} + b_g) \\
c_{{{t}}} &= f_{{{t}}} \odot c_{{{prev}}} + i_{{{t}}} \odot g_{{{t}}} \\
{state}_{{{t}}} &= o_{{{t}}} \odot \tanh(c_{{{t}}})
\end{{aligned}}"""

GATE_SYMBOLS = {"reset": "r_t", "update": "z_t", "candidate": "n_t", "input": "i_t", "forget": "f_t",
                "output": "o_t", "cell_candidate": "g_t", "preactivation": "a_t"}

INPUT_FED = r"x_t = [\,E\,y_{t-1};\ \tilde h_{t-1}\,]"
INPUT = r"x_t = E\,y_{t-1}"
BIDIRECTIONAL = r"h_i = [\,\overrightarrow{h}_i;\ \overleftarrow{h}_i\,]"
BRIDGE = r"s_0 = \tanh\left(W_b\,[\,\overrightarrow{h}_n;\ \overleftarrow{h}_1\,] + b_b\right)"
# Each attention kind's score, written beside its code in nn/attention.py.
SCORES = {name: kind.equation for name, kind in SCORERS.items()}
WEIGHTS = r"\alpha_{tj} = \frac{\exp(e_{tj})}{\sum_k \exp(e_{tk})}"
CONTEXT = r"c_t = \sum_j \alpha_{tj}\, h_j"
ATTENTIONAL = r"\tilde h_t = \tanh(W_c\,[\,s_t;\ c_t\,])"
LOGITS = r"z_t = W_{hy}\, {out} + b_y"
SOFTMAX = (r"y_t = \mathrm{softmax}(W_{hy}\, {out} + b_y),\quad "
           r"p(y_t = w \mid y_{<t}, x) = \frac{\exp(z_{t,w})}{\sum_v \exp(z_{t,v})}")
ENTROPY = r"H_t = -\sum_w p_w \log p_w"


def cell(kind: str, nonlinearity: str = "tanh", state: str = "s", t: str = "t", prev: str = "t-1") -> str:
    """The recurrent update of `kind` ("rnn", "gru", "lstm") in LaTeX, for the decoder (state s, step t) or
    the encoder (state="h", t="i", prev="i-1")."""
    if kind == "rnn":
        squash = r"\tanh" if nonlinearity == "tanh" else r"\mathrm{ReLU}"
        return RNN.format(state=state, t=t, prev=prev, squash=squash)
    return {"gru": GRU, "lstm": LSTM}[kind].format(state=state, t=t, prev=prev)


def decoder_input(input_feeding: bool) -> str:
    return INPUT_FED if input_feeding else INPUT


def output(attention: bool) -> str:
    """y_t from h~_t with attention, straight from the decoder state s_t without (the classic design)."""
    return SOFTMAX.replace("{out}", r"\tilde h_t" if attention else "s_t")


def logits(attention: bool) -> str:
    return LOGITS.replace("{out}", r"\tilde h_t" if attention else "s_t")


# Training and its gradients (the lesson's steps 6 and 7): cross-entropy of the reference pieces y*_t under
# teacher forcing, Adam's update of every weight θ, and the chain of Jacobians a plain RNN's gradient
# multiplies on its way back from step t to piece j.
LOSS = r"L = -\frac{1}{T} \sum_{t=1}^{T} \log p(y^*_t \mid y^*_{<t}, x)"
ADAM = (r"m \leftarrow \beta_1 m + (1-\beta_1)\, g,\quad v \leftarrow \beta_2 v + (1-\beta_2)\, g^2,\quad "
        r"\theta \leftarrow \theta - \eta\, \frac{\hat m}{\sqrt{\hat v} + \epsilon}")
GRADIENT = (r"\frac{\partial L_t}{\partial h_j} = \frac{\partial L_t}{\partial h_t} \prod_{k=j+1}^{t} "
            r"\frac{\partial h_k}{\partial h_{k-1}},\qquad \frac{\partial h_k}{\partial h_{k-1}} = "
            r"\mathrm{diag}(1 - h_k^2)\, W_{hh}")
RELU = r"\mathrm{ReLU}(a) = \max(0, a)"
# Greedy decoding (the lesson's step 5): the most likely piece at every step, until the end symbol.
GREEDY = r"y_t = \arg\max_w\, p(y_t = w \mid y_{<t}, x),\qquad \text{stop when } y_t = \texttt{</s>}"
