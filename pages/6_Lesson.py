"""A guided lesson in eight steps: one sentence of yours through the classic encoder-decoder, live at every step.

The page is drawn by studio/lesson/.
"""
from studio import lesson

lesson.show()
