"""Spending a tuning budget where it pays: cost-aware choice of the next model to tune.

An even split of a short budget across models wastes most of it on whichever model is slowest
or has stopped improving. podium instead chooses, before every trial, the model with the lowest
*estimated cost for improvement* (ECI), a simplified form of FLAML's learner selection (Wang et
al., "FLAML: A Fast and Lightweight AutoML Library", MLSys 2021):

1. **Cheap defaults first.** Every model runs its default trial before any model runs a second
   one, cheapest first (the order given), each within an even share of the time left (one
   share more is kept for tuning), so every model has a scored entry early even under a small
   budget. A default cut short by its share keeps its finished folds and continues once more,
   within half of what is left (a model without its defaults has no entry at all), unless its
   progress shows it cannot finish there: then the model is left out at once (on TalkingData,
   CatBoost's defaults took 95 s without one fold and were then given 48 s more, in vain).
   Then every model runs one tuned trial, a first measure of what tuning buys, the slowest
   first (the ECI choice below visits the cheap ones anyway), while the trial's first round of
   folds takes at most half the time left (and it is stopped there): under a budget a tuned
   trial stops at the first fold where it falls behind the best trials (see
   :mod:`podium.tuning`), so a losing trial costs one round (two of five folds fitted side by
   side on two CPUs: a third of a full trial), and a winning one is worth its full cost.
2. **Then the lowest ECI.** A model's own ECI is the time it needs to improve again, estimated as
   the larger of twice its trial cost and the seconds it has already spent since its last
   improvement: a model that keeps improving stays cheap, one whose trials stop improving grows
   expensive and yields its time. A model behind the best one is charged extra in proportion to
   how far behind it is (its gap to the best over the spread of the models' default scores), so
   time goes first to the models that can still win, yet a stalled leader eventually hands
   trials to the others.
3. **No trial that cannot finish.** A model is only chosen while its typical trial fits in the
   time left; when none fits, tuning ends and the rest of the budget goes to the run's reserve.
   A tuned trial is stopped after three times its model's typical trial, so one unlucky
   configuration cannot eat the budget.

With a trial target and no budget, every model simply runs to the target in turn, so the same
seed and trial count give the same studies.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from podium import stopping

# How much more a model at the bottom of the spread pays per second than the leader.
GAP_WEIGHT = 4.0
# Trials whose cost estimates a model's next trial (the most recent ones).
COST_WINDOW = 3
# A tuned trial stops after this many times its model's typical trial (at least the minimum).
TRIAL_CAP = 3.0
MIN_TRIAL_SECONDS = 5.0


class Tunable(Protocol):
    """What the allocator needs of a model's study (:class:`podium.tuning.ModelTuner`)."""

    name: str

    def wants_trial(self, n_trials: int | None) -> bool: ...

    def best_value(self) -> float | None: ...

    def step(self, until: float | None) -> object: ...

    def progress(self) -> float | None:
        """The share of the last trial done when its deadline stopped it (None: not stopped)."""
        ...


@dataclass
class Arm:
    """One model's account: seconds spent, trials run, and when its best last improved."""

    tuner: Tunable
    sign: float  # +1 when lower values are better, -1 when higher are
    seconds: float = 0.0
    trials: int = 0
    costs: list[float] = field(default_factory=list)
    first: float | None = None  # signed value of the first best seen (the defaults)
    best: float | None = None  # signed best value
    improved_at: float = 0.0  # ``seconds`` when the best last improved

    @property
    def name(self) -> str:
        return self.tuner.name

    def cost(self) -> float:
        recent = self.costs[-COST_WINDOW:]
        return sum(recent) / len(recent) if recent else 0.0

    def peak_cost(self) -> float:
        """The slowest of the recent trials: what the work after tuning is sized by."""
        return max(self.costs[-COST_WINDOW:], default=0.0)

    def observe(self) -> None:
        value = self.tuner.best_value()
        if value is None:
            return
        signed = self.sign * value
        if self.first is None:
            self.first = signed
        if self.best is None or signed < self.best:
            self.best = signed
            self.improved_at = self.seconds

    def eci(self, leader: float, spread: float) -> float:
        own = max(2.0 * self.cost(), self.seconds - self.improved_at)
        if self.best is None:
            return math.inf
        behind = (self.best - leader) / spread if spread > 0 else 0.0
        return own * (1.0 + GAP_WEIGHT * min(max(behind, 0.0), 1.0))


@dataclass(frozen=True)
class Step:
    """One trial as the allocator saw it, for ``tuning_schedule.csv`` and the summary."""

    model: str
    started: float  # seconds since tuning began
    seconds: float
    best: float | None  # the model's best value after the trial (the metric's own sign)
    reason: str  # "defaults", "first tuned", "eci" (chosen by lowest ECI) or "target"


class Allocator:
    """Runs the trials of several models' studies within one deadline; see the module doc."""

    def __init__(
        self,
        tuners: Sequence[Tunable],
        greater_is_better: bool,
        n_trials: int | None,
        end: float | None,
        reserve: Callable[[float], float] = lambda seconds: 0.0,
        on_step: Callable[[Step], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        probe_share: float = 1.0,
    ) -> None:
        """``end``: when tuning and everything after it must be done (a :func:`time.monotonic`
        value, or None); ``reserve(trial_seconds)``: the seconds a model needs after its
        tuning (SHAP, seed bags, ...), given its typical trial's seconds, kept back from
        ``end``; ``probe_share``: the share of a full trial's seconds spent before the pruner
        can first stop it (its first round of folds)."""
        sign = -1.0 if greater_is_better else 1.0
        self.arms = [Arm(t, sign) for t in tuners]
        self.n_trials = n_trials
        self.budget_end = end
        self.reserve = reserve
        self.on_step = on_step
        self.clock = clock
        self.probe_share = probe_share
        self.steps: list[Step] = []
        self.began = clock()
        # Models left without an entry, and why (logged by the run).
        self.skipped: dict[str, str] = {}

    def run(self) -> list[Step]:
        for arm in self.arms:
            arm.observe()  # a continued study already has a best
        for i, arm in enumerate(self.arms):
            # Shares of the models still to start plus one kept for tuning, so a slow last
            # model cannot take every second the others would tune with.
            if arm.best is None and self._can_run(arm) and not self._past(self.end):
                self._trial(arm, self._share_end(len(self.arms) - i + 1), "defaults")
        for arm in self.arms:  # a default cut short continues from its saved folds, once,
            # within half of what is left: without it the model has no entry at all.
            if arm.best is None and arm.trials and self._can_run(arm) and not self._past(self.end):
                if self._can_finish(arm):
                    self._trial(arm, self._share_end(2), "defaults")
        if self.end is not None:
            # One tuned trial each, where affordable: a first measure of what tuning buys. The
            # slowest first: the cheap ones fit in what is left, and the ECI choice visits them.
            for arm in sorted(self.arms, key=lambda a: -a.cost()):
                left = self.end - self.clock()
                probe = arm.cost() * self.probe_share
                if arm.best is not None and self._can_run(arm) and probe <= left / 2:
                    # Stopped at half the time left: a configuration far slower than the
                    # defaults cannot take the time every other model's first trial needs.
                    until = min(self._capped(arm) or math.inf, self.clock() + left / 2)
                    self._trial(arm, until, "first tuned")
        if self.end is None:
            for arm in self.arms:  # a trial target alone: each model in turn, deterministic
                while arm.tuner.wants_trial(self.n_trials):
                    self._trial(arm, None, "target")
            return self.steps
        while not self._past(self.end):
            chosen = self._next()
            if chosen is None:
                break
            self._trial(chosen, self._capped(chosen), "eci")
        return self.steps

    def _can_finish(self, arm: Arm) -> bool:
        """Whether a default cut short can finish within half of the tuning time left, judged
        by its progress: the seconds its saved share of the folds took, or, with no fold saved,
        at least what its first round of folds has already taken for each round still to go.
        A model that cannot is left out at once rather than given time it cannot use."""
        end, done = self.end, arm.tuner.progress()
        if end is None or done is None:
            return True
        spent = arm.seconds
        if done > 0:
            needed = spent * (1.0 - done) / done
        else:  # not one round finished: a round takes more than ``spent`` seconds
            needed = spent * (1.0 / self.probe_share - 1.0)
        if needed <= (end - self.clock()) / 2:
            return True
        self.skipped[arm.name] = (
            f"its defaults were stopped at {done:.0%} of their folds after {spent:.0f} s and "
            f"need at least {needed:.0f} s more, over half of the {end - self.clock():.0f} s left"
        )
        return False

    def _capped(self, arm: Arm) -> float | None:
        """A tuned trial's deadline: the end, or TRIAL_CAP times the model's typical trial,
        so one unlucky configuration (deep trees, many rounds) cannot eat the budget."""
        end = self.end
        if end is None:
            return None
        return min(end, self.clock() + TRIAL_CAP * max(arm.cost(), MIN_TRIAL_SECONDS))

    @property
    def end(self) -> float | None:
        """When tuning must stop: the budget's end less every model's reserve."""
        if self.budget_end is None:
            return None
        return self.budget_end - sum(self.reserve(a.peak_cost()) for a in self.arms)

    def _share_end(self, shares: int) -> float | None:
        """The end of the next of ``shares`` even shares of the tuning time left."""
        end = self.end
        if end is None:
            return None
        now = self.clock()
        return now + max(end - now, 0.0) / max(shares, 1)

    def _next(self) -> Arm | None:
        """The runnable model with the lowest ECI (the first listed on a tie)."""
        scored = [a for a in self.arms if a.best is not None and a.first is not None]
        if not scored:
            return None
        leader = min(a.best for a in scored if a.best is not None)
        spread = max(a.first for a in scored if a.first is not None) - leader
        left = (self.end or math.inf) - self.clock()
        runnable = [a for a in scored if self._can_run(a) and a.cost() <= left]
        if not runnable:
            return None
        return min(runnable, key=lambda a: a.eci(leader, spread))

    def _can_run(self, arm: Arm) -> bool:
        return arm.tuner.wants_trial(self.n_trials)

    def _trial(self, arm: Arm, until: float | None, reason: str) -> None:
        """Run one trial of ``arm`` and account for it."""
        stopping.check()
        started = self.clock()
        arm.tuner.step(until)
        seconds = self.clock() - started
        arm.seconds += seconds
        arm.trials += 1
        arm.costs.append(seconds)
        arm.observe()
        step = Step(
            model=arm.name,
            started=started - self.began,
            seconds=seconds,
            best=None if arm.best is None else arm.sign * arm.best,
            reason=reason,
        )
        self.steps.append(step)
        if self.on_step is not None:
            self.on_step(step)

    def _past(self, end: float | None) -> bool:
        return end is not None and self.clock() >= end
