"""Seq2Seq Studio home: a sentence already translated by the selected model, and a map of the pages."""
from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from studio import render, traces
from studio.pagemap import page_summaries
from studio.sidebar import render_sidebar

st.set_page_config(page_title="Seq2Seq Studio", page_icon="🔤", layout="wide")
selection = render_sidebar()

st.title("Seq2Seq Studio")
st.caption("A recurrent encoder-decoder with attention, opened up: type a sentence and watch how it is translated.")
if selection is not None:
    text = render.text_box(selection, "Type a sentence", height=80)
    for line in render.usable_lines(text):
        render.translation(traces.trace(selection, line), selection, selection.decode)

st.subheader("What each page shows")
for page in page_summaries():
    left, right = st.columns([1, 4], vertical_alignment="center")
    try:
        left.page_link(page.path, label=page.title)
    except StreamlitPageNotFoundError:  # added after the server started: it is listed once restarted
        left.markdown(f"**{page.title}**")
    right.caption(page.summary)
