"""How many CPUs podium may really use, and how its learners' threads wait.

``os.cpu_count()`` counts the machine's cores, not the ones this process may run on: a
container's CPU quota (cgroup ``cpu.max``), ``taskset`` or a scheduler's affinity mask all give
fewer. Asking for more threads than usable cores makes OpenMP learners (LightGBM, XGBoost)
oversubscribe, and their threads' default busy-waiting turns a shared machine into a crawl.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")  # cgroup v2
CGROUP_V1_QUOTA = Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")
CGROUP_V1_PERIOD = Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us")


def usable_cpus() -> int:
    """CPUs this process may use: its affinity mask, capped by a cgroup CPU quota."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        count = os.cpu_count() or 1
    quota = _cgroup_quota()
    if quota is not None:
        count = min(count, max(1, math.ceil(quota)))
    return max(count, 1)


def _cgroup_quota() -> float | None:
    """The cgroup's CPU quota in cores (e.g. 1.5), or None when unlimited or unknown."""
    try:
        if CGROUP_CPU_MAX.exists():
            quota, period = CGROUP_CPU_MAX.read_text().split()[:2]
            return None if quota == "max" else int(quota) / int(period)
        if CGROUP_V1_QUOTA.exists():
            quota_us = int(CGROUP_V1_QUOTA.read_text())
            period_us = int(CGROUP_V1_PERIOD.read_text())
            return None if quota_us <= 0 else quota_us / period_us
    except (OSError, ValueError):
        return None
    return None


def set_passive_waiting() -> None:
    """Make OpenMP threads sleep instead of spinning while they wait for work (honoured by
    GNU and LLVM OpenMP when set before the runtime loads, i.e. before LightGBM or XGBoost
    are imported). A spinning thread beside another busy process burns the core that process
    needs; a value the user set is kept.

    The BLAS behind numpy (OpenBLAS, MKL) spins the same way, and podium's dense products are
    small (the stacker's logistic regression: 48,000 rows by 24 log-probabilities on
    TalkingData), so the main process's BLAS keeps to one thread. Measured on that fit, alone /
    beside two busy loops: two OpenBLAS threads 2.2 s / 10.2 s, one 0.9 s / 1.3 s. Fold
    workers already get one thread each from joblib."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    for name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")


# Below this many training rows a fit is too short for threads or worker processes to pay.
SMALL_DATA = 20_000
# From this many rows the folds of a cross-validation run in parallel worker processes.
PARALLEL_FOLDS_ROWS = 5_000

_jobs: int | None = None  # --jobs; None: usable_cpus()
_threads_per_fit: int | None = None  # set inside fold workers


def jobs() -> int:
    """Processes podium may run at once: ``--jobs`` if given, else the usable CPUs."""
    return _jobs if _jobs is not None else usable_cpus()


@contextmanager
def jobs_limit(count: int | None) -> Iterator[None]:
    """Within the block, :func:`jobs` is ``count`` (None: the usable CPUs)."""
    global _jobs
    before, _jobs = _jobs, count
    try:
        yield
    finally:
        _jobs = before


def set_threads_per_fit(count: int) -> None:
    """In a fold worker: every learner fit uses ``count`` threads (see :func:`fit_threads`)."""
    global _threads_per_fit
    _threads_per_fit = count


def fit_threads(n_rows: int) -> int:
    """Threads for one learner's fit on ``n_rows`` rows.

    One below SMALL_DATA rows, where threads cost more than they give. Inside a fold worker,
    the worker's share of the CPUs (one when every CPU runs a fold): measured on hotstar's
    sample (2 CPUs, LightGBM, 5 folds), two single-threaded folds side by side beat one
    two-threaded fold at a time when idle, and beside two busy processes they took 2x instead of
    5x, because OpenMP threads that wait for each other spin on cores another process needs.
    """
    if n_rows < SMALL_DATA:
        return 1
    return _threads_per_fit if _threads_per_fit is not None else jobs()
