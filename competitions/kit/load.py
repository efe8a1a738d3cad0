"""The shared load path: a competition declares its CSV tables once (:class:`Tables`), and the
same declaration finds its files, reads them through the one reader, writes a synthetic sample
as those files, and turns them into a :class:`~competitions.spec.Dataset` through the
competition's ``prepare``::

    TABLES = Tables((Table("train", TRAIN_COLUMNS), Table("test", TEST_COLUMNS)))
    load = TABLES.loader(prepare, "Ad click files")   # files -> read -> prepare -> Dataset

``prepare(raw, labels, *, source, synthetic=False, truth=None)`` is where a competition
validates and cleans (with :mod:`competitions.kit.checks`) and builds its ``Dataset``. It gets
the raw frames by table name exactly as the reader returns them, for real files and for a
synthetic sample alike, so both go through the same checks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from competitions.kit.checks import class_codes, common_folder, refuse_overlap, refuse_repeats
from competitions.kit.tables import Column, read_csv, read_polars
from competitions.spec import DataFile, Dataset

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

log = logging.getLogger(__name__)


class Prepare(Protocol):
    """Raw frames by table name (and each one's file as ``labels`` for messages) -> Dataset."""

    def __call__(
        self,
        raw: Mapping[str, Any],
        labels: Mapping[str, str] | None = None,
        *,
        source: str,
        synthetic: bool = False,
        truth: np.ndarray | None = None,
    ) -> Dataset: ...


@dataclass(frozen=True)
class Table:
    """One CSV file of a competition: ``<name>.csv``, plain or gzipped (``<name>.csv.gz``), or
    any of ``filenames`` when the real file is called otherwise (``("sample.txt",)``; the first
    is the name a synthetic sample is written as).

    ``sep`` and ``folder`` say how the real files are laid out, for writing a synthetic sample
    as them (``folder``: a sub-folder such as ``train``); the reader finds the separator and
    the file by itself.
    """

    name: str
    columns: tuple[Column, ...]
    required: bool = True
    role: str = ""
    sep: str = ","
    folder: str = ""
    filenames: tuple[str, ...] = ()

    @property
    def file(self) -> DataFile:
        names = self.filenames or (f"{self.name}.csv", f"{self.name}.csv.gz")
        return DataFile(names, self.required, self.role)


@dataclass(frozen=True)
class Tables:
    """A competition's CSV tables, read with pandas or, for tables of tens of millions of rows,
    polars; ``header=False`` when the files have no header line (columns in declared order)."""

    tables: tuple[Table, ...]
    engine: Literal["pandas", "polars"] = "pandas"
    header: bool = True

    @property
    def files(self) -> tuple[DataFile, ...]:
        """What :attr:`CompetitionSpec.files` declares."""
        return tuple(table.file for table in self.tables)

    @property
    def columns(self) -> dict[str, tuple[Column, ...]]:
        return {table.name: table.columns for table in self.tables}

    def labels(self, given: Mapping[str, str] | None = None) -> dict[str, str]:
        """Each table's label in messages: its path where known, else ``<name>.csv``."""
        return {t.name: (given or {}).get(t.name, t.file.name) for t in self.tables}

    def read(self, files: Mapping[str, Path]) -> tuple[dict[str, Any], dict[str, str]]:
        """Every table whose file was found (see :func:`competitions.files.find_files`), and
        each one's path as its label. A missing optional table is logged and left out."""
        read = read_polars if self.engine == "polars" else read_csv
        raw: dict[str, Any] = {}
        labels: dict[str, str] = {}
        for table in self.tables:
            path = files.get(table.file.name)
            if path is None:
                log.info("%s not found: its features are left out", table.file.name)
                continue
            raw[table.name] = read(path, table.columns, header=self.header)
            labels[table.name] = str(path)
        return raw, labels

    def loader(self, prepare: Prepare, what: str) -> Callable[[Mapping[str, Path]], Dataset]:
        """The spec's ``load``: read the found files, then ``prepare`` them; the data set's
        source is "<what> in <the folder>" (the file's path for a single table)."""

        def load(files: Mapping[str, Path]) -> Dataset:
            raw, labels = self.read(files)
            where = next(iter(labels.values())) if len(labels) == 1 else common_folder(labels)
            return prepare(raw, labels, source=f"{what} in {where}")

        return load

    def write(self, raw: Mapping[str, Any], folder: Path) -> None:
        """Write frames by table name as the competition's files, in the real layout."""
        for table in self.tables:
            if table.name not in raw:
                continue
            path = folder / table.folder / table.file.name
            path.parent.mkdir(parents=True, exist_ok=True)
            frame = raw[table.name]
            if hasattr(frame, "write_csv"):  # polars
                frame.write_csv(path, separator=table.sep, include_header=self.header)
            else:
                frame.to_csv(path, sep=table.sep, index=False, header=self.header)

    def write_files(self, dataset: Dataset, folder: Path) -> None:
        """The spec's ``write_files``: a synthetic data set's tables (``Dataset.raw``) as the
        competition's files, which ``load`` reads back as the same data set."""
        if dataset.raw is None:
            raise ValueError("only a synthetic data set can give the tables it was made from")
        self.write(dataset.raw(), folder)


def labelled_dataset(
    train: pd.DataFrame,
    test: pd.DataFrame,
    *,
    id_column: str,
    target: str,
    classes: tuple[object, ...],
    labels: tuple[str, str] = ("train", "test"),
    groups: str | None = None,
    source: str,
    synthetic: bool = False,
    truth: np.ndarray | None = None,
    tables: Mapping[str, pd.DataFrame] | None = None,
) -> Dataset:
    """The common case's Dataset: a training table and a table of rows to predict, one row per
    ``id_column`` value, the training rows labelled by ``target``.

    Refuses, naming the file and line, an ID repeated in either table, a training ID among the
    rows to predict, and a target outside ``classes`` (``classes[1]`` is a binary task's
    positive class; the Dataset's classes are their text). ``groups`` names the column whose
    value groups training rows for grouped folds (see :class:`Dataset`). ``labels`` are the
    two files' names in messages: the paths of read files, anything for a synthetic sample.
    """
    for frame, label in ((train, labels[0]), (test, labels[1])):
        refuse_repeats(frame, id_column, label, id_column)
    refuse_overlap(
        train[id_column], test[id_column], labels[1],
        f"{{n}} values of {id_column} are also training rows, e.g. {{example}}: a row to predict "
        "cannot be a training row; remove them from one of the files",
    )  # fmt: skip
    y = class_codes(train[target], classes, labels[0])
    return Dataset(
        train=train.drop(columns=target).set_index(id_column),
        test=test.drop(columns=target, errors="ignore").set_index(id_column),
        y=y,
        classes=tuple(str(c) for c in classes),
        source=source,
        synthetic=synthetic,
        truth=truth,
        groups=None if groups is None else train[groups].to_numpy(),
        file_labels=labels,
        tables=tables or {},
    )
