"""The home page: a sentence already translated by the selected model, and a map of the pages."""
from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from studio.shared import cache, render
from studio.shared.page import start
from studio.shared.pagemap import page_summaries


def show() -> None:
    selection = start("")
    st.title("Seq2Seq Studio")
    st.caption("A recurrent encoder-decoder with attention, opened up: type a sentence and watch how it is "
               "translated.")
    if selection is not None:
        text = render.text_box(selection, "Type a sentence", height=80)
        for line in render.usable_lines(text):
            render.translation(cache.trace(selection, line), selection, selection.decode)
    page_map()


def page_map() -> None:
    st.subheader("What each page shows")
    for page in page_summaries():
        left, right = st.columns([1, 4], vertical_alignment="center")
        try:
            left.page_link(page.path, label=page.title)
        except StreamlitPageNotFoundError:  # added after the server started: it is listed once restarted
            left.markdown(f"**{page.title}**")
        right.caption(page.summary)
