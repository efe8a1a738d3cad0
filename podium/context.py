"""What the stages of one run share (:class:`RunContext`) and what a run returns
(:class:`RunResult`)."""

from __future__ import annotations

import dataclasses
import math
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from competitions.spec import CompetitionSpec, Dataset
from core.errors import ConfigError
from core.metrics import Metric, get_metric
from podium import __version__
from podium.budget import RESERVE_FRACTION, RESERVE_SECONDS, Budget
from podium.options import RunOptions
from podium.presets import apply_preset
from podium.validation import PARTIAL, run_area, validate_options


@dataclass(frozen=True)
class RunResult:
    run_dir: Path
    leaderboard: pd.DataFrame
    submission: Path
    dataset_source: str
    synthetic: bool
    n_features: int
    feature_seconds: float
    oracle_score: float | None
    # Out-of-fold confusion matrix of the shipped entry, for label metrics.
    confusion: pd.DataFrame | None = None
    report: Path | None = None
    tuning: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    notes: tuple[str, ...] = ()  # segmentation: the choices of K and the questions' answers
    preset: str | None = None
    models: tuple[str, ...] = ()
    time_budget: float | None = None
    total_seconds: float | None = None
    shap_seconds: float | None = None  # computing SHAP values and writing their files and plots


@dataclass(frozen=True)
class Loaded:
    """The run's data set, the fingerprint that keys its cached features, and the load time."""

    dataset: Dataset
    key: str
    seconds: float


@dataclass
class RunContext:
    """The resolved options, the competition, its metric, the clock and the run's folders."""

    options: RunOptions  # the preset applied
    spec: CompetitionSpec
    metric: Metric  # the competition's, or for a segmentation its clustering score
    budget: Budget
    area: Path  # the run's parent folder: runs/<comp>/ or --out
    run_id: str
    resolved: dict[str, Any]  # options.json
    models: tuple[str, ...]
    storage: Any = None  # the Optuna storage, opened when tuning

    @classmethod
    def start(cls, options: RunOptions, started: float | None) -> RunContext:
        """Validate ``options`` (a bad one fails here, before any work); ``started`` is a
        :func:`time.monotonic` value for when the time budget began (default: now)."""
        options = apply_preset(options)
        spec = validate_options(options)
        budget = Budget(time.monotonic() if started is None else started, options.time_budget)
        area = run_area(spec, options)
        segmenting = spec.task == "segmentation" or options.segment
        if segmenting:
            assert spec.segmentation is not None  # validate_options checked it
            metric = get_metric(spec.segmentation.metric)
        else:
            metric = get_metric(spec.metric)
        models = options.models or spec.default_models
        context = cls(
            options=options, spec=spec, metric=metric, budget=budget, area=area,
            run_id=options.run_id or _new_run_id(area),
            resolved=_resolved_options(options, spec, models), models=models,
        )  # fmt: skip
        # A --storage URL is opened now, so a bad one fails in the first second; the default
        # SQLite file only once the data has loaded, so bad input leaves no tuning folder behind.
        if context.tunes and options.storage is not None:
            context.open_storage()
        return context

    @property
    def segmenting(self) -> bool:
        return self.spec.task == "segmentation" or self.options.segment

    @property
    def tunes(self) -> bool:
        return self.options.tuning and not self.segmenting

    @property
    def stage(self) -> Path:
        """The hidden folder the run writes into; renamed to :attr:`run_dir` when it succeeds."""
        return self.area / f".{self.run_id}{PARTIAL}"

    @property
    def run_dir(self) -> Path:
        return self.area / self.run_id

    def check_budget(self, what: str, load_seconds: float) -> None:
        """Stop early, with the figures, when the work before the models used up the time
        budget: the smallest budget that would work leaves the models as much time again, plus
        the reserve."""
        budget = self.budget
        if budget.seconds is None or budget.left() > 0:
            return
        elapsed = time.monotonic() - budget.started
        enough = (2 * elapsed + RESERVE_SECONDS) / (1 - RESERVE_FRACTION)
        raise ConfigError(
            f"--time-budget {budget.seconds:g} s is too small for this data: {what} took "
            f"{elapsed:.0f} s (loading {load_seconds:.1f} s), which leaves no time for any model. "
            f"Give at least --time-budget {10 * math.ceil(enough / 10):.0f}"
        )

    def open_storage(self) -> Any:
        """The Optuna storage: ``--storage``, else a SQLite file in the run area."""
        if self.storage is None:
            from podium import storage, tuning  # optuna is imported only when tuning

            if self.options.storage is not None:
                self.storage = storage.open_storage(self.options.storage)
            else:
                (self.area / "tuning").mkdir(parents=True, exist_ok=True)
                self.storage = storage.open_storage(tuning.default_storage_url(self.area))
        return self.storage


def _resolved_options(
    options: RunOptions, spec: CompetitionSpec, models: tuple[str, ...]
) -> dict[str, Any]:
    values = options.to_json()
    values.update(
        models=list(models),
        metric=spec.metric,
        fold_scheme=spec.folds.kind,
        podium_version=__version__,
        python=platform.python_version(),
    )
    return values


def _new_run_id(area: Path) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate, suffix = stamp, 1
    while (area / candidate).exists() or (area / f".{candidate}{PARTIAL}").exists():
        suffix += 1
        candidate = f"{stamp}-{suffix}"
    return candidate
