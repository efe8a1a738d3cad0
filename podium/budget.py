"""The run's wall-clock budget: when it ends, and what is kept back for the work after the
models (ensembles, SHAP plots, the report and the files)."""

from __future__ import annotations

import time
from dataclasses import dataclass

# Kept back from the budget for ensembles, SHAP plots, the report and the files. The ensembles
# get 8% of the budget: on real TalkingData (60,000 rows, 12 classes) greedy selection and the
# stack take 25 s, and at 300 s a 4% share, with the slower blend built first, left every
# ensemble out.
RESERVE_FRACTION = 0.12
RESERVE_SECONDS = 10.0
# Of that reserve, kept back from the ensembles for SHAP plots, the report and the files.
FILES_FRACTION = 0.04


@dataclass(frozen=True)
class Budget:
    """The run's wall-clock budget, counted from ``started`` (a :func:`time.monotonic` value)."""

    started: float
    seconds: float | None

    @property
    def reserve(self) -> float:
        return 0.0 if self.seconds is None else RESERVE_SECONDS + RESERVE_FRACTION * self.seconds

    def left(self) -> float:
        """Seconds left for models before the reserve (infinite without a budget)."""
        end = self.end()
        return float("inf") if end is None else end - time.monotonic()

    def end(self) -> float | None:
        """When the time for models ends (the reserve kept back); None without a budget."""
        if self.seconds is None:
            return None
        return self.started + self.seconds - self.reserve

    def ensembles_end(self) -> float | None:
        """When the ensembles must be done: the budget's end less the time for the files."""
        if self.seconds is None:
            return None
        return self.started + self.seconds - RESERVE_SECONDS - FILES_FRACTION * self.seconds

    def share_end(self, shares_left: int) -> float | None:
        """The deadline of the next of ``shares_left`` equal shares of the time left."""
        if self.seconds is None:
            return None
        return time.monotonic() + max(self.left(), 0.0) / max(shares_left, 1)
