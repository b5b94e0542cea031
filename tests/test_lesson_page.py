"""The Lesson page in AppTest: six steps in order with Next and Back, one live chart each, the step in the URL."""
from __future__ import annotations

import pytest
from apptest_helpers import ROOT, open_page
from streamlit.testing.v1 import AppTest

from studio.lesson.view import LESSONS


def page(**params: str) -> AppTest:
    return open_page("pages/6_Lesson.py", **params)


def title(app: AppTest) -> str:
    return next(s.value for s in app.subheader if s.value[0].isdigit())


def test_next_walks_through_every_step_with_a_live_view_and_back_returns():
    app = page()
    seen = []
    for number in range(1, len(LESSONS) + 1):
        assert not app.exception, [e.value for e in app.exception]
        seen.append(title(app))
        assert app.get("vega_lite_chart"), f"step {number} draws no chart"
        assert app.query_params["lesson"] == [str(number)] or app.query_params["lesson"] == str(number)
        if number < len(LESSONS):
            app.button(key="lesson_next").click().run()
    assert seen == [lesson.title for lesson in LESSONS]
    assert app.button(key="lesson_next").disabled
    app.button(key="lesson_back").click().run()
    assert title(app) == LESSONS[-2].title


def test_a_link_opens_its_step_and_a_bad_one_the_first():
    assert title(page(lesson="5")) == "5. Attention"
    assert title(page(lesson="99")) == LESSONS[0].title
    assert page(lesson="x").button(key="lesson_back").disabled


@pytest.mark.skipif(not (ROOT / "checkpoints" / "grad-lstm").is_dir(), reason="grad-lstm not shipped")
def test_the_attention_step_explains_a_model_without_attention():
    app = page(lesson="5", model="grad-lstm")
    assert not app.exception
    assert any("no attention" in i.value for i in app.info)
