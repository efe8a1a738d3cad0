"""Taobao's per-user table and the scaled matrix its users are clustered on.

:func:`user_features` aggregates the cleaned impressions with polars (one group-by, no loop over
rows) into one readable row per user, indexed by ``user``:

* ``impressions``, ``clicks`` and ``ctr``, smoothed towards the population's click rate by
  :data:`CTR_PRIOR_IMPRESSIONS` impressions, ``(clicks + m * ctr0) / (impressions + m)``, so a
  user with one click in three impressions is not put at 33%;
* distinct ``ads``, ``categories``, ``brands`` and ``campaigns`` (ads unknown to ad_feature.csv
  and missing brands count towards none but ``ads``), ``active_days`` (China time);
* ``share_430548_1007`` and ``share_430539_1007``, the share of each ad slot;
* ``price_mean``, ``price_median`` and ``price_max`` of the ads seen, ``click_price_mean`` of
  the ads clicked (missing where no such ad has a known price);
* the profile as labelled categories, ``"unknown"`` where the user has no profile row or the
  field is blank: ``gender`` (male, female), ``age_level`` (0..6), ``pvalue_level``
  (consumption grade: low, mid, high), ``shopping_level`` (shallow, moderate, deep),
  ``occupation`` (student, non-student), ``new_user_class_level`` (city level 1..4),
  ``cms_group_id`` and ``cms_segid``.

:func:`segment_matrix` turns that table into what is clustered, as the source analysis did:
``log1p`` of the counts and prices, clipping at the 1st and 99th percentiles, then centring on
the median and dividing by the interquartile range (RobustScaler; the standard deviation where
the IQR is 0). A missing price is imputed with the column's median (after the log); a user none
of whose ads has a known price is also flagged (``price_missing``, a column only when some user
is). A missing ``click_price_mean`` (no click, mostly) gets no flag: it would repeat
``clicks == 0``. Profile fields are one-hot with ``unknown`` as a category of its own (a
category nobody has gets no column). Flags and one-hot columns are weighted by 1/sqrt(2), so
two users who differ in one field are one unit apart, like an IQR of a numeric column.
``cms_group_id`` (gender x age) and ``cms_segid`` (95% one value) stay out of the matrix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from competitions.taobao_sample import PIDS, START
from features.base import FeatureSet

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl

CTR_PRIOR_IMPRESSIONS = 20.0
LOG_COLUMNS = ("impressions", "clicks", "ads", "categories", "brands", "campaigns",
               "price_mean", "price_median", "price_max", "click_price_mean")  # fmt: skip
PLAIN_COLUMNS = ("ctr", "active_days", f"share_{PIDS[0]}")  # the other slot's share is 1 - it
# Missing prices are imputed with the median; only a user with no known price at all is flagged.
# A flag for "no clicked price" would repeat clicks == 0 and make clicking a second, heavier axis.
IMPUTED = {"price_mean": "price_missing"}
ONE_HOT_WEIGHT = 1 / np.sqrt(2)
# Profile fields: the readable label of each code; anything else is "unknown".
LABELS: dict[str, dict[int, str]] = {
    "gender": {1: "male", 2: "female"},
    "age_level": {a: str(a) for a in range(7)},
    "pvalue_level": {1: "low", 2: "mid", 3: "high"},
    "shopping_level": {1: "shallow", 2: "moderate", 3: "deep"},
    "occupation": {0: "non-student", 1: "student"},
    "new_user_class_level": {c: str(c) for c in range(1, 5)},
    "cms_group_id": {g: str(g) for g in range(13)},
    "cms_segid": {s: str(s) for s in range(97)},
}
SOURCE_COLUMN = {"gender": "final_gender_code"}  # the file's name where it is not the label's
CLUSTERED_FIELDS = ("gender", "age_level", "pvalue_level", "shopping_level", "occupation",
                    "new_user_class_level")  # fmt: skip


def user_features(
    impressions: pl.DataFrame, ads: pl.DataFrame, profile: pl.DataFrame
) -> pd.DataFrame:
    """One row per user with impressions (sorted by user id), behaviour then profile."""
    import polars as pl

    ad_columns = ads.select(
        "adgroup_id", "cate_id", "brand", "campaign_id", pl.col("price").cast(pl.Float32)
    )
    day = (pl.col("time_stamp") - START) // 86400  # START is midnight in China
    clicked = pl.col("clk") == 1
    per_user = (
        impressions.lazy()
        .select("user", "adgroup_id", "pid", "clk", day.cast(pl.Int16).alias("day"))
        .join(ad_columns.lazy(), on="adgroup_id", how="left")
        .group_by("user")
        .agg(
            pl.len().alias("impressions"),
            pl.col("clk").cast(pl.Int32).sum().alias("clicks"),
            pl.col("adgroup_id").n_unique().alias("ads"),
            *(_distinct(c).alias(n) for c, n in _DISTINCT.items()),
            pl.col("day").n_unique().alias("active_days"),
            (pl.col("pid") == PIDS[0]).mean().alias(f"share_{PIDS[0]}"),
            pl.col("price").mean().alias("price_mean"),
            pl.col("price").median().alias("price_median"),
            pl.col("price").max().alias("price_max"),
            pl.col("price").filter(clicked).mean().alias("click_price_mean"),
        )
        .sort("user")
        .collect()
    )
    return _readable(per_user, profile)


_DISTINCT = {"cate_id": "categories", "brand": "brands", "campaign_id": "campaigns"}


def _distinct(column: str) -> pl.Expr:
    """Distinct non-missing values: n_unique counts a null as one more value."""
    import polars as pl

    return pl.col(column).n_unique() - (pl.col(column).null_count() > 0).cast(pl.UInt32)


def _readable(per_user: pl.DataFrame, profile: pl.DataFrame) -> pd.DataFrame:
    import pandas as pd
    import polars as pl

    clicks = per_user["clicks"].to_numpy().astype(np.float64)
    impressions = per_user["impressions"].to_numpy().astype(np.float64)
    prior = clicks.sum() / max(impressions.sum(), 1.0)
    m = CTR_PRIOR_IMPRESSIONS
    columns: dict[str, object] = {
        "impressions": impressions.astype(np.int64),
        "clicks": clicks.astype(np.int64),
        "ctr": (clicks + m * prior) / (impressions + m),
    }
    for name in ("ads", "categories", "brands", "campaigns", "active_days"):
        columns[name] = per_user[name].to_numpy().astype(np.int64)
    share = per_user[f"share_{PIDS[0]}"].to_numpy()
    columns[f"share_{PIDS[0]}"], columns[f"share_{PIDS[1]}"] = share, 1 - share
    for name in ("price_mean", "price_median", "price_max", "click_price_mean"):
        columns[name] = per_user[name].to_numpy().astype(np.float64)  # a null becomes NaN
    # The profile row of each user, in the same order; users without one get nulls.
    fields = [SOURCE_COLUMN.get(label, label) for label in LABELS]
    joined = per_user.select("user").join(
        profile.select(pl.col("userid").alias("user"), *fields), on="user", how="left"
    )
    for label in LABELS:
        columns[label] = _labelled(joined[SOURCE_COLUMN.get(label, label)], LABELS[label])
    index = pd.Index(per_user["user"].to_numpy(), name="user")
    return pd.DataFrame(columns, index=index)


def _labelled(codes: pl.Series, labels: dict[int, str]) -> pd.Categorical:
    """Codes as a categorical of their labels, "unknown" for missing or unexpected codes."""
    import pandas as pd

    values = codes.fill_null(-1).to_numpy().astype(np.int64)
    known = np.array(sorted(labels))
    position = np.searchsorted(known, values).clip(0, len(known) - 1)
    found = known[position] == values
    categories = pd.Index([labels[k] for k in known] + ["unknown"])
    label_codes: np.ndarray = np.where(found, position, len(known)).astype(np.int64)
    return pd.Categorical.from_codes(label_codes, categories=categories)


def segment_matrix(profile: pd.DataFrame) -> FeatureSet:
    """The scaled matrix of :func:`user_features`' table (see the module's docstring)."""
    import scipy.sparse as sp

    blocks: list[np.ndarray] = []
    names: list[str] = []
    for name in LOG_COLUMNS + PLAIN_COLUMNS:
        values = profile[name].to_numpy(dtype=np.float64)
        if name in LOG_COLUMNS:
            values = np.log1p(np.maximum(values, 0.0))
        missing = np.isnan(values)
        if missing.all():
            values = np.zeros_like(values)
        elif missing.any():
            values = np.where(missing, np.nanmedian(values), values)
        blocks.append(robust_scale(values))
        names.append(f"log_{name}" if name in LOG_COLUMNS else name)
        if name in IMPUTED and missing.any():
            blocks.append(missing * ONE_HOT_WEIGHT)
            names.append(IMPUTED[name])
    for field in CLUSTERED_FIELDS:
        column = profile[field].astype("category")
        codes = column.cat.codes.to_numpy()
        for code, category in enumerate(column.cat.categories):
            if not (codes == code).any():
                continue  # a category nobody has would be a column of zeros
            blocks.append((codes == code) * ONE_HOT_WEIGHT)
            names.append(f"{field}={category}")
    X = sp.csr_matrix(np.column_stack(blocks).astype(np.float32))
    return FeatureSet(X_train=X, X_test=sp.csr_matrix((0, len(names)), dtype=np.float32),
                      names=tuple(names))  # fmt: skip


def robust_scale(values: np.ndarray) -> np.ndarray:
    """Clip at the 1st and 99th percentiles, centre on the median, divide by the IQR."""
    low, q25, median, q75, high = np.percentile(values, [1, 25, 50, 75, 99])
    clipped = np.clip(values, low, high)
    spread = q75 - q25
    if spread <= 0:  # e.g. a column where most users share one value
        spread = float(clipped.std())
    return (clipped - median) / (spread if spread > 0 else 1.0)
