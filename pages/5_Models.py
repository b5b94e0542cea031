"""Every checkpoint in one table; score one on its test split, compare two, download or delete one.

The page is drawn by studio/models/.
"""
from studio import models

models.show()
