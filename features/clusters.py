"""Cluster-membership features: KMeans and a Gaussian mixture on a competition's own view.

The view (:class:`ClusterView`) names the columns to cluster on and how to represent them:
``"svd"`` for sparse bags (max-abs scaling, TruncatedSVD, then unit-length rows, so KMeans
compares profiles rather than volumes) or ``"scaled"`` for aggregates (``log1p`` of the
magnitude, then standard scaling, then PCA when wide). Per row the features are:

* ``kmeans:cluster`` and ``kmeans:dist_j``, the distance to each centroid (MiniBatchKMeans
  above :data:`MINIBATCH_ROWS` rows);
* ``gmm:cluster`` and ``gmm:p_j``, the posterior of each component (diagonal covariances).

By default everything (scaler, SVD, clustering) is fitted inside each fold on that fold's
training rows, and the fold's validation and test rows are transformed by that fit. With
``transductive=True`` one fit on training and test rows together serves every fold; no labels
are used either way.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from features.base import FeatureSet, FoldFeatures

if TYPE_CHECKING:
    import scipy.sparse as sp
    from sklearn.pipeline import Pipeline

log = logging.getLogger(__name__)

METHODS = ("kmeans", "gmm")
MINIBATCH_ROWS = 50_000
# The Gaussian mixture is fitted on at most this many rows (a seeded sample); it then
# scores every row. EM over all rows of a large competition would dominate the run.
GMM_FIT_ROWS = 50_000


@dataclass(frozen=True)
class ClusterView:
    """What a competition clusters its rows on: the columns whose names start with any of
    ``prefixes`` (all columns when empty), represented as ``kind``."""

    prefixes: tuple[str, ...] = ()
    kind: Literal["svd", "scaled"] = "svd"
    components: int = 20

    def columns(self, names: Sequence[str]) -> np.ndarray:
        if not self.prefixes:
            return np.arange(len(names))
        picked = [i for i, name in enumerate(names) if name.startswith(self.prefixes)]
        if not picked:
            raise ValueError(f"no feature column starts with any of {self.prefixes}")
        return np.asarray(picked)

    def describe(self) -> str:
        columns = ", ".join(self.prefixes) if self.prefixes else "all columns"
        return f"{self.kind}({self.components}) of {columns}"


def cluster_features(
    features: FeatureSet,
    view: ClusterView,
    fold: np.ndarray,
    *,
    methods: Sequence[str] = ("kmeans",),
    k: int = 8,
    transductive: bool = False,
    seed: int = 0,
    progress: bool = True,
) -> FoldFeatures:
    """Cluster membership of every training and test row, fitted per fold (see module doc)."""
    import scipy.sparse as sp
    from tqdm.auto import tqdm

    unknown = set(methods) - set(METHODS)
    if unknown or not methods:
        raise ValueError(f"cluster methods must be among {METHODS}, got {list(methods)}")
    columns = view.columns(features.names)
    X = sp.vstack([features.X_train[:, columns], features.X_test[:, columns]], format="csr")
    n_train = features.X_train.shape[0]
    names = tuple(
        name for method in methods for name in (f"{method}:cluster", *_member_names(method, k))
    )
    if transductive:
        block = _fit_transform(X, np.arange(X.shape[0]), view, methods, k, seed)
        return FoldFeatures(
            names, (block[:n_train],) * _n_folds(fold), (block[n_train:],) * _n_folds(fold)
        )
    train, test = [], []
    bar = tqdm(
        range(_n_folds(fold)), desc="clusters", unit="fold", leave=False,
        disable=None if progress else True,
    )  # fmt: skip
    for f in bar:
        block = _fit_transform(X, np.flatnonzero(fold != f), view, methods, k, seed)
        train.append(block[:n_train])
        test.append(block[n_train:])
    return FoldFeatures(names, tuple(train), tuple(test))


def _n_folds(fold: np.ndarray) -> int:
    return int(fold.max()) + 1


def _member_names(method: str, k: int) -> list[str]:
    return [f"{method}:{'dist' if method == 'kmeans' else 'p'}_{j}" for j in range(k)]


def representation(view: ClusterView, n_columns: int, seed: int) -> Pipeline:
    """The unfitted transform from the view's columns to the space the clusters live in."""
    # scikit-learn is imported here, not with the module: competitions declare their
    # ClusterView at import time, and every command would pay about a second for it.
    from sklearn.decomposition import PCA, TruncatedSVD
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, MaxAbsScaler, Normalizer, StandardScaler

    components = min(view.components, max(n_columns - 1, 1))
    if view.kind == "svd":
        return make_pipeline(
            MaxAbsScaler(),
            TruncatedSVD(n_components=components, random_state=seed),
            Normalizer(),
        )
    steps: list = [FunctionTransformer(_log_magnitude, accept_sparse=True), StandardScaler()]
    if n_columns > view.components:
        steps.append(PCA(n_components=components, random_state=seed))
    return make_pipeline(*steps)


def _log_magnitude(X: np.ndarray | sp.csr_matrix) -> np.ndarray:
    import scipy.sparse as sp

    dense = X.toarray() if isinstance(X, sp.spmatrix | sp.sparray) else np.asarray(X)
    return np.sign(dense) * np.log1p(np.abs(dense))


def _fit_transform(
    X: sp.csr_matrix,
    fit_rows: np.ndarray,
    view: ClusterView,
    methods: Sequence[str],
    k: int,
    seed: int,
) -> np.ndarray:
    """Fit the representation and the clusterings on ``fit_rows``; transform every row."""
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.mixture import GaussianMixture

    space = representation(view, X.shape[1], seed)
    space.fit(X[fit_rows])
    Z = np.asarray(space.transform(X), dtype=np.float64)
    Z_fit = Z[fit_rows]
    blocks = []
    for method in methods:
        if method == "kmeans":
            kind = MiniBatchKMeans if len(fit_rows) > MINIBATCH_ROWS else KMeans
            extra = {"batch_size": 4096} if kind is MiniBatchKMeans else {}
            kmeans = kind(n_clusters=k, n_init=3, random_state=seed, **extra).fit(Z_fit)
            distances = kmeans.transform(Z)
            blocks += [distances.argmin(axis=1)[:, None], distances]
        else:
            rng = np.random.default_rng(seed)
            sample = Z_fit
            if len(Z_fit) > GMM_FIT_ROWS:
                sample = Z_fit[rng.choice(len(Z_fit), size=GMM_FIT_ROWS, replace=False)]
            gmm = GaussianMixture(
                n_components=k, covariance_type="diag", reg_covar=1e-4, random_state=seed
            ).fit(sample)
            posterior = gmm.predict_proba(Z)
            blocks += [posterior.argmax(axis=1)[:, None], posterior]
    return np.hstack(blocks).astype(np.float32)
