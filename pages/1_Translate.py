"""Translate sentences: subword pieces, attention heatmap, n-best list, strategies side by side, teacher forcing.

The page is drawn by studio/translate/.
"""
from studio import translate

translate.show()
