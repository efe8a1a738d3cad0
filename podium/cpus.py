"""How many CPUs podium may really use, and how its learners' threads wait.

``os.cpu_count()`` counts the machine's cores, not the ones this process may run on: a
container's CPU quota (cgroup ``cpu.max``), ``taskset`` or a scheduler's affinity mask all give
fewer. Asking for more threads than usable cores makes OpenMP learners (LightGBM, XGBoost)
oversubscribe, and their threads' default busy-waiting turns a shared machine into a crawl.
"""

from __future__ import annotations

import math
import os
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
    needs; a value the user set is kept."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
