"""The Inside-the-model page: its view and one module per view of it (state space, units and
neighbours, pattern search, bottleneck, gradients), the charts only it draws and its caches."""
from studio.inside.view import show  # noqa: F401
