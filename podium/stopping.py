"""Ctrl-C and SIGTERM stop a run, even when Python swallows the first exception.

A signal handler's exception is raised at the next Python instruction, and that may be inside
a garbage-collection callback or a ``__del__`` (SQLAlchemy registers weakref callbacks), where
Python prints "Exception ignored in ..." and carries on. So the handler also records the stop,
and :func:`check` raises it again at the run's safe points: before each trial, before each
fold, and before the finished run is moved into place. A stopped run can never be published
as finished.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Interrupted", "Terminated", "check", "handle_stops", "requested"]


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, Docker, systemd, batch schedulers), handled like Ctrl-C."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM during a run; the run can be resumed with ``--resume run_id``."""

    def __init__(self, run_id: str, terminated: bool = False) -> None:
        super().__init__(run_id)
        self.run_id = run_id
        self.terminated = terminated


_requested: int | None = None


def requested() -> int | None:
    """The signal that asked the run to stop, or None."""
    return _requested


def _stop(signum: int) -> KeyboardInterrupt:
    return Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def check() -> None:
    """Raise the recorded stop, if a signal asked for one."""
    if _requested is not None:
        raise _stop(_requested)


def _handler(signum: int, frame: object) -> None:
    global _requested
    _requested = signum
    raise _stop(signum)


@contextmanager
def handle_stops() -> Iterator[None]:
    """Within the block Ctrl-C and SIGTERM stop a run at the next Python instruction, and
    again at the next safe point if that first exception was swallowed. The previous handlers
    come back afterwards (tests call :func:`podium.cli.main` in-process)."""
    global _requested
    if threading.current_thread() is not threading.main_thread():  # signals reach only it
        yield
        return
    _requested = None
    before = {s: signal.signal(s, _handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)
        _requested = None
