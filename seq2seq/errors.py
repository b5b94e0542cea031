"""Errors a user can cause: the message names what to fix; the UI and CLI show it without a traceback."""


class UserError(Exception):
    """A problem with the user's input, files or settings (not a bug in this package)."""


class CorpusMissing(UserError):
    """A registered corpus whose files are not on this computer. How to get it depends on who reads the
    message: str() is for Python callers (load_corpus(..., download=True)); the CLI names its --download flag
    and the app says what to do there, each built from these fields."""

    def __init__(self, corpus: str, missing: tuple[str, ...], folders: tuple[str, ...], home: str):
        self.corpus, self.missing, self.folders, self.home = corpus, tuple(missing), tuple(folders), home
        super().__init__(f"{self.absent()}; fetch it with load_corpus('{corpus}', download=True), or put its "
                         f"files in one of: {', '.join(self.folders)} (or set SEQ2SEQ_DATA to their folder)")

    def absent(self) -> str:
        return f"corpus '{self.corpus}' is not on this computer (missing {', '.join(self.missing)})"

    def __reduce__(self):  # pickled with its fields: the default would call __init__ with the message only
        return type(self), (self.corpus, self.missing, self.folders, self.home)


class TrainingDataMissing(UserError):
    """A model's own data (train/valid/test) that is not on this computer, for a model trained elsewhere: its
    translations do not need it, so each caller says what still works (the CLI: --src/--ref)."""
