"""Errors a user can cause: the message names what to fix; the UI and CLI show it without a traceback."""


class UserError(Exception):
    """A problem with the user's input, files or settings (not a bug in this package)."""
