"""What differs between models set side by side.

A comparison of models says something about what it compares (attention, the cell) only when the
rest was held equal: the data, the pieces, the sizes, the recipe, the training budget and the
hardware. This reads those facts from each checkpoint's config.json and metrics.json, sums the
training over every stage its metrics.json lists ("lineage"; older checkpoints lack it: then only
their last stage is known, and the comparison says so), and finds which facts differ beyond the ones
a comparison is about. Plain data out, for the app to show as a table and a sentence.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seq2seq.checkpoint import read_config, read_metrics
from seq2seq.errors import UserError
from seq2seq.training.provenance import lineage_of

# (key, in words), in the order a table lists them.
FACTS = (("data", "data"), ("pairs", "training pairs"), ("pieces", "pieces (source + target)"),
         ("cell", "cell"), ("attention", "attention"), ("sizes", "sizes"), ("parameters", "parameters"),
         ("recipe", "recipe of the last stage"), ("guidance", "guided alignment"),
         ("budget", "budget of the last stage"),
         ("stages", "training stages"), ("epochs", "epochs"), ("steps", "steps"), ("cpu", "CPU time"),
         ("time", "wall-clock time"), ("hardware", "hardware"))
LABELS = dict(FACTS)
# Facts that follow from others: a difference in them alone is no extra difference when every one of
# the facts they follow from that differs is one the comparison is about (a GRU has more weights than
# a plain RNN of the same sizes, and takes longer per step on the same machine).
# Within one budget of CPU seconds, a cheaper step buys more steps: steps, epochs and clocks follow from
# the cell and attention when the budget, data and machine are the same.
_SPENDING = ("data", "pairs", "pieces", "cell", "attention", "sizes", "budget", "hardware")
FOLLOWS = {"parameters": ("pieces", "cell", "attention", "sizes"),
           "epochs": _SPENDING, "steps": _SPENDING, "cpu": (*_SPENDING, "epochs", "steps"),
           "time": (*_SPENDING, "epochs", "steps")}
UNKNOWN = "?"
NOT_RECORDED = "not recorded"  # CPU seconds: runs before 2026-12 recorded only the wall clock
CELL_NAMES = {"rnn": "plain {nonlinearity} RNN", "gru": "GRU", "lstm": "LSTM"}


@dataclass(frozen=True)
class Fact:
    key: str  # one of FACTS
    label: str  # in words
    values: tuple[str, ...]  # one per model, as shown
    differs: bool

    @property
    def recorded(self) -> bool:
        """Every model's files hold this fact: only then can it be the same or differ."""
        return not any(value in (UNKNOWN, NOT_RECORDED) for value in self.values)


@dataclass(frozen=True)
class Comparison:
    models: tuple[str, ...]
    about: tuple[str, ...]  # the facts the comparison is about (may differ, should)
    facts: tuple[Fact, ...]
    notes: tuple[str, ...]  # what the files leave unknown

    def fact(self, key: str) -> Fact:
        return next(f for f in self.facts if f.key == key)

    def follows(self, fact: Fact) -> bool:
        """A difference that the compared facts explain on their own (see FOLLOWS)."""
        needed = FOLLOWS.get(fact.key, ())
        inputs = [f for f in self.facts if f.key in needed]
        if len(inputs) < len(needed):
            return False  # what it would follow from is not known
        varying = [f for f in inputs if f.differs]
        return bool(varying) and all(f.key in self.about or self.follows(f) for f in varying)

    @property
    def beyond(self) -> list[Fact]:
        """Facts that differ although the comparison is not about them, nor do they follow from it."""
        return [f for f in self.facts if f.differs and f.recorded and f.key not in self.about and not self.follows(f)]

    @property
    def consequences(self) -> list[Fact]:
        return [f for f in self.facts if f.differs and f.recorded and f.key not in self.about and self.follows(f)]

    @property
    def same(self) -> list[Fact]:
        return [f for f in self.facts if not f.differs and f.recorded and f.key not in self.about]

    @property
    def unrecorded(self) -> list[Fact]:
        """Facts some model's files lack: neither the same nor a difference, as far as anyone can tell."""
        return [f for f in self.facts if not f.recorded and f.key not in self.about]

    def rows(self) -> list[dict[str, str]]:
        """One row per fact: its name, each model's value, and whether it is the same for all."""
        rows = []
        for fact in self.facts:
            state = ("compared" if fact.key in self.about else
                     ("not recorded" if not fact.differs else "not recorded for all") if not fact.recorded else
                     "differs (follows)" if fact.differs and self.follows(fact) else
                     "differs" if fact.differs else "same")
            rows.append({"": fact.label, "same?": state, **dict(zip(self.models, fact.values))})
        return rows

    def sentence(self) -> str:
        """Every difference in words: what is compared, what follows from it, what else differs."""
        sentences = []
        if self.about:
            compared = _and([_named(self.fact(k)) for k in self.about if self.fact(k).differs])
            same = [LABELS[k] for k in self.about if not self.fact(k).differs]
            first = f"They differ in {compared}, which is what is compared" if compared else \
                f"They do not differ in {_and(same)}, which was to be compared"
            if self.consequences:
                first += f", and in what follows from it: {_and([_named(f) for f in self.consequences])}"
            sentences.append(first)
        beyond = self.beyond
        if beyond:
            lead = "They also differ in" if self.about else "They differ in"
            tail = (f": a difference in their results may come from any of these, not only from "
                    f"{_and([LABELS[k] for k in self.about])}") if self.about else ""
            sentences.append(f"{lead} {_and([_named(f) for f in beyond])}{tail}")
        if self.same:
            sentences.append(f"{'Nothing else differs: same' if not beyond and self.about else 'Same'} "
                             f"{_and([f.label.split(' (')[0] for f in self.same])}")
        elif not beyond and not self.about:
            sentences.append("Nothing recorded differs between them")
        if self.unrecorded:
            sentences.append("Not recorded in every model's files, so not compared: "
                             + _and([f.label.split(" (")[0] for f in self.unrecorded]))
        return " ".join(f"{s}." for s in sentences + list(self.notes) if s).replace("..", ".")


def _named(fact: Fact) -> str:
    """A fact with its values when they are short enough for a sentence (the table has them all)."""
    short = all(len(v) <= 28 for v in fact.values)
    label = fact.label.split(" (")[0]
    return f"{label} ({' vs '.join(fact.values)})" if short else fact.label


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else UNKNOWN


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:,.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:,.1f} min"
    return f"{seconds / 3600:,.1f} h"


def _cell(model: dict[str, Any]) -> str:
    cell = str(model.get("cell", "gru"))
    return CELL_NAMES.get(cell, cell).format(nonlinearity=model.get("nonlinearity", "tanh"))


def _pieces(model: dict[str, Any], train: dict[str, Any]) -> str:
    tokenizer = train.get("tokenizer") or {}
    sizes = f"{_number(model.get('src_vocab_size'))} + {_number(model.get('tgt_vocab_size'))}"
    kind = "characters" if tokenizer.get("kind") == "char" else tokenizer.get("model_type", "unigram")
    return f"{kind} {sizes}"


def _sizes(model: dict[str, Any]) -> str:
    encoder = f"{model.get('enc_hidden')}{' ×2 (both directions)' if model.get('bidirectional') else ''}"
    text = f"embeddings {model.get('emb_dim')}, encoder {encoder}, decoder {model.get('dec_hidden')}"
    layers = (model.get("enc_layers", 1), model.get("dec_layers", 1))
    return text + (f", layers {layers[0]}+{layers[1]}" if layers != (1, 1) else "")


def _recipe(train: dict[str, Any], model: dict[str, Any]) -> str:
    parts = [f"lr {train.get('lr')}", f"batch {_number(train.get('batch_tokens'))} tokens",
             f"dropout {model.get('dropout')}", f"label smoothing {train.get('label_smoothing')}",
             f"seed {train.get('seed')}"]
    if (train.get("average_best") or 1) > 1:
        parts.append(f"best {train['average_best']} averaged")
    return ", ".join(parts)


def _guidance(train: dict[str, Any]) -> str:
    """Attention pulled towards an aligner's links (a loss only a model with attention can have)."""
    weight = train.get("guided_alignment") or 0
    if not weight:
        return "none"
    halflife = train.get("guided_alignment_halflife") or 0
    return f"weight {weight}" + (f", half-life {halflife:,}" if halflife else "")  # steps


def budget_in_words(train: dict[str, Any]) -> str:
    """What stops the run, in words: its CPU or wall-clock budget, a step limit, the epoch cap."""
    limits = []
    if train.get("cpu_budget_s"):
        limits.append(f"{_duration(train['cpu_budget_s'])} of CPU")
    if train.get("time_budget_s"):
        limits.append(f"{_duration(train['time_budget_s'])} wall-clock")
    if train.get("max_steps"):
        limits.append(f"{_number(train['max_steps'])} steps")
    if train.get("epochs"):
        limits.append(f"≤ {train['epochs']} epochs")
    return ", ".join(limits) or UNKNOWN


def _data(train: dict[str, Any]) -> str:
    data = str(train.get("data", UNKNOWN))
    if train.get("max_len"):
        data += f", pairs up to {train['max_len']} pieces"
    if train.get("max_train_pairs"):
        data += f", first {train['max_train_pairs']:,}"
    return data


def _one_thread(hardware: str) -> str:
    """Checkpoints of 2026-12 recorded "1 threads"."""
    return re.sub(r"\b1 threads\b", "1 thread", hardware)


def _sum(stages: list[dict[str, Any]], field: str) -> float | None:
    values = [stage.get(field) for stage in stages]
    if not stages or any(not isinstance(v, (int, float)) or isinstance(v, bool) for v in values):
        return None
    return sum(values)


def facts_of(path: Path) -> tuple[dict[str, str], list[str]]:
    """(fact key -> value in words, notes on what is unknown) of one checkpoint folder."""
    path = Path(path)
    try:
        config = read_config(path)
    except UserError as exc:
        return {key: UNKNOWN for key, _ in FACTS}, [f"{path.name}: {exc}"]
    model, train = config.get("model", {}), config.get("train", {})
    metrics = read_metrics(path / "metrics.json")
    stages = lineage_of(metrics)
    notes = []
    if not metrics:
        notes.append(f"{path.name} has no metrics.json yet (still training, or never finished): its budget "
                     "is unknown.")
    elif not metrics.get("lineage") and train.get("init_from"):
        notes.append(f"{path.name} started from another checkpoint ({train['init_from']}) and records only its "
                     "last stage: the training before it is not counted here.")
    steps, epochs, seconds, cpu = (_sum(stages, f) for f in ("steps", "epochs", "train_seconds", "cpu_seconds"))
    hardware = list(dict.fromkeys(str(s.get("hardware", UNKNOWN)) for s in stages))
    values = {
        "data": _data(train), "pairs": _number(metrics.get("train_pairs")), "pieces": _pieces(model, train),
        "cell": _cell(model), "attention": str(model.get("attention", UNKNOWN)), "sizes": _sizes(model),
        "parameters": _number(metrics.get("parameters")), "recipe": _recipe(train, model),
        "guidance": _guidance(train), "budget": budget_in_words(train),
        "stages": str(len(stages)) if stages else UNKNOWN,
        "epochs": _number(int(epochs)) if epochs is not None else UNKNOWN,
        "steps": _number(int(steps)) if steps is not None else UNKNOWN,
        "cpu": _duration(cpu) if cpu is not None and math.isfinite(cpu) else NOT_RECORDED,
        "time": _duration(seconds) if seconds is not None and math.isfinite(seconds) else UNKNOWN,
        "hardware": " + ".join(_one_thread(h) for h in hardware) if hardware else UNKNOWN,
    }
    return values, notes


def compare(models: dict[str, Path], about: tuple[str, ...] = ()) -> Comparison:
    """The facts of each (name -> checkpoint folder), which differ, and what they leave unknown.

    `about`: the facts the comparison is about (e.g. ("attention",)); every other difference is named."""
    unknown = [k for k in about if k not in LABELS]
    if unknown:
        raise ValueError(f"unknown facts {unknown}; known: {list(LABELS)}")
    found = {name: facts_of(path) for name, path in models.items()}
    facts = []
    for key, label in FACTS:
        values = tuple(found[name][0][key] for name in models)
        facts.append(Fact(key, label, values, len(set(values)) > 1))
    notes = tuple(note for _, model_notes in found.values() for note in model_notes)
    return Comparison(tuple(models), tuple(about), tuple(facts), notes)
