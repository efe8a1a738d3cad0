"""Run options: typed, frozen, and validated before any work starts."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

MAX_FOLDS = 20
MAX_SEED_BAGS = 10


@dataclass(frozen=True)
class RunOptions:
    comp: str
    # The preset (podium.presets) fills in every option below that is left None.
    preset: str = "medium"
    data_dir: Path | None = None
    out: Path | None = None
    folds: int = 5
    seed: int = 42
    models: tuple[str, ...] | None = None  # None: the preset's (or the competition's) models
    synthetic_scale: Literal["small", "full"] = "small"
    # "auto": the competition's choice; "none" or "balanced" overrides it for every model.
    class_weight: Literal["auto", "none", "balanced"] = "auto"
    progress: bool = True
    report: bool = True
    # SHAP on this many out-of-fold rows (None: the preset's), within this many seconds per model.
    shap_rows: int | None = None
    shap_seconds: float = 60.0
    # shap's plots for the best this many explained entries (None: the preset's); 0: none.
    shap_plots: int | None = None
    # Tuning: either turns Optuna on. The budget bounds the whole run, in seconds; trials is
    # the number of finished trials each model's study reaches.
    time_budget: float | None = None
    trials: int | None = None
    storage: str | None = None  # Optuna storage URL; None: SQLite in the competition's run area
    run_id: str | None = None  # set when resuming an interrupted run
    cache: bool = True  # the feature store (features.store); False builds every matrix afresh
    # Cluster-membership features: "auto" (the competition's choice), "none", or methods
    # among kmeans and gmm joined by commas; K clusters each. They are fitted inside each fold
    # unless transductive_clusters, which fits them once on train and test rows (no labels).
    clusters: str = "auto"
    cluster_k: int = 8
    transductive_clusters: bool = False
    # A segmentation run's folder: its chosen method and K replace clusters and cluster_k.
    clusters_from: str | None = None
    # Out-of-fold target encoding of the competition's high-cardinality categoricals.
    target_encoding: Literal["auto", "on", "off"] = "auto"
    # Cluster the training rows instead of predicting (segmentation competitions always do).
    segment: bool = False
    # Each booster's best trial refitted with this many seeds and averaged (None: the preset's).
    seed_bags: int | None = None
    # Weigh every model's training rows by their test-likeness (podium.adversarial).
    drift_weights: bool = False
    # Processes (fold workers) podium may run at once; None: the CPUs it may use.
    jobs: int | None = None
    # Plugin files (resolved paths) loaded before the competition is looked up (podium.plugins).
    plugins: tuple[str, ...] = ()
    # Set by podium.presets.apply_preset once the preset's values are filled in.
    preset_applied: bool = False

    @property
    def tuning(self) -> bool:
        return self.time_budget is not None or self.trials is not None

    def to_json(self) -> dict[str, Any]:
        values = dataclasses.asdict(self)
        for key in ("data_dir", "out"):
            values[key] = None if values[key] is None else str(values[key])
        values["models"] = None if self.models is None else list(self.models)
        values["plugins"] = list(self.plugins)
        if self.storage is not None:
            values["storage"] = masked(self.storage)
        return values


def masked(url: str) -> str:
    """A storage URL with its password replaced by ``***``, for logs and saved options."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))
