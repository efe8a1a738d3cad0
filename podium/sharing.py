"""A study shared by several workers (processes or machines given the same ``--storage``), kept
to its trial target whatever the workers do.

``--trials N`` is the study's target, not each worker's: a worker asks for a trial only while
fewer than N are finished or running anywhere. Workers that ask at the same moment may both
get one; the later-numbered one is given back unrun (:func:`unneeded`), as is a second copy of
the default parameters, queued by two workers that opened a new study together. A trial cut
short (its worker resumed, or found dead by its heartbeat: :mod:`podium.storage`) is queued
again only while the study has fewer than N trials finished, running or queued
(:func:`requeue`). Without a time budget a worker whose study lacks only trials running
elsewhere waits for them (:func:`needs_trial`), so every worker ships the same N trials, and
the trial of a worker that died comes back to one that lives.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

import optuna
from optuna.trial import FrozenTrial, TrialState

from podium import stopping
from podium.storage import fail_stale_trials

log = logging.getLogger(__name__)

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
ALIVE = (*FINISHED, TrialState.RUNNING, TrialState.WAITING)
# A waiting worker looks again this often, and stops waiting when nothing has changed for
# WAIT_PATIENCE seconds plus three times the study's slowest trial (a trial left RUNNING
# without a heartbeat, by an older podium, is never found stale).
WAIT_POLL_SECONDS = 1.0
WAIT_PATIENCE = 60.0


def trials(study: optuna.Study, states: Iterable[TrialState]) -> list[FrozenTrial]:
    """The study's trials in ``states``, by number."""
    return sorted(study.get_trials(deepcopy=False, states=tuple(states)), key=lambda t: t.number)


def full(study: optuna.Study, n_trials: int | None) -> bool:
    """Whether the study has its target of trials finished, running or queued."""
    return n_trials is not None and len(trials(study, ALIVE)) >= n_trials


def needs_trial(study: optuna.Study, n_trials: int | None, wait: bool, name: str) -> bool:
    """Whether the study needs a trial from this worker: fewer than ``n_trials`` finished or
    running, once the trials of dead workers are failed (and requeued by their handler). With
    ``wait``, while the trials still missing run in other workers, wait for them: True as soon
    as one comes back to be run here, False once they finished."""
    last, since = None, time.monotonic()
    while True:
        fail_stale_trials(study)
        if n_trials is None:
            return True
        finished = trials(study, FINISHED)
        running = trials(study, (TrialState.RUNNING,))
        if len(finished) >= n_trials:
            return False
        if len(finished) + len(running) < n_trials:
            return True
        seen = (len(finished), [t.number for t in running])
        if seen != last:
            last, since = seen, time.monotonic()
            numbers = ", ".join(str(t.number) for t in running)
            log.info("%s: waiting for trial(s) %s, running in other workers", name, numbers)
        slowest = max((t.duration.total_seconds() for t in finished if t.duration), default=0)
        if not wait or time.monotonic() - since > WAIT_PATIENCE + 3 * slowest:
            return False
        stopping.check()
        time.sleep(WAIT_POLL_SECONDS)


def unneeded(study: optuna.Study, trial: optuna.Trial, n_trials: int | None) -> str | None:
    """Why a trial just asked must not run (other workers asked at the same moment), or None:
    the trials before it already reach the target, or it repeats their default parameters."""
    before = [t for t in trials(study, ALIVE) if t.number < trial.number]
    if n_trials is not None:
        if sum(t.state != TrialState.WAITING for t in before) >= n_trials:
            return f"the study has its {n_trials} trials"
    if trial.user_attrs.get("default"):
        first = next((t for t in before if t.user_attrs.get("default")), None)
        if first is not None:
            return f"the default parameters are trial {first.number}'s"
    return None


def requeue(
    study: optuna.Study, trial: FrozenTrial, n_trials: int | None, worker: str, name: str
) -> None:
    """Queue a cut trial's parameters again for ``worker``, unless the study is full."""
    if full(study, n_trials):
        log.info(
            "%s: trial %d was interrupted; not run again, the study has its %d trials",
            name, trial.number, n_trials,
        )  # fmt: skip
        return
    attrs = {
        "resumed_from": trial.number,
        "default": trial.user_attrs.get("default"),
        "worker": worker,
    }
    study.enqueue_trial(trial.params, user_attrs=attrs)
    log.info(
        "%s: trial %d was interrupted (worker %s); running it again",
        name, trial.number, trial.user_attrs.get("worker"),
    )  # fmt: skip
