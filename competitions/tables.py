"""Reading CSV tables that real competitions ship: any common separator, UTF-8 with or without
a BOM (or GB18030 for Chinese text), gzip, CRLF, and errors that name the file, line and column.

A :class:`Column` also declares which values are physically possible (a range, finiteness, a
time window); :func:`check_values` applies the one policy every competition shares to them.
"""

from __future__ import annotations

import csv
import gzip
import logging
import os
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from competitions.files import MAX_LINE_BYTES, open_lines
from core.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

# A "time" column holds TIME_FORMAT text; check_values turns it into datetime64.
Kind = Literal["int", "float", "str", "time"]
_DTYPES: dict[Kind, str] = {"int": "int64", "float": "float64", "str": "str", "time": "str"}
SEPARATORS = ",;\t|"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Column:
    """A column of a table, and the values that are physically possible in it.

    ``low`` and ``high`` bound a number (inclusive), ``finite`` refuses infinities, and a time
    column's values must lie in ``window`` (ISO dates, start included, end excluded). ``key``
    marks an ID or the target, where an impossible value stops the run (see
    :func:`check_values`).
    """

    name: str
    kind: Kind
    required: bool = True
    low: float | None = None
    high: float | None = None
    finite: bool = False
    window: tuple[str, str] | None = None
    key: bool = False

    @property
    def checked(self) -> bool:
        bounded = self.low is not None or self.high is not None or self.finite
        return bounded or self.kind == "time"

    def rule(self) -> str:
        """What a possible value is, in words: "a finite number >= 0"."""
        if self.kind == "time":
            window = f" from {self.window[0]} up to {self.window[1]}" if self.window else ""
            return f"a YYYY-MM-DD HH:MM:SS time{window}"
        bounded = self.finite or self.low is not None or self.high is not None
        parts = [
            "an integer" if self.kind == "int" else "a finite number" if bounded else "a number"
        ]
        if self.low is not None and self.high is not None:
            parts.append(f"from {self.low:g} to {self.high:g}")
        elif self.low is not None:
            parts.append(f">= {self.low:g}")
        elif self.high is not None:
            parts.append(f"<= {self.high:g}")
        return " ".join(parts)


def read_csv(path: Path, columns: Sequence[Column]) -> pd.DataFrame:
    """Read the declared columns of a CSV; extra columns are ignored.

    The frame's index is the 0-based data row, so row ``i`` is line ``i + 2`` of the file
    (line 1 is the header), which is what warnings and errors quote. A line longer than
    :data:`~competitions.files.MAX_LINE_BYTES` is refused before it is parsed.
    """
    import pandas as pd

    header, encoding = _header(path)
    sep = max(SEPARATORS, key=header.count)
    names = next(csv.reader([header], delimiter=sep))
    names = [n.strip() for n in names]
    missing = [c.name for c in columns if c.required and c.name not in names]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {', '.join(missing)}; the header has "
            f"{', '.join(names)}{_separator_hint(header, columns)}"
        )
    wanted = [c for c in columns if c.name in names]
    try:
        frame = _read(path, sep, encoding, wanted, typed=True)
    except (ValueError, OverflowError):
        frame = _read(path, sep, encoding, wanted, typed=False)
        _raise_first_bad_value(path, frame, wanted)
        raise  # not reached: the typed read failed, so some value is bad
    for column in columns:
        if column.name not in frame:
            frame[column.name] = pd.Series(pd.NA, index=frame.index, dtype=_DTYPES[column.kind])
    return frame


def _separator_hint(header: str, columns: Sequence[Column]) -> str:
    """When the header splits into the wanted names at spaces, say that is the trouble."""
    words = header.split()
    if len(words) > 1 and all(c.name in words for c in columns if c.required):
        return (
            ". The columns look separated by spaces, which podium does not read: save the file "
            "with commas, semicolons, tabs or | between the columns"
        )
    return ""


def _header(path: Path) -> tuple[str, str]:
    try:
        with open_lines(path) as handle:
            first = handle.readline(MAX_LINE_BYTES + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(f"{path}: cannot be read: {error}") from error
    if not first.strip():
        raise DataError(f"{path}: is empty (no header line)")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return first.decode(encoding).strip("\r\n"), encoding
        except UnicodeDecodeError:
            continue
    raise DataError(f"{path}: line 1 is neither UTF-8 nor GB18030 text")


def _read(
    path: Path, sep: str, encoding: str, columns: Sequence[Column], *, typed: bool
) -> pd.DataFrame:
    import pandas as pd

    dtype = {c.name: (_DTYPES[c.kind] if typed else "str") for c in columns}
    try:
        with open_lines(path) as handle:
            frame = pd.read_csv(
                handle,
                sep=sep,
                usecols=[c.name for c in columns],
                dtype=dtype,
                encoding=encoding,
                keep_default_na=False,
                na_values=[""] if typed else [],
                skipinitialspace=True,
            )
    except UnicodeDecodeError as error:
        if encoding == "utf-8-sig":
            log.warning("%s: not valid UTF-8, reading it as GB18030", path)
            return _read(path, sep, "gb18030", columns, typed=typed)
        raise DataError(f"{path}: cannot be decoded as {encoding}: {error}") from error
    except pd.errors.ParserError as error:
        raise DataError(f"{path}: {_parser_message(error)}") from None
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise DataError(f"{path}: cannot be read: {error}") from error
    return frame


def _parser_message(error: Exception) -> str:
    text = str(error).strip()
    return text.replace("Error tokenizing data. C error: ", "malformed row: ")


def _raise_first_bad_value(path: Path, frame: pd.DataFrame, columns: Sequence[Column]) -> None:
    import pandas as pd

    for column in columns:
        if column.kind not in ("int", "float"):
            continue
        text = frame[column.name].astype("str").str.strip()
        if column.kind == "int":
            digits = text.str.lstrip("+-")
            bad = ~text.str.fullmatch(r"[+-]?\d+") | (digits.str.len() > 19)
            bad |= (digits.str.len() == 19) & (digits > "9223372036854775807")
        else:
            bad = pd.to_numeric(text, errors="coerce").isna() & (text != "")
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"{path}: line {row + 2}, column {column.name!r}: {text.iloc[row]!r} is not "
                f"{'an integer' if column.kind == 'int' else 'a number'} "
                f"({int(bad.sum())} such rows)"
            )


def read_tables(
    files: Mapping[str, Path], tables: Mapping[str, Sequence[Column]]
) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Read every table whose ``<name>.csv`` was found; also return each table's path as the
    label that warnings and errors quote. Missing (optional) tables are logged and skipped."""
    raw: dict[str, pd.DataFrame] = {}
    labels: dict[str, str] = {}
    for name, columns in tables.items():
        path = files.get(f"{name}.csv")
        if path is None:
            log.info("%s.csv not found: its features are left out", name)
            continue
        raw[name] = read_csv(path, columns)
        labels[name] = str(path)
    return raw, labels


def common_folder(labels: Mapping[str, str]) -> str:
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
    value is made missing instead. Time columns come back as datetime64.
    """
    for column in columns:
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
