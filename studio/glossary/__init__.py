"""The Glossary page: every term the app uses, each under its own anchor, linked from every explanation."""
from studio.glossary.view import show  # noqa: F401
