"""How a study samples and prunes: the trial-seeded TPE sampler, the pruners, the defaults and
portfolio as trial parameters, and which trial is best (:mod:`podium.tuning` runs the studies)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from core.hashing import fingerprint
from core.metrics import Metric

# Random trials before TPE starts modelling, and trials before the pruner may prune.
STARTUP_TRIALS = 5
PRUNER_STARTUP_TRIALS = 2
# Under a time budget: a trial stops at a fold where it is behind this top percentage of the
# finished trials at that fold.
RACING_PERCENTILE = 25.0

Space = Callable[[optuna.trial.BaseTrial], dict[str, Any] | None]


class TrialSeededTPE(optuna.samplers.TPESampler):
    """TPE whose random state is reset from (seed, trial number) before every trial.

    A trial's parameters then depend only on the seed, its number and the trials finished
    before it, not on what this process sampled earlier: a study continued by a later run
    samples what one uninterrupted run would have, and two workers never share a draw.
    """

    def __init__(self, seed: int) -> None:
        super().__init__(seed=seed, n_startup_trials=STARTUP_TRIALS)
        self._base_seed = seed

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        seed = int(fingerprint(self._base_seed, trial.number)[:8], 16)
        self._rng.rng.seed(seed)
        self._random_sampler._rng.rng.seed(seed)
        super().before_trial(study, trial)


def pruner(racing: bool) -> optuna.pruners.BasePruner:
    """Under a time budget (``racing``) the percentile pruner that races each trial against the
    top of the finished ones from the first tuned trial on; else the median pruner."""
    if racing:
        return optuna.pruners.PercentilePruner(
            RACING_PERCENTILE, n_startup_trials=1, n_warmup_steps=0
        )
    return optuna.pruners.MedianPruner(n_startup_trials=PRUNER_STARTUP_TRIALS, n_warmup_steps=0)


def best_trial(trials: list[FrozenTrial], metric: Metric) -> FrozenTrial | None:
    """The best complete trial; on a tie the earliest (the default parameters first)."""
    complete = [t for t in trials if t.state == TrialState.COMPLETE and t.value is not None]
    if not complete:
        return None
    return min(complete, key=lambda t: (metric.sort_key(float(t.value or 0.0)), t.number))


def is_default(study: optuna.Study, number: int) -> bool:
    return any(
        t.number == number and t.user_attrs.get("default") for t in study.get_trials(deepcopy=False)
    )


def suggested(space: Space, defaults: dict[str, Any]) -> dict[str, Any]:
    """The search-space values of ``defaults``: what the space suggests when fixed to them."""
    trial = optuna.trial.FixedTrial(defaults)
    space(trial)
    return dict(trial.params)
