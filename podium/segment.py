"""Segmentation: KMeans and Gaussian mixtures over a range of K, the choice of K, 2-D views and
cluster profiles. Pure computation; :mod:`podium.segment_run` writes the files.

Methods (a :class:`~competitions.spec.Segmentation` names which it runs):

* ``kmeans``: KMeans on the competition's scaled matrix (MiniBatchKMeans above
  :data:`MINIBATCH_ROWS` rows); K with the best score is chosen, and the elbow of the inertia
  curve is reported beside it;
* ``gmm``: a diagonal Gaussian mixture on the same matrix, fitted on at most
  :data:`FIT_SAMPLE` rows; K with the lowest BIC is chosen;
* ``pca+kmeans``: KMeans on the first :data:`COMPONENTS` principal components (TruncatedSVD,
  which is PCA without centring, for sparse input);
* ``tsne+gmm``: a Gaussian mixture on a 2-D t-SNE embedding. t-SNE cannot place new rows, so
  this method segments a seeded sample of at most :data:`TSNE_ROWS` rows, and its assignments
  and answers cover that sample only.

Every clustering is scored by the competition's clustering metric (a ``"clusters"`` metric of
:mod:`core.metrics`: the silhouette for every competition so far). Scores are exact up to
:data:`SILHOUETTE_ROWS` rows. Above that (a silhouette costs O(n²)) they are computed on three
seeded samples of that many rows; the leaderboard shows their mean and standard deviation (zero
for exact ones). Wide matrices are reduced to :data:`COMPONENTS` dimensions first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from tqdm.auto import tqdm

from core.metrics import Metric

# scikit-learn is imported inside the functions that fit: importing it takes about a second,
# which every command (--help included) would otherwise pay.

log = logging.getLogger(__name__)

METHODS = ("kmeans", "gmm", "pca+kmeans", "tsne+gmm")
MINIBATCH_ROWS = 50_000
FIT_SAMPLE = 50_000
SILHOUETTE_ROWS = 5_000
SILHOUETTE_REPEATS = 3
COMPONENTS = 20
MAX_DENSE_COLUMNS = 60  # wider matrices are reduced to COMPONENTS dimensions
TSNE_ROWS = 2_000
REG_COVAR = 1e-4  # the Gaussian mixtures' variance floor


@dataclass
class Candidate:
    """One clustering tried: a method at one K, scored (mean and spread over the samples)."""

    method: str
    k: int
    labels: np.ndarray  # per row of the method's rows (all rows, or the t-SNE sample)
    score: float
    score_std: float
    seconds: float
    inertia: float | None = None
    bic: float | None = None
    # A mixture component's variance on some column fell to the floor (reg_covar): it sits on
    # rows where that column is (nearly) constant, and its density, hence the BIC, jumps.
    floored: bool = False

    @property
    def name(self) -> str:
        return f"{self.method}-k{self.k}"


@dataclass
class MethodResult:
    method: str
    candidates: list[Candidate]
    chosen: Candidate
    reason: str
    rows: np.ndarray  # the rows it segmented (all, or the t-SNE sample)
    embedding: np.ndarray | None = None  # the t-SNE coordinates of ``rows`` (tsne+gmm)


@dataclass
class SegmentationResult:
    methods: list[MethodResult]
    shipped: MethodResult  # the method whose chosen clustering is written as assignments
    pca: np.ndarray  # 2-D PCA view of every row
    tsne_rows: np.ndarray  # the seeded sample shown by the t-SNE view
    tsne: np.ndarray  # its 2-D t-SNE coordinates
    pca_variance: tuple[float, ...] = ()  # the share of variance of each PCA view's axis


def dense_space(X: sp.csr_matrix | np.ndarray, seed: int) -> np.ndarray:
    """The matrix as dense float64 rows, reduced to COMPONENTS dimensions when wide."""
    from sklearn.decomposition import TruncatedSVD

    if X.shape[1] > MAX_DENSE_COLUMNS:
        svd = TruncatedSVD(n_components=COMPONENTS, random_state=seed)
        return np.asarray(svd.fit_transform(X), dtype=np.float64)
    dense = X.toarray() if isinstance(X, sp.spmatrix | sp.sparray) else X
    return np.asarray(dense, dtype=np.float64)


def segment(
    X: sp.csr_matrix | np.ndarray,
    methods: Sequence[str],
    k_range: tuple[int, int],
    seed: int,
    metric: Metric,
    progress: bool = True,
) -> SegmentationResult:
    """Run every method over K in ``k_range`` (inclusive), score each clustering with
    ``metric`` and choose K for each."""
    from sklearn.decomposition import PCA

    unknown = set(methods) - set(METHODS)
    if unknown:
        raise ValueError(f"unknown segmentation methods {sorted(unknown)}; known: {METHODS}")
    Z = dense_space(X, seed)
    n = len(Z)
    ks = list(range(k_range[0], min(k_range[1], n - 1) + 1))
    if not ks:
        raise ValueError(f"{n} rows are too few to cluster into {k_range[0]}..{k_range[1]}")
    rng = np.random.default_rng(seed)
    samples = [np.arange(n)]  # small data: the exact score of every row, once
    if n > SILHOUETTE_ROWS:
        samples = [
            np.sort(rng.choice(n, size=SILHOUETTE_ROWS, replace=False))
            for _ in range(SILHOUETTE_REPEATS)
        ]
    pca, pca_variance = _pca2(Z, seed)
    tsne_rows = np.sort(rng.choice(n, size=min(TSNE_ROWS, n), replace=False))
    started = time.perf_counter()
    tsne = _tsne(Z[tsne_rows], seed)  # a view for every segmentation, and tsne+gmm's space
    log.info("t-SNE of %s rows in %.1f s", f"{len(tsne_rows):,}", time.perf_counter() - started)
    results = []
    for method in methods:
        if method == "tsne+gmm":
            result = _scan(method, tsne, ks, [np.arange(len(tsne_rows))], seed, metric, progress)
            result.rows, result.embedding = tsne_rows, tsne
        else:
            space = Z
            if method == "pca+kmeans":
                space = PCA(min(COMPONENTS, Z.shape[1]), random_state=seed).fit_transform(Z)
            result = _scan(method, space, ks, samples, seed, metric, progress)
        results.append(result)
    full = [r for r in results if len(r.rows) == n] or results
    shipped = min(full, key=lambda r: metric.sort_key(r.chosen.score))
    return SegmentationResult(results, shipped, pca, tsne_rows, tsne, pca_variance)


def _scan(
    method: str,
    Z: np.ndarray,
    ks: list[int],
    samples: list[np.ndarray],
    seed: int,
    metric: Metric,
    progress: bool,
) -> MethodResult:
    candidates = []
    for k in tqdm(ks, desc=method, unit="K", leave=False, disable=None if progress else True):
        started = time.perf_counter()
        fit = _kmeans if method.endswith("kmeans") else _gmm
        labels, inertia, bic, floored = fit(Z, k, seed)
        seconds = time.perf_counter() - started
        scores = [metric.score(Z[s], labels[s]) for s in samples]
        candidates.append(
            Candidate(
                method,
                k,
                labels,
                float(np.mean(scores)),
                float(np.std(scores)),
                seconds,
                inertia,
                bic,
                floored,
            )  # fmt: skip
        )
    chosen, reason = _choose(method, candidates, metric)
    return MethodResult(method, candidates, chosen, reason, np.arange(len(Z)))


Fit = tuple[np.ndarray, float | None, float | None, bool]  # labels, inertia, BIC, floored


def _kmeans(Z: np.ndarray, k: int, seed: int) -> Fit:
    from sklearn.cluster import KMeans, MiniBatchKMeans

    if len(Z) > MINIBATCH_ROWS:
        model: KMeans | MiniBatchKMeans = MiniBatchKMeans(
            n_clusters=k, n_init=3, batch_size=4096, random_state=seed
        )
    else:
        model = KMeans(n_clusters=k, n_init=4, random_state=seed)
    labels = model.fit_predict(Z)
    return labels, float(model.inertia_), None, False


def _gmm(Z: np.ndarray, k: int, seed: int) -> Fit:
    from sklearn.mixture import GaussianMixture

    fit = Z
    if len(Z) > FIT_SAMPLE:
        fit = Z[np.random.default_rng(seed).choice(len(Z), size=FIT_SAMPLE, replace=False)]
    gmm = GaussianMixture(k, covariance_type="diag", reg_covar=REG_COVAR, random_state=seed).fit(
        fit
    )
    floored = bool(np.min(gmm.covariances_) <= 1.5 * REG_COVAR)
    return gmm.predict(Z), None, float(gmm.bic(fit)), floored


def elbow(ks: Sequence[int], inertia: Sequence[float]) -> int:
    """The K farthest below the straight line from the first to the last inertia (kneedle)."""
    x = (np.asarray(ks, float) - ks[0]) / max(ks[-1] - ks[0], 1)
    y = np.asarray(inertia, float)
    y = (y - y.min()) / max(y.max() - y.min(), 1e-12)
    line = 1 - x  # inertia falls from 1 to 0
    return int(ks[int(np.argmax(line - y))])


def _choose(method: str, candidates: list[Candidate], metric: Metric) -> tuple[Candidate, str]:
    ks = [c.k for c in candidates]
    span = f"K={ks[0]}..{ks[-1]}"
    if method.endswith("gmm"):
        best = min(candidates, key=lambda c: c.bic if c.bic is not None else np.inf)
        return best, (
            f"{method}: K={best.k} has the lowest BIC ({best.bic:,.0f}) of {span}; "
            f"its {metric.name} is {best.score:.3f}"
        )
    scored = [c for c in candidates if not np.isnan(c.score)]
    best = min(scored or candidates, key=lambda c: metric.sort_key(c.score))
    knee = elbow(ks, [c.inertia or 0.0 for c in candidates])
    highest = "highest" if metric.greater_is_better else "lowest"
    return best, (
        f"{method}: K={best.k} has the {highest} {metric.name} ({best.score:.3f}) of {span}; "
        f"the elbow of the inertia curve is at K={knee}"
    )


def _pca2(Z: np.ndarray, seed: int) -> tuple[np.ndarray, tuple[float, ...]]:
    """The 2-D PCA view, and the share of the variance each of its axes explains."""
    from sklearn.decomposition import PCA

    pca = PCA(min(2, Z.shape[1]), random_state=seed)
    coords = np.asarray(pca.fit_transform(Z))
    return coords, tuple(float(v) for v in pca.explained_variance_ratio_)


def _tsne(Z: np.ndarray, seed: int) -> np.ndarray:
    from sklearn.manifold import TSNE

    perplexity = float(min(30, max(2, (len(Z) - 1) // 3)))
    return np.asarray(
        TSNE(2, perplexity=perplexity, init="pca", max_iter=500, random_state=seed).fit_transform(Z)
    )


def profile_table(profile: pd.DataFrame, labels: np.ndarray) -> pd.DataFrame:
    """Per cluster: size, share, the mean of each numeric column with its lift (cluster mean /
    population mean), and each categorical column's top category with its share and lift."""
    groups = pd.Series(np.asarray(labels), index=profile.index)
    numeric = profile.select_dtypes(include=["number", "bool"]).astype(float)
    categorical = profile.drop(columns=numeric.columns)
    table = pd.DataFrame({"size": groups.value_counts().sort_index()})
    table["share"] = table["size"] / len(groups)
    means = numeric.groupby(groups.to_numpy()).mean()
    overall = numeric.mean()
    for column in numeric.columns:
        table[column] = means[column]
        base = overall[column]
        table[f"{column} lift"] = means[column] / base if base else np.nan
    for column in categorical.columns:
        values = categorical[column].astype(str)
        population = values.value_counts(normalize=True)
        tops = []
        for cluster in table.index:
            share = values[groups.to_numpy() == cluster].value_counts(normalize=True)
            top = share.index[0]
            tops.append(f"{top} ({share.iloc[0]:.0%}, lift {share.iloc[0] / population[top]:.2f})")
        table[f"{column} top"] = tops
    table.index.name = "cluster"
    return table
