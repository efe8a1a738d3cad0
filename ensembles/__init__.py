"""Ensembles of out-of-fold predictions: stacking, weighted blending and greedy selection."""

from ensembles.combine import ENSEMBLES, Ensemble, GreedySelection, Stacker, WeightedBlend
from ensembles.crossfit import build_ensembles, cross_fit

__all__ = [
    "ENSEMBLES",
    "Ensemble",
    "GreedySelection",
    "Stacker",
    "WeightedBlend",
    "build_ensembles",
    "cross_fit",
]
