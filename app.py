"""Seq2Seq Studio: the entry point (`streamlit run app.py`); it lists the pages and runs the one asked for.

The home page is drawn by studio/views/home.py, every other page by its script in pages/.
`streamlit run` serves `app`: as the server starts, studio/warm_up.py loads the default model in
the background, so the first visitor does not wait for it. Each visit runs this file as a script.
"""
import streamlit as st

from studio.warm_up import lifespan

app = st.App("app.py", lifespan=lifespan)
if __name__ == "__main__":
    from studio.views import navigation

    navigation.run()
