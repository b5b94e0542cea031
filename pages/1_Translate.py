"""Translate sentences: subword pieces, attention heatmap, n-best list, strategies side by side, teacher forcing.

The page is drawn by studio/views/translate.py.
"""
from studio.views import translate

translate.show()
