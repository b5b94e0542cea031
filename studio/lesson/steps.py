"""The eight steps of the Lesson, each a function drawing its text, its equation with live values and its
live view for the followed sentence. Every number a text states is computed from the same data its chart
draws (sizes from the model's own arrays, never written by hand); where a text contrasts two outputs
(greedy and beam, attention and none) it says whether they differ on the learner's sentence, and offers
an example checked here to differ when they do not.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from seq2seq import service
from seq2seq.service import notation
from studio.lesson import cache, charts
from studio.lesson.words import (
    gradient_letters,
    latex_text,
    latex_vector,
    letter_positions,
    piece_text,
    quoted,
    quoted_piece,
    saturated,
    word_pieces,
)
from studio.shared import glossary, query, render
from studio.shared.charts.gradients import gradient_chart, gradient_frame
from studio.shared.charts.pieces import candidates_frame
from studio.shared.text import escape_markdown

# Sentences offered when the learner's own does not show a contrast, with a reference translation each.
# Which one is offered is decided live: the first on which the two outputs really differ.
EXAMPLES = (
    ("Tom didn't want to go to school today because it was raining.",
     "Tom ne voulait pas aller à l'école aujourd'hui parce qu'il pleuvait."),
    ("My brother and I went to the market yesterday morning.", "Mon frère et moi sommes allés au marché hier matin."),
    ("She told me that she would come back after she had finished her homework.",
     "Elle m'a dit qu'elle reviendrait après avoir fini ses devoirs."),
    ("I am very happy to see you.", "Je suis très heureux de te voir."),
    ("I don't know what to do.", "Je ne sais pas quoi faire."),
)


@dataclass(frozen=True)
class Context:
    text: str  # the sentence followed (cut to MAX_WORDS words)
    words: list[str]
    focus: int  # the followed word, index into words

    @property
    def word(self) -> str:
        return self.words[self.focus] if 0 <= self.focus < len(self.words) else ""


@dataclass(frozen=True)
class Step:
    short: str  # the step selector's label
    title: str
    draw: Callable[[Context], None]


def use_sentence(sentence: str) -> None:
    """Button callback: follow another sentence (the example a step offers), from its own followed word and
    the first decoding step."""
    query.put("sentence", sentence)
    query.put("word", None)
    query.put("t", None)


def offer(sentence: str, key: str) -> None:
    st.button(f"Follow this sentence instead: {sentence}", key=key, on_click=use_sentence, args=(sentence,),
              icon=":material/swap_horiz:")


def scrubber(count: int, label: str = "Decoding step t") -> int:
    """The decoding step shown (from 1), one slider shared by the steps that decode, kept in the URL."""
    value = min(max(1, query.peek("t", 1, int) or 1), count)
    st.session_state["t"] = value
    if count > 1:
        st.slider(label, 1, count, key=query.widget_key("t", 1, int), on_change=query.keep, args=("t",),
                  help="Scrub through the decoding: every view of this step follows it, and so do the other "
                       "steps that decode.")
    query.publish({"t": value})
    return value


def show(chart) -> None:
    """A chart of the lesson: all its numbers drawn, even past Altair's 5,000-row guard (step 2 of a long
    sentence draws 512 numbers per piece)."""
    with alt.data_transformers.disable_max_rows():
        render.chart(chart)


def equation(*latex: str) -> None:
    for line in latex:
        st.latex(line)


# ---------------------------------------------------------------- 1. the tanh RNN cell

def cell(ctx: Context) -> None:
    info = cache.model(cache.STORY)
    if info is None:
        return
    config = cache.summary(info).config
    walk = cache.walk(info, ctx.text)
    enc = walk.encoder
    if enc.forward_pre is None:
        st.info(f"{info.name} is not a one-layer plain RNN: its cell has gates (step 7).")
        return
    pieces = walk.src_pieces
    own = word_pieces(pieces, ctx.focus) or [0]
    i = own[-1]
    x, a, h = enc.embeddings[i], enc.forward_pre[i], enc.forward[i]
    previous = enc.forward[i - 1] if i > 0 else np.zeros_like(h)
    size, emb = len(h), len(x)
    squash = "tanh" if config.nonlinearity == "tanh" else "ReLU"
    relu_zero, relu_big = int(np.sum(a < 0)), int(np.sum(a > 1))
    st.markdown(
        f"The encoder reads your sentence one piece at a time: {len(pieces)} pieces, the last one the end symbol "
        f"{quoted('</s>')}. Each piece $i$ becomes an embedding $x_i$ of **{emb} numbers**, and the cell mixes it "
        f"with what it has read so far, the state $h_{{i-1}}$ of **{size} numbers**: {size} weighted sums "
        f"$a = W_{{eh}} x_i + W_{{hh}} h_{{i-1}} + b_h$, each squashed by {squash} into the new state $h_i$. The same "
        f"weights serve every piece.\n\n"
        f"Below: the update at {quoted_piece(pieces[i])} (piece {i + 1} of {len(pieces)}, in the word you follow). "
        f"Each of the **{size} dots** is one unit: its sum $a$ across, its new value $h_i$ up. "
        + (f"tanh keeps every value between −1 and 1; {saturated(h)} of the {size} units sit near ±1 (|h| > 0.9), "
           f"where the curve is flat. ReLU, $\\max(0, a)$, is the other choice: on these sums it would set "
           f"{relu_zero} units to 0 and let {relu_big} grow past 1, with nothing to stop them growing from piece to "
           f"piece." if squash == "tanh" else
           f"ReLU sets the {relu_zero} negative sums to 0 and keeps the others as they are ({relu_big} are past 1); "
           f"tanh, the other choice, would squash them all into (−1, 1)."))
    function = r"\tanh" if squash == "tanh" else r"\mathrm{ReLU}"
    equation(notation.cell("rnn", config.nonlinearity, state="h", t="i", prev="i-1") + r"\qquad " + notation.RELU,
             # x and a on lines of their own: side by side they ran past the column, into a scrolled box
             rf"x_{{{i + 1}}} = " + latex_vector(x), rf"a_{{{i + 1}}} = " + latex_vector(a),
             rf"h_{{{i + 1}}} = {function}(a_{{{i + 1}}}) = " + latex_vector(h))
    left, right = st.columns([1, 1])
    with left:
        show(charts.cell_chart(a, h, config.nonlinearity))
    with right:
        rows = [(f"x_{i + 1} ({emb})", x), (f"h_{i} ({size})", previous), (f"a_{i + 1} ({size})", a),
                (f"h_{i + 1} ({size})", h)]
        st.markdown(f"**The four vectors of this update**, one cell per number (x is {emb}, the others {size})")
        show(charts.vectors_chart(rows, focus=[f"h_{i + 1} ({size})"], width=300, title="unit"))
    glossary.what("lesson_cell")


# ---------------------------------------------------------------- 2. the bidirectional encoder

def story_both_ways(ctx: Context):
    """(model, its encoder's walk over the sentence, the pieces) for steps 2 and 3, or None with a note on
    screen where the story's model is missing or reads one way only."""
    info = cache.model(cache.STORY)
    if info is None:
        return None
    walk = cache.walk(info, ctx.text)
    if walk.encoder.backward is None:
        st.info(f"{info.name} reads in one direction only.")
        return None
    return info, walk.encoder, walk.src_pieces


def encoder(ctx: Context) -> None:
    story = story_both_ways(ctx)
    if story is None:
        return
    info, enc, pieces = story
    n, size = len(pieces), enc.forward.shape[1]
    both = enc.forward.shape[1] + enc.backward.shape[1]
    own = word_pieces(pieces, ctx.focus)
    labels = [f"{j + 1:02d} {piece_text(p)}" for j, p in enumerate(pieces)]
    first, last = (own[0], own[-1]) if own else (0, 0)
    seen_forward = " ".join(piece_text(p) for p in pieces[:last + 1])
    seen_backward = " ".join(piece_text(p) for p in pieces[first:])
    st.markdown(
        f"A second RNN, with weights of its own, reads the sentence from right to left. After piece $i$ the "
        f"forward state $\\overrightarrow{{h}}_i$ (**{size} numbers**) has read pieces 1 to $i$, the backward state "
        f"$\\overleftarrow{{h}}_i$ (**{enc.backward.shape[1]} numbers**) pieces $i$ to $n$. The encoder keeps the two "
        f"side by side, $h_i = [\\overrightarrow{{h}}_i; \\overleftarrow{{h}}_i]$: **{both} numbers for each of the "
        f"{n} pieces** of your sentence, {n * both:,} numbers in all, one row each below (forward half left of the "
        f"black line, backward half right).\n\n"
        f"At the word you follow, {quoted(ctx.word)} (framed), the forward half has read {quoted(seen_forward)} "
        f"and the backward half {quoted(seen_backward)}: each state knows the words on both sides of its piece.")
    equation(notation.BIDIRECTIONAL + rf",\qquad h_i \in \mathbb{{R}}^{{{both}}} = \mathbb{{R}}^{{{size}}}"
             rf"\times\mathbb{{R}}^{{{enc.backward.shape[1]}}},\quad i = 1..{n}")
    rows = [(label, np.concatenate([f, b])) for label, f, b in zip(labels, enc.forward, enc.backward)]
    show(charts.vectors_chart(rows, focus=[labels[j] for j in own], split=size,
                                      title=f"unit: forward 0-{size - 1} | backward {size}-{both - 1}"))
    glossary.what("lesson_encoder")


# ---------------------------------------------------------------- 3. the fixed-length vector

def bridge(ctx: Context) -> None:
    story = story_both_ways(ctx)
    if story is None:
        return
    info, enc, pieces = story
    s0, size = enc.bridge, len(enc.bridge)
    forward_last, backward_first = enc.forward[-1], enc.backward[0]
    drops = cache.word_drops(info, ctx.words)
    dropped = next((d for d in drops if d.word == ctx.word), None)
    ranked = sorted(drops, key=lambda d: d.cosine)
    rows = [(f"→h_n ({len(forward_last)})", forward_last), (f"←h_1 ({len(backward_first)})", backward_first),
            (f"s_0 ({size})", s0)]
    lines = [
        f"The decoder never sees the {len(pieces)} × {len(enc.bridge_input) } numbers of step 2. In the classic "
        f"encoder-decoder it starts from one vector: the bridge takes the forward direction's last state "
        f"$\\overrightarrow{{h}}_n$ (it has read the whole sentence, up to {quoted('</s>')}) and the backward "
        f"direction's last state $\\overleftarrow{{h}}_1$ (it has read it all backwards, down to "
        f"{quoted_piece(pieces[0])}), {len(enc.bridge_input)} numbers, and squeezes them into $s_0$: "
        f"**{size} numbers, for your {len(pieces)}-piece sentence as for any other**. Everything the "
        f"translation needs must fit in them."]
    if dropped is not None:
        translated = cache.translations(info, [dropped.without])[0]
        full = cache.translations(info, [ctx.text])[0]
        rows.append((f"s_0 without “{piece_text(dropped.word)[:14]}” ({len(dropped.bridge)})", dropped.bridge))
        lines.append(
            f"Leave out the word you follow, {quoted(ctx.word)}, and $s_0$ moves: cosine {dropped.cosine:.3f} with "
            f"the full sentence's (1 = unchanged), and the translation goes from {quoted(full)} to "
            f"{quoted(translated)}. The bars do the same for every word: $s_0$ moves most without "
            f"{quoted(ranked[0].word)} and least without {quoted(ranked[-1].word)}"
            + (": the two states the bridge reads were updated last at the sentence's two ends, so the words "
               "there weigh most." if ranked[0].word in (ctx.words[0], ctx.words[-1]) else "."))
    st.markdown("\n\n".join(lines))
    equation(notation.BRIDGE, r"[\overrightarrow{h}_n; \overleftarrow{h}_1] = " + latex_vector(enc.bridge_input),
             r"s_0 = " + latex_vector(s0))
    show(charts.vectors_chart(rows, focus=[f"s_0 ({size})"]))
    if drops:
        st.markdown("**How far $s_0$ moves when each word is left out** (1 − cosine; the word you follow in red)")
        show(charts.word_change_chart([d.word for d in drops], [1 - d.cosine for d in drops],
                                              next((k for k, d in enumerate(drops) if d is dropped), None)))
    glossary.what("lesson_bridge")


# ---------------------------------------------------------------- 4. the softmax output

def softmax(ctx: Context) -> None:
    info = cache.model(cache.STORY)
    if info is None:
        return
    config = cache.summary(info).config
    trace = cache.trace(info, ctx.text)
    t = scrubber(len(trace.steps))
    step = trace.steps[t - 1]
    probabilities = cache.distributions(info, ctx.text, trace.output_ids)[t - 1]
    vocabulary = len(probabilities)
    top = step.top
    best = top[0]
    mass = sum(c.prob for c in top)
    total = float(probabilities.sum())
    log_z = best.logit - math.log(best.prob)
    after = "the start symbol" if t == 1 else quoted(" ".join(piece_text(s.chosen_piece) for s in trace.steps[:t - 1]))
    st.markdown(
        f"At every step the decoder's state $s_t$ (**{len(step.hidden)} numbers**) goes through one linear layer, "
        f"$z_t = W_{{hy}} s_t + b_y$: **one score (logit) for each of the {vocabulary:,} pieces** of the French "
        f"vocabulary. The softmax turns the scores into probabilities: $e^{{z}}$ makes them positive, dividing by "
        f"their sum makes them add up to 1 (here {total:.4f}).\n\n"
        f"At step {t} (after {after}) the most likely piece is {quoted_piece(best.piece)}, p = {best.prob:.1%} "
        f"(logit {best.logit:.2f}); the {len(top)} best hold {mass:.1%} of the probability and the other "
        f"{vocabulary - len(top):,} pieces share the remaining {1 - mass:.1%}.")
    equation(notation.output(config.attention != "none"),
             rf"p(\text{{{latex_text(piece_text(best.piece))}}}) = \frac{{e^{{{best.logit:.2f}}}}}"
             rf"{{\sum_v e^{{z_{{t,v}}}}}} = e^{{{best.logit:.2f} - {log_z:.2f}}} = {best.prob:.4f},"
             rf"\qquad \sum_w p_w = {total:.4f}")
    frame = candidates_frame(step)
    left, right = st.columns([1, 1])
    with left:
        st.markdown(f"**Logits $z_t$** of the {len(top)} best pieces")
        show(charts.top_chart(frame, "logit", "logit z", ".2f"))
    with right:
        st.markdown("**After the softmax: probabilities $p$**")
        show(charts.top_chart(frame, "probability", "probability p", ".1%"))
    st.markdown(f"**All {vocabulary:,} probabilities of step {t}**, one dot per piece, best first")
    show(charts.vocabulary_chart(probabilities, step.chosen_id, {c.token_id: c.piece for c in top}))
    glossary.what("lesson_softmax")


# ---------------------------------------------------------------- 5. greedy decoding to </s>

def greedy(ctx: Context) -> None:
    info = cache.model(cache.STORY)
    if info is None:
        return
    trace = cache.trace(info, ctx.text)
    beam = cache.trace(info, ctx.text, cache.BEAM)
    steps = trace.steps
    t = scrubber(len(steps))
    step = steps[t - 1]
    p = math.exp(step.logprob)
    ended = steps[-1].chosen_piece == "</s>"
    st.markdown(
        f"The decoder writes the translation one piece at a time. **Greedy decoding** takes the most likely piece "
        f"at every step, feeds it back in as the next step's input, and stops when that piece is the end symbol "
        f"{quoted('</s>')}. Your sentence took **{len(steps)} steps**: {len(steps) - 1} pieces"
        f"{' and </s>' if ended else ' (cut at the length limit)'}.\n\n"
        f"Step {t}: the decoder read {quoted_piece(step.input_piece)} and chose {quoted_piece(step.chosen_piece)} "
        f"(p = {p:.1%}), the top bar below" + (" — the end symbol: decoding stops here." if step.chosen_piece == "</s>"
                                                 else "; it becomes the input of step " + str(t + 1) + "."))
    equation(notation.GREEDY,
             rf"y_{{{t}}} = \text{{{latex_text(piece_text(step.chosen_piece))}}},\quad p = {p:.4f},\quad "
             rf"\log p(y \mid x) = \sum_t \log p_t = {trace.logprob:.2f}")
    show(charts.output_progress_chart([s.chosen_piece for s in steps], [math.exp(s.logprob) for s in steps], t))
    left, right = st.columns([1, 1])
    with left:
        st.markdown(f"**The {len(step.top)} best candidates at step {t}**")
        show(charts.top_chart(candidates_frame(step), "probability", "probability p", ".1%"))
    with right:
        st.markdown(f"**Greedy against beam search** (beam {cache.BEAM.beam_size})")
        st.markdown(greedy_versus_beam(trace, beam))
        if trace.translation == beam.translation:
            example = differing_example(info, ctx.text, "beam")
            if example:
                g, b = cache.translations(info, [example]), cache.translations(info, [example], cache.BEAM)
                st.markdown(f"They do differ on {quoted(example)}: greedy {quoted(g[0])}, beam {quoted(b[0])}.")
                offer(example, "lesson_example_beam")
    st.caption(f"{info.name} is the 2014 design trained for 40 minutes on one CPU core: {info.score}. Step 8's "
               "attention model is far better.")
    glossary.what("lesson_greedy")


def greedy_versus_beam(greedy_trace, beam_trace) -> str:
    """Says whether greedy and beam differ on this sentence, and where they part."""
    g, b = greedy_trace, beam_trace
    if g.translation == b.translation:
        return (f"Greedy and beam search agree on your sentence: {quoted(g.translation)} "
                f"(log p = {g.logprob:.2f}). Greedy's local choices happened to be the best whole sentence.")
    part = next((k for k, (x, y) in enumerate(zip(g.output_ids, b.output_ids)) if x != y),
                min(len(g.output_ids), len(b.output_ids)))
    step = g.steps[part]
    beam_piece = b.steps[part].chosen_piece if part < len(b.steps) else "</s>"
    rival = next((c.prob for c in step.top if c.piece == beam_piece), None)
    rival_text = f"p = {rival:.1%} there" if rival is not None else "outside greedy's top 10 there"
    better = ("a likelier whole sentence" if b.logprob > g.logprob
              else "a sentence it prefers for its length-normalised score")
    return (f"**They differ.** Greedy: {quoted(g.translation)} (log p = {g.logprob:.2f}). Beam: "
            f"{quoted(b.translation)} (log p = {b.logprob:.2f}). They part at step {part + 1}: greedy took "
            f"{quoted_piece(step.chosen_piece)} (p = {math.exp(step.logprob):.1%}), beam kept "
            f"{quoted_piece(beam_piece)} ({rival_text}) and found {better}.")


def differing_example(info, text: str, kind: str) -> str | None:
    """The first example sentence (not the learner's) on which greedy and beam (kind "beam") or attention and
    no attention (kind "attention") really differ, checked now; None if none does."""
    candidates = [s for s, _ in EXAMPLES if s != text]
    if kind == "beam":
        greedy_out = cache.translations(info, candidates)
        beam_out = cache.translations(info, candidates, cache.BEAM)
        return next((s for s, g, b in zip(candidates, greedy_out, beam_out) if g != b), None)
    return None


# ---------------------------------------------------------------- 6. training: Adam and cross-entropy

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
        if _has(cache.REFERENCE) else ""
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


def _has(name: str) -> bool:
    try:
        service.find_model(name)
        return True
    except Exception:  # noqa: BLE001 - a missing model only drops the default reference
        return False


# ---------------------------------------------------------------- 7. the vanishing gradient

def gradient(ctx: Context) -> None:
    letters, own = gradient_letters(ctx.text)
    models = service.gradient_models()
    if not models:
        st.info("The vanishing-gradient models (checkpoints/grad-rnn, grad-gru, grad-lstm) are not here.")
        return
    if not letters:
        st.info("Your sentence has no letters a-z for the letter-reversing models; type an English sentence.")
        return
    curves = cache.gradient_curves(letters)
    by_cell = {cell: curve.by_distance() for cell, curve in curves.items()}
    facts = {cell: fall(curve) for cell, curve in by_cell.items()}
    reversed_ = {cell: cache.translations(info, [letters])[0] for cell, info in models.items()}
    right = {cell: sum(a == b for a, b in zip(out, letters[::-1])) for cell, out in reversed_.items()}
    near, far = next(iter(facts.values()))[2:]
    how = ("repeated to " + str(len(letters)) if own < len(letters) else
           ("cut to " + str(len(letters)) if own > len(letters) else "all " + str(len(letters))))
    lines = [
        "Training follows the gradient of the loss back through every step that produced it. Through a plain "
        "tanh RNN each step multiplies it by $\\mathrm{diag}(1 - h_k^2)\\,W_{hh}$; when those factors are "
        "small it shrinks geometrically, and the words far back learn almost nothing. Gated cells (GRU, LSTM) "
        "add a path that it crosses nearly unchanged.",
        f"Three models trained alike to reverse strings of up to 30 letters, without attention, differ only in "
        f"their cell. They read your sentence as letters ({own} letters, {how}): {quoted(letters)}. From the "
        f"nearest to the farthest distance ({near} → {far} recurrent steps) the gradient reaching a letter "
        + ", ".join(f"{verb(facts[c][0])} in the {c.upper()}" for c in facts) + "."]
    lines.append("Yet all three still fail to reverse these letters: " + "; ".join(
        f"{c.upper()} {quoted(reversed_[c])} ({right[c]} of {len(letters)} in place)" for c in reversed_)
        + ". A gradient that arrives is not enough when the whole input must pass through one fixed vector: "
          "step 8.")
    st.markdown("\n\n".join(lines))
    equation(notation.GRADIENT)
    positions = letter_positions(ctx.text, ctx.words, ctx.focus, letters)
    st.markdown(f"**The letters read** (the word you follow, {quoted(ctx.word)}, in red)")
    show(charts.letters_chart(letters, positions))
    st.markdown("**How much gradient reaches a letter *d* steps back** (mean over every output step)")
    show(charts.svg(gradient_chart(gradient_frame(by_cell)).properties(width=charts.WIDTH - 120,
                                                                                 height=260)))
    glossary.what("lesson_gradient")


def fall(curve: dict[int, float], span: int = 5) -> tuple[float, float, int, int]:
    """How the gradient changes from the nearest distances to the farthest: (factor far/near, ..., the two
    distances), each end the geometric mean of `span` distances."""
    distances = sorted(curve)
    near, far = distances[:span], distances[-span:]
    mean = lambda ds: math.exp(sum(math.log(max(curve[d], 1e-30)) for d in ds) / len(ds))  # noqa: E731
    return mean(far) / mean(near), mean(near), distances[0], distances[-1]


def verb(factor: float) -> str:
    if factor < 0.5:
        return f"shrinks {1 / factor:,.0f}-fold"
    if factor > 2:
        return f"grows {factor:,.1f}-fold"
    return f"stays within a factor of 2 (× {factor:.2f})"


# ---------------------------------------------------------------- 8. attention as the fix

def attention(ctx: Context) -> None:
    info = cache.model(cache.ATTENTION)
    if info is None:
        return
    config = cache.summary(info).config
    trace = cache.trace(info, ctx.text)
    steps = [s for s in trace.steps if s.attention is not None]
    if not steps:
        st.info(f"{info.name} has no attention.")
        return
    t = scrubber(len(steps))
    step = steps[t - 1]
    pieces = trace.src_pieces
    own = word_pieces(pieces, ctx.focus)
    ranked = sorted(range(len(pieces)), key=lambda j: -step.attention[j])
    looked = ranked[0]
    on_word = [sum(s.attention[j] for j in own) for s in steps] if own else []
    peak = int(np.argmax(on_word)) if on_word else None
    memory = len(step.context) if step.context else 0
    lines = [
        f"Attention (Bahdanau et al., 2015) removes the fixed vector's bottleneck. At every step $t$ the decoder "
        f"scores each of the **{len(pieces)} encoder states** $h_j$ against its own state $s_t$, turns the "
        f"{len(pieces)} scores into weights $\\alpha_{{tj}}$ that add up to 1 (a softmax over the source), and "
        f"reads their weighted average: the context vector $c_t$ (**{memory} numbers**), fresh at every step.",
        f"Step {t} (the black row) writes {quoted_piece(step.chosen_piece)} looking most at "
        f"{quoted_piece(pieces[looked])} (α = {step.attention[looked]:.2f})"
        + (f"; the word you follow, {quoted(ctx.word)} (red columns), gets most attention at step {peak + 1}, "
           f"which writes {quoted_piece(steps[peak].chosen_piece)} (α = {on_word[peak]:.2f})." if peak is not None
           else ".")]
    st.markdown("\n\n".join(lines))
    context = step.context or []
    top3 = ", ".join(rf"\alpha_{{{t},{j + 1}}} = {step.attention[j]:.2f}" for j in ranked[:3])
    equation(notation.SCORES.get(config.attention, notation.SCORES["bahdanau"]) + r",\qquad " + notation.WEIGHTS,
             notation.CONTEXT + r",\qquad " + notation.ATTENTIONAL, notation.output(True),
             top3 + rf",\ \ldots\qquad \sum_j \alpha_{{{t}j}} = {sum(step.attention):.3f}",
             rf"c_{{{t}}} = " + latex_vector(context))
    grid_outputs = [s.chosen_piece for s in steps]
    beside = charts.attention_fits_beside(len(pieces))
    left, right = st.columns([3, 2]) if beside else (st.container(), st.container())
    with left:
        st.markdown("**Attention at every step**")
        show(charts.attention_chart(pieces, grid_outputs, [s.attention for s in steps], own, t,
                                    charts.BESIDE_CELLS if beside else charts.WIDTH))
    with right:
        st.markdown(f"**Step {t} alone**: {quoted_piece(step.chosen_piece)}")
        show(charts.step_weights_chart(pieces, step.attention, own, t))
    compare_attention(ctx, info)
    glossary.what("lesson_attention")


def compare_attention(ctx: Context, info) -> None:
    twin = cache.model(cache.TWIN)
    if twin is None:
        return
    with_attention = cache.translations(info, [ctx.text])[0]
    without = cache.translations(twin, [ctx.text])[0]
    story = cache.translations(cache.model(cache.STORY), [ctx.text])[0] if _has(cache.STORY) else None
    st.markdown(
        f"**With attention** ({info.name}): {quoted(with_attention)}  \n**Without** ({twin.name}, the fixed vector "
        f"only): {quoted(without)}"
        + (f"  \n**The plain RNN of steps 1-6** ({cache.STORY}): {quoted(story)}" if story is not None else ""))
    st.caption(escape_markdown(service.compare_models([info, twin], ("attention",)).sentence()))
    differ = with_attention != without
    st.markdown(("On your sentence the two **differ**" if differ else
                 "On your sentence both write **the same**: it still fits in the fixed vector")
                + f" (on the whole test set: {info.score} with attention, {twin.score} without).")
    if len(ctx.words) >= LONG:
        return
    example = attention_example(info, twin, ctx.text)
    if example is not None:
        source, a, b, bleu_a, bleu_b = example
        st.markdown(f"The gap grows with length. On {quoted(source)}: with attention {quoted(a)} (sentence BLEU "
                    f"{bleu_a:.0f} against a reference), without {quoted(b)} (sentence BLEU {bleu_b:.0f}).")
        offer(source, "lesson_example_attention")


LONG = 10  # words: from here on the learner's own sentence shows the bottleneck well enough


def attention_example(info, twin, text: str):
    """The first example on which attention's translation differs from the twin's and scores higher against
    its reference, checked now: (source, with, without, BLEU with, BLEU without), or None."""
    candidates = [(s, r) for s, r in EXAMPLES if s != text and len(s.split()) >= LONG]
    table = cache.compared(info, twin, [f"{s}\t{r}" for s, r in candidates])
    for _, row in table.iterrows():
        if row["output A"] != row["output B"] and row["BLEU A"] > row["BLEU B"]:
            return row["source"], row["output A"], row["output B"], row["BLEU A"], row["BLEU B"]
    return None


STEPS = (
    Step("1 Cell", "The tanh RNN cell", cell),
    Step("2 Encoder", "The bidirectional encoder", encoder),
    Step("3 Fixed vector", "The fixed-length vector", bridge),
    Step("4 Softmax", "The softmax output", softmax),
    Step("5 Greedy", "Greedy decoding to </s>", greedy),
    Step("6 Training", "Training: Adam and cross-entropy", training),
    Step("7 Gradient", "The vanishing gradient", gradient),
    Step("8 Attention", "Attention, the fix", attention),
)
