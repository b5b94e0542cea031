"""The home page (app.py): a sentence already translated by the selected model, a map of the pages,
and the app's navigation between them."""
from studio.home.view import show  # noqa: F401
