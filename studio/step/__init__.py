"""The Step-by-step page: its view, its charts and their cache, and the equations of one decoder step."""
from studio.step.view import show  # noqa: F401
