"""Step: training with Adam and cross-entropy, the loss curves and the followed sentence's loss."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import streamlit as st

from seq2seq import service
from seq2seq.service import notation
from studio.lesson import cache, charts
from studio.lesson.steps.common import Context, equation, has_model, show
from studio.lesson.words import quoted
from studio.shared import glossary, query


def training(ctx: Context) -> None:
    info = cache.model(cache.STORY)
    if info is None:
        return
    summary = cache.summary(info)
    rows = cache.history(info)
    train_rows = [r for r in rows if r.get("type") == "train" and "loss" in r]
    valid_rows = [r for r in rows if r.get("type") == "valid"]
    if not train_rows:
        st.info(f"{info.name} has no training history (history.csv).")
        return
    table = service.models_table([info]).iloc[0]
    vocabulary = summary.config.tgt_vocab_size
    uniform = math.log(vocabulary)
    first, last = train_rows[0], train_rows[-1]
    best_bleu = max((r["bleu"] for r in valid_rows if "bleu" in r), default=None)
    reference_default = cache.translations(cache.model(cache.REFERENCE), [ctx.text])[0] \
        if has_model(cache.REFERENCE) else ""
    reference = st.text_input("Reference translation of your sentence (what training would compare with)",
                              key=query.widget_key("reference", reference_default), on_change=query.keep,
                              args=("reference",),
                              max_chars=400,
                              help=f"By default the translation of {cache.REFERENCE}, the app's default model.") \
        or reference_default
    query.publish({"reference": reference if reference != reference_default else None})
    forced = cache.teacher_forced(info, ctx.text, reference) if reference.strip() else None
    losses = [-s.logprob for s in forced.steps] if forced else []
    loss = float(np.mean(losses)) if losses else float("nan")
    smoothing = summary.train.label_smoothing
    handicap = " and ".join(name for name, on in (("label smoothing", smoothing > 0),
                                                  ("dropout", summary.config.dropout > 0)) if on)
    st.markdown(
        f"All the numbers in $W_{{eh}}$, $W_{{hh}}$, $W_{{hy}}$ and the rest, **{int(table['parameters']):,} "
        f"parameters**, started random. Training fed the model English–French pairs, gave the decoder the French "
        f"reference piece by piece (teacher forcing) and measured the **cross-entropy**: the mean of "
        f"$-\\log p$ over the reference's pieces. **Adam** then moved every parameter a little downhill "
        f"(learning rate {summary.train.lr:g}), one batch of about {summary.train.batch_tokens:,} pieces at a time: "
        f"{int(last['step']):,} steps in {table['train minutes']:g} minutes.\n\n"
        f"A model that knows nothing gives each of the {vocabulary:,} pieces p = 1/{vocabulary:,}: loss "
        f"ln {vocabulary:,} = {uniform:.2f}. The curve starts at {first['loss']:.2f} (step {int(first['step'])}) "
        f"and ends at {last['loss']:.2f}" + (f" (with label smoothing {smoothing:g} it can never reach 0)"
                                              if smoothing else "")
        + (f"; validation BLEU reached {best_bleu:.1f}." if best_bleu is not None else ".")
        + (f" The validation loss lies below the training loss: training measures its loss with {handicap} on, "
           "validation without." if handicap and valid_rows and "valid_loss" in valid_rows[-1]
           and valid_rows[-1]["valid_loss"] < last["loss"] else "")
        + (f"\n\nOn your sentence, with {quoted(reference)} as the reference, the loss is **L = {loss:.2f} nats** "
           f"over its {len(losses)} pieces (</s> included): the bars are $-\\log p$ of each piece, the red line "
           f"their mean." if forced else ""))
    equation(notation.LOSS + (rf" = {loss:.2f}" if forced else ""), notation.ADAM)
    curves = pd.DataFrame([{"step": r["step"], "value": r["loss"], "curve": "training loss"} for r in train_rows]
                          + [{"step": r["step"], "value": r["valid_loss"], "curve": "validation loss"}
                             for r in valid_rows if "valid_loss" in r])
    scores = pd.DataFrame([{"step": r["step"], "value": r["bleu"], "curve": "validation BLEU"}
                           for r in valid_rows if "bleu" in r])
    left, right = st.columns([1, 1])
    with left:
        st.markdown(f"**Loss while {info.name} trained** (its history.csv)")
        show(charts.curves_chart(curves, uniform, "loss (nats per piece)"))
    with right:
        if len(scores):
            st.markdown("**Validation BLEU** (sentences it never trained on)")
            show(charts.curves_chart(scores, None, "BLEU"))
    if forced:
        st.markdown(f"**−log p of each reference piece** under {info.name}, teacher forced")
        show(charts.piece_loss_chart([s.chosen_piece for s in forced.steps], losses))
    glossary.what("lesson_training")
