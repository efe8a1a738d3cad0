"""One run of one competition, as the list of its stages: start (options checked), load the
data, then for a supervised competition prepare the folds and features, evaluate every entry
and write the run folder (:mod:`podium.supervised`), or segment (:mod:`podium.segment_run`).

The runner logs what it does through :mod:`logging`; the CLI decides how that is shown. The run
writes into a staging folder that becomes the run folder only when the run succeeded
(:func:`podium.run_folder.staging`).
"""

from __future__ import annotations

import logging
import time

from competitions.spec import Dataset
from core import cpus
from podium import supervised
from podium.context import Loaded, RunContext, RunResult
from podium.loading import dataset_fingerprint, load_dataset
from podium.options import RunOptions
from podium.run_folder import staging
from podium.segment_run import run_segmentation
from podium.stopping import Interrupted, Terminated
from podium.validation import RUNS_ROOT, resume_options, run_area

__all__ = [
    "RUNS_ROOT", "Interrupted", "RunResult", "Terminated", "resume_options", "run", "run_area",
]  # fmt: skip

log = logging.getLogger(__name__)


def run(
    options: RunOptions, dataset: Dataset | None = None, started: float | None = None
) -> RunResult:
    """Run a competition end to end. ``dataset`` replaces the loader (tests, benchmarks);
    ``started`` (a :func:`time.monotonic` value) is when the time budget began."""
    context = RunContext.start(options, started)
    with cpus.jobs_limit(context.options.jobs), staging(context):
        _log_start(context)
        loaded = load(context, dataset)
        if context.segmenting:
            return run_segmentation(context, loaded)  # the staging folder is still published
        prepared = supervised.prepare(context, loaded)
        evaluated = supervised.evaluate(context, prepared)
        return supervised.write_run(context, prepared, evaluated)


def load(context: RunContext, dataset: Dataset | None) -> Loaded:
    """The competition's files read and validated (or ``dataset`` as given), and fingerprinted."""
    loading = time.monotonic()
    if dataset is None:
        dataset, key = load_dataset(context.spec, context.options)
    else:
        key = dataset_fingerprint(dataset)
    loaded = Loaded(dataset, key, time.monotonic() - loading)
    context.check_budget("loading the data", loaded.seconds)
    log.info("Data: %s", dataset.source)
    log.info(
        "%s training rows, %s test rows, classes %s",
        f"{len(dataset.train):,}", f"{len(dataset.test):,}", dataset.class_balance(),
    )  # fmt: skip
    return loaded


def _log_start(context: RunContext) -> None:
    log.info(
        "CPUs: %d usable (affinity and quota); up to %d fold workers, one thread each on "
        "large data", cpus.usable_cpus(), cpus.jobs(),
    )  # fmt: skip
    if context.options.run_id is not None:
        log.info("Resuming run %s", context.run_id)
