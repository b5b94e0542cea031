"""The app's page list: the home page (titled "Home" in the sidebar, not after its file) and every
page script in pages/, in file order, as Streamlit's own navigation shows them."""
from __future__ import annotations

import streamlit as st

from studio.home.view import show
from studio.shared.pagemap import page_summaries


def run() -> None:
    pages = [st.Page(show, title="Home", icon="🏠", default=True)]
    pages += [st.Page(page.path, title=page.title) for page in page_summaries()]
    st.navigation(pages).run()
