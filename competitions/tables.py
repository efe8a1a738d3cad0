"""Reading CSV tables that real competitions ship: any common separator, UTF-8 with or without
a BOM (or GB18030 for Chinese text), gzip, CRLF, and errors that name the file, line and column.
"""

from __future__ import annotations

import csv
import gzip
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from podium.errors import DataError

log = logging.getLogger(__name__)

Kind = Literal["int", "float", "str"]
_DTYPES: dict[Kind, str] = {"int": "int64", "float": "float64", "str": "str"}
SEPARATORS = ",;\t|"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = True


def read_csv(path: Path, columns: Sequence[Column]) -> pd.DataFrame:
    """Read the declared columns of a CSV; extra columns are ignored.

    The frame's index is the 0-based data row, so row ``i`` is line ``i + 2`` of the file
    (line 1 is the header), which is what warnings and errors quote.
    """
    header, encoding = _header(path)
    sep = max(SEPARATORS, key=header.count)
    names = next(csv.reader([header], delimiter=sep))
    names = [n.strip() for n in names]
    missing = [c.name for c in columns if c.required and c.name not in names]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {', '.join(missing)}; the header has {', '.join(names)}"
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


def _header(path: Path) -> tuple[str, str]:
    try:
        opener = gzip.open if _is_gzip(path) else open
        with opener(path, "rb") as handle:
            first = handle.readline()
    except OSError as error:
        raise DataError(f"{path}: cannot be read: {error}") from error
    if not first.strip():
        raise DataError(f"{path}: is empty (no header line)")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return first.decode(encoding).strip("\r\n"), encoding
        except UnicodeDecodeError:
            continue
    raise DataError(f"{path}: line 1 is neither UTF-8 nor GB18030 text")


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def _read(
    path: Path, sep: str, encoding: str, columns: Sequence[Column], *, typed: bool
) -> pd.DataFrame:
    dtype = {c.name: (_DTYPES[c.kind] if typed else "str") for c in columns}
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            usecols=[c.name for c in columns],
            dtype=dtype,
            encoding=encoding,
            compression="gzip" if _is_gzip(path) else None,
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
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise DataError(f"{path}: cannot be read: {error}") from error
    return frame


def _parser_message(error: Exception) -> str:
    text = str(error).strip()
    return text.replace("Error tokenizing data. C error: ", "malformed row: ")


def _raise_first_bad_value(path: Path, frame: pd.DataFrame, columns: Sequence[Column]) -> None:
    for column in columns:
        if column.kind == "str":
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


def require_values(frame: pd.DataFrame, column: str, allowed: Sequence[object], label: str) -> None:
    """A DataError naming the line, column and value of the first value outside ``allowed``."""
    bad = ~frame[column].isin(allowed)
    if bad.any():
        raise DataError(
            f"{label}: line {line_of(frame, bad)}, column {column!r}: "
            f"{frame[column][bad.to_numpy()].iloc[0]!r} is not one of "
            f"{', '.join(map(str, allowed))}"
        )


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
