"""The architectures the toolkit comparisons use, as our model options (see joey_config for Joey's)."""
from __future__ import annotations

from typing import Any

from seq2seq.training.presets import PRESETS

ARCHS: dict[str, dict[str, Any]] = {
    # The classic architecture the speed goals are stated for: emb 256, bi-GRU 256, GRU 512 decoder,
    # Bahdanau attention, input feeding, 512-d attentional vector into an untied 8k softmax.
    "classic": {"emb_dim": 256, "enc_hidden": 256, "dec_hidden": 512, "output_dim": 0, "tie_embeddings": False,
                "cell": "gru", "attention": "bahdanau", "input_feeding": True, "dropout": 0.2},
    # What the shipped tatoeba-en-fr model uses: decoder 256, tied 256-d output layer.
    "preset": dict(PRESETS["tatoeba-en-fr"]["model"]),
}
# Each without input feeding (Luong et al. 2015): attention is read after the recurrence, so training
# attends for every target step at once.
ARCHS.update({f"{name}-no-feeding": {**options, "input_feeding": False} for name, options in list(ARCHS.items())})


def model_options(name: str) -> dict[str, Any]:
    return dict(ARCHS[name])


def out_dim(options: dict[str, Any]) -> int:
    return options.get("output_dim") or options["dec_hidden"]
