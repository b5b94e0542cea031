"""A Joey NMT 2.3 config.yaml read as data and mapped onto our ModelConfig, or refused in one line.

Joey's RNN model is the same encoder-decoder as ours (bidirectional encoder, bridge, Bahdanau or Luong
attention, the attentional vector tanh(W_c [s_t; c_t]), input feeding); what differs is expressed by
ModelConfig options (lstm_cell_init, output_len_ratio/extra, min_output_len, mask_specials) and by the
weights (`joey_weights`). Whatever has no exact counterpart is refused rather than approximated.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from seq2seq.config import MAX_DIM, ModelConfig
from seq2seq.errors import UserError

# Joey's defaults (joeynmt/config.py, decoders.py, embeddings.py) for what a config may leave out.
SPECIALS_DEFAULT = {"unk_token": "<unk>", "pad_token": "<pad>", "bos_token": "<s>", "eos_token": "</s>",
                    "unk_id": 0, "pad_id": 1, "bos_id": 2, "eos_id": 3}
# Joey searches for int(1.5 x the source length) steps unless testing.max_output_length says otherwise.
JOEY_OUTPUT_RATIO = 1.5


def read_config(path: Path) -> dict[str, Any]:
    """config.yaml as plain data (yaml.safe_load builds no objects); a broken file is one line."""
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: not found — a Joey NMT model folder holds the config.yaml it was trained "
                        "with") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not a readable YAML file ({str(exc).splitlines()[0]})") from None
    if not isinstance(config, dict) or not isinstance(config.get("model"), dict):
        raise UserError(f"{path}: no 'model' section — not a Joey NMT config")
    return config


def section(config: dict[str, Any], *keys: str) -> dict[str, Any]:
    """config[k1][k2]... as a dict ({} when absent); a non-mapping is refused."""
    value: Any = config
    for key in keys:
        value = value.get(key, {}) if isinstance(value, dict) else None
        if not isinstance(value, dict):
            raise UserError(f"Joey config: '{'.'.join(keys)}' must be a mapping")
    return value


def model_config(config: dict[str, Any], src_vocab_size: int, tgt_vocab_size: int) -> ModelConfig:
    """Our ModelConfig for the Joey model, with Joey's search rules; refuses what does not map."""
    model, testing = section(config, "model"), section(config, "testing")
    encoder, decoder = section(config, "model", "encoder"), section(config, "model", "decoder")
    _check_recurrent(encoder, decoder)
    _check_testing(testing)
    cell = str(encoder.get("rnn_type", "gru"))
    emb_dim = _embedding_dim(encoder, decoder)
    max_output = int(testing.get("max_output_length", -1) or -1)
    fixed = max_output > 0  # Joey then searches exactly that many steps, whatever the source
    return ModelConfig(
        src_vocab_size=src_vocab_size, tgt_vocab_size=tgt_vocab_size, emb_dim=emb_dim,
        enc_hidden=int(encoder.get("hidden_size", 1)), dec_hidden=int(decoder.get("hidden_size", 0)),
        cell=cell, enc_layers=int(encoder.get("num_layers", 1)), dec_layers=int(decoder.get("num_layers", 1)),
        bidirectional=True, attention=str(decoder.get("attention", "bahdanau")),
        input_feeding=bool(decoder.get("input_feeding", True)),
        dropout=min(0.9, float(decoder.get("dropout", 0.0))),
        tie_embeddings=bool(model.get("tied_softmax", False)) and not scaled(decoder),
        source_eos=True, max_src_len=MAX_DIM, max_tgt_len=max_output if fixed else MAX_DIM,
        lstm_cell_init="hidden",
        output_len_ratio=0.0 if fixed else JOEY_OUTPUT_RATIO, output_len_extra=max_output if fixed else 0,
        min_output_len=int(testing.get("min_output_length", 1)), mask_specials=True,
    ).validate()


def scaled(side: dict[str, Any]) -> bool:
    """Joey multiplies this side's embeddings by sqrt(embedding_dim) (a Transformer habit, off by default)."""
    return bool(section(side, "embeddings").get("scale", False))


def _check_recurrent(encoder: dict[str, Any], decoder: dict[str, Any]) -> None:
    # Joey builds a Transformer decoder when `type` is left out, a recurrent encoder likewise.
    kinds = (encoder.get("type", "recurrent"), decoder.get("type", "transformer"))
    if kinds != ("recurrent", "recurrent"):
        raise UserError(f"Joey model is {kinds[0]} encoder + {kinds[1]} decoder: only recurrent (RNN) encoder-decoders "
                        "map onto seq2seq's model; a Transformer cannot be imported")
    cells = (encoder.get("rnn_type", "gru"), decoder.get("rnn_type", "gru"))
    if cells[0] not in ("gru", "lstm") or cells[0] != cells[1]:
        raise UserError(f"Joey model's encoder is {cells[0]} and its decoder {cells[1]}: seq2seq's models use one "
                        "cell (gru or lstm) on both sides")
    if not encoder.get("bidirectional", True):
        raise UserError("Joey model's encoder is not bidirectional: Joey 2.3 itself only runs bidirectional "
                        "RNN encoders")
    if decoder.get("attention", "bahdanau") not in ("bahdanau", "luong"):
        raise UserError(f"Joey decoder attention {decoder.get('attention')!r} does not map (bahdanau or luong do)")
    if decoder.get("init_hidden", "bridge") not in ("bridge", "zero"):
        raise UserError(f"Joey decoder init_hidden {decoder.get('init_hidden')!r} does not map: seq2seq starts the "
                        "decoder from a bridge (Joey's 'bridge', or 'zero' as a bridge of zeros), never from the "
                        "encoder's raw last state")
    if decoder.get("activation", "tanh") != "tanh":
        raise UserError(f"Joey decoder activation {decoder.get('activation')!r} does not map: seq2seq's attentional "
                        "vector and bridge use tanh")


def _embedding_dim(encoder: dict[str, Any], decoder: dict[str, Any]) -> int:
    sizes = [int(section(side, "embeddings").get("embedding_dim", 64)) for side in (encoder, decoder)]
    if sizes[0] != sizes[1]:
        raise UserError(f"Joey model's source embeddings have {sizes[0]} dimensions and its target embeddings "
                        f"{sizes[1]}: seq2seq's models have one emb_dim for both")
    return sizes[0]


def _check_testing(testing: dict[str, Any]) -> None:
    """Greedy search options with no counterpart in ours are refused (beam-only ones do not matter)."""
    if testing.get("generate_unk", True) is not True:
        raise UserError("Joey config sets testing.generate_unk: false, a search rule seq2seq's models do not have")


def init_hidden_is_zero(config: dict[str, Any]) -> bool:
    return section(config, "model", "decoder").get("init_hidden", "bridge") == "zero"
