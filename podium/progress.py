"""The tuning progress a person can follow: which model, which trial and fold, the best score so
far, and the time left of the budget. A tqdm bar on a terminal; log lines when a model's best
improves, which is also all that shows without a terminal (``--no-progress``, CI, notebooks'
logs)."""

from __future__ import annotations

import logging
import time
from types import TracebackType
from typing import TYPE_CHECKING

from tqdm.auto import tqdm

from core.metrics import Metric

if TYPE_CHECKING:
    from podium.allocate import Step

log = logging.getLogger(__name__)


class TuningProgress:
    """A bar over the tuning's seconds (with a budget) or trials (with a trial target)."""

    def __init__(
        self,
        metric: Metric,
        end: float | None,
        trials: int | None,
        n_models: int,
        disable: bool | None,
    ) -> None:
        self.metric = metric
        self.end = end
        self.started = time.monotonic()
        self.best: dict[str, float] = {}
        self.trials: dict[str, int] = {}
        total = None
        if end is not None:
            total = max(round(end - self.started), 1)
        elif trials is not None:
            total = trials * n_models
        unit = "s" if end is not None else "trial"
        self.bar = tqdm(
            total=total,
            desc="starting",
            unit=unit,
            leave=False,
            disable=disable,
            bar_format="tuning {percentage:3.0f}%|{bar:20}| {desc}",
        )

    def __enter__(self) -> TuningProgress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.bar.close()

    def fold(self, model: str, trial: int, k: int) -> None:
        """After fold ``k`` of the study's trial number ``trial`` (shown as the model's own
        count, as in the log lines)."""
        self._show(f"{model} trial {self.trials.get(model, 0) + 1} fold {k + 1} done")

    def step(self, step: Step) -> None:
        self.trials[step.model] = self.trials.get(step.model, 0) + 1
        if step.best is not None:
            before = self.best.get(step.model)
            if before is None or self.metric.sort_key(step.best) < self.metric.sort_key(before):
                self.best[step.model] = step.best
                log.info(
                    "  %-8s trial %d: best %s %.4f (%.0f s spent on tuning, %s)",
                    step.model, self.trials[step.model], self.metric.name, step.best,
                    time.monotonic() - self.started, self._left(),
                )  # fmt: skip
        if self.end is None:
            self.bar.update(1)
        self._show(f"{step.model} done")

    def _left(self) -> str:
        if self.end is None:
            return "no budget"
        return f"{max(self.end - time.monotonic(), 0):.0f} s left"

    def _show(self, doing: str) -> None:
        if self.end is not None:
            self.bar.n = min(round(time.monotonic() - self.started), self.bar.total or 0)
        leader = ""
        if self.best:
            name = min(self.best, key=lambda m: self.metric.sort_key(self.best[m]))
            leader = f" | best {self.metric.name} {self.best[name]:.4f} ({name})"
        trials = sum(self.trials.values())
        self.bar.set_description_str(f"{doing} | {trials} trials{leader} | {self._left()}")
