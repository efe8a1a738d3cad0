"""The feature matrices a builder hands to the models."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class FeatureSet:
    """Train and test matrices with the same columns, and a readable name per column."""

    X_train: sp.csr_matrix
    X_test: sp.csr_matrix
    names: tuple[str, ...]

    def __post_init__(self) -> None:
        width = len(self.names)
        for label, X in (("X_train", self.X_train), ("X_test", self.X_test)):
            if X.shape[1] != width:
                raise ValueError(f"{label} has {X.shape[1]} columns but there are {width} names")
        if len(set(self.names)) != width:
            raise ValueError("feature names must be unique")

    @property
    def n_features(self) -> int:
        return len(self.names)

    def density(self) -> float:
        cells = self.X_train.shape[0] * max(self.n_features, 1)
        return float(self.X_train.nnz) / max(cells, 1)

    def column(self, name: str, which: str = "train") -> np.ndarray:
        """One column as a dense vector, for tests and reports."""
        X = self.X_train if which == "train" else self.X_test
        return np.asarray(X[:, self.names.index(name)].todense()).ravel()
