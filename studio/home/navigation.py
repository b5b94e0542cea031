"""The app's page list: the home page (titled "Home" in the sidebar, not after its file) and every
page script in pages/, in file order, as Streamlit's own navigation shows them."""
from __future__ import annotations

import streamlit as st

from studio.home.view import show
from studio.shared.page import menu


def run() -> None:
    st.navigation(menu(show)).run()
