"""Seq2Seq Studio: the entry point (`streamlit run app.py`); it lists the pages and runs the one asked for.

The home page is drawn by studio/home/, every other page by its script in pages/, which hands over to
its package in studio/. `streamlit run` serves `app`: as the server starts, studio/shared/warm_up.py
loads the default model in the background, so the first visitor does not wait for it. Each visit
runs this file as a script.
"""
import streamlit as st

from studio.shared.server import APP_OPTIONS

app = st.App("app.py", **APP_OPTIONS)  # start-up work, and the guard on uploads (studio/shared/server.py)
if __name__ == "__main__":
    from studio.home import navigation

    navigation.run()
