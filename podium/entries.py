"""The leaderboard's entries and how each is evaluated within the run's time budget.

Without tuning options every model is cross-validated once with its default parameters. With
``--trials`` or ``--time-budget`` every model that has a search space gets an Optuna study
(:mod:`podium.tuning`) and two entries: ``<model>`` (its defaults, the study's first trial) and
``<model>-optuna`` (the best trial). For a label metric with a tuned decision rule each model
also gets ``<...>+tuned``, whose class weights are tuned inside each training fold.

Models without a study are cross-validated first, each within an even share of the time left.
The studies then share what is left through :class:`podium.allocate.Allocator` (every model's
defaults first, then the next trial to the model with the lowest estimated cost for
improvement), keeping back what each model needs afterwards (SHAP, seed bags, decision-tuned
entries) and the run's reserve for ensembles, SHAP plots and the files. Fits stop at their
deadline (:func:`models.base.deadline`) instead of running over. With ``seed_bags`` > 1 each
seed-sensitive model's best trial is refitted with more seeds and averaged (``<model>-bagN``).
"""

from __future__ import annotations

import dataclasses
import logging
import socket
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
from core.folds import iter_folds
from core.hashing import fingerprint
from core.metrics import Metric, get_metric
from core.results import CVResult
from core.types import Task
from features.base import FeatureSet, FoldFeatures
from models import MODELS, Model, make_model
from models.bag import SeedBag
from models.base import is_tunable
from models.decision import TunedDecision
from podium.budget import Budget
from podium.cv import (
    FoldCheckpoint,
    average_shap,
    bag_results,
    cross_validate,
    explain,
    first_round_share,
)
from podium.options import RunOptions
from podium.progress import TuningProgress

if TYPE_CHECKING:
    import optuna

    from podium.allocate import Step
    from podium.tuning import ModelTuner, TuningOutcome

log = logging.getLogger(__name__)

# Under a budget, SHAP of one entry stops after this fraction of the budget (or --shap-seconds).
SHAP_BUDGET_FRACTION = 0.01
# What studies optimise when the competition's metric scores labels (see __post_init__).
TUNING_LOSS = get_metric("log_loss")
# A decision-tuned entry fits its base model about this many times per fold.
DECISION_COST = 6.0
# Time is kept back for a model's decision-tuned entry only up to this share of the budget.
MAX_DECISION_SHARE = 0.15


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
        self.shap_cap = self.options.shap_seconds
        if self.budget.seconds is not None:
            self.shap_cap = min(self.shap_cap, SHAP_BUDGET_FRACTION * self.budget.seconds)
        self.explain_rows: np.ndarray | None = None
        shap_rows = self.options.shap_rows or 0
        if shap_rows > 0:
            rng = np.random.default_rng(self.options.seed)
            count = min(shap_rows, len(self.dataset.y))
            self.explain_rows = np.sort(rng.choice(len(self.dataset.y), size=count, replace=False))

    def run(self, model_names: tuple[str, ...]) -> list[CVResult]:
        tunable = [n for n in model_names if self.options.tuning and is_tunable(MODELS.get(n))]
        plain = [n for n in model_names if n not in tunable]
        results: list[CVResult] = []
        shares_per_model = 2 if self.decisions else 1
        for i, name in enumerate(plain):
            # Untuned models first, each within an even share of the time left.
            shares_left = (len(plain) - i + min(len(tunable), 1)) * shares_per_model
            entry = self._plain(name, self._maker(name), self.budget.share_end(shares_left))
            entries = [entry] if entry is not None else []
            results += entries + self._decided(entries, shares_left - 1)
        if tunable:
            results += self._tune_all(tunable)
        return results

    def _decided(self, entries: list[CVResult], shares_left: int) -> list[CVResult]:
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

    def _fixed_params(self, name: str) -> dict[str, Any]:
        params = dict(self.spec.model_params.get(name, {}))
        if self.options.class_weight != "auto":
            params["class_weight"] = None if self.options.class_weight == "none" else "balanced"
        return params

    def _maker(self, name: str, seed: int | None = None, **params: Any) -> Callable[[], Model]:
        return partial(
            make_model,
            name,
            task=self.task,
            n_classes=len(self.dataset.classes),
            seed=self.options.seed if seed is None else seed,
            **{**self._fixed_params(name), **params},
        )

    # Plain cross-validation.

    def _plain(
        self, name: str, make: Callable[[], Model], until: float | None, tuned: bool = False
    ) -> CVResult | None:
        with tqdm(
            total=self.n_folds, desc=name, unit="fold", leave=False, disable=self._no_bar()
        ) as bar:

            def fold_done(k: int, score: float) -> None:
                bar.set_postfix_str(f"fold {k + 1}/{self.n_folds} {self.metric.name}={score:.4f}")
                bar.update()

            try:
                with deadline(until):
                    result = cross_validate(
                        name, make, self.features.X_train, self.dataset.y, self.features.X_test,
                        self.fold, self.metric, fold_done,
                        keep_models=self.explain_rows is not None,
                        checkpoint=self._checkpoint(name), fold_features=self.fold_features,
                    )  # fmt: skip
            except OutOfTime:
                log.warning(
                    "%s did not finish within its share of the time budget and is left out", name
                )
                return None
        result.tuned = tuned
        self._finish(result)
        return result

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
            base=self._maker(model_name, **tuned_params),
            score=score,
        )
        result = self._plain(name, make, until, tuned=True)
        if result is not None:
            result.trials = base.trials
        return result

    # Tuning.

    def _tune_all(self, names: list[str]) -> list[CVResult]:
        """Every tunable model's study within the run's budget, shared out by
        :class:`podium.allocate.Allocator`; then each model's entries in the order given."""
        from podium.allocate import Allocator

        tuners = [self._tuner(name) for name in names]
        for tuner in tuners:
            tuner.open()
        end = self.budget.end()
        trials = self.options.trials
        metric = self.tuning_metric
        with TuningProgress(metric, end, trials, len(tuners), self._no_bar()) as bar:
            for tuner in tuners:
                tuner.on_fold = partial(bar.fold, tuner.name)
            allocator = Allocator(
                tuners, metric.greater_is_better, self.options.trials, end,
                reserve=self._after_tuning, on_step=bar.step,
                probe_share=first_round_share(len(self.fold), len(np.unique(self.fold))),
            )  # fmt: skip
            self.schedule = allocator.run()
        for name, why in allocator.skipped.items():
            log.warning("%s has no entry: %s", name, why)
        results: list[CVResult] = []
        for tuner, arm in zip(tuners, allocator.arms, strict=True):
            results += self._tuned_entries(tuner, arm.seconds)
        return results

    def _after_tuning(self, trial_seconds: float) -> float:
        """Seconds to keep back after a model's tuning, given one trial's seconds: SHAP of its
        two entries, its seed bags and its decision-tuned entry (only when that is affordable:
        :meth:`_decision` skips one that does not fit, so reserving for it would only starve
        the tuning)."""
        seconds = 2 * self.shap_cap if self.explain_rows is not None else 0.0
        seconds += (self.seed_bags - 1) * trial_seconds
        decision = DECISION_COST * trial_seconds
        budget = self.budget.seconds
        if self.decisions and (budget is None or decision <= MAX_DECISION_SHARE * budget):
            seconds += decision
        return seconds

    def _tuner(self, name: str) -> ModelTuner:
        from podium.tuning import ModelTuner

        assert self.storage is not None and self.tuning_area is not None
        cls = MODELS.get(name)
        fixed = self._fixed_params(name)
        study = "-".join(
            [
                self.spec.name,
                name,
                fingerprint(
                    self.spec.name, name, self.tuning_metric.name, self.spec.task, fixed,
                    self.options.seed, self._data_fingerprint,
                )[:12],
            ]
        )  # fmt: skip
        return ModelTuner(
            name=name,
            make=partial(self._maker, name),
            space=cls.search_space,
            defaults={**cls.DEFAULTS, **fixed},
            portfolio=tuple({**cls.DEFAULTS, **p, **fixed} for p in cls.PORTFOLIO),
            X=self.features.X_train,
            y=self.dataset.y,
            X_test=self.features.X_test,
            fold=self.fold,
            metric=self.tuning_metric,
            storage=self.storage,
            study_name=study,
            cache=self.tuning_area / study,
            # The run folder names the worker: workers on one machine may start in the same
            # second (the same run ID) with different --out folders; --resume keeps both.
            worker=f"{socket.gethostname()}:{self.tuning_area.parent.resolve() / self.run_id}",
            seed=self.options.seed,
            fold_features=self.fold_features,
            racing=self.options.time_budget is not None,
            n_trials=self.options.trials,
            wait_for_others=self.budget.end() is None,
        )

    def _tuned_entries(self, tuner: ModelTuner, seconds: float) -> list[CVResult]:
        """A tuned model's entries: defaults, best trial, seed bag and decision-tuned."""
        name = tuner.name
        outcome = tuner.outcome(self.options.trials, self.budget.end())
        outcome.seconds = seconds
        if outcome.default is not None and outcome.best is not None:
            sign = 1.0 if self.tuning_metric.greater_is_better else -1.0
            outcome.gain = sign * (outcome.best.cv_mean - outcome.default.cv_mean)
        outcome.metric = self.tuning_metric.name
        self.tuning[name] = outcome
        found = [r for r in (outcome.default, outcome.best) if r is not None]
        entries = [self._scored(r) for r in found]  # in the competition's metric
        if not entries:
            log.warning(
                "%s: no trial finished within its share of the time budget; it is left out", name
            )
            return []
        for i, entry in enumerate(entries):
            same = i > 0 and np.array_equal(entry.oof, entries[0].oof)
            if same:  # the best trial is the defaults: the same model, explained once
                first = entries[0]
                entry.shap, entry.shap_rows = first.shap, first.shap_rows
                entry.shap_base, entry.shap_method = first.shap_base, first.shap_method
            self._finish(entry, explained=same)
        default = "-" if outcome.default is None else f"{entries[0].cv_mean:.4f}"
        log.info(
            "%-8s trials: %d (%d pruned, %d this run, %d stopped by the budget) in %.0f s: "
            "defaults %s, best %.4f (trial %s)",
            name, outcome.finished, outcome.pruned, outcome.new_trials, outcome.stopped,
            outcome.seconds, default, entries[-1].cv_mean, outcome.best_trial,
        )  # fmt: skip
        bagged = None
        if self.seed_bags > 1 and MODELS.get(name).seed_sensitive and outcome.best is not None:
            bagged = self._bag(name, entries[-1], outcome.best_params)
        decided = self._decided(entries, 1)  # on the best trial's entry, not the bag
        return entries + ([bagged] if bagged is not None else []) + decided

    def _scored(self, result: CVResult) -> CVResult:
        """A study's entry scored in the competition's metric (studies may use another)."""
        if self.tuning_metric is self.metric:
            return result
        y, oof = self.dataset.y, result.oof
        scores = [self.metric.score(y[valid], oof[valid]) for _, _, valid in iter_folds(self.fold)]
        return dataclasses.replace(result, fold_scores=scores, oof_score=self.metric.score(y, oof))

    def _bag(self, name: str, best: CVResult, params: dict[str, Any]) -> CVResult | None:
        """The best trial refitted with ``seed_bags - 1`` more seeds, all averaged (seed
        bagging): the same folds, so its out-of-fold predictions stay out of fold."""
        tuned = {**self._space_params(name, params)}
        runs = [best]
        for extra in range(1, self.seed_bags):
            make = self._maker(name, seed=self.options.seed + extra, **tuned)
            keep = self.explain_rows is not None
            try:
                with deadline(self.budget.end()):
                    runs.append(
                        cross_validate(
                            name,
                            make,
                            self.features.X_train,
                            self.dataset.y,
                            self.features.X_test,
                            self.fold,
                            self.metric,
                            keep_models=keep,
                            fold_features=self.fold_features,
                        )  # fmt: skip
                    )
            except OutOfTime:
                log.warning("%s: no time left for seed bag %d; not bagged", name, extra + 1)
                return None
        bag_name = f"{name}-bag{self.seed_bags}"
        bag = bag_results(bag_name, runs, self.dataset.y, self.fold, self.metric)
        bag.tuned, bag.trials = True, best.trials
        if all(run.models is not None for run in runs):  # for --explain: one bag per fold
            per_seed = [run.models for run in runs if run.models is not None]
            bag.models = [SeedBag.of(fitted) for fitted in zip(*per_seed, strict=True)]
        if self.explain_rows is not None:
            for run in runs[1:]:  # the best trial's own run is explained already
                explain(run, self.features.X_train, self.fold, self.explain_rows,
                        self.shap_cap, self.fold_features)  # fmt: skip
            bag.shap_rows, bag.shap, bag.shap_base = average_shap(runs) or (None, None, None)
            bag.shap_method = best.shap_method
            bag.shap_seconds = sum(r.shap_seconds for r in runs)
        self._finish(bag, explained=True)
        return bag

    def _space_params(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        import optuna

        return MODELS.get(name).search_space(optuna.trial.FixedTrial(params)) or {}

    def _checkpoint(self, name: str) -> FoldCheckpoint | None:
        """Saved folds of a plain entry; keyed by the data, so changed inputs are refitted."""
        if self.checkpoints is None:
            return None
        return FoldCheckpoint(self.checkpoints / self._data_fingerprint[:12] / name)

    @cached_property
    def _data_fingerprint(self) -> str:
        extra = self.fold_features
        parts = [] if extra is None else [list(extra.names), *extra.train, *extra.test]
        return fingerprint(
            self.features.X_train, self.features.X_test, self.dataset.y, self.fold, *parts
        )

    # Shared.

    def _finish(self, result: CVResult, explained: bool = False) -> None:
        """Subset scores, SHAP of the sampled rows (unless ``explained``), and a log line."""
        y = self.dataset.y
        result.subset_scores = {
            name: self.metric.score(y[mask], result.oof[mask])
            for name, mask in self.subsets.items()
        }
        if self.explain_rows is not None and not explained:
            explain(
                result, self.features.X_train, self.fold, self.explain_rows, self.shap_cap,
                self.fold_features,
            )  # fmt: skip
        log.info(
            "%-8s %s %.4f ± %.4f over %d folds (fit %.1f s)%s",
            result.model, self.metric.name, result.cv_mean, result.cv_std, self.n_folds,
            result.fit_seconds,
            "".join(f"; {k} {v:.4f}" for k, v in result.subset_scores.items()),
        )  # fmt: skip

    def _no_bar(self) -> bool | None:
        return None if self.options.progress else True  # None: shown only on a terminal


def _signed(func: Callable[[np.ndarray, np.ndarray], float], sign: float, *args: Any) -> float:
    return sign * func(*args)
