"""Errors a user can act on. The CLI prints their message as one paragraph and exits non-zero."""

import errno
from collections.abc import Iterator


class PodiumError(Exception):
    """Base class for every error podium reports to the user without a traceback."""

    exit_code = 1


class ConfigError(PodiumError):
    """A bad option or an unknown name: detected before any work starts."""

    exit_code = 2


class DataError(PodiumError):
    """Input files that are missing or malformed. The message names the file and the place."""

    exit_code = 3


class SubmissionError(PodiumError):
    """A submission that does not match the competition's format; nothing is written."""

    exit_code = 4


class DiskFull(PodiumError):
    """A write that found no space left (ENOSPC, or a disk quota): nothing half-written is kept."""

    exit_code = 5

    def __init__(self, where: str) -> None:
        super().__init__(
            f"no space left on {where}. Nothing of this run was kept (its partial files and "
            "checkpoints are removed): free some space there, or give --out a folder on another "
            "disk, and run the command again"
        )
        self.where = where


FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
FULL_MESSAGES = ("no space left on device", "database or disk is full", "disk quota exceeded")


def causes(error: BaseException) -> Iterator[BaseException]:
    """``error``, then the errors that caused it (``__cause__``, else ``__context__``)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def disk_full(error: BaseException) -> bool:
    """Whether ``error``, or an error that caused it, is a full disk (an OSError from a write, or
    a database driver's message such as SQLite's "database or disk is full")."""
    return any(
        (isinstance(e, OSError) and e.errno in FULL_ERRNOS)
        or any(message in str(e).lower() for message in FULL_MESSAGES)
        for e in causes(error)
    )
