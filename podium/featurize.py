"""A run's features through the feature store: the shared matrices, then the fold-fitted ones.

The shared matrices (:attr:`CompetitionSpec.build_features`) depend on the data only. The
fold-fitted columns (cluster membership, target encodings) are fitted inside each fold on the
run's saved folds (:class:`features.base.FoldFeatures`). Both are cached by
:class:`features.store.FeatureStore` under ``<run area>/cache/features/``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from competitions.spec import CompetitionSpec, Dataset
from core.errors import ConfigError
from core.hashing import fingerprint
from features.base import FeatureSet, FoldFeatures
from features.clusters import METHODS, cluster_features
from features.store import CacheKey, FeatureStore
from features.target_encoding import target_encodings
from podium import faults
from podium.options import RunOptions
from podium.sources import code_fingerprint, spec_functions

log = logging.getLogger(__name__)

CACHE = Path(".cache") / "features"  # inside the run area, hidden like staging folders
MAX_CLUSTERS = 50


@dataclass(frozen=True)
class Featurized:
    features: FeatureSet
    fold_features: FoldFeatures | None
    seconds: float

    @property
    def n_features(self) -> int:
        extra = 0 if self.fold_features is None else len(self.fold_features.names)
        return self.features.n_features + extra

    def shown(self, fold: np.ndarray) -> FeatureSet:
        """Every column, for reports and SHAP plots: each training row's fold-fitted columns as
        it had them as a validation row; the test rows' from the first fold."""
        import scipy.sparse as sp

        extra = self.fold_features
        if extra is None:
            return self.features
        return FeatureSet(
            sp.hstack([self.features.X_train, extra.validation_view(fold)], format="csr"),
            sp.hstack([self.features.X_test, extra.test[0]], format="csr"),
            self.features.names + extra.names,
        )


def cluster_plan(spec: CompetitionSpec, options: RunOptions) -> tuple[tuple[str, ...], int]:
    """The cluster methods and K the run uses: from ``--clusters-from`` (a segmentation run's
    choice) or from ``--clusters`` and ``--cluster-k``."""
    if options.clusters_from is None:
        return cluster_methods(spec, options), options.cluster_k
    summary_path = Path(options.clusters_from) / "run.json"
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        method, k = str(summary["shipped"]).rsplit("-k", 1)
        chosen = (method.split("+")[-1],), int(k)  # pca+kmeans -> kmeans on the cluster view
    except (OSError, ValueError, KeyError) as error:
        raise ConfigError(
            f"--clusters-from: {summary_path} is not a finished segmentation run's summary "
            f"({error})"
        ) from None
    if summary.get("metric") != "silhouette" or summary.get("competition") != spec.name:
        raise ConfigError(
            f"--clusters-from: {summary_path} is not a segmentation run of {spec.name} "
            f"(competition {summary.get('competition')!r}, metric {summary.get('metric')!r})"
        )
    if spec.cluster_view is None or chosen[0][0] not in METHODS:
        raise ConfigError(f"--clusters-from: {spec.name} cannot cluster with {method!r}")
    return chosen


def cluster_methods(spec: CompetitionSpec, options: RunOptions) -> tuple[str, ...]:
    """The cluster methods the run uses; a ConfigError names a bad ``--clusters`` value."""
    if options.clusters == "auto":
        return spec.default_clusters
    if options.clusters == "none":
        return ()
    methods = tuple(m.strip() for m in options.clusters.split(",") if m.strip())
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods or len(set(methods)) != len(methods):
        raise ConfigError(
            f"--clusters must be auto, none, or methods among {', '.join(METHODS)} joined by "
            f"commas, got {options.clusters!r}"
        )
    if spec.cluster_view is None:
        raise ConfigError(f"--clusters: {spec.name} declares no view to cluster its rows on")
    return methods


def uses_target_encoding(spec: CompetitionSpec, options: RunOptions) -> bool:
    if options.target_encoding == "auto":
        return spec.default_target_encoding
    if options.target_encoding == "on" and spec.categoricals is None:
        raise ConfigError(
            f"--target-encoding on: {spec.name} declares no high-cardinality categoricals"
        )
    return options.target_encoding == "on"


def check_options(spec: CompetitionSpec, options: RunOptions) -> None:
    """Fail before any work on a bad feature option."""
    cluster_plan(spec, options)
    uses_target_encoding(spec, options)
    if options.target_encoding not in ("auto", "on", "off"):
        raise ConfigError(
            f"--target-encoding must be auto, on or off, got {options.target_encoding!r}"
        )
    if not 2 <= options.cluster_k <= MAX_CLUSTERS:
        raise ConfigError(
            f"--cluster-k must be between 2 and {MAX_CLUSTERS}, got {options.cluster_k}"
        )


def input_fingerprint(spec: CompetitionSpec, dataset_key: str) -> str:
    """The store's input key: the data's own fingerprint plus the source code that loads the
    competition and builds its features: the modules defining the spec's functions and the
    fold-fitted builders, and the project modules they import (:mod:`podium.sources`), wherever
    they live; so edited code never serves stale matrices, while an edit to another
    competition, or a new module beside this one, keeps this one's cache."""
    functions: list[Callable[..., Any]] = [*spec_functions(spec), cluster_features]
    functions.append(target_encodings)
    return fingerprint(dataset_key, code_fingerprint(functions))


def featurize(
    spec: CompetitionSpec,
    options: RunOptions,
    dataset: Dataset,
    data_key: str,
    fold: np.ndarray,
    area: Path,
) -> Featurized:
    """Build (or read from the cache) the run's shared and fold-fitted features; ``data_key``
    fingerprints the data (the files' bytes, or the synthetic sample's recipe)."""
    store = FeatureStore(area / CACHE if options.cache else None)
    inputs = input_fingerprint(spec, data_key)
    started = time.perf_counter()
    shared, hit = store.get(
        CacheKey(spec.name, "features", inputs), lambda: spec.build_features(dataset), FeatureSet
    )
    _log_built("Features", shared.n_features, hit, time.perf_counter() - started)
    faults.point("features")
    parts: list[FoldFeatures] = []
    folds_key = fingerprint(fold, dataset.y)
    methods, k = cluster_plan(spec, options)
    if methods:
        view = spec.cluster_view
        assert view is not None
        where = (
            "fitted once on train and test rows together (--transductive-clusters; no labels)"
            if options.transductive_clusters
            else "fitted inside each fold on its training rows"
        )
        params = {
            "view": view.describe(), "methods": list(methods), "k": k,
            "transductive": options.transductive_clusters, "seed": options.seed,
        }  # fmt: skip
        log.info(
            "Cluster features: %s with K=%d on %s, %s", "+".join(methods), k,
            view.describe(), where,
        )  # fmt: skip
        build_clusters = partial(
            cluster_features, shared, view, fold, methods=methods, k=k,
            transductive=options.transductive_clusters, seed=options.seed,
            progress=options.progress,
        )  # fmt: skip
        key = CacheKey(spec.name, "clusters", inputs, params, folds_key)
        parts.append(_fold_part(store, key, build_clusters, "Cluster features"))
    if uses_target_encoding(spec, options):
        assert spec.categoricals is not None
        cat_train, cat_test = spec.categoricals(dataset)
        log.info(
            "Target encoding of %s, out of fold within each training fold",
            ", ".join(cat_train.columns),
        )
        build_encodings = partial(
            target_encodings, cat_train, cat_test, dataset.y, fold, classes=dataset.classes,
            seed=options.seed, progress=options.progress,
        )  # fmt: skip
        params = {"columns": list(cat_train.columns), "seed": options.seed}
        key = CacheKey(spec.name, "target_encoding", inputs, params, folds_key)
        parts.append(_fold_part(store, key, build_encodings, "Target encodings"))
    return Featurized(shared, FoldFeatures.concat(parts), time.perf_counter() - started)


def _fold_part(
    store: FeatureStore, key: CacheKey, build: Callable[[], FoldFeatures], what: str
) -> FoldFeatures:
    started = time.perf_counter()
    value, hit = store.get(key, build, FoldFeatures)
    _log_built(what, len(value.names), hit, time.perf_counter() - started)
    return value


def _log_built(what: str, columns: int, hit: bool, seconds: float) -> None:
    log.info(
        "%s: %s columns %s in %.1f s", what, f"{columns:,}",
        "read from the feature cache" if hit else "built", seconds,
    )  # fmt: skip
