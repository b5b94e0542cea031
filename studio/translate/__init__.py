"""The Translate page: its view, and the charts only it draws."""
from studio.translate.view import show  # noqa: F401
