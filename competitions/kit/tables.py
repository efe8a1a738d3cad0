"""The one table reader: CSV tables as real competitions ship them, any common separator (found
in the first line), with a header or without one, UTF-8 with or without a BOM (or GB18030 for
Chinese text), gzip, CRLF, read with pandas (:func:`read_csv`) or, for tables of tens of
millions of rows, polars (:func:`read_polars`); errors name the file, line and column.

A :class:`Column` declares a column's name and kind, and which values are physically possible
(a range, finiteness, a time window); :func:`competitions.kit.checks.check_values` applies the
one policy every competition shares to them. In every frame the readers return, row ``i`` is
line ``i + 2`` of its file (its index holds ``i``), which is what warnings and errors quote.
"""

from __future__ import annotations

import csv
import gzip
import logging
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
    import polars as pl

log = logging.getLogger(__name__)

# A "time" column holds TIME_FORMAT text; check_values turns it into datetime64.
Kind = Literal["int", "float", "str", "time"]
_DTYPES: dict[Kind, str] = {"int": "int64", "float": "float64", "str": "str", "time": "str"}
SEPARATORS = ",;\t|"
WIDE_COLUMNS = 100  # pandas warns about a frame of more blocks than this
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Column:
    """A column of a table, and the values that are physically possible in it.

    ``low`` and ``high`` bound a number (inclusive), ``finite`` refuses infinities, and a time
    column's values must lie in ``window`` (ISO dates, start included, end excluded). ``key``
    marks an ID or the target, where an impossible value stops the run (see
    :func:`~competitions.kit.checks.check_values`). A column that is not ``required`` may be
    absent from the file: it is then all missing.
    """

    name: str
    kind: Kind
    required: bool = True
    low: float | None = None
    high: float | None = None
    finite: bool = False
    window: tuple[str, str] | None = None
    key: bool = False
    # For the polars reader: the column's polars type by name ("Int32"; default Int64, Float64
    # or String by kind), or the only values a text column may hold (read as a polars Enum).
    dtype: str | None = None
    values: tuple[str, ...] | None = None
    # May a value be blank (or NULL)? A blank in a column that may not be is an error.
    nullable: bool = True

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


def read_csv(path: Path, columns: Sequence[Column], *, header: bool = True) -> pd.DataFrame:
    """Read the declared columns of a CSV with pandas; extra columns are ignored.

    The frame's index is the 0-based data row, so row ``i`` is line ``i + 2`` of the file
    (line 1 is the header), which is what warnings and errors quote. Without a ``header`` the
    file's columns are the declared ones, in order, and the index starts at -1 (row ``i`` is
    still line ``i + 2``). A line longer than :data:`~competitions.files.MAX_LINE_BYTES` is
    refused before it is parsed.
    """
    import pandas as pd

    first, encoding = _header(path)
    sep = max(SEPARATORS, key=first.count)
    if not header:
        return _headerless(path, sep, encoding, columns)
    names = next(csv.reader([first], delimiter=sep))
    names = [n.strip() for n in names]
    missing = [c.name for c in columns if c.required and c.name not in names]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {', '.join(missing)}; the header has "
            f"{', '.join(names)}{_separator_hint(first, columns)}"
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
    _refuse_blanks(path, frame, columns)
    return frame


def _headerless(path: Path, sep: str, encoding: str, columns: Sequence[Column]) -> pd.DataFrame:
    import pandas as pd

    try:
        frame = _read(path, sep, encoding, columns, typed=True, header=False)
    except (ValueError, OverflowError):
        frame = _read(path, sep, encoding, columns, typed=False, header=False)
        frame.index = pd.RangeIndex(-1, len(frame) - 1)
        _raise_first_bad_value(path, frame, columns)
        raise
    frame.index = pd.RangeIndex(-1, len(frame) - 1)
    _refuse_blanks(path, frame, columns)
    return frame


def _refuse_blanks(path: Path, frame: pd.DataFrame, columns: Sequence[Column]) -> None:
    for column in columns:
        if column.nullable or column.name not in frame:
            continue
        blank = frame[column.name].isna().to_numpy()
        if blank.any():
            raise DataError(
                f"{path}: line {int(frame.index[blank][0]) + 2}, column {column.name!r} is empty "
                f"({int(blank.sum())} such rows)"
            )


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
    path: Path,
    sep: str,
    encoding: str,
    columns: Sequence[Column],
    *,
    typed: bool,
    header: bool = True,
) -> pd.DataFrame:
    import pandas as pd

    dtype = {c.name: (_DTYPES[c.kind] if typed else "str") for c in columns}
    try:
        with open_lines(path) as handle:
            frame = pd.read_csv(
                handle,
                sep=sep,
                header="infer" if header else None,
                names=None if header else [c.name for c in columns],
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
            return _read(path, sep, "gb18030", columns, typed=typed, header=header)
        raise DataError(f"{path}: cannot be decoded as {encoding}: {error}") from error
    except pd.errors.ParserError as error:
        raise DataError(f"{path}: {_parser_message(error)}") from None
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise DataError(f"{path}: cannot be read: {error}") from error
    # pandas keeps one block per column: a wide file's frame (hundreds of columns) would warn
    # "highly fragmented" at every column a competition adds, so it is consolidated once.
    return frame.copy() if frame.shape[1] > WIDE_COLUMNS else frame


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
                f"{path}: line {int(frame.index[row]) + 2}, column {column.name!r}: "
                f"{text.iloc[row]!r} is not "
                f"{'an integer' if column.kind == 'int' else 'a number'} "
                f"({int(bad.sum())} such rows)"
            )


NULLS = ["NULL", ""]  # what the polars reader takes for a missing value


def polars_dtype(column: Column) -> pl.DataType:
    """The polars type a column is read as (see :attr:`Column.dtype` and ``values``)."""
    import polars as pl

    if column.values is not None:
        return pl.Enum(column.values)
    if column.dtype is not None:
        return getattr(pl, column.dtype)()
    return {"int": pl.Int64, "float": pl.Float64}.get(column.kind, pl.String)()


def read_polars(path: Path, columns: Sequence[Column], *, header: bool = True) -> pl.DataFrame:
    """The declared columns of one CSV as a polars frame with their types, in declared order;
    row ``i`` is line ``i + 2`` (``i + 1`` without a header). ``NULL`` and blanks are missing.
    Polars decompresses a gzipped file in memory first."""
    import polars as pl

    first, _ = _header(path)
    sep = max(SEPARATORS, key=first.count)
    names = next(csv.reader([first], delimiter=sep)) if header else [c.name for c in columns]
    found = {name.strip(): name for name in names}  # real files pad some names
    missing = [c.name for c in columns if c.required and c.name not in found]
    if missing:
        raise DataError(
            f"{path}: missing column {', '.join(map(repr, missing))} (the header has "
            f"{', '.join(map(repr, found))})"
        )
    wanted = [c for c in columns if c.name in found]
    options: dict[str, object] = dict(
        separator=sep, has_header=header, null_values=NULLS, infer_schema=False
    )
    if header:
        options["columns"] = [found[c.name] for c in wanted]
    else:
        options["new_columns"] = names
    first_line = 2 if header else 1
    try:
        frame = pl.read_csv(
            path, schema_overrides={found[c.name]: polars_dtype(c) for c in wanted},
            **options,  # type: ignore[arg-type]
        )  # fmt: skip
    except pl.exceptions.PolarsError as error:
        _raise_first_bad_polars(path, options, wanted, found, first_line)
        raise DataError(f"{path}: cannot be read: {str(error).splitlines()[0]}") from error
    frame = frame.rename({found[c.name]: c.name for c in wanted})
    for c in columns:
        if c.name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=polars_dtype(c)).alias(c.name))
        elif not c.nullable and frame[c.name].null_count():
            row = int(frame[c.name].is_null().arg_true()[0])
            raise DataError(
                f"{path}: line {row + first_line}, column {c.name!r} is empty "
                f"({frame[c.name].null_count()} such rows)"
            )
    return frame.select(c.name for c in columns)


def _raise_first_bad_polars(
    path: Path,
    options: Mapping[str, object],
    columns: Sequence[Column],
    found: Mapping[str, str],
    first_line: int,
) -> None:
    """Re-read the columns as text and name the first value that does not parse."""
    import polars as pl

    try:
        text = pl.read_csv(path, **options)  # type: ignore[arg-type]
    except pl.exceptions.PolarsError as error:
        raise DataError(f"{path}: malformed CSV: {str(error).splitlines()[0]}") from error
    for c in columns:
        column, dtype = text[found[c.name]], polars_dtype(c)
        bad = column.is_not_null() & column.cast(dtype, strict=False).is_null()
        if bad.any():
            row = int(bad.arg_true()[0])
            what = (
                f"one of {', '.join(c.values)}" if c.values is not None
                else f"an integer ({dtype})" if dtype.is_integer() else "a number"
            )  # fmt: skip
            raise DataError(
                f"{path}: line {row + first_line}, column {c.name!r}: {column[row]!r} is not "
                f"{what} ({int(bad.sum())} such rows)"
            )
