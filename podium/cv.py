"""Cross-validation of one model over a run's saved folds."""

from __future__ import annotations

import math
import pickle
import shutil
import time
import warnings
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from core import cpus
from core.atomic import write_bytes
from core.deadlines import current_deadline, deadline
from core.folds import iter_folds
from core.metrics import Metric
from core.results import CVResult
from core.types import Matrix
from features.base import FoldFeatures
from models.base import Model
from podium import faults, stopping

# A pruned or stopped trial closes the fold generator early; joblib then warns that the
# folds still running were cancelled, which is what podium meant to happen.
warnings.filterwarnings(
    "ignore",
    message=r".*You could benefit from adjusting the input task iterator",
    category=UserWarning,
)


def cross_validate(
    name: str,
    make: Callable[[], Model],
    X: Matrix,
    y: np.ndarray,
    X_test: Matrix,
    fold: np.ndarray,
    metric: Metric,
    on_fold_done: Callable[[int, float], None] | None = None,
    keep_models: bool = False,
    checkpoint: FoldCheckpoint | None = None,
    fold_features: FoldFeatures | None = None,
    sample_weight: np.ndarray | None = None,
) -> CVResult:
    """Fit one fresh model per fold on that fold's training rows only.

    Every fitted transform lives inside the model, so nothing is fitted on validation rows;
    ``fold_features`` adds each fold's own fold-fitted columns (clusters, target encodings).
    The test prediction is the mean of the fold models' predictions. With a ``checkpoint``,
    each finished fold is saved, and folds saved by an interrupted earlier attempt are loaded
    instead of refitted. ``on_fold_done`` may raise to abandon the model (Optuna's pruning).
    ``sample_weight`` (one per training row, ``--drift-weights``) weighs each fold's fit.
    """
    n_folds = int(fold.max()) + 1
    oof: np.ndarray | None = None
    test_sum: np.ndarray | None = None
    scores: list[float] = []
    fit_seconds = predict_seconds = 0.0
    models: list[Model] = []
    saved = {k: checkpoint.load(k) for k in range(n_folds)} if checkpoint is not None else {}
    todo = [(k, t, v) for k, t, v in iter_folds(fold) if saved.get(k) is None]
    fitted = _fit_folds(make, X, y, X_test, todo, metric, fold_features, sample_weight)
    try:
        for k, _, valid_idx in iter_folds(fold):
            done = saved.get(k)
            if done is None:
                done = next(fitted)
                if checkpoint is not None:
                    checkpoint.save(k, done)
                    faults.point("fold")
            if oof is None:
                oof = np.zeros((len(y), *done.valid_pred.shape[1:]))
                test_sum = np.zeros_like(done.test_pred)
            oof[valid_idx] = done.valid_pred
            test_sum = test_sum + done.test_pred
            fit_seconds += done.fit_seconds
            predict_seconds += done.predict_seconds
            scores.append(done.score)
            models.append(done.model)
            if on_fold_done is not None:
                on_fold_done(k, scores[-1])
    finally:
        fitted.close()  # abandoned (pruned, out of time): the folds still queued are dropped
    assert oof is not None and test_sum is not None
    return CVResult(
        model=name,
        oof=oof,
        test=test_sum / n_folds,
        fold_scores=scores,
        oof_score=metric.score(y, oof),
        fit_seconds=fit_seconds,
        predict_seconds=predict_seconds,
        params=models[-1].get_params(),
        models=models if keep_models else None,
    )


@dataclass
class FoldOutput:
    """What one fold leaves behind: its predictions, score, timings and fitted model."""

    valid_pred: np.ndarray
    test_pred: np.ndarray
    score: float
    fit_seconds: float
    predict_seconds: float
    model: Model


def first_round_share(n_rows: int, n_folds: int) -> float:
    """The share of a cross-validation's wall time spent on its first round of folds: one
    fold of ``n_folds`` when they run one after another, else one round of parallel folds
    (:func:`_fit_folds`), e.g. a third for five folds on two CPUs."""
    workers = min(cpus.jobs(), n_folds)
    if workers <= 1 or n_rows < cpus.PARALLEL_FOLDS_ROWS:
        return 1.0 / max(n_folds, 1)
    return 1.0 / math.ceil(n_folds / workers)


def _fit_folds(
    make: Callable[[], Model],
    X: Matrix,
    y: np.ndarray,
    X_test: Matrix,
    todo: list[tuple[int, np.ndarray, np.ndarray]],
    metric: Metric,
    fold_features: FoldFeatures | None,
    sample_weight: np.ndarray | None = None,
) -> Generator[FoldOutput, None, None]:
    """The fits of the folds in ``todo``, in order: one after another, or on large enough data
    in parallel worker processes, one single-threaded fold per usable CPU
    (:mod:`core.cpus`). Each fold's result is the same either way."""

    def tasks() -> Iterator[tuple[Matrix, Matrix, np.ndarray, np.ndarray]]:
        for k, train_idx, valid_idx in todo:
            stopping.check()
            X_k, X_test_k = X, X_test
            if fold_features is not None:
                X_k, X_test_k = fold_features.matrices(k, X, X_test)
            yield X_k, X_test_k, train_idx, valid_idx

    workers = min(cpus.jobs(), len(todo))
    if workers <= 1 or len(y) < cpus.PARALLEL_FOLDS_ROWS:
        for X_k, X_test_k, train_idx, valid_idx in tasks():
            yield _fit_fold(make, X_k, y, X_test_k, train_idx, valid_idx, metric, sample_weight)
        return
    from joblib import Parallel, delayed  # deferred: only large data uses worker processes

    threads = max(1, cpus.jobs() // workers)
    until = current_deadline()
    from podium.plugins import loaded_plugins

    plugins = loaded_plugins()  # a plugin's model is made in the workers too
    # max_nbytes=None: no read-only memory maps of the matrices in the workers (CatBoost's
    # predict_proba refuses a read-only buffer); each task gets its own copy.
    parallel = Parallel(n_jobs=workers, backend="loky", return_as="generator", max_nbytes=None)
    yield from parallel(
        delayed(_fit_fold_in_worker)(
            make, X_k, y, X_test_k, train, valid, metric, until, threads, plugins, sample_weight
        )
        for X_k, X_test_k, train, valid in tasks()
    )


def _fit_fold_in_worker(
    make: Callable[[], Model],
    X: Matrix,
    y: np.ndarray,
    X_test: Matrix,
    train_idx: np.ndarray,
    valid_idx: np.ndarray,
    metric: Metric,
    until: float | None,
    threads: int,
    plugins: tuple[str, ...] = (),
    sample_weight: np.ndarray | None = None,
) -> FoldOutput:
    """One fold in a worker process, under the parent's deadline (monotonic clocks are
    system-wide), with the worker's share of the CPUs as its threads and the parent's plugin
    files loaded (once per worker)."""
    if plugins:
        from podium.plugins import load_plugins  # deferred: imports the competitions

        load_plugins(plugins)
    cpus.set_threads_per_fit(threads)
    with deadline(until):
        return _fit_fold(make, X, y, X_test, train_idx, valid_idx, metric, sample_weight)


def _fit_fold(
    make: Callable[[], Model],
    X: Matrix,
    y: np.ndarray,
    X_test: Matrix,
    train_idx: np.ndarray,
    valid_idx: np.ndarray,
    metric: Metric,
    sample_weight: np.ndarray | None = None,
) -> FoldOutput:
    model = make()
    started = time.perf_counter()
    weight = None if sample_weight is None else sample_weight[train_idx]
    model.fit(X[train_idx], y[train_idx], sample_weight=weight)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    valid_pred = model.predict_proba(X[valid_idx])
    test_pred = model.predict_proba(X_test)
    return FoldOutput(
        valid_pred=valid_pred,
        test_pred=test_pred,
        score=metric.score(y[valid_idx], valid_pred),
        fit_seconds=fit_seconds,
        predict_seconds=time.perf_counter() - started,
        model=model,
    )


class FoldCheckpoint:
    """Finished folds of one model saved under ``folder``, one pickle per fold, written
    atomically, so a killed run resumes at the first unfinished fold. Only podium reads them
    back, from its own run area."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, k: int) -> Path:
        return self.folder / f"fold-{k}.pkl"

    def load(self, k: int) -> FoldOutput | None:
        path = self._path(k)
        if not path.exists():
            return None
        with path.open("rb") as handle:
            done = pickle.load(handle)
        return done if isinstance(done, FoldOutput) else None

    def save(self, k: int, done: FoldOutput) -> None:
        write_bytes(self._path(k), pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL))

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def explain(
    result: CVResult,
    X: Matrix,
    fold: np.ndarray,
    rows: np.ndarray,
    cap: float,
    fold_features: FoldFeatures | None = None,
) -> None:
    """SHAP values of the sampled out-of-fold ``rows``, each from the fold model that did not
    train on it (:func:`podium.shapley.explain_model`), until ``cap`` seconds are spent; stored
    on ``result``. Needs the fold models (``keep_models=True``)."""
    if result.models is None:
        return
    from podium.shapley import explain_model  # deferred: it imports shap when used

    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    started = time.perf_counter()
    until = time.monotonic() + cap
    for (k, train_idx, valid_idx), model in zip(iter_folds(fold), result.models, strict=True):
        wanted = np.intersect1d(rows, valid_idx)
        if len(wanted) == 0:
            continue
        if time.monotonic() >= until:
            break
        block, background = (_fold_rows(X, fold_features, k, r) for r in (wanted, train_idx))
        done = explain_model(model, block, background, until, seed=k)
        if done is None:
            break
        result.shap_method = done.method
        parts.append((wanted[done.rows], done.values, done.base))
    result.shap_seconds = time.perf_counter() - started
    if parts:
        result.shap_rows = np.concatenate([r for r, _, _ in parts])
        result.shap = np.concatenate([v for _, v, _ in parts])
        result.shap_base = np.concatenate([b for _, _, b in parts])


def _fold_rows(X: Matrix, fold_features: FoldFeatures | None, k: int, rows: np.ndarray) -> Matrix:
    """``rows`` of ``X`` as fold ``k``'s model sees them: with that fold's fitted columns."""
    if fold_features is None:
        return X[rows]
    return sp.hstack([X[rows], fold_features.train[k][rows]], format="csr")


def bag_results(
    name: str, runs: list[CVResult], y: np.ndarray, fold: np.ndarray, metric: Metric
) -> CVResult:
    """The average of several cross-validations of one model on the same folds (seed bagging).
    Each row's prediction averages out-of-fold predictions only, so the bag stays out of fold;
    its fold scores are recomputed on the averaged predictions."""
    oof = np.mean([r.oof for r in runs], axis=0)
    scores = [metric.score(y[valid], oof[valid]) for _, _, valid in iter_folds(fold)]
    return CVResult(
        model=name,
        oof=oof,
        test=np.mean([r.test for r in runs], axis=0),
        fold_scores=scores,
        oof_score=metric.score(y, oof),
        fit_seconds=sum(r.fit_seconds for r in runs),
        predict_seconds=sum(r.predict_seconds for r in runs),
        params={**runs[0].params, "seeds": len(runs)},
    )


def average_shap(runs: list[CVResult]) -> None | tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows every run explained, and the mean of their SHAP and base values there (the SHAP
    values of an average of models in raw space; the bag averages probabilities, so this
    approximates)."""
    explained = [r for r in runs if r.shap is not None and r.shap_rows is not None]
    if len(explained) != len(runs) or not explained:
        return None
    common = explained[0].shap_rows
    assert common is not None
    for run in explained[1:]:
        common = np.intersect1d(common, np.asarray(run.shap_rows))
    if len(common) == 0:
        return None
    values, bases = [], []
    for run in explained:
        assert run.shap_rows is not None and run.shap is not None and run.shap_base is not None
        order = np.argsort(run.shap_rows)
        take = order[np.searchsorted(run.shap_rows, common, sorter=order)]
        values.append(run.shap[take])
        bases.append(run.shap_base[take])
    return common, np.mean(values, axis=0).astype(np.float32), np.mean(bases, axis=0)
