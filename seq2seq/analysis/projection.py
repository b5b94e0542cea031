"""PCA of hidden states: one shared 2-D space (components 1-2, or 3-4) to draw trajectories in.

Encoder and decoder states have different sizes and meanings, so each family gets its own PCA:
encoder forward and backward states (both enc_hidden wide) share one space; the decoder has its
own. The fit is exact (eigenvectors of the centred sample's scatter matrix) and signs are fixed,
so a given checkpoint and sample always give the same picture.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seq2seq.analysis.cache import cache_dir, cache_key, load_arrays, save_arrays
from seq2seq.analysis.states import StateSample

COMPONENTS = 4
PROJECTION_FILE = "projection.npz"
SPACES = {"encoder": ("encoder_forward", "encoder_backward"), "decoder": ("decoder",)}


@dataclass
class Projection:
    mean: np.ndarray  # (D,)
    components: np.ndarray  # (k, D) unit rows, largest-magnitude entry of each positive
    explained_variance: np.ndarray  # (k,) variance along each component (n - 1 denominator)
    explained_ratio: np.ndarray  # (k,) share of the sample's total variance
    n_states: int

    def transform(self, states: np.ndarray) -> np.ndarray:
        """(N, D) -> (N, k) coordinates."""
        return (np.asarray(states, dtype=np.float64) - self.mean) @ self.components.T


def fit_pca(states: np.ndarray, n_components: int = COMPONENTS) -> Projection:
    """Principal components of `states` (N, D), always `n_components` of them: when D is smaller the
    missing ones are zero vectors (zero coordinates, zero variance), so callers can always draw PC3 x PC4.

    Eigenvectors of the D x D scatter matrix are the right singular vectors of the centred data and
    its eigenvalues the squared singular values; with N >> D this is several times cheaper than an
    SVD of the N x D data, which matters on a busy 2-core machine.
    """
    data = np.asarray(states, dtype=np.float64)
    mean = data.mean(axis=0)
    centred = data - mean
    eigenvalues, eigenvectors = np.linalg.eigh(centred.T @ centred)
    top = np.argsort(-eigenvalues, kind="stable")[:n_components]
    power = np.clip(eigenvalues[top], 0.0, None)
    total = float((centred ** 2).sum())
    ratio = power / total if total > 0 else np.zeros(len(top))
    components = _fix_signs(eigenvectors[:, top].T)
    missing = (0, n_components - len(top))
    return Projection(mean, np.pad(components, (missing, (0, 0))), np.pad(power / max(len(data) - 1, 1), missing),
                      np.pad(ratio, missing), len(data))


def _fix_signs(components: np.ndarray) -> np.ndarray:
    """An eigensolver may return v or -v; flip each so that its largest-magnitude entry is positive."""
    largest = np.abs(components).argmax(axis=1)
    signs = np.sign(components[np.arange(len(components)), largest])
    signs[signs == 0] = 1.0
    return components * signs[:, None]


def fit_spaces(sample: StateSample) -> dict[str, Projection]:
    """One projection per space ("encoder", "decoder") from the sample's states."""
    spaces = {}
    for space, families in SPACES.items():
        found = [sample.families[f].states for f in families if f in sample.families]
        if found:
            spaces[space] = fit_pca(np.concatenate(found))
    return spaces


def cached_spaces(sample: StateSample, checkpoint: Path) -> dict[str, Projection]:
    """fit_spaces, stored next to the checkpoint for a training sample (typed samples are not kept)."""
    if not sample.key:
        return fit_spaces(sample)
    key = cache_key(checkpoint, what="projection", sample=sample.key)
    path = cache_dir(checkpoint) / PROJECTION_FILE
    arrays = load_arrays(path, key)
    if arrays is not None:
        return {space: _from_arrays(arrays, space) for space in SPACES if f"{space}.mean" in arrays}
    spaces = fit_spaces(sample)
    save_arrays(path, key, {f"{space}.{name}": value for space, proj in spaces.items()
                            for name, value in _to_arrays(proj).items()})
    return spaces


def _to_arrays(proj: Projection) -> dict[str, np.ndarray]:
    return {"mean": proj.mean, "components": proj.components, "variance": proj.explained_variance,
            "ratio": proj.explained_ratio, "n": np.array(proj.n_states)}


def _from_arrays(arrays: dict[str, np.ndarray], space: str) -> Projection:
    mean, components, variance, ratio, n = (arrays[f"{space}.{name}"]
                                            for name in ("mean", "components", "variance", "ratio", "n"))
    return Projection(mean, components, variance, ratio, int(n))
