"""The feature matrices a builder hands to the models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
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


@dataclass(frozen=True)
class FoldFeatures:
    """Columns fitted inside each cross-validation fold (cluster membership, target encodings).

    ``train[k]`` has a row for every training row as fold ``k``'s model sees it: the fold's own
    training rows as the fit on them gives them (target encodings out of fold even there), its
    validation rows transformed by that fit. ``test[k]`` is the test rows transformed by the
    same fit. A transductive fit (train and test together, no labels) is one array shared by
    every fold.
    """

    names: tuple[str, ...]
    train: tuple[np.ndarray, ...]
    test: tuple[np.ndarray, ...]

    def __post_init__(self) -> None:
        if len(self.train) != len(self.test):
            raise ValueError(f"{len(self.train)} training blocks but {len(self.test)} test blocks")
        for block in (*self.train, *self.test):
            if block.ndim != 2 or block.shape[1] != len(self.names):
                raise ValueError(f"a block of shape {block.shape} for {len(self.names)} names")

    @property
    def n_folds(self) -> int:
        return len(self.train)

    def matrices(
        self, k: int, X: sp.csr_matrix, X_test: sp.csr_matrix
    ) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """Fold ``k``'s training and test matrices: the shared columns, then these."""
        import scipy.sparse as sp

        return (
            sp.hstack([X, self.train[k]], format="csr", dtype=np.float32),
            sp.hstack([X_test, self.test[k]], format="csr", dtype=np.float32),
        )

    def validation_view(self, fold: np.ndarray) -> np.ndarray:
        """Each training row as it was when it was a validation row: what its out-of-fold
        prediction (and SHAP value) saw."""
        view = np.empty((len(fold), len(self.names)), dtype=np.float32)
        for k in range(self.n_folds):
            rows = fold == k
            view[rows] = self.train[k][rows]
        return view

    @staticmethod
    def concat(parts: list[FoldFeatures]) -> FoldFeatures | None:
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        n_folds = parts[0].n_folds
        return FoldFeatures(
            names=tuple(name for part in parts for name in part.names),
            train=tuple(np.hstack([p.train[k] for p in parts]) for k in range(n_folds)),
            test=tuple(np.hstack([p.test[k] for p in parts]) for k in range(n_folds)),
        )
