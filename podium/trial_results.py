"""The cross-validation results of a study's default trial and best trial, pickled next to the
study, so a later run or a resumed one does not refit them."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import optuna

from core.atomic import write_bytes
from core.metrics import Metric
from core.results import CVResult
from podium.samplers import best_trial, is_default
from podium.sharing import FINISHED
from podium.sharing import trials as _trials


@dataclass(frozen=True)
class TrialResults:
    """One study's saved results, one pickle per trial under ``folder``."""

    folder: Path
    metric: Metric

    def path(self, number: int) -> Path:
        return self.folder / f"trial-{number}.pkl"

    def load(self, number: int) -> CVResult | None:
        path = self.path(number)
        if not path.exists():
            return None
        with path.open("rb") as handle:
            cached = pickle.load(handle)
        return cached if isinstance(cached, CVResult) else None

    def save(self, number: int, result: CVResult) -> None:
        write_bytes(self.path(number), pickle.dumps(result, pickle.HIGHEST_PROTOCOL))

    def keep(self, study: optuna.Study, trial: optuna.Trial, result: CVResult) -> bool:
        """Save the result of a trial about to be told complete if it is the defaults or the
        new best (on a tie the earlier trial stays best); whether it was saved."""
        best = best_trial(_trials(study, FINISHED), self.metric)
        default = bool(trial.user_attrs.get("default"))
        better = best is None or self.metric.sort_key(result.cv_mean) < self.metric.sort_key(
            float(best.value or 0.0)
        )
        if not (default or better):
            return False
        self.save(trial.number, result)
        return True

    def drop_superseded(self, study: optuna.Study) -> None:
        """Remove the saved results of trials that are neither the best nor the defaults."""
        best = best_trial(_trials(study, FINISHED), self.metric)
        for path in self.folder.glob("trial-*.pkl"):
            number = int(path.stem.removeprefix("trial-"))
            if number != getattr(best, "number", None) and not is_default(study, number):
                path.unlink(missing_ok=True)
