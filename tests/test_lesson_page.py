"""The Lesson page in AppTest: eight steps with Back, Next and the step selector, the sentence, the
followed word and the decoding step in the URL, and every step's text checked against the data its
chart draws (the sizes it states, the outputs it contrasts). The Glossary page has an anchor for every
entry the explanations link to. tests/test_browser_lesson.py looks at the same steps in a browser."""
from __future__ import annotations

import re

import pytest
from apptest_helpers import ROOT, chart_frames, no_exception, open_page
from streamlit.testing.v1 import AppTest

from studio.lesson import cache
from studio.lesson.steps import STEPS
from studio.lesson.words import default_focus, gradient_letters, letter_positions, sentence_words, word_pieces
from studio.shared import glossary

NEEDED = (cache.STORY, cache.ATTENTION, cache.TWIN, cache.REFERENCE, "grad-rnn", "grad-gru", "grad-lstm")
pytestmark = pytest.mark.skipif(not all((ROOT / "checkpoints" / name).is_dir() for name in NEEDED),
                                reason="the lesson's shipped models are not all here")
SENTENCE = "My brother and I went to the market yesterday morning."


def page(**params: str) -> AppTest:
    return no_exception(open_page("pages/6_Lesson.py", **params))


def title(app: AppTest) -> str:
    return next(s.value for s in app.subheader if s.value.startswith("Step "))


def prose(app: AppTest) -> str:
    return "\n".join(m.value for m in app.markdown)


def number(text: str, pattern: str) -> int:
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not in the text"
    return int(found.group(1).replace(",", ""))


def frame(app: AppTest, column: str, value=None):
    """The first chart data set with `column` (and, with `value`, holding it in that column)."""
    for _, data in chart_frames(app, column):
        if value is None or value in set(data[column]):
            return data
    raise AssertionError(f"no chart data with {column}={value!r}")


def param(app: AppTest, name: str) -> str | None:
    value = app.query_params.get(name)
    return value[0] if isinstance(value, list) else value


def test_next_walks_through_the_eight_steps_and_back_and_the_selector_move():
    app = page(sentence=SENTENCE)
    seen = []
    for step in range(1, len(STEPS) + 1):
        seen.append(title(app))
        assert app.get("vega_lite_chart"), f"step {step} draws no chart"
        assert param(app, "lesson") == str(step) and param(app, "sentence") == SENTENCE
        if step < len(STEPS):
            no_exception(app.button(key="lesson_next").click().run())
    assert seen == [f"Step {n} of 8: {s.title}".replace("<", "\\<") for n, s in enumerate(STEPS, 1)]
    assert app.button(key="lesson_next").disabled and app.button(key="lesson_next_bottom").disabled
    app.button(key="lesson_back_bottom").click().run()
    assert title(app).startswith("Step 7 of 8")
    app.segmented_control[0].set_value(3).run()
    assert title(app).startswith("Step 3 of 8") and param(app, "lesson") == "3"


def test_a_link_opens_its_step_word_and_decoding_step_and_a_bad_one_the_first():
    app = page(lesson="4", sentence=SENTENCE, word="2", t="3")
    assert title(app).startswith("Step 4 of 8") and app.pills[0].value == 2
    assert app.slider[0].value == 3 and "At step 3 " in prose(app)
    assert title(page(lesson="99")).startswith("Step 1 of 8")
    assert page(lesson="x").button(key="lesson_back").disabled
    far = page(lesson="5", t="999")  # a decoding step past the end shows the last one
    assert far.slider[0].value == far.slider[0].max


def test_the_followed_word_is_the_same_word_in_every_models_pieces():
    app = page(lesson="2", sentence=SENTENCE)
    words = sentence_words(SENTENCE)
    assert app.pills[0].value == default_focus(words) == words.index("yesterday")
    app.pills[0].set_value(1).run()  # "brother"
    assert param(app, "word") == "1"
    rows = frame(app, "vector")
    framed = [r for r in rows["vector"].unique() if "brother" in r]
    assert framed, "the followed word's row is missing"
    app.segmented_control[0].set_value(8).run()
    assert "‘brother’ (red columns)" in prose(app)
    assert word_pieces(["▁My", "▁bro", "ther", "▁and", "</s>"], 1) == [1, 2]
    letters, own = gradient_letters("I am happy")
    assert (letters[:8], own) == ("iamhappy", 8) and len(letters) == 29
    assert letter_positions("I am happy", ["I", "am", "happy"], 2, letters) == [3, 4, 5, 6, 7]


def test_each_step_states_the_sizes_its_chart_draws():
    app = page(lesson="1", sentence=SENTENCE)
    text = prose(app)
    embedding = number(text, r"embedding \$x_i\$ of \*\*(\d+) numbers")
    state = number(text, r"of \*\*(\d+) numbers\*\*:")
    dots = next(data for _, data in chart_frames(app, "a") if "unit" in data.columns)
    assert number(text, r"Each of the \*\*(\d+) dots") == state == len(dots)
    vectors = frame(app, "vector").groupby("vector", sort=False).size().tolist()
    assert vectors == [embedding, state, state, state]

    app.segmented_control[0].set_value(2).run()
    text = prose(app)
    per_piece, pieces = re.search(r"\*\*(\d+) numbers for each of the (\d+) pieces", text).groups()
    cells = frame(app, "vector")
    assert cells["vector"].nunique() == int(pieces) and len(cells) == int(per_piece) * int(pieces)

    app.segmented_control[0].set_value(3).run()
    text = prose(app)
    size = number(text, r"\*\*(\d+) numbers, for your")
    sizes = frame(app, "vector").groupby("vector", sort=False).size()
    assert sizes[f"s_0 ({size})"] == size
    assert len(frame(app, "change")) == len(sentence_words(SENTENCE))

    app.segmented_control[0].set_value(4).run()
    text = prose(app)
    assert number(text, r"for each of the ([\d,]+) pieces") == len(frame(app, "rank"))

    app.segmented_control[0].set_value(6).run()
    assert number(prose(app), r"over its (\d+) pieces") == len(frame(app, "loss"))

    app.segmented_control[0].set_value(7).run()
    assert set(frame(app, "cell")["cell"]) == {"rnn", "gru", "lstm"}

    app.segmented_control[0].set_value(8).run()
    weights = frame(app, "weight")
    assert number(prose(app), r"each of the \*\*(\d+) encoder states") == weights["source"].nunique()


def test_greedy_and_beam_are_said_to_differ_only_where_they_do():
    app = page(lesson="5", sentence=SENTENCE)
    text = prose(app)
    assert number(text, r"took \*\*(\d+) steps") == len(frame(app, "when"))
    found = re.search(r"Greedy: ‘(.+?)’ .*Beam: ‘(.+?)’", text)
    assert "**They differ.**" in text and found and found.group(1) != found.group(2)

    same = page(lesson="5", sentence="Where is the station?")  # both write "Où est le problème ?"
    text = prose(same)
    assert "agree on your sentence" in text
    offered = re.search(r"They do differ on ‘(.+?)’: greedy ‘(.+?)’, beam ‘(.+?)’", text)
    assert offered and offered.group(2) != offered.group(3)
    same.button(key="lesson_example_beam").click().run()
    assert param(same, "sentence") == offered.group(1).replace("\\", "")
    assert "**They differ.**" in prose(same)


def test_attention_and_its_twin_are_compared_and_a_short_sentence_gets_a_longer_example():
    app = page(lesson="8")  # "I am very happy to see you."
    text = prose(app)
    outputs = re.search(r"\*\*With attention\*\* \(.+?\): ‘(.+?)’ .*\*\*Without\*\* \(.+?\): ‘(.+?)’", text, re.S)
    assert outputs
    assert ("the two **differ**" in text) == (outputs.group(1) != outputs.group(2))
    example = re.search(r"On ‘(.+?)’: with attention ‘(.+?)’ \(sentence BLEU (\d+)"
                        r".*without ‘(.+?)’ \(sentence BLEU (\d+)", text)
    assert example and example.group(2) != example.group(4) and int(example.group(3)) > int(example.group(5))


def test_every_explanation_links_to_a_glossary_entry_that_the_glossary_page_anchors():
    for topic in glossary.VIEWS:
        line = glossary.links(((glossary.ENTRY[topic],) if topic in glossary.ENTRY else ()) + glossary.VIEWS[topic][1])
        assert "](Glossary?term=" in line, topic
    targets = {key for topic, (_, terms) in glossary.VIEWS.items() for key in terms} | set(glossary.ENTRY.values())
    assert targets <= set(glossary.GLOSSARY)
    app = no_exception(open_page("pages/7_Glossary.py"))
    anchors = {h.proto.anchor for h in app.subheader}
    assert {glossary.anchor(key) for key in glossary.GLOSSARY} <= anchors
    for term in ("encoder", "decoder", "hidden_state", "attention", "context_vector", "softmax", "logit", "beam",
                 "bleu", "teacher_forcing", "exposure_bias", "cross_entropy", "adam", "vanishing_gradient"):
        assert term in glossary.GLOSSARY, term
    app.text_input(key="glossary_find").input("exposure").run()
    assert [h.value for h in app.main.subheader] == ["Exposure bias", "Teacher forcing"]


def test_hostile_text_is_shown_as_text_in_every_step():
    sentence = "I said $x$ **now** <b>hi</b> :red[no] \\frac{a}{b} _it_."
    app = page(sentence=sentence)
    for step in range(1, len(STEPS) + 1):
        no_exception(app.segmented_control[0].set_value(step).run())
        assert not any("<b>" in m.value for m in app.markdown), f"step {step} lets HTML through"
    assert "\\*\\*now\\*\\*" in app.pills[0].options  # a word chip shows the word, not bold text
