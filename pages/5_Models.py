"""Every checkpoint in one table; score one on its test split, compare two, download or delete one.

The page is drawn by studio/views/models.py.
"""
from studio.views import models

models.show()
