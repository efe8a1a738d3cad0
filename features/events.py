"""Aggregates of timestamped, located events per row (device, user): activity and geography.

Per row: ``events:log_count``, ``events:distinct_days``, ``has_events``, the hour-of-day and
day-of-week shares (``tod=21``, ``dow=6`` with Monday = 0), and from valid coordinates only
``geo:has_location``, the median and spread of longitude and latitude, and a coarse grid bag
(``geo=116,40``: share of located events per 1-degree cell, cells seen in at least
``min_cell_count`` training rows). Rows without events get zeros and ``has_events = 0``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from features.items import item_bags


def event_features(
    row: np.ndarray,
    timestamp: pd.Series,
    longitude: np.ndarray,
    latitude: np.ndarray,
    *,
    n_rows: int,
    n_train: int,
    min_cell_count: int = 20,
) -> tuple[sp.csr_matrix, list[str]]:
    """Features for rows ``0..n_rows-1``; rows below ``n_train`` are the training rows.

    ``row`` gives each event's row index; ``longitude``/``latitude`` are NaN where unknown.
    """
    row = np.asarray(row, dtype=np.int64)
    count = np.bincount(row, minlength=n_rows).astype(np.float64)
    has = (count > 0).astype(np.float64)
    ts = pd.DatetimeIndex(timestamp)
    hours = _shares(row, ts.hour.to_numpy(), 24, n_rows)
    days = _shares(row, ts.day_of_week.to_numpy(), 7, n_rows)
    day_number = (ts.normalize().asi8 // 86_400_000_000_000).astype(np.int64)
    distinct_days = np.bincount(
        np.unique(np.column_stack([row, day_number]), axis=0)[:, 0], minlength=n_rows
    )

    located = np.isfinite(longitude) & np.isfinite(latitude)
    geo = pd.DataFrame({"row": row[located], "lon": longitude[located], "lat": latitude[located]})
    stats = geo.groupby("row").agg(
        lon_median=("lon", "median"),
        lat_median=("lat", "median"),
        lon_std=("lon", "std"),
        lat_std=("lat", "std"),
    )
    stats = stats.reindex(range(n_rows)).fillna(0.0)
    has_location = np.zeros(n_rows)
    has_location[np.unique(geo["row"].to_numpy())] = 1.0

    dense = np.column_stack(
        [np.log1p(count), distinct_days, has, has_location, stats.to_numpy()]
    ).astype(np.float32)
    names = ["events:log_count", "events:distinct_days", "has_events", "geo:has_location"]
    names += [f"geo:{c}" for c in stats.columns]
    names += [f"tod={h}" for h in range(24)] + [f"dow={d}" for d in range(7)]

    lon_cell, lat_cell = np.floor(geo["lon"]).astype(int), np.floor(geo["lat"]).astype(int)
    cell = lon_cell.astype(str) + "," + lat_cell.astype(str)
    cell_rows = geo["row"].to_numpy()
    is_train = cell_rows < n_train
    cells_tr, cells_te, cell_names = item_bags(
        (cell_rows[is_train], cell[is_train].to_numpy(), n_train),
        (cell_rows[~is_train] - n_train, cell[~is_train].to_numpy(), n_rows - n_train),
        label="geo",
        min_count=min_cell_count,
        value="share",
    )
    X = sp.hstack(
        [sp.csr_matrix(dense), hours, days, sp.vstack([cells_tr, cells_te])], format="csr"
    )
    return X.astype(np.float32), names + cell_names


def _shares(row: np.ndarray, value: np.ndarray, width: int, n_rows: int) -> sp.csr_matrix:
    counts = sp.csr_matrix(
        (np.ones(len(row)), (row, value.astype(np.int64))), shape=(n_rows, width)
    )
    counts.sum_duplicates()
    totals = np.asarray(counts.sum(axis=1)).ravel()
    scale = sp.diags(np.divide(1.0, totals, out=np.zeros(n_rows), where=totals > 0))
    return (scale @ counts).tocsr()
