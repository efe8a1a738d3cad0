"""Vectorised parsing of ``key:seconds`` fields, such as Hotstar's ``Cricket:3469,Drama:6``.

The format rule
---------------
A field is a list of pairs joined by commas. A pair is ``KEY:SECONDS`` where SECONDS is a
non-negative number (``\\d+`` with an optional decimal part). An empty field has no pairs.

* Plain keys (cities, genres, hours, days) contain neither ``,`` nor ``:``; spaces are allowed
  (``navi mumbai:4005``).
* Free-text keys (titles) may contain spaces, digits, commas and colons. A comma ends a pair only
  when it directly follows ``:SECONDS``, and a pair's SECONDS are the number after its *last*
  colon. So ``Mahabharat: Ep 12, Part 2:300`` is one title, and
  ``Vintage Dhoni Comes Good with 134:60`` is the title ``Vintage Dhoni Comes Good with 134``.
  The one ambiguous case, a title that itself contains ``:<digits>,``, is split there: the
  format cannot tell it from two pairs.

Parsing runs a handful of C-level regex and ``str`` passes over one joined string per field, so
its cost is a few seconds for millions of pairs, with no Python loop over pairs. The slower
per-user scan runs only to explain an error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

SECONDS = r"\d+(?:\.\d+)?"
# Rows are joined by "\n" + ROW_MARK so that each pair's line tells whether it starts a row.
ROW_MARK = "\x1e"
_FREE_SPLIT = re.compile(rf"(:{SECONDS}),")
_FREE_LINE = re.compile(rf"^({ROW_MARK}?)(.*):({SECONDS})$", re.M)
_PLAIN_LINE = re.compile(rf"^({ROW_MARK}?)([^:\n{ROW_MARK}]*):({SECONDS})$", re.M)
_FREE_PAIR = re.compile(rf"(.*):({SECONDS})")
_PLAIN_PAIR = re.compile(rf"([^:]*):({SECONDS})")


@dataclass(frozen=True)
class Pairs:
    """Parsed pairs of one field, in long form: one entry per (row, key) pair."""

    row: np.ndarray  # int64 row index of each pair
    code: np.ndarray  # int64 index into ``keys``
    keys: np.ndarray  # distinct keys (object array of str)
    seconds: np.ndarray  # float64 seconds of each pair
    n_rows: int

    def __len__(self) -> int:
        return len(self.row)

    def as_frame(self) -> pd.DataFrame:
        """Long frame ``row, key, seconds`` (for tests and inspection)."""
        import pandas as pd

        return pd.DataFrame({"row": self.row, "key": self.keys[self.code], "seconds": self.seconds})


def parse_pairs(
    values: Sequence[str],
    *,
    field: str,
    row_ids: Sequence[str],
    free_text: bool = False,
    source: str = "input",
) -> Pairs:
    """Parse one ``key:seconds`` field for every row.

    ``row_ids`` and ``source`` only serve error messages, which name the file, the row's ID,
    the field and the offending pair.
    """
    import pandas as pd

    n_rows = len(values)
    nonempty = np.flatnonzero(np.fromiter((len(v) > 0 for v in values), bool, n_rows))
    if len(nonempty) == 0:
        empty = np.zeros(0, np.int64)
        return Pairs(empty, empty, np.array([], dtype=object), np.zeros(0), n_rows)
    texts = [values[int(i)] for i in nonempty]
    big = ("\n" + ROW_MARK).join(texts)
    if big.count("\n") != len(texts) - 1 or big.count(ROW_MARK) != len(texts) - 1:
        _raise_first_bad(values, row_ids, field, free_text, source)
    big = ROW_MARK + big
    if free_text:
        big = _FREE_SPLIT.sub("\\1\n", big)
        matches = _FREE_LINE.findall(big)
    else:
        big = big.replace(",", "\n")
        matches = _PLAIN_LINE.findall(big)
    if len(matches) != big.count("\n") + 1:
        _raise_first_bad(values, row_ids, field, free_text, source)
    del big
    marks, keys, secs = zip(*matches, strict=True)
    del matches
    starts = np.asarray(marks, dtype="U1") == ROW_MARK
    row = nonempty[np.cumsum(starts) - 1]
    code, uniques = pd.factorize(pd.Series(keys, dtype=object), sort=False)
    seconds = np.asarray(secs, dtype=np.float64)
    return Pairs(
        row=row.astype(np.int64),
        code=np.asarray(code, dtype=np.int64),
        keys=np.asarray(uniques, dtype=object),
        seconds=seconds,
        n_rows=n_rows,
    )


def _raise_first_bad(
    values: Sequence[str],
    row_ids: Sequence[str],
    field: str,
    free_text: bool,
    source: str,
) -> None:
    """Find the first malformed pair (slow path, only on error) and raise a DataError for it."""
    for i, value in enumerate(values):
        if not value:
            continue
        where = f"{source}: user {row_ids[i]!r}, field {field!r}"
        if "\n" in value or ROW_MARK in value:
            raise DataError(f"{where}: control characters inside the field: {value!r}")
        parts = _FREE_SPLIT.sub("\\1\n", value).split("\n") if free_text else value.split(",")
        pair_re = _FREE_PAIR if free_text else _PLAIN_PAIR
        for part in parts:
            if pair_re.fullmatch(part):
                continue
            if ":" not in part:
                problem = "has no ':' between key and seconds"
            elif not free_text and part.count(":") > 1:
                problem = "has more than one ':'"
            else:
                problem = "has seconds that are not a non-negative number"
            raise DataError(
                f"{where}: the pair {part!r} {problem}; "
                "each pair must look like KEY:SECONDS, pairs joined by ','"
            )
    raise DataError(f"{source}: field {field!r} could not be parsed (no single bad pair found)")
