"""What each page shows: one module per page (home, translate, step, inside, train, models), each
with a `show()` that the page script calls. Pages hold nothing else, so all view logic is here."""
from __future__ import annotations

import streamlit as st

from studio.sidebar import Selection, render_sidebar


def start(title: str, icon: str = "🔤") -> Selection | None:
    """Page settings and the shared sidebar; the selected model (None when there is none)."""
    st.set_page_config(page_title=f"{title} · Seq2Seq Studio" if title else "Seq2Seq Studio", page_icon=icon,
                       layout="wide")
    return render_sidebar()
