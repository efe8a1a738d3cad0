"""Moved to :mod:`competitions.kit.tables` and :mod:`competitions.kit.checks`; kept only while
``podium.featurize`` names this file among the shared loading modules in its cache key."""

from competitions.kit.checks import (
    check_values,
    common_folder,
    drop_unknown,
    line_of,
    require_values,
)
from competitions.kit.tables import SEPARATORS, Column, read_csv, read_tables

__all__ = [
    "SEPARATORS",
    "Column",
    "check_values",
    "common_folder",
    "drop_unknown",
    "line_of",
    "read_csv",
    "read_tables",
    "require_values",
]
