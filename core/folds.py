"""Fold assignments, made once per run, saved, and shared by every model.

A fold assignment is an integer array with one entry per training row: the fold in which that
row is a validation row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np

from core.errors import ConfigError

FoldKind = Literal["kfold", "stratified", "group", "stratified_group"]


@dataclass(frozen=True)
class FoldScheme:
    """How a competition's training rows are split. ``group`` kinds need a group per row."""

    kind: FoldKind = "stratified"

    @property
    def grouped(self) -> bool:
        return self.kind in ("group", "stratified_group")


def make_folds(
    scheme: FoldScheme,
    y: np.ndarray,
    n_splits: int,
    seed: int,
    groups: np.ndarray | None = None,
) -> np.ndarray:
    """Assign each training row to one validation fold, deterministically for a seed."""
    n = len(y)
    if n_splits < 2:
        raise ConfigError(f"--folds must be at least 2, got {n_splits}")
    if scheme.grouped and groups is None:
        raise ValueError(f"fold scheme {scheme.kind!r} needs a group per row")
    if scheme.kind in ("stratified", "stratified_group"):
        _, counts = np.unique(y, return_counts=True)
        if counts.min() < n_splits:
            raise ConfigError(
                f"--folds {n_splits} is more than the {counts.min()} rows of the rarest class; "
                "use fewer folds"
            )
    # Imported here: scikit-learn takes about a second to import, which --help should not pay.
    from sklearn.model_selection import GroupKFold, KFold, StratifiedGroupKFold, StratifiedKFold

    splitter: KFold | StratifiedKFold | GroupKFold | StratifiedGroupKFold
    if scheme.kind == "kfold":
        splitter = KFold(n_splits, shuffle=True, random_state=seed)
    elif scheme.kind == "stratified":
        splitter = StratifiedKFold(n_splits, shuffle=True, random_state=seed)
    elif scheme.kind == "group":
        splitter = GroupKFold(n_splits)
    else:
        splitter = StratifiedGroupKFold(n_splits, shuffle=True, random_state=seed)
    fold = np.full(n, -1, dtype=np.int64)
    for k, (_, valid) in enumerate(splitter.split(np.zeros(n), y, groups)):
        fold[valid] = k
    assert (fold >= 0).all(), "every row must land in exactly one validation fold"
    return fold


def iter_folds(fold: np.ndarray) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Yield ``(k, train_index, valid_index)`` for a saved fold assignment."""
    for k in range(int(fold.max()) + 1):
        yield k, np.flatnonzero(fold != k), np.flatnonzero(fold == k)
