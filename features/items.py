"""Sparse bags of items per row (apps installed on a device, its app labels) and one-hot
categories (a category is a bag holding one item).

Vocabularies come from the training rows only: an item must be present in at least
``min_count`` training rows to get its own column; the others share ``{label}=<rare>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from features.keyseconds import Pairs
from features.usage import RARE, BagValue, bag_matrix, fit_vocabulary

if TYPE_CHECKING:
    import pandas as pd
    import scipy.sparse as sp


def item_bags(
    train: tuple[np.ndarray, np.ndarray, int],
    test: tuple[np.ndarray, np.ndarray, int],
    *,
    label: str,
    min_count: int = 1,
    value: BagValue = "presence",
    weights: tuple[np.ndarray, np.ndarray] | None = None,
    display: Mapping[object, str] | None = None,
) -> tuple[sp.csr_matrix, sp.csr_matrix, list[str]]:
    """Bags for train and test from long ``(row, item)`` arrays.

    ``train`` and ``test`` are ``(row_index, item, n_rows)``; ``weights`` optionally gives a
    count per pair (for ``value="log_seconds"``, log1p of it). ``display`` maps an item to
    the text shown in its column name (e.g. a label id to its category).
    """
    import pandas as pd

    (tr_rows, tr_items, n_tr), (te_rows, te_items, n_te) = train, test
    codes, keys = pd.factorize(np.concatenate([tr_items, te_items]), sort=True)
    keys = np.asarray([str(k) for k in keys], dtype=object)
    split = len(tr_items)
    w_tr, w_te = weights if weights is not None else (np.ones(len(tr_rows)), np.ones(len(te_rows)))
    tr = Pairs(np.asarray(tr_rows, np.int64), codes[:split], keys, np.asarray(w_tr, float), n_tr)
    te = Pairs(np.asarray(te_rows, np.int64), codes[split:], keys, np.asarray(w_te, float), n_te)
    vocab = fit_vocabulary(tr, min_count)
    names = _column_names(label, vocab, display)
    return bag_matrix(tr, vocab, value), bag_matrix(te, vocab, value), names


def row_bags(
    row: np.ndarray,
    items: np.ndarray,
    *,
    n_rows: int,
    n_train: int,
    label: str,
    min_count: int = 1,
    value: BagValue = "presence",
    display: Mapping[object, str] | None = None,
) -> tuple[sp.csr_matrix, list[str]]:
    """Bags over rows ``0..n_rows-1`` of one long ``(row, item)`` table; the vocabulary comes
    from the rows below ``n_train`` (the training rows)."""
    import scipy.sparse as sp

    row = np.asarray(row, dtype=np.int64)
    items = np.asarray(items)
    is_train = row < n_train
    X_train, X_test, names = item_bags(
        (row[is_train], items[is_train], n_train),
        (row[~is_train] - n_train, items[~is_train], n_rows - n_train),
        label=label,
        min_count=min_count,
        value=value,
        display=display,
    )
    return sp.vstack([X_train, X_test], format="csr"), names


def one_hot(
    train: pd.Series, test: pd.Series, *, label: str, min_count: int = 1, missing: str = "<missing>"
) -> tuple[sp.csr_matrix, sp.csr_matrix, list[str]]:
    """One 0/1 column ``{label}={category}`` per category, learnt from the training rows.

    The ``min_count`` rule: a category gets its own column only if at least ``min_count``
    *training* rows hold it. If some training category is rarer than that, every rarer
    category, and every category seen only in test rows, shares one column ``{label}=<rare>``;
    if none is (always so with the default ``min_count=1``), there is no ``<rare>`` column and
    a category unseen in training gets no column at all (its row is all zeros in this block).
    A missing value is the category ``missing`` (``<missing>``). A ``min_count`` of 5 or so
    keeps a sparse linear model from memorising categories seen once or twice.
    """
    tr_values = train.astype("object").where(train.notna(), missing).to_numpy()
    te_values = test.astype("object").where(test.notna(), missing).to_numpy()
    return item_bags(
        (np.arange(len(train)), tr_values, len(train)),
        (np.arange(len(test)), te_values, len(test)),
        label=label,
        min_count=min_count,
    )


def _column_names(label: str, vocab: list[str], display: Mapping[object, str] | None) -> list[str]:
    names, seen = [], set()
    for key in vocab:
        text = key
        if display is not None and key != RARE:
            shown = display.get(key) or display.get(_as_int(key)) or ""
            text = shown.strip() or f"#{key}"
        name = f"{label}={text}"
        if name in seen:  # two items with one display text (e.g. duplicate category names)
            name = f"{label}={text} #{key}"
        seen.add(name)
        names.append(name)
    return names


def _as_int(key: str) -> object:
    try:
        return int(key)
    except ValueError:
        return key
