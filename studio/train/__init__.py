"""The Train page: its view, the recipe form, one run's panel, sweeps and comparisons, why a run
stopped, the charts only it draws and its cache."""
from studio.train.view import show  # noqa: F401
