"""Altair rebuilds a table of ~570 schema classes, each hashed through json.dumps, on every
`from_dict` call (vega/altair#3547, still open in altair 6.3): every shorthand such as "piece:N"
or `alt.value(...)` in an encoding costs ~8 ms, most of a chart's build time and of a page rerun.
The table depends only on the set of classes, so it is built once per set and reused.

The app installs it as it starts (the warm-up, and every page's `start`); importing studio never does, so
Altair in a notebook that uses the charts (studio.notebook) stays as Altair ships it.
"""
from __future__ import annotations

from altair.utils import schemapi

_tables: dict[tuple, dict] = {}
# A reloaded module must wrap Altair's own method, not the wrapper an earlier import installed.
_ORIGINAL_INIT = getattr(schemapi._FromDict.__init__, "__wrapped__", schemapi._FromDict.__init__)


def _cached_init(self, wrapper_classes, /) -> None:
    classes = tuple(wrapper_classes)
    table = _tables.get(classes)
    if table is None:
        _ORIGINAL_INIT(self, classes)
        table = _tables[classes] = self.class_dict
    self.class_dict = table


_cached_init.__wrapped__ = _ORIGINAL_INIT


def install() -> None:
    """Altair's table builder replaced by the cached one; calling it again changes nothing."""
    schemapi._FromDict.__init__ = _cached_init
