"""Decision rules for label metrics: per-class weights on probabilities, argmax after."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# Log-spaced candidate weights for one class relative to the first: 1/4 .. 16.
WEIGHT_GRID = np.exp(np.linspace(np.log(0.25), np.log(16.0), 25))


def tune_class_weights(
    proba: np.ndarray,
    y: np.ndarray,
    score: Callable[[np.ndarray, np.ndarray], float],
    rounds: int = 3,
) -> np.ndarray:
    """Coordinate ascent over per-class weights (the first class fixed at 1)."""
    weights = np.ones(proba.shape[1])
    best = score(y, proba.argmax(axis=1))
    for _ in range(rounds):
        improved = False
        for c in range(1, proba.shape[1]):
            for candidate in WEIGHT_GRID:
                trial = weights.copy()
                trial[c] = candidate
                value = score(y, (proba * trial).argmax(axis=1))
                if value > best + 1e-12:
                    best, weights, improved = value, trial, True
        if not improved:
            break
    return weights
