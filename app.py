"""Seq2Seq Studio: the entry point (`streamlit run app.py`); it lists the pages and runs the one asked for.

The home page is drawn by studio/views/home.py, every other page by its script in pages/.
"""
from studio.views import navigation

navigation.run()
