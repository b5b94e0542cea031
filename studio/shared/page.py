"""How every page starts: its browser tab title and layout, then the shared sidebar."""
from __future__ import annotations

import streamlit as st

from studio.shared.selection import Selection
from studio.shared.sidebar import render_sidebar

# Wide enough that the model picker shows "tatoeba-en-fr-noattn · BLEU 18.8" with room to spare.
SIDEBAR_PX = 380


def start(title: str, icon: str = "🔤") -> Selection | None:
    """Page settings and the shared sidebar; the selected model (None when there is none)."""
    st.set_page_config(page_title=f"{title} · Seq2Seq Studio" if title else "Seq2Seq Studio", page_icon=icon,
                       layout="wide", initial_sidebar_state=SIDEBAR_PX)
    return render_sidebar()
