"""Frozen configuration for models, tokenizers and training runs.

Every checkpoint stores these as JSON so that it can rebuild its own model.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from seq2seq.errors import UserError

CELLS = ("rnn", "gru", "lstm")
NONLINEARITIES = ("tanh", "relu")
METRICS = ("exact_match", "bleu")
PRECISIONS = ("auto", "fp32", "bf16")
ATTENTIONS = ("none", "bahdanau", "luong", "dot")
LSTM_CELL_INITS = ("projected", "hidden")
# Guards against configs that would allocate absurd amounts of memory (hostile or mistyped files).
MAX_DIM = 8192
MAX_VOCAB = 200_000
MAX_LAYERS = 8


@dataclass(frozen=True)
class Range:
    """The legal values of one numeric setting. The CLI, config files and the Train form all check
    against these tables (the form takes its bounds from them), so each rule is written once."""

    low: float
    high: float
    integer: bool = True
    low_open: bool = False  # low itself is not allowed (a learning rate of 0 trains nothing)

    def check(self, name: str, value: Any) -> None:
        kind = "an integer" if self.integer else "a number"
        ok_type = isinstance(value, int) if self.integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok_type or not math.isfinite(value) or not self._inside(value):
            bracket = "(" if self.low_open else "["
            raise UserError(f"{name} must be {kind} in {bracket}{self._show(self.low)}, {self._show(self.high)}], "
                            f"got {value!r}")

    def _show(self, bound: float) -> str:
        return f"{int(bound):,}" if self.integer else f"{bound:g}"

    def _inside(self, value: float) -> bool:
        return (self.low < value if self.low_open else self.low <= value) and value <= self.high


DAY_S = 86_400.0
MODEL_RANGES = {
    **{name: Range(1, MAX_DIM) for name in ("emb_dim", "enc_hidden", "dec_hidden", "max_src_len", "max_tgt_len")},
    "output_dim": Range(0, MAX_DIM),
    "src_vocab_size": Range(4, MAX_VOCAB), "tgt_vocab_size": Range(4, MAX_VOCAB),
    "enc_layers": Range(1, MAX_LAYERS), "dec_layers": Range(1, MAX_LAYERS),
    "dropout": Range(0.0, 0.9, integer=False),
    "output_len_ratio": Range(0.0, 100.0, integer=False), "output_len_extra": Range(0, MAX_DIM),
    "min_output_len": Range(0, MAX_DIM),
}
TRAIN_RANGES = {
    "max_train_pairs": Range(0, 100_000_000), "max_len": Range(2, 1024),
    # Beyond ~200k target pieces a batch no longer fits a laptop's memory with an 8k vocabulary.
    "batch_tokens": Range(10, 200_000),
    "lr": Range(0.0, 1.0, integer=False, low_open=True), "clip_norm": Range(0.0, 1000.0, integer=False, low_open=True),
    "label_smoothing": Range(0.0, 0.9, integer=False),
    "teacher_forcing": Range(0.0, 1.0, integer=False), "teacher_forcing_final": Range(-1.0, 1.0, integer=False),
    "epochs": Range(1, 100_000), "max_steps": Range(0, 10**9),
    "time_budget_s": Range(0.0, 30 * DAY_S, integer=False), "cpu_budget_s": Range(0.0, 30 * DAY_S, integer=False),
    "log_every": Range(1, 10**6), "valid_every": Range(1, 10**9), "valid_decode_limit": Range(0, 10**6),
    "patience": Range(0, 10_000), "target_score": Range(0.0, 100.0, integer=False),
    "plateau_patience": Range(1, 10_000), "lr_factor": Range(0.0, 1.0, integer=False, low_open=True),
    "min_lr": Range(0.0, 1.0, integer=False), "seed": Range(0, 2**32 - 1),
    # More threads than any CPU we run on only adds contention; the trainer also caps at the cores it finds.
    "threads": Range(0, 256),
    "guided_alignment": Range(0.0, 100.0, integer=False), "guided_alignment_halflife": Range(0, 10**9),
    "average_best": Range(1, 20),
}
TOKENIZER_RANGES = {"vocab_size": Range(8, MAX_VOCAB)}
DECODE_RANGES = {
    "beam_size": Range(1, 64), "top_k": Range(0, MAX_VOCAB), "seed": Range(0, 2**63 - 1),
    # GNMT's alpha: 0 = raw log-probability, 1 = per-length; beyond ~5 the penalty swamps the scores.
    "length_penalty": Range(0.0, 5.0, integer=False),
    "temperature": Range(0.0, 10.0, integer=False, low_open=True),
    "top_p": Range(0.0, 1.0, integer=False, low_open=True),
    "trace_top_k": Range(1, 100),
}


def check_ranges(config: Any, ranges: dict[str, Range]) -> None:
    for name, legal in ranges.items():
        legal.check(name, getattr(config, name))


@dataclass(frozen=True)
class ModelConfig:
    src_vocab_size: int
    tgt_vocab_size: int
    # 256 is the size that trains in minutes on a laptop CPU yet translates everyday sentences well.
    emb_dim: int = 256
    # Per direction; the memory the decoder attends to is twice this when bidirectional.
    enc_hidden: int = 256
    # Larger than the encoder so the decoder can hold both directions' summary (Bahdanau et al.).
    dec_hidden: int = 512
    # GRU: nearly LSTM quality with 3/4 of the parameters; "rnn" is the plain cell for teaching.
    cell: str = "gru"
    # The plain "rnn" cell's h_i = f(W_eh x_i + W_hh h_{i-1} + b_h): tanh as in the classic design,
    # or ReLU ("tanh or ReLU").
    nonlinearity: str = "tanh"
    enc_layers: int = 1
    dec_layers: int = 1
    # Each source position then summarises both its left and right context.
    bidirectional: bool = True
    # Additive attention is the classic RNN attention and the most readable heatmaps.
    attention: str = "bahdanau"
    # Feeding the previous attentional vector tells the decoder what it already covered (Luong 2015).
    input_feeding: bool = True
    # Small corpora overfit quickly without it.
    dropout: float = 0.2
    # Size of the attentional vector h~ fed to the softmax (0 = dec_hidden). The output layer is the
    # costliest matmul on a CPU (size x vocabulary per piece); 256 halves it with little loss in BLEU.
    output_dim: int = 0
    # Sharing target embeddings with the output layer saves parameters; off because sizes must match.
    tie_embeddings: bool = False
    # Append </s> to every source: the classic recipe. Its encoder state summarises the whole sentence, so
    # attention can park there; without it every attention weight lands on a real source piece.
    source_eos: bool = True
    # Longest source (in pieces) the model accepts; longer input is truncated with a warning.
    max_src_len: int = 128
    # Longest output a search produces before it is cut.
    max_tgt_len: int = 128
    # The LSTM's first memory cell c_0: "projected" = the bridge's own projection of the encoder's final cell;
    # "hidden" = a copy of s_0, as Joey NMT's bridge makes it (an imported model keeps the rule it was trained with).
    lstm_cell_init: str = "projected"
    # A search stops after min(max_tgt_len, int(output_len_ratio x source pieces) + output_len_extra) pieces,
    # </s> included: translations rarely exceed twice the source, and the cap keeps a degenerate loop short
    # (Joey NMT's rule is 1.5 and 0).
    output_len_ratio: float = 2.0
    output_len_extra: int = 10
    # A search may not choose </s> before this many pieces (0 = from the first step; Joey NMT searches with 1).
    min_output_len: int = 0
    # Searches never choose <s> or <pad>, as Joey NMT's do; off leaves the searches as the shipped models were
    # tested with (trained models all but never pick them, but "all but" is not "never").
    mask_specials: bool = False

    @property
    def memory_dim(self) -> int:
        return self.enc_hidden * (2 if self.bidirectional else 1)

    @property
    def out_dim(self) -> int:
        """Size of h~: with attention, what the combine layer produces; without, the decoder state."""
        return (self.output_dim or self.dec_hidden) if self.attention != "none" else self.dec_hidden

    def validate(self) -> "ModelConfig":
        if self.cell not in CELLS:
            raise UserError(f"cell must be one of {CELLS}, got {self.cell!r}")
        if self.nonlinearity not in NONLINEARITIES:
            raise UserError(f"nonlinearity must be one of {NONLINEARITIES}, got {self.nonlinearity!r}")
        if self.nonlinearity != "tanh" and self.cell != "rnn":
            raise UserError(f"nonlinearity applies to the plain 'rnn' cell only, not {self.cell!r}")
        if self.attention not in ATTENTIONS:
            raise UserError(f"attention must be one of {ATTENTIONS}, got {self.attention!r}")
        check_ranges(self, MODEL_RANGES)
        if self.lstm_cell_init not in LSTM_CELL_INITS:
            raise UserError(f"lstm_cell_init must be one of {LSTM_CELL_INITS}, got {self.lstm_cell_init!r}")
        for name in ("bidirectional", "input_feeding", "tie_embeddings", "source_eos", "mask_specials"):
            if not isinstance(getattr(self, name), bool):
                raise UserError(f"{name} must be true or false, got {getattr(self, name)!r}")
        if self.attention == "dot" and self.dec_hidden != self.memory_dim:
            raise UserError(
                f"dot attention needs dec_hidden ({self.dec_hidden}) equal to the encoder output "
                f"size ({self.memory_dim}); use 'luong' (general) instead"
            )
        if self.tie_embeddings and self.emb_dim != self.out_dim:
            raise UserError(f"tie_embeddings needs emb_dim ({self.emb_dim}) equal to the output size ({self.out_dim})")
        return self


@dataclass(frozen=True)
class TokenizerConfig:
    # "sentencepiece" for natural language; "char" for toy tasks whose symbols are characters.
    kind: str = "sentencepiece"
    # Unigram gives several segmentations per word and slightly better BLEU than BPE on small data.
    model_type: str = "unigram"
    # 8k per side covers Tatoeba's everyday vocabulary with few rare pieces.
    vocab_size: int = 8000
    # Separate vocabularies keep each side's softmax small; joint is needed for tied src/tgt embeddings.
    joint: bool = False

    def validate(self) -> "TokenizerConfig":
        if self.kind not in ("sentencepiece", "char"):
            raise UserError(f"tokenizer.kind must be 'sentencepiece' or 'char', got {self.kind!r}")
        if self.model_type not in ("unigram", "bpe"):
            raise UserError(f"tokenizer.model_type must be 'unigram' or 'bpe', got {self.model_type!r}")
        check_ranges(self, TOKENIZER_RANGES)
        return self


@dataclass(frozen=True)
class TrainConfig:
    # "toy:<task>", a registered corpus name ("tatoeba-en-fr", "multi30k"), "tsv:<path>", or the files of a model
    # imported from Joey NMT ("joey:...", see data/joey_data.py).
    data: str = "toy:dates"
    src_lang: str = "en"
    tgt_lang: str = "fr"
    # Cap on training pairs (0 = all); lets a preset train on a subset for a quick run.
    max_train_pairs: int = 0
    # Pairs longer than this (in pieces, either side) are skipped: rare and costly to pad.
    max_len: int = 64
    # ~3k target tokens per batch: big enough for efficient matmuls on 2 cores, small enough to update often.
    batch_tokens: int = 3000
    # Adam's usual rate for RNN seq2seq (Bahdanau/Joey NMT use 1e-3 to 4e-4).
    lr: float = 1e-3
    # Clipping keeps RNN gradients from exploding on long sentences.
    clip_norm: float = 1.0
    # Mild smoothing improves BLEU and calibrates the softmax the app shows.
    label_smoothing: float = 0.1
    # 1.0 = always feed the gold previous piece; lower values expose the model to its own mistakes.
    teacher_forcing: float = 1.0
    # If > 0, teacher forcing decays linearly to this value over training (scheduled sampling).
    teacher_forcing_final: float = -1.0
    epochs: int = 10
    # Stop after this many optimizer steps (0 = no limit).
    max_steps: int = 0
    # Stop after this many seconds of training (0 = no limit); checkpoints are saved first.
    time_budget_s: float = 0.0
    # Stop after this many seconds of this process's CPU time (0 = no limit): a budget that stays fair when
    # runs share a crowded machine, where wall-clock seconds buy each run a different amount of work.
    cpu_budget_s: float = 0.0
    # Report a training event this often (steps): often enough for a live curve, cheap to write.
    log_every: int = 20
    # Validate this often (steps); each validation also translates the probe sentences.
    valid_every: int = 500
    # Validation sentences decoded for BLEU/exact match, spread over the split (0 = all); all count for loss.
    valid_decode_limit: int = 500
    # Stop when the validation score has not improved this many validations in a row (0 = never).
    patience: int = 8
    # Stop as soon as the validation `target_metric` reaches this (0 = never): toy tasks need not train on.
    # Scores carry their scale: exact_match is a fraction (0-1), bleu is 0-100.
    target_score: float = 0.0
    # The metric target_score is on; a run validated with another metric (BLEU on real data) ignores it, so a
    # toy preset's 0.995 exact match never stops a translation run at BLEU 0.995.
    target_metric: str = "exact_match"
    # Halve the learning rate after this many validations without improvement.
    plateau_patience: int = 2
    lr_factor: float = 0.5
    min_lr: float = 1e-5
    seed: int = 1234
    # 0 = let torch decide; the UI caps runs at 1-2 so the app stays responsive.
    threads: int = 0
    # "auto": bf16 autocast on CUDA and on CPUs with native bf16 (AVX512-BF16 or AMX), where it is ~2x faster
    # and learns as fp32 does; fp32 on other CPUs, which only emulate bf16 (~35x slower). "bf16"/"fp32" force it.
    precision: str = "auto"
    # Weight of the guided-alignment loss (0 = off): cross-entropy between each step's attention and the
    # statistical word aligner's links (eflomal) over the training pairs, so attention reads as alignment.
    guided_alignment: float = 0.0
    # Steps over which that weight halves (0 = constant): guidance shapes attention early, then fades so that
    # it stops pulling against cross-entropy (a constant weight cost the fine-tuned default ~1 BLEU).
    guided_alignment_halflife: int = 0
    # A checkpoint folder to start from (its weights and tokenizers): fine-tuning instead of training anew.
    init_from: str = ""
    # Keep this many best checkpoints' weights; the saved model is their average (0 or 1 = the best only).
    # Averaging the last good checkpoints smooths the noise of the final Adam steps (+0.5-1 BLEU, Vaswani 2017).
    average_best: int = 1
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)
    probes: tuple[str, ...] = ()

    def validate(self) -> "TrainConfig":
        if self.target_metric not in METRICS:
            raise UserError(f"target_metric must be one of {METRICS}, got {self.target_metric!r}")
        if self.precision not in PRECISIONS:
            raise UserError(f"precision must be one of {PRECISIONS}, got {self.precision!r}")
        for name in ("data", "src_lang", "tgt_lang", "init_from"):
            if not isinstance(getattr(self, name), str):
                raise UserError(f"{name} must be text, got {getattr(self, name)!r}")
        check_ranges(self, TRAIN_RANGES)
        self.tokenizer.validate()
        return self


def to_dict(config: Any) -> dict[str, Any]:
    return dataclasses.asdict(config)


def model_config_from_dict(data: dict[str, Any]) -> ModelConfig:
    return _build(ModelConfig, data).validate()


def train_config_from_dict(data: dict[str, Any]) -> TrainConfig:
    data = dict(data)
    data["tokenizer"] = _build(TokenizerConfig, data.get("tokenizer", {}))
    data["probes"] = tuple(data.get("probes", ()))
    return _build(TrainConfig, data).validate()


def _build(cls: type, data: dict[str, Any]) -> Any:
    if not isinstance(data, dict):
        raise UserError(f"{cls.__name__} must be a JSON object")
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise UserError(f"unknown {cls.__name__} field(s): {', '.join(unknown)}")
    try:
        return cls(**data)
    except TypeError as exc:
        raise UserError(f"bad {cls.__name__}: {exc}") from None


STRATEGIES = ("greedy", "beam", "sample")


@dataclass(frozen=True)
class DecodeConfig:
    # Greedy is exact for one step and fastest; beam and sampling are one click away in the app.
    strategy: str = "greedy"
    # 5 is the usual NMT beam: most of beam search's gain, little extra cost.
    beam_size: int = 5
    # GNMT length penalty exponent: 0 = raw log-probability (favours short outputs), 1 = per-length.
    length_penalty: float = 1.0
    n_best: int = 1
    temperature: float = 1.0
    # 0 = no top-k cut when sampling.
    top_k: int = 0
    # 1.0 = no nucleus cut when sampling.
    top_p: float = 1.0
    seed: int = 0
    # How many candidates each step of a trace keeps.
    trace_top_k: int = 10

    def describe(self) -> str:
        """The strategy and the settings it uses, in words (CLI output, the app's captions)."""
        if self.strategy == "beam":
            return f"beam search (size {self.beam_size}, length penalty {self.length_penalty:g})"
        if self.strategy == "sample":
            return (f"sampling (temperature {self.temperature:g}, top-k {self.top_k or 'off'}, "
                    f"top-p {self.top_p:g}, seed {self.seed})")
        return "greedy"

    def validate(self) -> "DecodeConfig":
        if self.strategy not in STRATEGIES:
            raise UserError(f"strategy must be one of {STRATEGIES}, got {self.strategy!r}")
        check_ranges(self, DECODE_RANGES)
        Range(1, self.beam_size if self.strategy == "beam" else 64).check("n_best", self.n_best)
        return self
