"""The run's deadline, seen by every fit: boosters check it per iteration, the rest per fit."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_DEADLINE: ContextVar[float | None] = ContextVar("podium_deadline", default=None)


class OutOfTime(Exception):
    """A fit was stopped because the run's deadline passed (see :func:`deadline`)."""


@contextmanager
def deadline(at: float | None) -> Iterator[None]:
    """Fits started inside the block stop at ``at`` (a :func:`time.monotonic` value).

    Boosters check it after every iteration and raise :class:`OutOfTime`; every model checks
    it before and after fitting. ``None`` means no deadline.
    """
    token = _DEADLINE.set(at)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def current_deadline() -> float | None:
    """The deadline set by the innermost :func:`deadline` block, or None."""
    return _DEADLINE.get()


def out_of_time() -> bool:
    at = _DEADLINE.get()
    return at is not None and time.monotonic() >= at


def check_time() -> None:
    """Raise :class:`OutOfTime` when the deadline has passed; boosters call it per iteration."""
    if out_of_time():
        raise OutOfTime("the time budget ran out during a fit")
