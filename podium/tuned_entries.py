"""The entries of the models that have an Optuna study (:mod:`podium.tuning`).

The studies share the time left after the plain entries through
:class:`podium.allocate.Allocator` (every model's defaults first, then the next trial to the
model with the lowest estimated cost for improvement), keeping back what each model needs
afterwards (SHAP, seed bags, decision-tuned entries) and the run's reserve for ensembles, SHAP
plots and the files. Each study yields ``<model>`` (its defaults) and ``<model>-optuna`` (its
best trial); with ``seed_bags`` > 1 each seed-sensitive model's best trial is refitted with more
seeds and averaged (``<model>-bagN``).
"""

from __future__ import annotations

import dataclasses
import logging
import socket
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import optuna

from core.deadlines import OutOfTime, deadline
from core.folds import iter_folds
from core.hashing import fingerprint
from core.results import CVResult
from models import MODELS
from models.bag import SeedBag
from podium.allocate import Allocator
from podium.cv import average_shap, bag_results, cross_validate, first_round_share
from podium.entries import DECISION_COST
from podium.progress import TuningProgress
from podium.tuning import ModelTuner

if TYPE_CHECKING:
    from podium.entries import EntryRunner

log = logging.getLogger(__name__)

# Time is kept back for a model's decision-tuned entry only up to this share of the budget.
MAX_DECISION_SHARE = 0.15


class TunedEntries:
    """Runs every tunable model's study for ``entries`` and returns their entries; records each
    study's outcome in ``entries.tuning`` and the trials' order in ``entries.schedule``."""

    def __init__(self, entries: EntryRunner) -> None:
        self.entries = entries
        self.options = entries.options
        self.budget = entries.budget
        self.scorer = entries.scorer
        self.metric = entries.metric
        self.tuning_metric = entries.tuning_metric

    def run(self, names: list[str]) -> list[CVResult]:
        """Every tunable model's study within the run's budget, shared out by
        :class:`podium.allocate.Allocator`; then each model's entries in the order given."""
        tuners = [self._tuner(name) for name in names]
        for tuner in tuners:
            tuner.open()
        end = self.budget.end()
        metric = self.tuning_metric
        fold = self.entries.fold
        with TuningProgress(
            metric, end, self.options.trials, len(tuners), self.entries.no_bar()
        ) as bar:
            for tuner in tuners:
                tuner.on_fold = partial(bar.fold, tuner.name)
            allocator = Allocator(
                tuners, metric.greater_is_better, self.options.trials, end,
                reserve=self._after_tuning, on_step=bar.step,
                probe_share=first_round_share(len(fold), len(np.unique(fold))),
            )  # fmt: skip
            self.entries.schedule = allocator.run()
        for name, why in allocator.skipped.items():
            log.warning("%s has no entry: %s", name, why)
        results: list[CVResult] = []
        for tuner, arm in zip(tuners, allocator.arms, strict=True):
            results += self._tuned_entries(tuner, arm.seconds)
        return results

    def _after_tuning(self, trial_seconds: float) -> float:
        """Seconds to keep back after a model's tuning, given one trial's seconds: SHAP of its
        two entries, its seed bags and its decision-tuned entry (only when that is affordable:
        :meth:`EntryRunner._decision` skips one that does not fit, so reserving for it would
        only starve the tuning)."""
        seconds = 2 * self.scorer.shap_cap if self.scorer.explain_rows is not None else 0.0
        seconds += (self.entries.seed_bags - 1) * trial_seconds
        decision = DECISION_COST * trial_seconds
        budget = self.budget.seconds
        if self.entries.decisions and (budget is None or decision <= MAX_DECISION_SHARE * budget):
            seconds += decision
        return seconds

    def _tuner(self, name: str) -> ModelTuner:
        entries = self.entries
        assert entries.storage is not None and entries.tuning_area is not None
        cls = MODELS.get(name)
        fixed = entries.fixed_params(name)
        spec = entries.spec
        study = "-".join(
            [
                spec.name,
                name,
                fingerprint(
                    spec.name, name, self.tuning_metric.name, spec.task, fixed,
                    self.options.seed, entries.data_fingerprint,
                )[:12],
            ]
        )  # fmt: skip
        folder = entries.tuning_area.parent.resolve() / entries.run_id
        return ModelTuner(
            name=name,
            make=partial(entries.maker, name),
            space=cls.search_space,
            defaults={**cls.DEFAULTS, **fixed},
            portfolio=tuple({**cls.DEFAULTS, **p, **fixed} for p in cls.PORTFOLIO),
            X=entries.features.X_train,
            y=entries.dataset.y,
            X_test=entries.features.X_test,
            fold=entries.fold,
            metric=self.tuning_metric,
            storage=entries.storage,
            study_name=study,
            cache=entries.tuning_area / study,
            # The run folder names the worker: workers on one machine may start in the same
            # second (the same run ID) with different --out folders; --resume keeps both.
            worker=f"{socket.gethostname()}:{folder}",
            seed=self.options.seed,
            fold_features=entries.fold_features,
            sample_weight=entries.row_weight,
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
        self.entries.tuning[name] = outcome
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
            self.scorer.score(entry, explained=same)
        default = "-" if outcome.default is None else f"{entries[0].cv_mean:.4f}"
        log.info(
            "%-8s trials: %d (%d pruned, %d this run, %d stopped by the budget) in %.0f s: "
            "defaults %s, best %.4f (trial %s)",
            name, outcome.finished, outcome.pruned, outcome.new_trials, outcome.stopped,
            outcome.seconds, default, entries[-1].cv_mean, outcome.best_trial,
        )  # fmt: skip
        bagged = None
        seed_bags = self.entries.seed_bags
        if seed_bags > 1 and MODELS.get(name).seed_sensitive and outcome.best is not None:
            bagged = self._bag(name, entries[-1], outcome.best_params)
        decided = self.entries.decided(entries, 1)  # on the best trial's entry, not the bag
        return entries + ([bagged] if bagged is not None else []) + decided

    def _scored(self, result: CVResult) -> CVResult:
        """A study's entry in the competition's fold scores (studies may optimise another)."""
        if self.tuning_metric is self.metric:
            return result
        y, oof, fold = self.entries.dataset.y, result.oof, self.entries.fold
        scores = [self.metric.score(y[valid], oof[valid]) for _, _, valid in iter_folds(fold)]
        return dataclasses.replace(result, fold_scores=scores, oof_score=self.metric.score(y, oof))

    def _bag(self, name: str, best: CVResult, params: dict[str, Any]) -> CVResult | None:
        """The best trial refitted with ``seed_bags - 1`` more seeds, all averaged (seed
        bagging): the same folds, so its out-of-fold predictions stay out of fold."""
        entries, seed_bags = self.entries, self.entries.seed_bags
        tuned = MODELS.get(name).search_space(optuna.trial.FixedTrial(params)) or {}
        keep = self.scorer.explain_rows is not None
        runs = [best]
        for extra in range(1, seed_bags):
            make = entries.maker(name, seed=self.options.seed + extra, **tuned)
            try:
                with deadline(self.budget.end()):
                    runs.append(
                        cross_validate(
                            name,
                            make,
                            entries.features.X_train,
                            entries.dataset.y,
                            entries.features.X_test,
                            entries.fold,
                            self.metric,
                            keep_models=keep,
                            fold_features=entries.fold_features,
                            sample_weight=entries.row_weight,
                        )  # fmt: skip
                    )
            except OutOfTime:
                log.warning("%s: no time left for seed bag %d; not bagged", name, extra + 1)
                return None
        bag_name = f"{name}-bag{seed_bags}"
        bag = bag_results(bag_name, runs, entries.dataset.y, entries.fold, self.metric)
        bag.tuned, bag.trials = True, best.trials
        if all(run.models is not None for run in runs):  # for --explain: one bag per fold
            per_seed = [run.models for run in runs if run.models is not None]
            bag.models = [SeedBag.of(fitted) for fitted in zip(*per_seed, strict=True)]
        if keep:
            for run in runs[1:]:  # the best trial's own run is explained already
                self.scorer.explain(run)
            bag.shap_rows, bag.shap, bag.shap_base = average_shap(runs) or (None, None, None)
            bag.shap_method = best.shap_method
            bag.shap_seconds = sum(r.shap_seconds for r in runs)
        return self.scorer.score(bag, explained=True)
