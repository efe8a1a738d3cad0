"""Errors a user can act on. The CLI prints their message as one paragraph and exits non-zero."""


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
