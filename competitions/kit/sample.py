"""A base for synthetic samples: generate a competition's tables at a scale, prepare them with
the loader's own code, and write them as its real files, which its ``load`` reads back as the
same data set (the proof that the sample is faithful to the real schema).

Every competition declares two scales, as :attr:`CompetitionSpec.synthetic_sizes` records:

* ``small``, the default of ``run.py`` and of the tests: seconds to generate and to run on;
* ``full``, the real competition's size (``--synthetic-scale full``), for benchmarks.

A generator is a pure function of a seed and its sizes, ``generate(seed=..., **sizes)``,
deterministic for a seed (its steps draw from one ``numpy.random.Generator`` in a fixed
order), that returns a :class:`Sample`: the raw tables by table name, in the reader's schema,
and for a supervised task ``truth``, the true probabilities of the training rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from competitions.kit.load import Prepare
from competitions.spec import SYNTHETIC_SCALES, Dataset, SyntheticScale

if TYPE_CHECKING:
    import numpy as np


class Sample(Protocol):
    """What a generator returns: ``tables`` by table name as the files hold them (the reader's
    columns and types), ``truth`` (see :attr:`Dataset.truth`; None for a segmentation), and
    ``describe()``, its size in words ("6,000 train / 4,000 test devices")."""

    @property
    def tables(self) -> Mapping[str, Any]: ...

    @property
    def truth(self) -> np.ndarray | None: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class PlainSample:
    """A plain :class:`Sample`, for generators that need nothing more."""

    tables: Mapping[str, Any]
    truth: np.ndarray | None = None
    description: str = ""

    def describe(self) -> str:
        return self.description


@dataclass(frozen=True)
class SyntheticSample:
    """How a competition makes its synthetic data set.

    ``generate(seed=seed, **sizes[scale])`` makes the :class:`Sample`; ``prepare`` is the
    loader's own (see :mod:`competitions.kit.load`), so the sample passes every check the real
    files do. ``rows`` names the two sizes that count training and test rows (a segmentation
    has no test rows: ``(name, None)``).
    """

    title: str
    generate: Callable[..., Sample]
    sizes: Mapping[str, Mapping[str, int]]
    prepare: Prepare
    rows: tuple[str, str | None] = ("n_train", "n_test")

    @property
    def synthetic_sizes(self) -> dict[SyntheticScale, tuple[int, int]]:
        """Training and test rows per scale, as :attr:`CompetitionSpec.synthetic_sizes`."""
        n_train, n_test = self.rows
        return {
            scale: (self.sizes[scale][n_train], self.sizes[scale][n_test] if n_test else 0)
            for scale in SYNTHETIC_SCALES
            if scale in self.sizes
        }

    def generate_scale(self, scale: SyntheticScale, seed: int) -> Sample:
        if scale not in self.sizes:
            raise ValueError(f"unknown scale {scale!r}; expected one of {', '.join(self.sizes)}")
        return self.generate(seed=seed, **self.sizes[scale])

    def synthesize(self, scale: SyntheticScale, seed: int) -> Dataset:
        """The spec's ``synthesize``: the data set of the scale's sample for a seed. Its
        ``raw`` generates the sample again (deterministic for the seed) instead of keeping it."""
        dataset = self.dataset(self.generate_scale(scale, seed), f"{scale} scale, seed {seed}")
        return replace(dataset, raw=lambda: self.generate_scale(scale, seed).tables)

    def dataset(self, sample: Sample, description: str) -> Dataset:
        """A data set from a sample, prepared by the loader's code; its ``raw`` returns the
        sample's tables for ``write_files``."""
        source = (
            f"podium's built-in synthetic {self.title} sample ({description}: {sample.describe()})"
        )
        dataset = self.prepare(sample.tables, source=source, synthetic=True, truth=sample.truth)
        tables = sample.tables
        return replace(dataset, raw=lambda: tables)


def write_with(write: Callable[[Mapping[str, Any], Path], None]) -> Callable[[Dataset, Path], None]:
    """A spec's ``write_files`` from a writer of raw tables (for a layout that
    :meth:`Tables.write <competitions.kit.load.Tables.write>` does not cover)."""

    def write_files(dataset: Dataset, folder: Path) -> None:
        if dataset.raw is None:
            raise ValueError("only a synthetic data set can give the tables it was made from")
        write(dataset.raw(), folder)

    return write_files
