"""Hyperparameter tuning with Optuna on the run's saved folds.

One study per (competition, model, data). A study's name carries a fingerprint of the feature
matrices, the target, the fold assignment, the seed and the model's fixed parameters, so:

- every process that runs the same command on the same data with the same ``--storage`` joins
  the same study, which is how podium spreads tuning over several machines;
- running the same command again continues the study rather than starting over;
- any change to the data or the folds starts a fresh study, whose trials stay comparable.

A trial is a full cross-validation on the saved folds; its value is the mean fold score in
the metric's own direction, and each fold's running mean is reported so that a pruner stops a
hopeless trial after its first folds: with a trial target the median pruner (a trial behind
half the finished ones at the same fold stops), under a time budget the stricter percentile
pruner that races each trial against the top quarter of the finished ones, from the first
tuned trial on (the defaults are the first finished trial). Under a budget most trials fall
behind at their first folds, so a trial usually costs a fraction of a full cross-validation
and every model gets tuned trials; the ones that finish are full entries. The study's first
trial is the model's default parameters, so the tuned entry is never chosen over worse evidence
than the default.

Trials of this process carry a ``worker`` attribute. When an interrupted run is resumed, its
own trials left running go back to the queue as themselves (same number, parameters and
sampler seed), so the resumed run samples what an uninterrupted one would have; their finished
folds are read back from checkpoints, so no finished fold is refitted. A running trial records
a heartbeat (:mod:`podium.storage`), so any worker that finds a trial whose worker stopped
beating fails it and enqueues its parameters the same way; :mod:`podium.sharing` keeps a study
shared by several workers to its ``--trials`` target.

The predictions (and fold models, for SHAP) of the default and the best trial are cached next
to the study, so a later run or a resumed one does not refit them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from optuna.trial import FrozenTrial, TrialState

from core.deadlines import OutOfTime, deadline
from core.hashing import fingerprint
from core.metrics import Metric
from core.results import CVResult
from core.types import Matrix
from features.base import FoldFeatures
from models.base import Model
from podium.cv import FoldCheckpoint, cross_validate
from podium.samplers import Space, TrialSeededTPE, best_trial, pruner, suggested
from podium.sharing import ALIVE, FINISHED, full, needs_trial, requeue, unneeded
from podium.sharing import trials as _trials
from podium.storage import ask, heartbeat, on_stale_trial
from podium.trial_results import TrialResults

__all__ = ["STUDIES_FILE", "ModelTuner", "TrialSeededTPE", "TuningOutcome", "default_storage_url"]

log = logging.getLogger(__name__)
optuna.logging.set_verbosity(optuna.logging.WARNING)

STUDIES_FILE = "studies.db"


def default_storage_url(area: Path) -> str:
    return f"sqlite:///{(area / 'tuning' / STUDIES_FILE).resolve()}"


@dataclass
class TuningOutcome:
    """The study's state after this run's trials, with the default and best entries."""

    model: str
    study_name: str
    default: CVResult | None
    best: CVResult | None
    best_trial: int | None
    best_params: dict[str, Any]
    finished: int  # trials counted towards --trials: complete or pruned
    complete: int
    pruned: int
    stopped: int  # trials this run stopped at the deadline
    new_trials: int  # trials this run finished
    seconds: float
    values: list[float] = field(default_factory=list)  # complete trials' values, by number
    # What the tuning bought: best minus default, signed so that positive is better.
    gain: float | None = None
    metric: str = ""  # the metric the study optimised (log loss for a label metric)

    def to_json(self) -> dict[str, Any]:
        return {
            "study": self.study_name,
            "best_trial": self.best_trial,
            "best_params": self.best_params,
            "best_value": None if self.best is None else self.best.cv_mean,
            "default_value": None if self.default is None else self.default.cv_mean,
            "trials_finished": self.finished,
            "trials_complete": self.complete,
            "trials_pruned": self.pruned,
            "trials_stopped_by_budget": self.stopped,
            "trials_this_run": self.new_trials,
            "seconds": round(self.seconds, 3),
            "gain_over_defaults": None if self.gain is None else round(self.gain, 6),
            "study_metric": self.metric,
        }


@dataclass
class ModelTuner:
    """One model's study, one trial per :meth:`step` (:class:`podium.allocate.Allocator` decides
    which model runs next): open it, step, then read its :meth:`outcome`."""

    name: str
    # make(**params) -> a picklable factory of fresh models (folds may fit in worker processes)
    make: Callable[..., Callable[[], Model]]
    space: Space
    defaults: dict[str, Any]
    X: Matrix
    y: np.ndarray
    X_test: Matrix
    fold: np.ndarray
    metric: Metric
    storage: optuna.storages.BaseStorage
    study_name: str
    cache: Path  # this study's folder: fold checkpoints and cached trial results
    worker: str
    seed: int
    on_trial: Callable[[FrozenTrial, float | None], None] | None = None
    on_fold: Callable[[int, int], None] | None = None  # (trial number, fold) after each fold
    fold_features: FoldFeatures | None = None
    sample_weight: np.ndarray | None = None  # --drift-weights: each training row's weight
    racing: bool = False  # under a time budget: the percentile pruner (see the module doc)
    # Under a time budget, configurations tried right after the defaults (Model.PORTFOLIO).
    portfolio: tuple[dict[str, Any], ...] = ()
    n_trials: int | None = None  # --trials: the study's target, across all its workers
    # Whether to wait for trials running in other workers (a run without a time budget).
    wait_for_others: bool = False
    # Set by open(): the study, and this run's finished and stopped trials and seconds.
    study: optuna.Study = field(init=False)
    new: int = field(init=False, default=0)
    stopped: int = field(init=False, default=0)
    seconds: float = field(init=False, default=0.0)
    # The share of its folds the last trial had saved when the time budget stopped it.
    cut_progress: float | None = field(init=False, default=None)

    @property
    def results(self) -> TrialResults:
        """The default and best trials' saved results (see :mod:`podium.trial_results`)."""
        return TrialResults(self.cache / "results", self.metric)

    def open(self) -> None:
        """Create or join the study; reclaim this worker's cut trials; enqueue the defaults."""
        self.study = optuna.create_study(
            storage=self.storage,
            study_name=self.study_name,
            direction=self.metric.direction,
            sampler=TrialSeededTPE(self.seed),
            pruner=pruner(self.racing),
            load_if_exists=True,
        )
        on_stale_trial(self.storage, self.study_name, self._requeue)
        self._recover(self.study)
        self._enqueue_defaults(self.study)
        self.new = self.stopped = 0
        self.seconds = 0.0

    def finished(self) -> int:
        """Finished (complete or pruned) trials in the study, from every worker."""
        return len(_trials(self.study, FINISHED))

    def wants_trial(self, n_trials: int | None) -> bool:
        """Whether the study needs a trial from this worker (:func:`podium.sharing.needs_trial`;
        with ``wait_for_others`` it waits for trials running elsewhere)."""
        return needs_trial(self.study, n_trials, self.wait_for_others, self.name)

    def best_value(self) -> float | None:
        best = best_trial(_trials(self.study, FINISHED), self.metric)
        return None if best is None else float(best.value or 0.0)

    def progress(self) -> float | None:
        """The share of its folds the last trial saved before the time budget stopped it (its
        checkpoints, which its next run continues from); None if it was not stopped."""
        return self.cut_progress

    def step(self, until: float | None) -> FrozenTrial:
        """Run one trial (stopped at ``until``) and return it as the study recorded it."""
        self.cut_progress = None
        started = time.monotonic()
        try:
            frozen = self._run_trial(self.study, until)
        finally:
            self.seconds += time.monotonic() - started
        self.new += frozen.state in FINISHED
        self.stopped += "stopped" in frozen.user_attrs  # by the time budget
        return frozen

    def outcome(self, n_trials: int | None, until: float | None) -> TuningOutcome:
        return self._outcome(self.study, n_trials, until, self.new, self.stopped, self.seconds)

    def _recover(self, study: optuna.Study) -> None:
        """Trials of this worker left running by a killed process go back to the queue as
        themselves: the same number, parameters and sampler seed, and the next trial asked is
        the earliest of them, so a resumed run runs the trials an uninterrupted one would have
        (another worker's trial is reclaimed only once its heartbeat stops: see wants_trial)."""
        for trial in _trials(study, (TrialState.RUNNING,)):
            if trial.user_attrs.get("worker") != self.worker:
                continue  # another process's trial, perhaps alive on another machine
            try:
                self.storage.set_trial_state_values(trial._trial_id, TrialState.WAITING)
            except optuna.exceptions.UpdateFinishedTrialError:
                continue  # failed a moment ago by a worker that found it stale, and requeued
            log.info("%s: trial %d was interrupted; running it again", self.name, trial.number)

    def _requeue(self, trial: FrozenTrial) -> None:
        """A cut trial's parameters enqueued again (its finished folds are checkpointed)."""
        requeue(self.study, trial, self.n_trials, self.worker, self.name)

    def _enqueue_defaults(self, study: optuna.Study) -> None:
        if any(t.user_attrs.get("default") for t in _trials(study, ALIVE)):
            return
        if full(study, self.n_trials):
            return  # its defaults were cut short, and not queued again: the study was full
        params = suggested(self.space, self.defaults)
        study.enqueue_trial(params, user_attrs={"default": True, "worker": self.worker})
        if self.racing and self.n_trials is None:  # a trial target keeps to the sampler alone
            for i, config in enumerate(self.portfolio):
                attrs = {"portfolio": i, "worker": self.worker}
                study.enqueue_trial(suggested(self.space, config), user_attrs=attrs)

    def _run_trial(self, study: optuna.Study, until: float | None) -> FrozenTrial:
        if not _trials(study, (TrialState.WAITING,)):
            # Created already tagged with this worker: a process killed between ``ask`` and a
            # separate tag would leave a RUNNING trial that no worker recognises as its own.
            study.enqueue_trial({}, user_attrs={"worker": self.worker})
        trial = ask(study)
        trial.set_user_attr("worker", self.worker)
        reason = unneeded(study, trial, self.n_trials)
        if reason:  # given back unrun, before it samples anything
            trial.set_user_attr("skipped", reason)
            log.info("%s: trial %d not run: %s", self.name, trial.number, reason)
            return study.tell(trial, state=TrialState.FAIL)
        with heartbeat(self.storage, trial._trial_id):
            try:
                return self._run_asked(study, trial, until)
            except optuna.exceptions.UpdateFinishedTrialError:
                # Failed by a worker that saw no heartbeat for GRACE_SECONDS (this process was
                # suspended or starved), which queued it again: this run's result is dropped.
                log.warning(
                    "%s: trial %d was taken over by another worker", self.name, trial.number
                )
                return self.storage.get_trial(trial._trial_id)

    def _run_asked(
        self, study: optuna.Study, trial: optuna.Trial, until: float | None
    ) -> FrozenTrial:
        params = self.space(trial) or {}
        checkpoint = FoldCheckpoint(self.cache / "running" / fingerprint(params)[:16])
        running: list[float] = []

        def report(k: int, score: float) -> None:
            running.append(score)
            trial.report(float(np.mean(running)), k)
            if self.on_fold is not None:
                self.on_fold(trial.number, k)
            if trial.should_prune():
                raise optuna.TrialPruned()

        try:
            with deadline(until):
                result = self.evaluate(params, report, checkpoint)
        except optuna.TrialPruned:
            state, value = TrialState.PRUNED, None
        except OutOfTime:
            trial.set_user_attr("stopped", "time budget")
            state, value = TrialState.FAIL, None
            saved = len(list(checkpoint.folder.glob("fold-*.pkl")))
            self.cut_progress = saved / (int(self.fold.max()) + 1)
        except KeyboardInterrupt:
            raise  # the trial stays running with its folds saved: --resume picks it up
        except optuna.exceptions.UpdateFinishedTrialError:
            raise  # taken over by another worker: see _run_trial
        except BaseException:
            study.tell(trial, state=TrialState.FAIL)
            checkpoint.clear()
            raise
        else:
            state, value = TrialState.COMPLETE, result.cv_mean
            trial.set_user_attr("fit_seconds", round(result.fit_seconds, 3))
            try:  # saved before the trial is told complete: never complete without its result
                kept = self.results.keep(study, trial, result)
            except BaseException:
                study.tell(trial, state=TrialState.FAIL, skip_if_finished=True)
                checkpoint.clear()
                raise
        frozen = study.tell(trial, value, state=state, skip_if_finished=True)
        if frozen.state != state:
            raise optuna.exceptions.UpdateFinishedTrialError  # taken over: see _run_trial
        if state == TrialState.COMPLETE and kept:
            self.results.drop_superseded(study)
        if (
            state == TrialState.FAIL
            and frozen.user_attrs.get("default")
            and not full(study, self.n_trials)
        ):
            # The defaults cut short by their share of the budget: queued again with their
            # finished folds kept, so time left over later continues them.
            study.enqueue_trial(frozen.params, user_attrs={"default": True, "worker": self.worker})
        else:
            checkpoint.clear()
        if self.on_trial is not None:
            best = best_trial(_trials(study, FINISHED), self.metric)
            self.on_trial(frozen, None if best is None else best.value)
        return frozen

    def evaluate(
        self,
        params: dict[str, Any],
        report: Callable[[int, float], None] | None = None,
        checkpoint: FoldCheckpoint | None = None,
    ) -> CVResult:
        """Cross-validate the model with ``params`` on the run's folds (fold models kept)."""
        return cross_validate(
            self.name, self.make(**params), self.X, self.y, self.X_test, self.fold, self.metric,
            report, keep_models=True, checkpoint=checkpoint, fold_features=self.fold_features,
            sample_weight=self.sample_weight,
        )  # fmt: skip

    def _result(self, trial: FrozenTrial, until: float | None) -> CVResult | None:
        cached = self.results.load(trial.number)
        if cached is not None:
            return cached
        # Found by another process (or machine): refit its parameters here.
        log.info("%s: refitting trial %d (found by another worker)", self.name, trial.number)
        params = self.space(optuna.trial.FixedTrial(trial.params)) or {}
        try:
            with deadline(until):
                result = self.evaluate(params)
        except OutOfTime:
            log.warning("%s: no time left to refit trial %d", self.name, trial.number)
            return None
        self.results.save(trial.number, result)
        return result

    def _outcome(
        self,
        study: optuna.Study,
        n_trials: int | None,
        until: float | None,
        new: int,
        stopped: int,
        seconds: float,
    ) -> TuningOutcome:
        finished = _trials(study, FINISHED)
        if n_trials is not None:
            finished = finished[:n_trials]  # the first N: what a fresh N-trial run would see
        complete = [t for t in finished if t.state == TrialState.COMPLETE]
        best = best_trial(finished, self.metric)
        default = next((t for t in complete if t.user_attrs.get("default")), None)
        default_result = None if default is None else self._result(default, until)
        best_result = None if best is None else self._result(best, until)
        if default_result is not None:
            default_result = replace(default_result, model=self.name)
        if best_result is not None:
            best_result = replace(
                best_result, model=f"{self.name}-optuna", tuned=True, trials=len(finished)
            )
        return TuningOutcome(
            model=self.name,
            study_name=self.study_name,
            default=default_result,
            best=best_result,
            best_trial=None if best is None else best.number,
            best_params={} if best is None else dict(best.params),
            finished=len(finished),
            complete=len(complete),
            pruned=len(finished) - len(complete),
            stopped=stopped,
            new_trials=new,
            seconds=seconds,
            values=[float(t.value) for t in complete if t.value is not None],
        )
