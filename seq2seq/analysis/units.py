"""Rank hidden units of one sentence's states: by how much they move, or by how they track a piece."""
from __future__ import annotations

import numpy as np

ORDERS = ("variance", "correlation")


def unit_variance(activations: np.ndarray) -> np.ndarray:
    """(T, H) -> (H,) variance of each unit over time."""
    return np.asarray(activations, dtype=np.float64).var(axis=0)


def piece_correlation(activations: np.ndarray, marks: np.ndarray) -> np.ndarray:
    """Pearson correlation of each unit (T, H) with a 0/1 series (T,), e.g. "this step's piece is X".

    A constant unit or a constant series has no defined correlation; it counts as 0.
    """
    acts = np.asarray(activations, dtype=np.float64)
    series = np.asarray(marks, dtype=np.float64)
    acts_c = acts - acts.mean(axis=0)
    series_c = series - series.mean()
    denom = np.sqrt((acts_c ** 2).sum(axis=0) * (series_c ** 2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = (acts_c * series_c[:, None]).sum(axis=0) / denom
    return np.where(denom > 1e-12, corr, 0.0)


def rank_units(activations: np.ndarray, order: str, marks: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(unit indices best first, their scores): variance, or |correlation| with `marks` (sign kept)."""
    if order == "variance":
        scores = unit_variance(activations)
        return np.argsort(-scores, kind="stable"), scores
    if order != "correlation" or marks is None:
        raise ValueError("order must be 'variance', or 'correlation' with marks")
    scores = piece_correlation(activations, marks)
    return np.argsort(-np.abs(scores), kind="stable"), scores
