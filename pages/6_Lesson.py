"""A guided lesson: the classic encoder-decoder story step by step, each with a live view of the model.

The page is drawn by studio/lesson/.
"""
from studio import lesson

lesson.show()
