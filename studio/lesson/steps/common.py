"""What every step of the Lesson shares: the followed sentence (Context), a step's entry (Step), its place in the lesson
(number), the model and trace the decoding steps open with (decoded), the example sentences offered, and the helpers
that draw (a chart, an equation, the decoding-step slider)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import altair as alt
import streamlit as st

from seq2seq import service
from seq2seq.config import ModelConfig
from studio.lesson import cache
from studio.shared import query, render

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


def number(name: str) -> int:
    """A step's place in the lesson (from 1), by its draw function's name, read from STEPS' order: the
    prose never writes a step's number, so moving a step renumbers every mention of it."""
    from studio.lesson.steps import STEPS  # the order is the package's, and its steps import this module

    names = [step.draw.__name__ for step in STEPS]
    if name not in names:
        raise ValueError(f"no lesson step draws with {name!r}; the steps are {names}")
    return names.index(name) + 1


class Decoded(NamedTuple):
    """What the decoding steps (softmax, greedy, attention) start from."""
    info: service.ModelInfo  # a shipped model of the lesson
    config: ModelConfig  # its architecture
    trace: service.Trace  # its greedy decoding of the followed sentence


def decoded(name: str, ctx: Context) -> Decoded | None:
    """The shipped model `name` with its greedy trace of the followed sentence; None (and cache.model's note on
    screen) where this checkout lacks the model."""
    info = cache.model(name)
    if info is None:
        return None
    return Decoded(info, cache.summary(info).config, cache.trace(info, ctx.text))


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
    """A chart of the lesson: all its numbers drawn, even past Altair's 5,000-row guard (the encoder step of a
    long sentence draws 512 numbers per piece)."""
    with alt.data_transformers.disable_max_rows():
        render.chart(chart)


def equation(*latex: str) -> None:
    for line in latex:
        st.latex(line)


def has_model(name: str) -> bool:
    try:
        service.find_model(name)
        return True
    except Exception:  # noqa: BLE001 - a missing model only drops the default reference
        return False
