"""Moved to :mod:`competitions.kit` (``kit/tables.py``: the reader and :class:`Column`;
``kit/checks.py``: the shared checks). This module re-exports the names it had for code
written against it, and stays while ``podium.featurize`` lists it among the shared loading
modules whose source keys the feature cache."""

from competitions.kit.checks import check_values, drop_unknown, line_of, require_values, show
from competitions.kit.tables import SEPARATORS, TIME_FORMAT, Column, read_csv

__all__ = [
    "SEPARATORS",
    "TIME_FORMAT",
    "Column",
    "check_values",
    "drop_unknown",
    "line_of",
    "read_csv",
    "require_values",
    "show",
]
