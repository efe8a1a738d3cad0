"""The leaderboard's entries and how each is evaluated within the run's time budget.

Without tuning options every model is cross-validated once with its default parameters. With
``--trials`` or ``--time-budget`` every model that has a search space gets an Optuna study
(:mod:`podium.tuning`) and two entries: ``<model>`` (its defaults, the study's first trial) and
``<model>-optuna`` (the best trial). For a label metric with a tuned decision rule each model
also gets ``<...>+tuned``, whose class weights are tuned inside each training fold.

Models without a study are cross-validated first, each within an even share of the time left;
then the studies share what is left (:mod:`podium.tuned_entries`). Fits stop at their deadline
(:func:`core.deadlines.deadline`) instead of running over. Every entry is scored by the run's
:class:`podium.scoring.Scorer`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm.auto import tqdm

from competitions.spec import CompetitionSpec, Dataset
from core.deadlines import OutOfTime, deadline
from core.hashing import fingerprint
from core.metrics import Metric, get_metric
from core.results import CVResult
from core.types import Task
from features.base import FeatureSet, FoldFeatures
from models import MODELS, Model, make_model
from models.base import is_tunable
from models.decision import TunedDecision
from podium.budget import Budget
from podium.cv import FoldCheckpoint, cross_validate
from podium.options import RunOptions
from podium.scoring import Scorer

if TYPE_CHECKING:
    import optuna

    from podium.allocate import Step
    from podium.tuning import TuningOutcome

log = logging.getLogger(__name__)

# What studies optimise when the competition's metric scores labels (see __post_init__).
TUNING_LOSS = get_metric("log_loss")
# A decision-tuned entry fits its base model about this many times per fold.
DECISION_COST = 6.0


@dataclass
class EntryRunner:
    """Evaluates every entry of a run on its saved folds; see the module docstring."""

    spec: CompetitionSpec
    dataset: Dataset
    features: FeatureSet
    fold: np.ndarray
    options: RunOptions
    subsets: Mapping[str, np.ndarray]
    budget: Budget
    checkpoints: Path | None  # finished folds of the plain entries, for --resume
    run_id: str
    storage: optuna.storages.BaseStorage | None = None
    tuning_area: Path | None = None  # studies' cached results and fold checkpoints
    fold_features: FoldFeatures | None = None  # columns fitted inside each fold
    seed_bags: int = 1  # each seed-sensitive tuned model's best trial refitted with N seeds
    row_weight: np.ndarray | None = None  # --drift-weights: each training row's weight
    tuning: dict[str, TuningOutcome] = field(default_factory=dict)
    schedule: list[Step] = field(default_factory=list)  # the tuning trials, in order

    def __post_init__(self) -> None:
        self.metric: Metric = get_metric(self.spec.metric)
        self.n_folds = int(self.fold.max()) + 1
        self.decisions = self.spec.tune_decision and self.metric.needs == "label"
        # Studies optimise a proper score: a label metric (F1) scores the argmax of each trial's
        # probabilities, a flat and noisy objective that rewards configurations which happen to
        # cross a class boundary; the decision rule is tuned separately (``+tuned`` entries).
        self.tuning_metric = TUNING_LOSS if self.metric.needs == "label" else self.metric
        self.scorer = Scorer(
            metric=self.metric, y=self.dataset.y, classes=self.dataset.classes, fold=self.fold,
            features=self.features, subsets=self.subsets, fold_features=self.fold_features,
            explain_rows=Scorer.sample_rows(
                len(self.dataset.y), self.options.shap_rows or 0, self.options.seed
            ),
            shap_cap=Scorer.cap(self.options.shap_seconds, self.budget.seconds),
        )  # fmt: skip

    def run(self, model_names: tuple[str, ...]) -> list[CVResult]:
        tunable = [n for n in model_names if self.options.tuning and is_tunable(MODELS.get(n))]
        plain = [n for n in model_names if n not in tunable]
        results: list[CVResult] = []
        shares_per_model = 2 if self.decisions else 1
        for i, name in enumerate(plain):
            # Untuned models first, each within an even share of the time left.
            shares_left = (len(plain) - i + min(len(tunable), 1)) * shares_per_model
            entry = self._plain(name, self.maker(name), self.budget.share_end(shares_left))
            entries = [entry] if entry is not None else []
            results += entries + self.decided(entries, shares_left - 1)
        if tunable:
            from podium.tuned_entries import TunedEntries  # optuna is imported only when tuning

            results += TunedEntries(self).run(tunable)
        return results

    def decided(self, entries: list[CVResult], shares_left: int) -> list[CVResult]:
        """The ``+tuned`` entry of a model's last entry, for label metrics that tune decisions."""
        if not self.decisions or not entries:
            return []
        decided = self._decision(entries[-1], self.budget.share_end(shares_left))
        return [decided] if decided is not None else []

    # Building models.

    @property
    def task(self) -> Task:
        task = self.spec.task
        if task == "segmentation":
            raise ValueError(f"{self.spec.name} is a segmentation competition: it fits no models")
        return task

    def fixed_params(self, name: str) -> dict[str, Any]:
        params = dict(self.spec.model_params.get(name, {}))
        if self.options.class_weight != "auto":
            params["class_weight"] = None if self.options.class_weight == "none" else "balanced"
        return params

    def maker(self, name: str, seed: int | None = None, **params: Any) -> Callable[[], Model]:
        """A picklable factory of fresh ``name`` models (folds may fit in worker processes)."""
        return partial(
            make_model,
            name,
            task=self.task,
            n_classes=len(self.dataset.classes),
            seed=self.options.seed if seed is None else seed,
            **{**self.fixed_params(name), **params},
        )

    # Plain cross-validation.

    def _plain(
        self, name: str, make: Callable[[], Model], until: float | None, tuned: bool = False
    ) -> CVResult | None:
        with tqdm(
            total=self.n_folds, desc=name, unit="fold", leave=False, disable=self.no_bar()
        ) as bar:

            def fold_done(k: int, score: float) -> None:
                bar.set_postfix_str(f"fold {k + 1}/{self.n_folds} {self.metric.name}={score:.4f}")
                bar.update()

            try:
                with deadline(until):
                    result = cross_validate(
                        name, make, self.features.X_train, self.dataset.y, self.features.X_test,
                        self.fold, self.metric, fold_done,
                        keep_models=self.scorer.explain_rows is not None,
                        checkpoint=self._checkpoint(name), fold_features=self.fold_features,
                        sample_weight=self.row_weight,
                    )  # fmt: skip
            except OutOfTime:
                log.warning(
                    "%s did not finish within its share of the time budget and is left out", name
                )
                return None
        result.tuned = tuned
        return self.scorer.score(result)

    def _decision(self, base: CVResult, until: float | None) -> CVResult | None:
        name = f"{base.model}+tuned"
        if until is not None and DECISION_COST * base.fit_seconds > until - time.monotonic():
            log.warning(
                "%s skipped: it would take about %.0f s and its share of the budget has %.0f s",
                name, DECISION_COST * base.fit_seconds, until - time.monotonic(),
            )  # fmt: skip
            return None
        model_name = base.model.removesuffix("-optuna")
        tuned_params = self.tuning[model_name].best_params if base.trials else {}
        sign = 1.0 if self.metric.greater_is_better else -1.0
        score = partial(_signed, self.metric.func, sign)  # picklable, for fold checkpoints
        make = partial(
            TunedDecision,
            task=self.task,
            n_classes=len(self.dataset.classes),
            seed=self.options.seed,
            base=self.maker(model_name, **tuned_params),
            score=score,
        )
        result = self._plain(name, make, until, tuned=True)
        if result is not None:
            result.trials = base.trials
        return result

    def _checkpoint(self, name: str) -> FoldCheckpoint | None:
        """Saved folds of a plain entry; keyed by the data, so changed inputs are refitted."""
        if self.checkpoints is None:
            return None
        return FoldCheckpoint(self.checkpoints / self.data_fingerprint[:12] / name)

    @cached_property
    def data_fingerprint(self) -> str:
        """The matrices, target, folds and fold-fitted columns: what a fit's result depends on."""
        extra = self.fold_features
        parts = [] if extra is None else [list(extra.names), *extra.train, *extra.test]
        if self.row_weight is not None:  # weighted fits are other results (and studies)
            parts.append(self.row_weight)
        return fingerprint(
            self.features.X_train, self.features.X_test, self.dataset.y, self.fold, *parts
        )

    def no_bar(self) -> bool | None:
        return None if self.options.progress else True  # None: shown only on a terminal


def _signed(func: Callable[[np.ndarray, np.ndarray], float], sign: float, *args: Any) -> float:
    return sign * func(*args)
