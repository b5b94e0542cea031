"""A private copy of a shared model for work that needs autograd and module hooks.

Loaded models are cached and shared by every app session, and Captum's layer methods hook the
embedding layer while they run: on the shared model another session's translation would pass
through the hook. Gradient work therefore runs on a copy of its own (frozen parameters, eval mode),
one per model, one caller at a time.
"""
from __future__ import annotations

import copy
import threading
import weakref
from contextlib import contextmanager
from typing import Iterator

from torch import nn

_COPIES: "weakref.WeakKeyDictionary[nn.Module, tuple[nn.Module, threading.Lock]]" = weakref.WeakKeyDictionary()
_GUARD = threading.Lock()


def _copy_of(model: nn.Module) -> tuple[nn.Module, threading.Lock]:
    with _GUARD:
        found = _COPIES.get(model)
        if found is None:
            twin = copy.deepcopy(model).eval()
            # Gradients are taken with respect to inputs only; parameters never need them.
            for parameter in twin.parameters():
                parameter.requires_grad_(False)
            found = _COPIES[model] = (twin, threading.Lock())
        return found


@contextmanager
def private_copy(model: nn.Module) -> Iterator[nn.Module]:
    """The model's private twin, held exclusively for the duration of the block."""
    twin, lock = _copy_of(model)
    with lock:
        yield twin
