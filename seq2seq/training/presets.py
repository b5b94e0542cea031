"""Named recipes: each shipped checkpoint is reproduced by `python -m seq2seq train --preset NAME`."""
from __future__ import annotations

from typing import Any

from seq2seq.errors import UserError

_CHAR = {"kind": "char"}
# Small toy models: a few thousand parameters learn these tasks in about a minute on two cores.
_TOY_MODEL = {"emb_dim": 32, "enc_hidden": 64, "dec_hidden": 128, "cell": "gru", "attention": "bahdanau",
              "dropout": 0.0, "max_src_len": 64, "max_tgt_len": 32}
_TOY_TRAIN = {"tokenizer": _CHAR, "batch_tokens": 4000, "lr": 3e-3, "label_smoothing": 0.0, "epochs": 20,
              "valid_every": 100, "valid_decode_limit": 500, "patience": 4, "log_every": 10,
              "target_score": 0.995}
# The vanishing-gradient trio: no attention and a one-way encoder, so that the gradient from an output
# piece back to a source piece must travel through every recurrent step in between; only the cell
# differs. Reversal, not copying: output t needs the source letter 2t + 1 steps back, so every
# distance from 1 to 60 is exercised and a plain RNN learns the near ones (on copy30 every letter is
# ~30 steps away and it stays at chance). A fixed step count (not a target score) trains the three
# the same way; the time budget (wall seconds) only guards a slow or crowded machine.
_GRAD_MODEL = {"emb_dim": 32, "enc_hidden": 128, "dec_hidden": 128, "bidirectional": False, "attention": "none",
               "dropout": 0.0, "max_src_len": 40, "max_tgt_len": 40}
_GRAD_TRAIN = {**_TOY_TRAIN, "data": "toy:reverse30", "max_steps": 1200, "time_budget_s": 1800, "target_score": 0.0,
               "patience": 0, "valid_every": 200, "epochs": 100, "probes": ["abcdefghijklmnopqrst"]}
# The cell × attention × length experiment's base: the toy model on strings up to 30 letters, a few
# minutes per run, so that a sweep over cells and attention fits in a lesson.
_LONG_TRAIN = {**_TOY_TRAIN, "time_budget_s": 180, "patience": 0, "valid_every": 150}

# The Tatoeba comparison set: the default model (GRU + attention), its twin without attention (GRU, the
# fixed-length vector) and the classic design (plain tanh RNN, no attention). One recipe for all three: the
# same data, 8k unigram pieces per side, sizes, batches, optimizer and stopping rule; only the cell and
# the attention differ. A bi-GRU 256 encoder (not 512): 1.4x less CPU per step in training and a 4x
# lighter encoder when the app decodes one sentence, for little loss on Tatoeba's short sentences. The
# decoder stays at 256 with a tied 256-d output, so every member (out = decoder state without attention)
# ties and fits the 25 MB limit. No input feeding: attention is read after the recurrence (Luong et al.
# 2015), so training attends for all target steps at once; measured, it learned more per CPU-hour
# (benchmarks/recipes.py). Dropout 0.3: 20+ epochs on 134k pairs overfit with less.
_TATOEBA_MODEL = {"emb_dim": 256, "enc_hidden": 256, "dec_hidden": 256, "output_dim": 256, "tie_embeddings": True,
                  "cell": "gru", "attention": "bahdanau", "input_feeding": False, "dropout": 0.3,
                  "max_src_len": 128, "max_tgt_len": 128}
# ~330 sentences per batch, ~390 steps an epoch: validated once an epoch. Trained to a plateau: the
# learning rate halves after 2 validations without a better BLEU and the run stops after 4, or when 4
# CPU-hours are spent (CPU, not wall seconds: runs sharing a machine still get the same work).
_TATOEBA_TRAIN = {"data": "tatoeba-en-fr", "batch_tokens": 4000, "lr": 1e-3, "epochs": 60, "valid_every": 390,
                  "valid_decode_limit": 500, "patience": 4, "plateau_patience": 2, "max_len": 50,
                  "cpu_budget_s": 4 * 3600, "average_best": 3,
                  "tokenizer": {"kind": "sentencepiece", "vocab_size": 8000},
                  "probes": ["I am very happy to see you.", "Where is the train station?"]}

# Guided alignment from the first step: eflomal's links over the training pairs pull each step's attention
# onto the source pieces it translates (without it the earlier default parked 37-96% of every step's
# attention on the source </s>: AER 59.5, worse than a diagonal line). The weight halves every 1,000
# steps, so guidance shapes attention early and then stops pulling against cross-entropy (as a constant
# weight in a late fine-tune did, at the cost of a BLEU point); benchmarks/recipes.py measures both.
_ALIGNED = {"guided_alignment": 1.0, "guided_alignment_halflife": 1000}
# The design our app starts from: a plain tanh RNN (h_i = tanh(W_eh x_i + W_hh h_{i-1} + b_h)), a
# bidirectional encoder, no attention (the fixed-length vector only) and y = softmax(W_hy s_t + b_y)
# straight from the decoder state (W_hy tied to the target embeddings, as in its two twins).
_PLAIN_RNN_MODEL = {**_TATOEBA_MODEL, "cell": "rnn", "nonlinearity": "tanh", "attention": "none"}

# The comparison trio (Inside → Bottleneck, the Lesson): one budget for all three, 40 CPU-minutes each
# (CPU seconds, so runs sharing the machine still get the same work). On our 2-core machine a plateau
# takes hours per member; an equal budget keeps the comparison fair and the three rebuildable in an
# afternoon. None has plateaued at that point (their curves: checkpoints/README.md).
_TWIN_TRAIN = {**_TATOEBA_TRAIN, "cpu_budget_s": 40 * 60}

# Multi30k after LIUM-CVC's compact WMT17 text-only system (embeddings 128, GRU 256).
_MULTI30K_MODEL = {"emb_dim": 128, "enc_hidden": 256, "dec_hidden": 256, "output_dim": 128, "tie_embeddings": True,
                   "cell": "gru", "attention": "bahdanau", "dropout": 0.3}
_MULTI30K_TRAIN = {"data": "multi30k", "batch_tokens": 1500, "lr": 1e-3, "epochs": 40, "valid_every": 300,
                   "patience": 6, "max_len": 80, "time_budget_s": 2700,
                   "tokenizer": {"kind": "sentencepiece", "vocab_size": 8000},
                   "probes": ["A man in a blue shirt is standing on a ladder."]}

PRESETS: dict[str, dict[str, Any]] = {
    "dates": {"description": "Human-readable dates → ISO 8601 (crisp attention pictures), about a minute",
              "model": _TOY_MODEL, "train": {**_TOY_TRAIN, "data": "toy:dates", "probes": ["March 5, 1987"]}},
    "reverse": {"description": "Reverse a string of up to 10 letters, about a minute",
                "model": _TOY_MODEL, "train": {**_TOY_TRAIN, "data": "toy:reverse", "probes": ["abcdefg"]}},
    # The twin of "reverse" with the source squeezed into one vector: trained side by side, the Inside
    # page's bottleneck view shows exact match falling with length within a couple of minutes.
    "reverse-noattn": {"description": "Reverse a string of up to 10 letters without attention (the fixed-length "
                                      "bottleneck), about a minute",
                       "model": {**_TOY_MODEL, "attention": "none"},
                       "train": {**_TOY_TRAIN, "data": "toy:reverse", "probes": ["abcdefg"], "time_budget_s": 90}},
    "copy": {"description": "Copy a string of up to 10 letters", "model": _TOY_MODEL,
             "train": {**_TOY_TRAIN, "data": "toy:copy", "probes": ["hello"]}},
    "sort": {"description": "Sort the letters of a string", "model": _TOY_MODEL,
             "train": {**_TOY_TRAIN, "data": "toy:sort", "probes": ["banana"]}},
    "add": {"description": "Add two numbers written as text (12+345 → 357)", "model": _TOY_MODEL,
            "train": {**_TOY_TRAIN, "data": "toy:add", "probes": ["12+345"]}},
    "copy30": {"description": "Copy a string of up to 30 letters, 3 minutes (the cell × attention × length experiment)",
               "model": {**_TOY_MODEL, "bidirectional": False},
               "train": {**_LONG_TRAIN, "data": "toy:copy30", "probes": ["abcdefghijklmnopqrst"]}},
    "reverse30": {"description": "Reverse a string of up to 30 letters, 3 minutes", "model": _TOY_MODEL,
                  "train": {**_LONG_TRAIN, "data": "toy:reverse30", "probes": ["abcdefghijklmnopqrst"]}},
    "grad-rnn": {"description": "Reverse up to 30 letters, plain tanh RNN, no attention (vanishing gradients)",
                 "model": {**_GRAD_MODEL, "cell": "rnn"}, "train": _GRAD_TRAIN},
    "grad-gru": {"description": "Reverse up to 30 letters, GRU, no attention (vanishing gradients)",
                 "model": {**_GRAD_MODEL, "cell": "gru"}, "train": _GRAD_TRAIN},
    "grad-lstm": {"description": "Reverse up to 30 letters, LSTM, no attention (vanishing gradients)",
                  "model": {**_GRAD_MODEL, "cell": "lstm"}, "train": _GRAD_TRAIN},
    "tatoeba-small": {"description": "Tatoeba en→fr, small model on 40k pairs, about 10 minutes on 2 cores",
                      "model": {**_TATOEBA_MODEL, "emb_dim": 128, "enc_hidden": 128, "dec_hidden": 256,
                                "output_dim": 128},
                      "train": {**_TATOEBA_TRAIN, "max_train_pairs": 40000, "time_budget_s": 600, "valid_every": 300,
                                "tokenizer": {"kind": "sentencepiece", "vocab_size": 4000}}},
    "tatoeba-en-fr": {"description": "Tatoeba en→fr, the app's default model", "model": _TATOEBA_MODEL,
                      "train": {**_TATOEBA_TRAIN, **_ALIGNED}},
    "tatoeba-en-fr-attn": {"description": "Tatoeba en→fr with attention, the comparison twin: 40 CPU-minutes, "
                                     "as tatoeba-en-fr-noattn and plain-rnn-en-fr",
                           "model": _TATOEBA_MODEL, "train": {**_TWIN_TRAIN, **_ALIGNED}},
    "tatoeba-en-fr-noattn": {"description": "Tatoeba en→fr without attention (the fixed-length vector), 40 CPU-minutes",
                             "model": {**_TATOEBA_MODEL, "attention": "none"}, "train": _TWIN_TRAIN},
    "multi30k-en-fr": {"description": "Multi30k en→fr (image descriptions), after LIUM-CVC's WMT17 system",
                       # Guided at a constant weight: how the shipped model was fine-tuned (its metrics.json).
                       "model": _MULTI30K_MODEL, "train": {**_MULTI30K_TRAIN, "guided_alignment": 1.0}},
    "multi30k-en-de": {"description": "Multi30k en→de (image descriptions), the same recipe as en→fr",
                       "model": _MULTI30K_MODEL,
                       "train": {**_MULTI30K_TRAIN, "tgt_lang": "de"}},
    "plain-rnn-en-fr": {"description": "Tatoeba en→fr with the classic design: plain tanh RNN, bidirectional "
                                       "encoder, no attention, y = softmax(W_hy h + b_y), 40 CPU-minutes",
                        "model": _PLAIN_RNN_MODEL, "train": _TWIN_TRAIN},
}


def get_preset(name: str) -> dict[str, Any]:
    if name not in PRESETS:
        raise UserError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
    return PRESETS[name]
