"""Usage features from ``key:seconds`` fields: sparse bags plus dense per-field aggregates.

For every field the builder emits

* a bag with one column per key, ``{label}={key}``: the key's share of the row's seconds in
  that field (or ``log1p`` seconds, for fields declared ``value="log_seconds"``); keys seen in
  fewer than ``min_count`` training rows are pooled into ``{label}=<rare>``;
* aggregates: ``{label}:hours`` (total), ``{label}:n_keys``, ``{label}:entropy`` of the shares
  and ``{label}:top_share``.

Vocabularies are fitted on the training rows only and carry no label information.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from core.errors import DataError
from features.base import FeatureSet
from features.keyseconds import Pairs, parse_pairs

if TYPE_CHECKING:
    import pandas as pd
    import scipy.sparse as sp

RARE = "<rare>"
# What a bag's cell holds: the key's share of the row's total, log1p of its seconds (or count),
# or 1 for presence.
BagValue = Literal["share", "log_seconds", "presence"]


@dataclass(frozen=True)
class FieldSpec:
    """How one ``key:seconds`` column becomes features."""

    column: str
    label: str
    free_text: bool = False
    # A closed set of keys (hours 0..23, days 1..7); anything else is a data error.
    domain: tuple[str, ...] | None = None
    min_count: int = 1
    value: BagValue = "share"
    aggregates: bool = True
    # Named groups of keys whose summed share is a feature, ``{label}_group={name}``
    # (e.g. all sports genres): domain knowledge the competition declares.
    groups: tuple[tuple[str, frozenset[str]], ...] = ()


@dataclass(frozen=True)
class UsageFeatures:
    """Builds a :class:`FeatureSet` from frames holding ``key:seconds`` string columns."""

    fields: tuple[FieldSpec, ...]

    def build(
        self, train: pd.DataFrame, test: pd.DataFrame, sources: tuple[str, str] = ("train", "test")
    ) -> FeatureSet:
        import scipy.sparse as sp

        train_blocks: list[sp.csr_matrix] = []
        test_blocks: list[sp.csr_matrix] = []
        names: list[str] = []
        for spec in self.fields:
            tr = _parse(train, spec, sources[0])
            te = _parse(test, spec, sources[1])
            vocab = list(spec.domain or ()) or fit_vocabulary(tr, spec.min_count)
            for pairs, blocks in ((tr, train_blocks), (te, test_blocks)):
                blocks.append(bag_matrix(pairs, vocab, spec.value))
                if spec.groups:
                    blocks.append(sp.csr_matrix(_group_shares(pairs, spec.groups)))
                if spec.aggregates:
                    blocks.append(sp.csr_matrix(_aggregates(pairs)))
            names.extend(f"{spec.label}={key}" for key in vocab)
            names.extend(f"{spec.label}_group={group}" for group, _ in spec.groups)
            if spec.aggregates:
                names.extend(f"{spec.label}:{agg}" for agg in AGGREGATES)
        X_train = sp.hstack(train_blocks, format="csr", dtype=np.float32)
        X_test = sp.hstack(test_blocks, format="csr", dtype=np.float32)
        return FeatureSet(X_train, X_test, tuple(names))


def _parse(frame: pd.DataFrame, spec: FieldSpec, source: str) -> Pairs:
    values = frame[spec.column].tolist()
    pairs = parse_pairs(
        values,
        field=spec.column,
        row_ids=[str(i) for i in frame.index],
        free_text=spec.free_text,
        source=source,
    )
    if spec.domain is not None:
        unknown = ~np.isin(pairs.keys, np.asarray(spec.domain, dtype=object))
        if unknown.any():
            bad_code = int(np.flatnonzero(unknown)[0])
            row = int(pairs.row[np.flatnonzero(pairs.code == bad_code)[0]])
            raise DataError(
                f"{source}: user {frame.index[row]!r}, field {spec.column!r}: key "
                f"{pairs.keys[bad_code]!r} is not one of {', '.join(spec.domain)}"
            )
    return pairs


def fit_vocabulary(pairs: Pairs, min_count: int = 1) -> list[str]:
    """Keys in at least ``min_count`` distinct rows, in a stable order; ``<rare>`` last."""
    # Distinct rows per key: duplicates of a key within a row count once.
    row_key = np.unique(pairs.row * len(pairs.keys) + pairs.code) % max(len(pairs.keys), 1)
    counts = np.bincount(row_key, minlength=len(pairs.keys))
    keep = counts >= min_count
    vocab = sorted(str(k) for k in pairs.keys[keep])
    if (~keep).any():
        vocab.append(RARE)
    return vocab


def bag_matrix(pairs: Pairs, vocab: Sequence[str], value: BagValue) -> sp.csr_matrix:
    """One column per vocabulary key; keys outside it go to ``<rare>`` when there is one."""
    import pandas as pd
    import scipy.sparse as sp

    columns = pd.Index(list(vocab))
    rare = columns.get_loc(RARE) if RARE in columns else -1
    # Not keys.astype(str): a fixed-width array is sized by the longest key, times every key.
    key_to_col = columns.get_indexer(pd.Index([str(k) for k in pairs.keys], dtype=object))
    key_to_col = np.where(key_to_col >= 0, key_to_col, rare).astype(np.int64)
    col = key_to_col[pairs.code] if len(pairs) else np.zeros(0, np.int64)
    keep = col >= 0  # unseen keys with no <rare> column (closed domains) are dropped
    seconds = pairs.seconds[keep]
    bag = sp.csr_matrix((seconds, (pairs.row[keep], col[keep])), shape=(pairs.n_rows, len(vocab)))
    bag.sum_duplicates()
    if value == "log_seconds":
        bag.data = np.log1p(bag.data)
    elif value == "presence":
        bag.data = np.ones_like(bag.data)
    else:
        totals = np.bincount(pairs.row, weights=pairs.seconds, minlength=pairs.n_rows)
        row_of_entry = np.repeat(np.arange(pairs.n_rows), np.diff(bag.indptr))
        with np.errstate(divide="ignore", invalid="ignore"):
            bag.data = np.nan_to_num(bag.data / totals[row_of_entry])
    bag.eliminate_zeros()
    return bag.astype(np.float32)


def _group_shares(pairs: Pairs, groups: tuple[tuple[str, frozenset[str]], ...]) -> np.ndarray:
    totals = np.bincount(pairs.row, weights=pairs.seconds, minlength=pairs.n_rows)
    out = np.zeros((pairs.n_rows, len(groups)), dtype=np.float32)
    for j, (_, members) in enumerate(groups):
        in_group = np.isin(pairs.keys, np.asarray(sorted(members), dtype=object))[pairs.code]
        grouped = np.bincount(pairs.row, weights=pairs.seconds * in_group, minlength=pairs.n_rows)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:, j] = np.nan_to_num(grouped / totals)
    return out


AGGREGATES = ("hours", "n_keys", "entropy", "top_share")


def _aggregates(pairs: Pairs) -> np.ndarray:
    """Per-row total hours, number of keys, entropy of the shares and the largest share."""
    n = pairs.n_rows
    totals = np.bincount(pairs.row, weights=pairs.seconds, minlength=n)
    n_keys = np.bincount(pairs.row, minlength=n).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.nan_to_num(pairs.seconds / totals[pairs.row])
        plogp = np.where(share > 0, share * np.log(np.where(share > 0, share, 1.0)), 0.0)
    entropy = -np.bincount(pairs.row, weights=plogp, minlength=n)
    top = np.zeros(n)
    np.maximum.at(top, pairs.row, share)
    return np.column_stack([totals / 3600.0, n_keys, entropy, top]).astype(np.float32)
