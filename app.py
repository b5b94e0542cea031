"""Seq2Seq Studio home: a sentence already translated by the selected model, and a map of the pages.

The page is drawn by studio/views/home.py.
"""
from studio.views import home

home.show()
