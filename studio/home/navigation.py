"""The app's page list: the home page (titled "Home" in the sidebar, not after its file) and every
page script in pages/, in file order, as Streamlit's own navigation shows them."""
from __future__ import annotations

import streamlit as st

from studio.home.view import show
from studio.shared import upload_permits
from studio.shared.page import menu


def run() -> None:
    with upload_permits.full_run():  # a run that draws no file uploader ends its session's upload permit
        st.navigation(menu(show)).run()
