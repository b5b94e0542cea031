"""The Lesson page: the classic encoder-decoder in eight steps, one typed sentence followed through all of them."""
from studio.lesson.view import show  # noqa: F401
