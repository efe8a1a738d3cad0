"""Aggregates of timestamped, located events per row (device, user): activity and geography.

Activity per row: ``events:log_count``, ``events:distinct_days``, ``has_events``, hour-of-day
and day-of-week shares (``tod=21``, ``dow=6`` with Monday = 0) and, when asked,
``events:span_days`` and ``events:recency_days`` (to a reference time). Location per row, from
valid coordinates only: ``geo:has_location``, median and spread of longitude and latitude, and
a coarse grid bag (``geo=116,40``: share of located events per 1-degree cell, cells seen in at
least ``min_cell_count`` training rows). Rows without events get zeros.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from features.items import row_bags

if TYPE_CHECKING:
    import pandas as pd
    import scipy.sparse as sp

DAY_NS = 86_400_000_000_000


def activity_features(
    row: np.ndarray,
    timestamp: pd.Series,
    *,
    n_rows: int,
    span: bool = False,
    reference: pd.Timestamp | None = None,
) -> tuple[sp.csr_matrix, list[str]]:
    import pandas as pd
    import scipy.sparse as sp

    row = np.asarray(row, dtype=np.int64)
    count = np.bincount(row, minlength=n_rows).astype(np.float64)
    ts = pd.DatetimeIndex(timestamp)
    day_number = ts.normalize().asi8 // DAY_NS
    distinct_days = np.bincount(
        np.unique(np.column_stack([row, day_number]), axis=0)[:, 0], minlength=n_rows
    )
    columns = [np.log1p(count), distinct_days, (count > 0).astype(np.float64)]
    names = ["events:log_count", "events:distinct_days", "has_events"]
    if span or reference is not None:
        nanos = pd.Series(ts.asi8).groupby(row).agg(["min", "max"]).reindex(range(n_rows))
        if span:
            columns.append(((nanos["max"] - nanos["min"]) / DAY_NS).fillna(0).to_numpy())
            names.append("events:span_days")
        if reference is not None:
            recency = (reference.value - nanos["max"]) / DAY_NS
            columns.append(recency.fillna(recency.max()).to_numpy())
            names.append("events:recency_days")
    hours = _shares(row, ts.hour.to_numpy(), 24, n_rows)
    days = _shares(row, ts.day_of_week.to_numpy(), 7, n_rows)
    names += [f"tod={h}" for h in range(24)] + [f"dow={d}" for d in range(7)]
    dense = sp.csr_matrix(np.column_stack(columns).astype(np.float32))
    return sp.hstack([dense, hours, days], format="csr", dtype=np.float32), names


def location_features(
    row: np.ndarray,
    longitude: np.ndarray,
    latitude: np.ndarray,
    *,
    n_rows: int,
    n_train: int,
    min_cell_count: int = 20,
) -> tuple[sp.csr_matrix, list[str]]:
    import pandas as pd
    import scipy.sparse as sp

    row = np.asarray(row, dtype=np.int64)
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
    dense = np.column_stack([has_location, stats.to_numpy()]).astype(np.float32)
    names = ["geo:has_location"] + [f"geo:{c}" for c in stats.columns]

    lon_cell, lat_cell = np.floor(geo["lon"]).astype(int), np.floor(geo["lat"]).astype(int)
    cell = lon_cell.astype(str) + "," + lat_cell.astype(str)
    cells, cell_names = row_bags(
        geo["row"].to_numpy(), cell.to_numpy(), n_rows=n_rows, n_train=n_train, label="geo",
        min_count=min_cell_count, value="share",
    )  # fmt: skip
    X = sp.hstack([sp.csr_matrix(dense), cells], format="csr")
    return X.astype(np.float32), names + cell_names


def _shares(row: np.ndarray, value: np.ndarray, width: int, n_rows: int) -> sp.csr_matrix:
    import scipy.sparse as sp

    counts = sp.csr_matrix(
        (np.ones(len(row)), (row, value.astype(np.int64))), shape=(n_rows, width)
    )
    counts.sum_duplicates()
    totals = np.asarray(counts.sum(axis=1)).ravel()
    scale = sp.diags(np.divide(1.0, totals, out=np.zeros(n_rows), where=totals > 0))
    return (scale @ counts).tocsr()
