"""How every page starts: its browser tab title and layout, then the shared sidebar."""
from __future__ import annotations

import streamlit as st

from studio.shared import altair_speed
from studio.shared.pagemap import PAGES, page_summaries
from studio.shared.selection import Selection
from studio.shared.sidebar import render_sidebar

APP = PAGES.parent / "app.py"
# Wide enough that the model picker shows "tatoeba-en-fr-noattn · BLEU 18.8" with room to spare.
SIDEBAR_PX = 380


def start(title: str, icon: str = "🔤") -> Selection | None:
    """Page settings and the shared sidebar; the selected model (None when there is none)."""
    altair_speed.install()  # before the page builds a chart; a no-op after the first page
    st.set_page_config(page_title=f"{title} · Seq2Seq Studio" if title else "Seq2Seq Studio", page_icon=icon,
                       layout="wide", initial_sidebar_state=SIDEBAR_PX)
    if title:
        name_the_home_page()
    return render_sidebar()


def menu(home) -> list[st.Page]:
    """The app's pages in menu order: the home page (`home`: app.py, or the function that draws it),
    titled "Home", then every page script in pages/, as Streamlit's own navigation titles them."""
    return [st.Page(home, title="Home", icon="🏠", default=True)] + [
        st.Page(PAGES.parent / page.path, title=page.title) for page in page_summaries()]


def name_the_home_page() -> None:
    """A page opened by its own link runs as Streamlit's pages/ folder has it, whose menu names the home
    page after its file ("app"); the same menu as the home page's navigation, with "Home", replaces it.
    The page already running is the one the URL names, so the navigation's choice is not run again."""
    st.navigation(menu(APP))
