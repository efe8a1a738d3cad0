"""The tuning budget allocator, on fake studies whose trials take known (simulated) seconds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from podium.allocate import Allocator


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeStudy:
    """A model whose trials cost ``cost`` seconds and score the next of ``values`` (higher is
    better); a trial that would end after its deadline is stopped there with no score."""

    def __init__(self, name: str, cost: float, values: Iterator[float], clock: Clock) -> None:
        self.name = name
        self.cost = cost
        self.values = values
        self.clock = clock
        self.scores: list[float] = []

    def wants_trial(self, n_trials: int | None) -> bool:
        return n_trials is None or len(self.scores) < n_trials

    def best_value(self) -> float | None:
        return max(self.scores) if self.scores else None

    def progress(self) -> float | None:
        return None  # a cut trial keeps nothing

    def step(self, until: float | None) -> None:
        cost = self.cost if self.scores or self.first_cost is None else self.first_cost
        if until is not None and self.clock.now + cost > until:
            self.clock.now = until
            return
        self.clock.now += cost
        self.scores.append(next(self.values))

    first_cost: float | None = None  # the defaults' cost, when it differs from the others


def improving(start: float, step: float) -> Iterator[float]:
    value = start
    while True:
        yield value
        value += step


def flat(value: float) -> Iterator[float]:
    while True:
        yield value


def allocate(studies, clock, end, n_trials=None, reserve=lambda s: 0.0):
    allocator = Allocator(studies, True, n_trials, end, reserve=reserve, clock=clock)
    return allocator, allocator.run()


def test_every_model_gets_its_defaults_first_cheapest_first():
    clock = Clock()
    studies = [
        FakeStudy("cheap", 1.0, improving(0.70, 0.001), clock),
        FakeStudy("mid", 3.0, improving(0.75, 0.001), clock),
        FakeStudy("slow", 10.0, improving(0.72, 0.001), clock),
    ]
    _, steps = allocate(studies, clock, end=100.0)
    assert [s.model for s in steps[:3]] == ["cheap", "mid", "slow"]
    assert {s.reason for s in steps[:3]} == {"defaults"}
    assert [s.model for s in steps[3:6]] == ["slow", "mid", "cheap"]  # the slowest first
    assert {s.reason for s in steps[3:6]} == {"first tuned"}
    assert all(s.reason == "eci" for s in steps[6:])


@pytest.mark.parametrize(("end", "slow_tuned"), [(100.0, True), (80.0, False)])
def test_a_first_tuned_trial_needs_at_most_half_the_time_left(end, slow_tuned):
    clock = Clock()
    studies = [
        FakeStudy("cheap", 1.0, improving(0.70, 0.001), clock),
        FakeStudy("mid", 3.0, improving(0.75, 0.001), clock),
        FakeStudy("slow", 30.0, improving(0.72, 0.001), clock),
    ]
    _, steps = allocate(studies, clock, end=end)
    # Defaults end at 34 s; the slow one goes first and needs 30 s <= half of what is left:
    # 66 s of 100 (yes), 46 s of 80 (no).
    first = [s.model for s in steps if s.reason == "first tuned"]
    assert first == (["slow", "mid", "cheap"] if slow_tuned else ["mid", "cheap"])


def test_a_first_tuned_trial_is_afforded_by_its_first_round_of_folds():
    clock = Clock()
    studies = [
        FakeStudy("cheap", 1.0, improving(0.70, 0.001), clock),
        FakeStudy("slow", 30.0, improving(0.72, 0.001), clock),
    ]
    allocator = Allocator(studies, True, None, 75.0, clock=clock, probe_share=1 / 3)
    steps = allocator.run()
    # Defaults end at 31 s; 44 s left: the slow model's full trial (30 s) is more than half of
    # it, but its first round (10 s) is not.
    assert [s.model for s in steps if s.reason == "first tuned"] == ["slow", "cheap"]


def test_a_first_tuned_trial_far_slower_than_its_defaults_stops_at_half_the_time_left():
    clock = Clock()
    slow = FakeStudy("slow", 100.0, improving(0.72, 0.001), clock)
    slow.first_cost = 10.0  # the defaults are cheap; the first tuned configuration is not
    _, steps = allocate([slow], clock, end=60.0)
    first = [s for s in steps if s.reason == "first tuned"]
    # 50 s left after the defaults: stopped at 25 s, not at three times the defaults' 10 s.
    assert len(first) == 1 and first[0].seconds == pytest.approx(25.0)


def test_a_model_that_stops_improving_yields_its_time():
    clock = Clock()
    studies = [
        FakeStudy("stalled", 2.0, flat(0.80), clock),  # best default, never improves
        FakeStudy("learner", 2.0, improving(0.78, 0.002), clock),  # behind, keeps improving
    ]
    allocator, steps = allocate(studies, clock, end=200.0)
    trials = Counter(s.model for s in steps)
    assert trials["learner"] > 3 * trials["stalled"]
    assert trials["stalled"] >= 2  # still tried again while its stall was short
    spent = {arm.name: arm.seconds for arm in allocator.arms}
    assert spent["learner"] > spent["stalled"]


def test_a_stalled_leader_hands_trials_to_the_others():
    clock = Clock()
    studies = [
        FakeStudy("leader", 1.0, flat(0.90), clock),
        FakeStudy("behind", 1.0, flat(0.70), clock),
    ]
    _, steps = allocate(studies, clock, end=200.0)
    trials = Counter(s.model for s in steps)
    assert trials["leader"] > trials["behind"] > 5  # the far-behind model gets a bounded share


def test_no_trial_starts_that_cannot_finish_and_nothing_runs_past_the_end():
    clock = Clock()
    studies = [
        FakeStudy("fast", 1.0, improving(0.7, 0.01), clock),
        FakeStudy("slow", 20.0, improving(0.8, 0.01), clock),
    ]
    _, steps = allocate(studies, clock, end=50.0)
    assert clock.now <= 50.0
    slow = [s for s in steps if s.model == "slow"]
    assert len(studies[1].scores) == len(slow)  # every slow trial it started, it finished
    assert all(s.started + 20.0 <= 50.0 for s in slow)


def test_a_slow_last_default_leaves_time_for_tuning():
    clock = Clock()
    studies = [
        FakeStudy("fast", 1.0, improving(0.7, 0.01), clock),
        FakeStudy("slow", 1000.0, improving(0.8, 0.01), clock),
    ]
    allocate(studies, clock, end=100.0)
    assert len(studies[0].scores) > 20  # the slow default was cut at its share, not at the end


def test_the_reserve_after_tuning_is_kept_back():
    clock = Clock()
    studies = [FakeStudy("m", 2.0, improving(0.7, 0.01), clock)]
    _, steps = allocate(studies, clock, end=100.0, reserve=lambda seconds: 5 * seconds)
    assert clock.now <= 100.0 - 5 * 2.0


class ResumableStudy(FakeStudy):
    """A model whose cut trial keeps its progress (its finished folds) for the next one."""

    done = 0.0

    def progress(self) -> float | None:
        return self.done / self.cost if self.done else None

    def step(self, until: float | None) -> None:
        left = self.cost - self.done
        if until is not None and self.clock.now + left > until:
            self.done += until - self.clock.now
            self.clock.now = until
            return
        self.clock.now += left
        self.done = 0.0
        self.scores.append(next(self.values))


def test_a_cut_default_continues_from_its_folds_within_half_of_what_is_left():
    clock = Clock()
    studies = [
        FakeStudy("cheap", 1.0, improving(0.70, 0.001), clock),
        FakeStudy("mid", 2.0, improving(0.72, 0.001), clock),
        ResumableStudy("slow", 80.0, improving(0.80, 0.001), clock),
    ]
    _, steps = allocate(studies, clock, end=120.0)
    # Cut at its share (58.5 s of 80) at 61.5 s; the 21.5 s it still needs fit in half of the
    # 58.5 s left, though not in a third.
    assert [s.model for s in steps[:4]] == ["cheap", "mid", "slow", "slow"]
    assert studies[2].scores and steps[3].reason == "defaults"


def test_a_cut_default_that_cannot_finish_in_half_of_what_is_left_yields_its_time():
    clock = Clock()
    studies = [
        FakeStudy("cheap", 1.0, improving(0.70, 0.001), clock),
        ResumableStudy("slow", 400.0, improving(0.80, 0.001), clock),
    ]
    allocator, steps = allocate(studies, clock, end=120.0)
    # Cut at its share (59.5 s, 15% of its folds): the 337 s it still needs are over half of the
    # 59.5 s left, so it is not continued and the cheap model tunes with the time.
    assert [s.model for s in steps[:3]] == ["cheap", "slow", "cheap"]
    assert studies[1].scores == [] and "slow" in allocator.skipped
    assert len(studies[0].scores) > 40


def test_a_default_that_overruns_its_share_leaves_the_model_out_not_the_others():
    clock = Clock()
    studies = [
        FakeStudy("huge", 80.0, improving(0.9, 0.01), clock),
        FakeStudy("small", 1.0, improving(0.7, 0.01), clock),
    ]
    _, steps = allocate(studies, clock, end=100.0)
    assert studies[0].scores == []  # its share was 50 s
    assert len(studies[1].scores) > 10


@pytest.mark.parametrize("budget", [None, 1000.0])
def test_a_trial_target_is_reached_and_never_exceeded(budget):
    clock = Clock()
    studies = [
        FakeStudy("a", 1.0, improving(0.7, 0.01), clock),
        FakeStudy("b", 2.0, flat(0.8), clock),
    ]
    _, steps = allocate(studies, clock, end=budget, n_trials=4)
    assert [len(s.scores) for s in studies] == [4, 4]
    if budget is None:  # a target alone: each model in turn, the same order every time
        assert [s.model for s in steps] == ["a", "b"] + ["a"] * 3 + ["b"] * 3


def test_an_unlucky_configuration_is_stopped_at_three_times_the_typical_trial():
    clock = Clock()
    heavy = FakeStudy("heavy", 100.0, improving(0.8, 0.01), clock)
    heavy.first_cost = 2.0  # cheap defaults, then every tuned configuration takes 100 s
    light = FakeStudy("light", 1.0, improving(0.7, 0.001), clock)
    _, steps = allocate([heavy, light], clock, end=300.0)
    cut = [s for s in steps if s.model == "heavy" and s.reason != "defaults"]
    assert cut and all(s.seconds <= 3 * 5.0 + 1e-9 for s in cut)  # 3 x max(cost, 5 s)
    assert len(light.scores) > 100  # the time went to the model that could use it
