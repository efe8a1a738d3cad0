"""Reusable feature blocks: each turns the training and test frames of a data set into a
``Block``, ``(X_train, X_test, names)`` with sparse float32 matrices, and :func:`stack` joins
blocks into the :class:`~features.base.FeatureSet` a ``build_features`` returns::

    def build_features(dataset: Dataset) -> FeatureSet:
        train, test = dataset.train, dataset.test
        return stack(
            numeric(train, test, ["price", "age"]),
            counts(train, test, ["user", "ad"]),
            one_hot(train["pid"], test["pid"], label="pid"),
        )

Anything learnt from the data (a vocabulary, a count per value) is learnt from the training
rows only, so a block never looks at the rows to predict. The long-table aggregates (a user's
sessions, a device's events) are in :mod:`features.aggregates` and :mod:`features.events`.

``one_hot(train, test, label=, min_count=1)`` (from :mod:`features.items`): see its
docstring for the ``min_count`` rule. ``row_bags`` makes the same columns from a long table of
``(row, item)`` pairs (the apps of a device), with the same rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from features.base import FeatureSet
from features.items import one_hot, row_bags

if TYPE_CHECKING:
    import pandas as pd
    import scipy.sparse as sp

Block = tuple["sp.csr_matrix", "sp.csr_matrix", list[str]]

__all__ = ["Block", "counts", "numeric", "one_hot", "row_bags", "split_rows", "stack"]


def numeric(
    train: pd.DataFrame,
    test: pd.DataFrame,
    columns: Sequence[str],
    *,
    log: bool = False,
    missing: float = -1.0,
) -> Block:
    """The numeric ``columns`` as they are (``log``: ``log1p`` of the value, for counts and
    prices; negative values become 0 first). A missing value becomes ``missing``: feature
    matrices must be finite (the linear and neural models refuse NaN, and
    ``check_competition`` checks it), and -1 lies outside a count's or a price's range, so the
    trees split it off; choose another value for a column that can be negative."""
    import scipy.sparse as sp

    def matrix(frame: pd.DataFrame) -> sp.csr_matrix:
        values = frame[list(columns)].to_numpy(dtype=np.float64, na_value=np.nan)
        if log:
            values = np.log1p(np.maximum(values, 0.0))
        return sp.csr_matrix(np.where(np.isnan(values), missing, values).astype(np.float32))

    names = [f"log_{c}" if log else c for c in columns]
    return matrix(train), matrix(test), names


def counts(
    train: pd.DataFrame, test: pd.DataFrame, columns: Sequence[str], *, share: bool = False
) -> Block:
    """Count encoding: per column, how many training rows hold the row's value (``share``:
    what share of them, a frequency encoding), named ``{column}:count`` (``:share``). A value
    no training row holds counts 0. High-cardinality IDs (users, ads) become one column each
    that tells a regular from a one-off."""
    import pandas as pd
    import scipy.sparse as sp

    blocks_tr: list[np.ndarray] = []
    blocks_te: list[np.ndarray] = []
    for column in columns:
        tally = train[column].value_counts(dropna=True)
        if share:
            tally = tally / max(len(train), 1)
        for frame, blocks in ((train, blocks_tr), (test, blocks_te)):
            values = pd.Series(frame[column].to_numpy()).map(tally).fillna(0.0).to_numpy()
            blocks.append(values.astype(np.float32)[:, None])

    def matrix(blocks: list[np.ndarray], n: int) -> sp.csr_matrix:
        return sp.csr_matrix(np.hstack(blocks) if blocks else np.zeros((n, 0), np.float32))

    suffix = "share" if share else "count"
    names = [f"{column}:{suffix}" for column in columns]
    return matrix(blocks_tr, len(train)), matrix(blocks_te, len(test)), names


def split_rows(X: sp.csr_matrix, names: Sequence[str], n_train: int) -> Block:
    """A block from a matrix over training rows then test rows (as the long-table aggregates
    of :mod:`features.aggregates` build them)."""
    return X[:n_train], X[n_train:], list(names)


def stack(*blocks: Block) -> FeatureSet:
    """The blocks side by side, as one float32 CSR feature set."""
    import scipy.sparse as sp

    names = [name for block in blocks for name in block[2]]
    X_train = sp.hstack([block[0] for block in blocks], format="csr", dtype=np.float32)
    X_test = sp.hstack([block[1] for block in blocks], format="csr", dtype=np.float32)
    return FeatureSet(X_train, X_test, tuple(names))
