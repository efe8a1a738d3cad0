"""Per-row aggregates of a long table (sessions of a user, events of a device).

* :func:`numeric_aggregates`: ``{column}:{stat}`` for each numeric column and statistic;
* :func:`category_shares`: the share of a row's records in each category (``browser=Chrome``),
  vocabulary from the training rows, plus ``{label}:entropy`` of those shares;
* :func:`word_bag`: 1 where any of a row's records contains the word, for words seen in at least
  ``min_count`` training rows (``query_word=plan``): light, readable text features.

``row`` gives each record's row; rows below ``n_train`` are training rows, so vocabularies are
fitted on them only. Rows without records get zeros.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from features.items import row_bags

if TYPE_CHECKING:
    import pandas as pd
    import scipy.sparse as sp

STATS = ("sum", "mean", "max", "min", "std")


def numeric_aggregates(
    row: np.ndarray, columns: Mapping[str, np.ndarray], *, n_rows: int, stats: Sequence[str] = STATS
) -> tuple[sp.csr_matrix, list[str]]:
    import pandas as pd
    import scipy.sparse as sp

    frame = pd.DataFrame({name: np.asarray(v, dtype=np.float64) for name, v in columns.items()})
    table = frame.groupby(np.asarray(row)).agg(list(stats)).reindex(range(n_rows)).fillna(0.0)
    names = [f"{column}:{stat}" for column, stat in table.columns]
    return sp.csr_matrix(table.to_numpy(dtype=np.float32)), names


def category_shares(
    row: np.ndarray,
    values: np.ndarray,
    *,
    n_rows: int,
    n_train: int,
    label: str,
    min_count: int = 1,
) -> tuple[sp.csr_matrix, list[str]]:
    import pandas as pd
    import scipy.sparse as sp

    X, names = row_bags(
        row, values, n_rows=n_rows, n_train=n_train, label=label, min_count=min_count, value="share"
    )
    shares = (
        pd.Series(1.0, index=pd.MultiIndex.from_arrays([row, values])).groupby(level=[0, 1]).sum()
    )
    p = (shares / shares.groupby(level=0).transform("sum")).to_numpy()
    entropy = np.bincount(
        shares.index.get_level_values(0).to_numpy(), weights=-p * np.log(p), minlength=n_rows
    )
    X = sp.hstack([X, sp.csr_matrix(entropy[:, None])], format="csr", dtype=np.float32)
    return X, [*names, f"{label}:entropy"]


def word_bag(
    row: np.ndarray, texts: pd.Series, *, n_rows: int, n_train: int, label: str, min_count: int = 20
) -> tuple[sp.csr_matrix, list[str]]:
    words = texts.fillna("").str.lower().str.findall(r"[a-z]+")
    word_row = np.repeat(np.asarray(row), words.map(len).to_numpy())
    flat = np.asarray(words.explode().dropna().to_numpy(), dtype=object)
    return row_bags(
        word_row, flat, n_rows=n_rows, n_train=n_train, label=label, min_count=min_count
    )
