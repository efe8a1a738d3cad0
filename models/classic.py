"""Scikit-learn baselines: random forest, k-nearest neighbours, linear and kernel SVMs, and
logistic regression behind a feature selection or a truncated SVD (the MLP is in
:mod:`models.neural`).

Every model is a Pipeline whose transforms (scalers, SVD, selectors) are fitted by ``fit``,
so in cross-validation they see each fold's training rows only. Sparse input stays sparse
until a reduction (TruncatedSVD or SelectKBest) has made it small.

``class_weight="balanced"`` reaches each classifier as per-row weights from
:meth:`Model.sample_weight`, the same weights as scikit-learn's ``class_weight="balanced"``.
One code path serves every estimator, and CalibratedClassifierCV passes the weights on to its
calibrators too (``class_weight`` on the inner LinearSVC would be undone by an unweighted
calibration). KNN has no weights; it divides its probabilities by the class prior instead.
"""

from __future__ import annotations

import logging
import warnings
from abc import abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from core.types import Matrix
from models.base import Model, register_model

if TYPE_CHECKING:
    import optuna
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

# scikit-learn is imported inside the functions that build estimators: it takes about a second
# to import, which every command (``--help`` included) would otherwise pay.

log = logging.getLogger(__name__)


class PipelineModel(Model):
    """The fit and predict shared by the scikit-learn baselines.

    A subclass lists its pipeline's steps (:meth:`_steps`) and may pick the training rows
    (:meth:`_rows`). The last step gets the class-weight row weights. Probabilities come back
    with a column for every one of ``n_classes``, also for a class absent from the training
    rows, which scikit-learn leaves out (see :func:`all_classes`).
    """

    # Whether the last step's ``fit`` takes ``sample_weight`` (the class weights).
    takes_weights: ClassVar[bool] = True

    @abstractmethod
    def _steps(self, params: dict[str, Any], X: Matrix, y: np.ndarray) -> list[Any]:
        """The pipeline's steps for these (already selected) training rows."""

    def _rows(self, params: dict[str, Any], y: np.ndarray) -> np.ndarray | None:
        """Indices of the rows to fit on; None: all of them."""
        return None

    def _fit(self, X: Matrix, y: np.ndarray) -> None:
        params = {**self.DEFAULTS, **self.params}
        rows = self._rows(params, y)
        if rows is not None:
            X, y = X[rows], y[rows]
            if self._row_weight is not None:
                self._row_weight = self._row_weight[rows]
        from sklearn.pipeline import make_pipeline

        self.pipeline_: Pipeline = make_pipeline(*self._steps(params, X, y))
        weight = self.sample_weight(y) if self.takes_weights else None
        last = self.pipeline_.steps[-1][0]
        self.pipeline_.fit(X, y, **({} if weight is None else {f"{last}__sample_weight": weight}))

    def _predict_proba(self, X: Matrix) -> np.ndarray:
        proba = np.asarray(self.pipeline_.predict_proba(X), dtype=np.float64)
        return all_classes(proba, self.pipeline_.classes_, self.n_classes)


def all_classes(proba: np.ndarray, classes: np.ndarray, n_classes: int) -> np.ndarray:
    """``proba`` with one column per class 0..n_classes-1; a class that the estimator never saw
    (absent from a fold's training rows) gets probability 0."""
    if proba.shape[1] == n_classes:
        return proba
    full = np.zeros((len(proba), n_classes))
    full[:, np.asarray(classes, dtype=np.int64)] = proba
    return full


def svd_steps(n_components: int, X: Matrix, seed: int) -> list[Any]:
    """Max-abs scaling, TruncatedSVD, standard scaling: PCA for sparse input, which it keeps
    sparse (no centring) until the SVD has reduced it to ``n_components`` dense columns. The
    max-abs scaling keeps a wide-ranged column (longitude) from taking the first components."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import MaxAbsScaler, StandardScaler

    size = max(1, min(n_components, X.shape[1], X.shape[0]))
    return [MaxAbsScaler(), TruncatedSVD(size, random_state=seed), StandardScaler()]


def kbest_steps(k: int, X: Matrix) -> list[Any]:
    """Max-abs scaling, then the ``k`` columns with the best :func:`univariate_score`."""
    from sklearn.feature_selection import SelectKBest
    from sklearn.preprocessing import MaxAbsScaler

    return [MaxAbsScaler(), SelectKBest(univariate_score, k=min(k, X.shape[1]))]


def univariate_score(X: Matrix, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """chi2 where every value is non-negative (counts, one-hot, shares), else the ANOVA F
    statistic. A column constant on the training rows scores 0, where scikit-learn gives NaN
    and a warning per fold."""
    import scipy.sparse as sp
    from sklearn.feature_selection import chi2, f_classif

    values = np.asarray(X.data if sp.issparse(X) else X)
    score = chi2 if values.size == 0 or values.min() >= 0 else f_classif
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", UserWarning)
        stat, p_value = score(X, y)
    return np.nan_to_num(stat), np.nan_to_num(p_value, nan=1.0)


def logistic(params: dict[str, Any]) -> LogisticRegression:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=float(params["C"]), max_iter=int(params["max_iter"]), tol=1e-4)


@register_model
class RandomForestModel(PipelineModel):
    """Random forest on the raw (sparse) features; trees need no scaling.

    Defaults keep a 5-fold CV on 60k x 2k sparse rows under a minute on two cores, and leaves
    of at least ``min_samples_leaf`` rows keep leaf frequencies (the probabilities) away from
    0 and 1, which log loss punishes. A leaf needs at most 1% of the training rows, so on
    small data a split can still isolate a column that few rows have.

    Trees grow on every core; prediction runs on one, since scikit-learn sums the trees'
    votes in whatever order the threads finish, and float sums in another order differ in
    the last bit. Class weights: per-row weights.
    """

    name = "rf"
    description = "random forest (scikit-learn), sparse input"

    DEFAULTS: ClassVar[dict[str, Any]] = {
        "n_estimators": 300,
        "min_samples_leaf": 50,
        "max_features": "sqrt",
        "n_jobs": -1,
    }

    def _steps(self, params: dict[str, Any], X: Matrix, y: np.ndarray) -> list[Any]:
        from sklearn.ensemble import RandomForestClassifier

        features = params["max_features"]
        return [
            RandomForestClassifier(
                n_estimators=int(params["n_estimators"]),
                min_samples_leaf=max(1, min(int(params["min_samples_leaf"]), len(y) // 100)),
                max_features=features if features in ("sqrt", "log2") else float(features),
                n_jobs=int(params["n_jobs"]),
                random_state=self.seed,
            )
        ]

    def _fit(self, X: Matrix, y: np.ndarray) -> None:
        super()._fit(X, y)
        self.pipeline_[-1].set_params(n_jobs=1)  # deterministic predictions (docstring)

    @classmethod
    def search_space(cls, trial: optuna.trial.BaseTrial) -> dict[str, Any]:
        return {
            "n_estimators": trial.suggest_int("n_estimators", 100, 500, log=True),
            "min_samples_leaf": trial.suggest_int("min_samples_leaf", 5, 500, log=True),
            "max_features": trial.suggest_categorical("max_features", ("log2", "sqrt", 0.1, 0.3)),
        }


@register_model
class KNeighborsModel(PipelineModel):
    """k-nearest neighbours in the linear discriminant space of ``n_components`` standardised
    SVD components, all fitted on the training rows.

    Brute-force neighbours on the raw high-dimensional sparse rows are slow and poor, and
    unsupervised components weigh noise columns like signal; LDA keeps the (at most
    classes - 1) directions that separate the classes. A neighbourhood is at most a tenth of
    the training rows, so the default (large, for noisy labels) stays local on small data.

    Neighbour shares of 0 would make the log loss infinite, so they are smoothed towards the
    training class prior (Laplace-smoothed, never 0) with the weight of ``prior_count``
    neighbours: p = (count + prior_count * prior) / (k + prior_count). KNN takes no row
    weights, so ``class_weight="balanced"`` divides the smoothed probabilities by the prior
    and renormalises, which is what balanced row weights would do to the neighbour votes.
    """

    name = "knn"
    description = "k-nearest neighbours on SVD + LDA components, prior-smoothed"

    DEFAULTS: ClassVar[dict[str, Any]] = {
        "n_neighbors": 500,
        "n_components": 32,
        "prior_count": 10.0,
    }
    takes_weights = False

    def _steps(self, params: dict[str, Any], X: Matrix, y: np.ndarray) -> list[Any]:
        from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
        from sklearn.neighbors import KNeighborsClassifier

        k = max(1, min(int(params["n_neighbors"]), len(y) // 10))
        neighbors = KNeighborsClassifier(k)  # "auto": a k-d tree in the few LDA dimensions
        steps = svd_steps(int(params["n_components"]), X, self.seed)
        return [*steps, LinearDiscriminantAnalysis(), neighbors]

    def _fit(self, X: Matrix, y: np.ndarray) -> None:
        self.balanced_ = self.class_weights(y) is not None  # also validates class_weight
        counts = np.bincount(y, minlength=self.n_classes) + 1.0
        self.prior_ = counts / counts.sum()
        super()._fit(X, y)

    def _predict_proba(self, X: Matrix) -> np.ndarray:
        k = self.pipeline_.steps[-1][1].n_neighbors
        m = float({**self.DEFAULTS, **self.params}["prior_count"])
        proba = (super()._predict_proba(X) * k + m * self.prior_) / (k + m)
        if self.balanced_:
            proba /= self.prior_
            proba /= proba.sum(axis=1, keepdims=True)
        return proba

    @classmethod
    def search_space(cls, trial: optuna.trial.BaseTrial) -> dict[str, Any]:
        return {
            "n_neighbors": trial.suggest_int("n_neighbors", 10, 2000, log=True),
            "n_components": trial.suggest_int("n_components", 8, 128, log=True),
        }


class CalibratedSVM(PipelineModel):
    """An SVM with probabilities from CalibratedClassifierCV (``method``: sigmoid, Platt's
    scaling per class, or temperature, one softmax temperature).

    The calibration's inner stratified folds split the rows given to ``fit`` only, so a CV
    fold's validation rows never calibrate it. Every class needs as many rows as there are
    inner folds: ``inner_folds`` drops to the rarest class's count, and rows of a class seen
    once are left out (logged; the class then gets probability 0). Class weights: per-row
    weights, which CalibratedClassifierCV gives to the SVMs and to the calibrators alike.
    """

    ensemble: ClassVar[bool]  # average the inner folds' models, or refit one on every row

    def _sample(self, params: dict[str, Any], y: np.ndarray) -> np.ndarray:
        return np.arange(len(y))

    def _rows(self, params: dict[str, Any], y: np.ndarray) -> np.ndarray | None:
        rows = self._sample(params, y)
        counts = np.bincount(y[rows])
        if (counts == 1).any():
            log.warning(
                "%s: classes %s have one training row, too few to calibrate; left out",
                self.name, np.flatnonzero(counts == 1).tolist(),
            )  # fmt: skip
            rows = rows[counts[y[rows]] > 1]
        return None if len(rows) == len(y) else rows

    def _calibrated(self, svm: Any, params: dict[str, Any], y: np.ndarray) -> Any:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.model_selection import StratifiedKFold

        counts = np.bincount(y)
        folds = min(int(params["inner_folds"]), int(counts[counts > 0].min()))
        inner = StratifiedKFold(folds, shuffle=True, random_state=self.seed)
        method = str(params["method"])
        return CalibratedClassifierCV(svm, method=method, cv=inner, ensemble=self.ensemble)


@register_model
class LinearSVMModel(CalibratedSVM):
    """Linear SVM (LinearSVC, squared hinge) on max-abs-scaled sparse features; probabilities
    average the calibrated models of the inner folds (see :class:`CalibratedSVM`)."""

    name = "svm"
    description = "linear SVM (LinearSVC), calibrated on inner folds"

    DEFAULTS: ClassVar[dict[str, Any]] = {"C": 0.003, "inner_folds": 3, "method": "sigmoid"}
    ensemble = True

    def _steps(self, params: dict[str, Any], X: Matrix, y: np.ndarray) -> list[Any]:
        from sklearn.preprocessing import MaxAbsScaler
        from sklearn.svm import LinearSVC

        svm = LinearSVC(C=float(params["C"]), random_state=self.seed)
        return [MaxAbsScaler(), self._calibrated(svm, params, y)]

    @classmethod
    def search_space(cls, trial: optuna.trial.BaseTrial) -> dict[str, Any]:
        return {"C": trial.suggest_float("C", 1e-4, 10.0, log=True)}


@register_model
class KernelSVMModel(CalibratedSVM):
    """RBF-kernel SVM (SVC) on ``n_components`` standardised SVD components.

    Kernel SVM training grows between quadratically and cubically with the rows, so it fits
    on at most ``max_rows`` of them: a class-stratified sample drawn with the model's seed
    (logged when it applies), on which the SVD and scaler are fitted too. Probabilities: one
    SVC refit on the sample, calibrated on inner out-of-fold decision values (what
    scikit-learn 1.9 advises instead of the deprecated ``SVC(probability=True)``).
    """

    name = "svm-rbf"
    description = "RBF-kernel SVM on truncated-SVD components, at most max_rows rows"

    DEFAULTS: ClassVar[dict[str, Any]] = {
        "C": 1.0,
        "n_components": 16,
        "max_rows": 5000,
        "inner_folds": 3,
        "method": "sigmoid",
    }
    ensemble = False

    def _sample(self, params: dict[str, Any], y: np.ndarray) -> np.ndarray:
        cap = int(params["max_rows"])
        if len(y) <= cap:
            return np.arange(len(y))
        log.info("svm-rbf: fitting on a stratified sample of %d of %d rows", cap, len(y))
        return stratified_sample(y, cap, self.seed)

    def _steps(self, params: dict[str, Any], X: Matrix, y: np.ndarray) -> list[Any]:
        from sklearn.svm import SVC

        svm = SVC(C=float(params["C"]), kernel="rbf", random_state=self.seed)
        steps = svd_steps(int(params["n_components"]), X, self.seed)
        return [*steps, self._calibrated(svm, params, y)]

    @classmethod
    def search_space(cls, trial: optuna.trial.BaseTrial) -> dict[str, Any]:
        return {
            "C": trial.suggest_float("C", 1e-2, 100.0, log=True),
            "n_components": trial.suggest_int("n_components", 8, 128, log=True),
        }


def stratified_sample(y: np.ndarray, size: int, seed: int) -> np.ndarray:
    """``size`` row indices (sorted) with every class in proportion, within one row: a random
    order, grouped by class, then every (n / size)-th row of it. Unlike train_test_split it
    needs no minimum number of rows per class."""
    order = np.random.default_rng(seed).permutation(len(y))
    order = order[np.argsort(y[order], kind="stable")]
    return np.sort(order[np.arange(size) * len(y) // size])


@register_model
class LogisticKBestModel(PipelineModel):
    """L2 logistic regression on the ``k`` best columns by a univariate test (chi2 on
    non-negative input, else ANOVA F), chosen on the training rows. Class weights: per-row
    weights (the selection itself is unweighted)."""

    name = "logreg-kbest"
    description = "logistic regression on SelectKBest columns (chi2 or ANOVA F)"

    DEFAULTS: ClassVar[dict[str, Any]] = {"k": 500, "C": 0.1, "max_iter": 2000}

    def _steps(self, params: dict[str, Any], X: Matrix, y: np.ndarray) -> list[Any]:
        return [*kbest_steps(int(params["k"]), X), logistic(params)]

    @classmethod
    def search_space(cls, trial: optuna.trial.BaseTrial) -> dict[str, Any]:
        return {
            "k": trial.suggest_int("k", 20, 5000, log=True),
            "C": trial.suggest_float("C", 1e-4, 10.0, log=True),
        }


@register_model
class LogisticPCAModel(PipelineModel):
    """L2 logistic regression on ``n_components`` standardised truncated-SVD components (PCA
    without centring, which would densify sparse input). Class weights: per-row weights."""

    name = "logreg-pca"
    description = "logistic regression on truncated-SVD (PCA) components"

    DEFAULTS: ClassVar[dict[str, Any]] = {"n_components": 32, "C": 0.01, "max_iter": 2000}

    def _steps(self, params: dict[str, Any], X: Matrix, y: np.ndarray) -> list[Any]:
        return [*svd_steps(int(params["n_components"]), X, self.seed), logistic(params)]

    @classmethod
    def search_space(cls, trial: optuna.trial.BaseTrial) -> dict[str, Any]:
        return {
            "n_components": trial.suggest_int("n_components", 8, 256, log=True),
            "C": trial.suggest_float("C", 1e-4, 10.0, log=True),
        }
