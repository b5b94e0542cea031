"""Frozen configuration for models, tokenizers and training runs.

Every checkpoint stores these as JSON so that it can rebuild its own model.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from seq2seq.errors import UserError

CELLS = ("rnn", "gru", "lstm")
NONLINEARITIES = ("tanh", "relu")
METRICS = ("exact_match", "bleu")
PRECISIONS = ("auto", "fp32", "bf16")
ATTENTIONS = ("none", "bahdanau", "luong", "dot")
# Guards against configs that would allocate absurd amounts of memory (hostile or mistyped files).
MAX_DIM = 8192
MAX_VOCAB = 200_000
MAX_LAYERS = 8


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
    # The plain "rnn" cell's h = f(W x + U h + b): tanh as in the classic design, or ReLU ("tanh or ReLU").
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
        for name in ("emb_dim", "enc_hidden", "dec_hidden", "max_src_len", "max_tgt_len"):
            _check_range(name, getattr(self, name), 1, MAX_DIM)
        _check_range("output_dim", self.output_dim, 0, MAX_DIM)
        for name in ("src_vocab_size", "tgt_vocab_size"):
            _check_range(name, getattr(self, name), 4, MAX_VOCAB)
        for name in ("enc_layers", "dec_layers"):
            _check_range(name, getattr(self, name), 1, MAX_LAYERS)
        if not isinstance(self.dropout, (int, float)) or not 0.0 <= self.dropout < 1.0:
            raise UserError(f"dropout must be a number in [0, 1), got {self.dropout!r}")
        for name in ("bidirectional", "input_feeding", "tie_embeddings", "source_eos"):
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


@dataclass(frozen=True)
class TrainConfig:
    # "toy:<task>", a registered corpus name ("tatoeba-en-fr", "multi30k"), or "tsv:<path>".
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
        if not isinstance(self.guided_alignment, (int, float)) or self.guided_alignment < 0:
            raise UserError(f"guided_alignment must be a number >= 0, got {self.guided_alignment!r}")
        _check_range("average_best", self.average_best, 1, 20)
        return self


def _check_range(name: str, value: Any, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise UserError(f"{name} must be an integer in [{low}, {high}], got {value!r}")


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


def load_json(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise UserError(f"{path}: file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid JSON ({exc})") from None


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
        _check_range("beam_size", self.beam_size, 1, 64)
        _check_range("n_best", self.n_best, 1, self.beam_size if self.strategy == "beam" else 64)
        _check_range("top_k", self.top_k, 0, MAX_VOCAB)
        if not 0.0 < self.temperature <= 10.0:
            raise UserError(f"temperature must be in (0, 10], got {self.temperature}")
        if not 0.0 < self.top_p <= 1.0:
            raise UserError(f"top_p must be in (0, 1], got {self.top_p}")
        return self
