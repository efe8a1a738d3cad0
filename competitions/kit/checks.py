"""The checks every competition's loader shares, each failing with a message that names the
file, line, column and value: physically impossible values (one policy for all), values
outside a known set, unknown references, repeated keys and rows, training rows among the rows
to predict, and the target as class codes.

Degenerate data (no rows below a header, one class, a class too rare for the folds) is refused
by the engine before any fit (:mod:`podium.degenerate`), for read and synthetic data alike.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from competitions.kit.tables import TIME_FORMAT, Column
from core.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)


def common_folder(labels: Mapping[str, str]) -> str:
    """The folder that holds every labelled file (for a data set's ``source``)."""
    return os.path.commonpath([Path(p).parent for p in labels.values()])


def line_of(frame: pd.DataFrame, mask: pd.Series | np.ndarray) -> int:
    """File line of the first row where ``mask`` holds (the header is line 1)."""
    return int(frame.index[np.asarray(mask)][0]) + 2


def show(value: object) -> str:
    """A value as the file has it: ``'abc'`` for text, ``7`` (not ``np.int64(7)``) for numbers."""
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value) if isinstance(value, str) else str(value)


def require_values(frame: pd.DataFrame, column: str, allowed: Sequence[object], label: str) -> None:
    """A DataError naming the line, column and value of the first value outside ``allowed``."""
    bad = ~frame[column].isin(allowed)
    if bad.any():
        raise DataError(
            f"{label}: line {line_of(frame, bad)}, column {column!r}: "
            f"{show(frame[column][bad.to_numpy()].iloc[0])} is not one of "
            f"{', '.join(map(str, allowed))} ({int(bad.sum())} such rows)"
        )


def check_values(
    frame: pd.DataFrame, columns: Sequence[Column], label: str, *, keep_rows: bool = False
) -> pd.DataFrame:
    """The physical checks every competition shares, one policy for all.

    An impossible value (see :meth:`Column.rule`) in an ID or target column (``key``) stops
    the run with the file, line, column and value. Elsewhere its row is dropped with a counted
    warning; with ``keep_rows`` (the rows to predict or segment, which must all be kept) the
    value is made missing instead. Time columns come back as datetime64, number columns as
    float64 (as the reader gives them, whatever a synthetic sample held).
    """
    for column in columns:
        if column.kind == "float" and column.name in frame and frame[column.name].dtype != "f8":
            frame = frame.assign(**{column.name: frame[column.name].astype("float64")})
        if column.name not in frame or not column.checked:
            continue
        original = frame[column.name]
        values, bad = _impossible(original, column)
        if column.kind == "time":
            frame = frame.assign(**{column.name: values})
        if not bad.any():
            continue
        where = np.flatnonzero(bad)
        line, value = int(frame.index[where[0]]) + 2, show(original.iloc[where[0]])
        if column.key:
            raise DataError(
                f"{label}: line {line}, column {column.name!r}: {value} is impossible for an ID "
                f"or target, which must be {column.rule()} ({len(where)} such rows): fix the file"
            )
        example = f"line {line}: {value}"
        if keep_rows:
            log.warning(
                "%s: %d impossible %s values made missing (must be %s; e.g. %s)",
                label, len(where), column.name, column.rule(), example,
            )  # fmt: skip
            frame = frame.copy()
            frame.loc[frame.index[where], column.name] = None
        else:
            log.warning(
                "%s: dropped %d rows with an impossible %s (must be %s; e.g. %s)",
                label, len(where), column.name, column.rule(), example,
            )  # fmt: skip
            frame = frame[~bad]
    return frame


def _impossible(series: pd.Series, column: Column) -> tuple[pd.Series, np.ndarray]:
    """The column's values (times parsed) and where they are impossible; missing is not."""
    import pandas as pd

    if column.kind == "time":
        stamp = pd.to_datetime(series, format=TIME_FORMAT, errors="coerce")
        late = stamp.isna().to_numpy()  # an unreadable or missing time places the row nowhere
        if column.window is not None:
            start, end = (pd.Timestamp(t) for t in column.window)
            late = late | ((stamp < start) | (stamp >= end)).to_numpy()
        return stamp, late
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = np.zeros(len(values), dtype=bool)
        if column.finite or column.low is not None or column.high is not None:
            bad |= np.isinf(values)
        if column.low is not None:
            bad |= values < column.low
        if column.high is not None:
            bad |= values > column.high
    return series, bad


def drop_unknown(
    frame: pd.DataFrame, column: str, known: pd.Index, label: str, what: str
) -> pd.DataFrame:
    """Drop rows whose ``column`` is not in ``known``, with a counted warning."""
    unknown = ~frame[column].isin(known)
    if unknown.any():
        log.warning(
            "%s: dropped %d %s (e.g. line %d, %s %s)",
            label, unknown.sum(), what, line_of(frame, unknown), column,
            frame[column][unknown.to_numpy()].iloc[0],
        )  # fmt: skip
    return frame[~unknown.to_numpy()]


def dedupe(frame: pd.DataFrame, key: Sequence[str], label: str) -> pd.DataFrame:
    """Drop rows that repeat ``key``, keeping the first, with counted warnings that tell exact
    duplicate rows from rows that repeat the key with other values."""
    repeated = frame.duplicated(subset=list(key))
    if not repeated.any():  # the common case: one hashing pass over the key columns
        return frame
    exact = frame.duplicated()
    if exact.any():
        log.warning(
            "%s: dropped %d duplicate rows (e.g. line %d)",
            label,
            exact.sum(),
            line_of(frame, exact),
        )
    conflicting = repeated & ~exact
    if conflicting.any():
        log.warning(
            "%s: dropped %d rows that repeat a %s with other values, keeping the first "
            "(e.g. line %d)",
            label, conflicting.sum(), "/".join(key), line_of(frame, conflicting),
        )  # fmt: skip
    return frame[~repeated]


def refuse_repeats(frame: pd.DataFrame, column: str, label: str, what: str) -> None:
    """A DataError naming the line of the first value of ``column`` seen before: "line 5:
    user 'u1' appears twice" (``what`` names the value, e.g. "user" or "test_id")."""
    repeated = frame[column].duplicated()
    if repeated.any():
        row = int(np.flatnonzero(repeated.to_numpy())[0])
        value = frame[column].iloc[row]
        raise DataError(
            f"{label}: line {int(frame.index[row]) + 2}: {what} {show(value)} appears twice"
        )


def refuse_overlap(
    train_ids: pd.Series | pd.Index | np.ndarray,
    test_ids: pd.Series | pd.Index | np.ndarray,
    label: str,
    message: str,
) -> None:
    """A DataError when a row to predict is also a training row. ``message`` is formatted with
    ``n`` (how many) and ``example`` (the first, as :func:`show` writes it): "{n} users are
    also in training, e.g. {example}"."""
    shared = np.intersect1d(np.asarray(train_ids), np.asarray(test_ids))
    if len(shared):
        raise DataError(f"{label}: " + message.format(n=len(shared), example=shared[0]))


def class_codes(values: pd.Series, classes: Sequence[object], label: str) -> np.ndarray:
    """The target as integer codes into ``classes`` (``Dataset.y``); a value outside them is a
    DataError naming its line (see :func:`require_values`)."""
    import pandas as pd

    require_values(values.to_frame(), str(values.name), classes, label)
    return pd.Categorical(values, categories=list(classes)).codes.astype(np.int64)
