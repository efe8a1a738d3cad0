"""Fault injection for the tests of kill -9 and ``--resume``: the process kills itself with
SIGKILL the ``n``-th time it reaches a named point, so a test can cut a run at an exact place
rather than at whatever moment a timer fires.

``PODIUM_KILL_AT=<point>[:<n>]`` (``n`` defaults to 1) names the point. The points:

- ``features``: the shared feature matrices are built and cached, the fold-fitted ones not yet;
- ``fold``: a fold of a cross-validation (default entry or trial) has just been checkpointed;
- ``ensembles``: every model's entry is final and the ensembles are built, nothing is written;
- ``write``: the submission is written into the staging folder, the other run files not yet.

Unset (always, outside tests), :func:`point` is a dictionary lookup and nothing else.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

VARIABLE = "PODIUM_KILL_AT"
_reached: Counter[str] = Counter()


def point(name: str) -> None:
    """Reaching ``name``: SIGKILL this process if ``PODIUM_KILL_AT`` asks for this visit."""
    wanted = os.environ.get(VARIABLE)
    if not wanted:
        return
    target, _, count = wanted.partition(":")
    if target != name:
        return
    _reached[name] += 1
    if _reached[name] == int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)
