"""The Lesson page: the classic encoder-decoder story in six steps, each with a live view of the model."""
from studio.lesson.view import show  # noqa: F401
