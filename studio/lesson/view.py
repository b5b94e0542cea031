"""The Lesson page: the classic encoder-decoder, as the design builds it, in eight steps (the tanh RNN
cell, the bidirectional encoder, the fixed-length vector, the softmax output, greedy decoding to </s>,
training with Adam and cross-entropy, the vanishing gradient, attention as the fix). One sentence the
learner types is followed through all of them, and one word of it is highlighted wherever it shows up;
each step has its text, its equation with live values and a live view of the shipped models.

Everything a step shows is in the URL (?lesson=3&sentence=...&word=2&t=4), so a teacher can project a
step or hand out a link to it. Back, Next and the step selector move between steps.
"""
from __future__ import annotations

import streamlit as st

from studio.lesson import cache
from studio.lesson.steps import STEPS, Context
from studio.lesson.steps.common import number as step_number  # show() has a local `number`
from studio.lesson.words import MAX_WORDS, default_focus, sentence_words
from studio.shared import coverage, query
from studio.shared.examples import EVERYDAY
from studio.shared.page import start
from studio.shared.text import escape_markdown

DEFAULT_SENTENCE = EVERYDAY["en"]
STEP_PARSE = query.bounded(int, 1, len(STEPS))


def move(delta: int) -> None:
    query.put("lesson", min(len(STEPS), max(1, query.peek("lesson", 1, STEP_PARSE) + delta)))


def choose() -> None:
    """The step selector's callback (it cannot be emptied: a click on the current step keeps it)."""
    chosen = st.session_state.get("_w_lesson")
    if chosen is not None:
        query.put("lesson", chosen)


def new_sentence() -> None:
    """A new sentence starts again from its own followed word and from the first decoding step."""
    query.keep("sentence")
    query.put("word", None)
    query.put("t", None)


def sentence_box() -> str:
    text = st.text_input("Your sentence (English), followed through every step",
                         key=query.widget_key("sentence", DEFAULT_SENTENCE), on_change=new_sentence, max_chars=400,
                         help="Press Enter: every step recomputes its view on the new sentence.") or ""
    query.publish({"sentence": text if text != DEFAULT_SENTENCE else None})
    return text


def selector(number: int) -> None:
    """The eight steps in a row: the whole story at a glance, any step one click away."""
    st.session_state["_w_lesson"] = number
    st.segmented_control("Step", list(range(1, len(STEPS) + 1)), key="_w_lesson", on_change=choose,
                         format_func=lambda n: STEPS[n - 1].short, label_visibility="collapsed", width="stretch")


def buttons(number: int, where: str = "") -> None:
    """Back and Next (`where` keeps the second pair's keys apart: at the bottom they name the next step)."""
    back, next_ = st.columns(2) if not where else st.columns([1, 3])
    back.button("◀ Back", on_click=move, args=(-1,), disabled=number <= 1, width="stretch",
                key=f"lesson_back{where}")
    label = "Next ▶" if not where or number >= len(STEPS) else f"Next: {STEPS[number].title} ▶"
    next_.button(label.replace("<", "\\<"), on_click=move, args=(1,), disabled=number >= len(STEPS),
                 type="primary", width="stretch", key=f"lesson_next{where}")


def follow(words: list[str]) -> int:
    """The word followed through every step (a chip per word), kept in the URL."""
    fallback = default_focus(words)
    value = query.peek("word", fallback, int)
    if not isinstance(value, int) or not 0 <= value < len(words):
        value = fallback
    st.session_state["word"] = value
    st.pills("Follow a word: it is highlighted in every step's view", list(range(len(words))),
             key=query.widget_key("word", fallback, int), on_change=keep_word,
             format_func=lambda k: escape_markdown(words[k]),
             help=f"The framed rows of steps {step_number('cell')}-{step_number('bridge')}, the red columns of step "
                  f"{step_number('attention')} and the red letters of step {step_number('gradient')}.")
    query.publish({"word": value if value != fallback else None})
    return value


def keep_word() -> None:
    chosen = st.session_state.get("_w_word")
    if chosen is not None:
        query.put("word", chosen)


def show() -> None:
    selection = start("Lesson", "🎓")
    st.title("Lesson: the encoder-decoder story")
    if selection is None:
        return
    st.caption(f"One sentence through a classic RNN encoder-decoder, with the shipped models whatever the sidebar "
               f"picks: {cache.STORY} (the design's plain tanh RNN, no attention) in steps {step_number('cell')}-"
               f"{step_number('training')}, grad-rnn, grad-gru and grad-lstm in step {step_number('gradient')}, "
               f"{cache.ATTENTION} and its twin without attention in step {step_number('attention')}.")
    text = sentence_box()
    words = sentence_words(text)
    if not words:
        st.info("Type a sentence to follow through the lesson.")
        return
    if (story := cache.model(cache.STORY)) is not None:
        coverage.notes_for(story, text)  # the words the story's model never or rarely saw
    if len(text.split()) > MAX_WORDS:
        st.caption(f"The lesson follows the first {MAX_WORDS} words: “{escape_markdown(' '.join(words[-3:]))}” is "
                   "the last.")
    focus = follow(words)
    number = query.state("lesson", 1, STEP_PARSE)
    query.publish({"lesson": number})
    selector(number)
    step = STEPS[number - 1]
    heading, nav = st.columns([3, 1], vertical_alignment="center")
    heading.subheader(f"Step {number} of {len(STEPS)}: {step.title}".replace("<", "\\<"), anchor=False)
    with nav:
        buttons(number)
    step.draw(Context(" ".join(words), words, focus))
    st.divider()
    buttons(number, "_bottom")
