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

from competitions.kit.checks import common_folder
from competitions.kit.tables import Column, read_csv, read_polars
from competitions.spec import DataFile, Dataset

if TYPE_CHECKING:
    import numpy as np

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
    """One CSV file of a competition: ``<name>.csv``, plain or gzipped (``<name>.csv.gz``).

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

    @property
    def file(self) -> DataFile:
        return DataFile((f"{self.name}.csv", f"{self.name}.csv.gz"), self.required, self.role)


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
        if not dataset.raw:
            raise ValueError("only a synthetic data set keeps the tables it was made from")
        self.write(dataset.raw, folder)
