"""Tianchi "Ad Display/Click Data on Taobao.com" (2017): segment the users who saw the ads.

Files (found by name in ``--data-dir`` or its sub-folders, plain or gzipped; a UTF-8 BOM and
whitespace around header names are fine): ``raw_sample.csv`` (``user, time_stamp, adgroup_id,
pid, nonclk, clk``: 26M impressions over eight days), ``user_profile.csv`` (``userid`` and eight
profile fields, blanks where unknown) and ``ad_feature.csv`` (``adgroup_id, cate_id,
campaign_id, customer, brand, price``; ``NULL`` brands). They are read with polars, with
explicit types (polars decompresses a gzipped file in memory first: about 1 GiB more for the
full raw_sample). A missing column (``nonclk`` alone is optional) or a value that does not parse
is a DataError naming the file, the line and the column. The task is unsupervised: the users
are clustered (K in 2..10, silhouette), and the run writes each user's cluster.

Cleaning, each step logged with a count and an example line:

* exact duplicate rows are dropped in every file; a repeated ``userid`` or ``adgroup_id`` with
  other values keeps its first row;
* impressions outside the eight days (2017-05-06..2017-05-13, China time) are dropped; a ``clk``
  other than 0 or 1 is an error; a ``nonclk`` that is not ``1 - clk`` is reported (``clk`` wins);
* profile codes outside their documented range are made missing; a price that is not positive
  is made missing.

Unknown references are counted and reported, never fatal: an impression of an ad missing from
ad_feature.csv is kept (it counts as activity and clicks, but has no category, brand, campaign
or price); an impression of a user without a profile row is kept (the profile fields are
``unknown``); a profile row of a user with no impression is dropped, because the segments are
of behaviour and such a user has none.

Per-user features and the preprocessing for clustering (log1p, percentile clipping, robust
scaling, one-hot profile fields with ``unknown`` as a category, median-imputed prices, a
smoothed CTR) are described in :mod:`competitions.taobao_features`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from competitions import taobao_features
from competitions.kit import Column, SyntheticSample, Table, Tables, write_with
from competitions.sources import DataSource
from competitions.spec import CompetitionSpec, Dataset, Question, Segmentation
from competitions.taobao_sample import DAYS, PIDS, SCALES, START, generate, write_tables
from core.errors import DataError
from core.folds import FoldScheme
from features.base import FeatureSet
from submissions.formats import AssignmentsCSV

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl

log = logging.getLogger(__name__)

WINDOW = (START, START + DAYS * 86400)
# Documented value ranges of the profile codes; anything else is made missing.
VALID_CODES = {
    "cms_group_id": range(13), "final_gender_code": (1, 2), "age_level": range(7),
    "pvalue_level": (1, 2, 3), "shopping_level": (1, 2, 3), "occupation": (0, 1),
    "new_user_class_level": (1, 2, 3, 4),
}  # fmt: skip


_PROFILE_FIELDS = ("cms_segid", *VALID_CODES)
TABLES = Tables(
    (
        Table("raw_sample", (
            Column("user", "int", dtype="Int32", nullable=False),
            Column("time_stamp", "int", nullable=False),
            Column("adgroup_id", "int", dtype="Int32", nullable=False),
            Column("pid", "str", values=PIDS, nullable=False),
            Column("nonclk", "int", dtype="Int8", required=False),
            Column("clk", "int", dtype="Int8", nullable=False),
        )),
        Table("user_profile", (
            Column("userid", "int", dtype="Int32", nullable=False),
            *(Column(name, "int", dtype="Int32") for name in _PROFILE_FIELDS),
        )),
        Table("ad_feature", (
            Column("adgroup_id", "int", dtype="Int32", nullable=False),
            *(Column(n, "int", dtype="Int32") for n in ("cate_id", "campaign_id", "customer")),
            Column("brand", "int", dtype="Int32"), Column("price", "float"),
        )),
    ),
    engine="polars",
)  # fmt: skip
FILES = TABLES.files


def prepare(
    raw: Mapping[str, pl.DataFrame],
    labels: Mapping[str, str] | None = None,
    *,
    source: str,
    synthetic: bool = False,
    truth: np.ndarray | None = None,
) -> Dataset:
    """Clean the three tables and aggregate them per user; ``labels`` name the files."""
    impressions, ads, profile = clean(raw, labels)
    train = taobao_features.user_features(impressions, ads, profile)
    return Dataset(
        train=train, test=train.iloc[:0], y=np.zeros(0, dtype=np.int64), classes=(),
        source=source, synthetic=synthetic,
    )  # fmt: skip


def clean(
    raw: Mapping[str, pl.DataFrame], labels: Mapping[str, str] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The cleaned impressions, ads and profiles (see the module's docstring)."""
    labels = TABLES.labels(labels)
    ads = _clean_ads(raw["ad_feature"], labels["ad_feature"])
    profile = _clean_profile(raw["user_profile"], labels["user_profile"])
    impressions = _clean_impressions(raw["raw_sample"], ads, profile, labels)
    profile = _drop_without_impressions(profile, impressions, labels["user_profile"])
    return impressions, ads, profile


def _warn(label: str, mask: pl.Series, message: str, example: pl.Series) -> None:
    """Log ``message`` (with ``{n}``, the count) and the first row where ``mask`` holds."""
    row = int(mask.arg_true()[0])
    log.warning(
        "%s: %s (e.g. line %d, %s %s)",
        label, message.format(n=f"{int(mask.sum()):,}"), row + 2, example.name, example[row],
    )  # fmt: skip


def _repeats(frame: pl.DataFrame, key: str, label: str) -> pl.Series:
    """Rows to drop: exact duplicates and rows repeating ``key`` with other values."""
    import polars as pl

    repeated = frame.select(pl.col(key).is_first_distinct().not_()).to_series()
    if not repeated.any():
        return repeated
    exact = frame.select(pl.struct(pl.all()).is_first_distinct().not_()).to_series()
    if exact.any():
        _warn(label, exact, "dropped {n} duplicate rows", frame[key])
    conflicting = repeated & ~exact
    if conflicting.any():
        message = f"dropped {{n}} rows that repeat a {key} with other values, keeping the first"
        _warn(label, conflicting, message, frame[key])
    return repeated


def _clean_ads(ads: pl.DataFrame, label: str) -> pl.DataFrame:
    import polars as pl

    ads = ads.filter(~_repeats(ads, "adgroup_id", label))
    bad = (pl.col("price") <= 0) | pl.col("price").is_nan()
    bad_price = ads.select(bad.fill_null(False)).to_series()
    if bad_price.any():
        _warn(label, bad_price, "{n} prices are not positive: made missing", ads["price"])
        ads = ads.with_columns(pl.when(~bad_price).then(pl.col("price")).alias("price"))
    return ads


def _clean_profile(profile: pl.DataFrame, label: str) -> pl.DataFrame:
    import polars as pl

    profile = profile.filter(~_repeats(profile, "userid", label))
    for name, valid in VALID_CODES.items():
        bad = profile.select(~pl.col(name).is_in(list(valid))).to_series().fill_null(False)
        if bad.any():
            _warn(label, bad, f"{{n}} {name} values outside {min(valid)}..{max(valid)}: "
                  "made missing", profile[name])  # fmt: skip
            profile = profile.with_columns(pl.when(~bad).then(pl.col(name)).alias(name))
    return profile


def _clean_impressions(
    impressions: pl.DataFrame, ads: pl.DataFrame, profile: pl.DataFrame, labels: dict[str, str]
) -> pl.DataFrame:
    import polars as pl

    label = labels["raw_sample"]
    bad_click = impressions.select(~pl.col("clk").is_in([0, 1])).to_series()
    if bad_click.any():
        row = int(bad_click.arg_true()[0])
        raise DataError(
            f"{label}: line {row + 2}, column 'clk': {impressions['clk'][row]} is not 0 or 1"
        )
    stamp = pl.col("time_stamp")
    checks = impressions.select(
        outside=(stamp < WINDOW[0]) | (stamp >= WINDOW[1]),
        nonclk=(pl.col("nonclk") != 1 - pl.col("clk")).fill_null(False),
        unknown_ad=pl.col("adgroup_id").is_in(ads["adgroup_id"].implode()).not_(),
        no_profile=pl.col("user").is_in(profile["userid"].implode()).not_(),
    )
    if checks["outside"].any():
        message = "dropped {n} impressions outside 2017-05-06..2017-05-13 (China time)"
        _warn(label, checks["outside"], message, impressions["time_stamp"])
    duplicate = _duplicate_impressions(impressions, checks["outside"])
    if duplicate.any():
        _warn(label, duplicate, "dropped {n} duplicate rows", impressions["user"])
    if checks["nonclk"].any():
        message = "{n} rows have nonclk != 1 - clk: clk is used"
        _warn(label, checks["nonclk"], message, impressions["nonclk"])
    keep = ~(checks["outside"] | duplicate)
    unknown_ad, no_profile = checks["unknown_ad"] & keep, checks["no_profile"] & keep
    if unknown_ad.any():
        message = (
            f"{{n}} impressions are of ads not in {Path(labels['ad_feature']).name}: kept, "
            "without category, brand, campaign or price"
        )
        _warn(label, unknown_ad, message, impressions["adgroup_id"])
    if no_profile.any():
        users = impressions["user"].filter(no_profile).n_unique()
        message = (
            f"{{n}} impressions of {users:,} users without a row in "
            f"{Path(labels['user_profile']).name}: kept, with the profile fields 'unknown'"
        )
        _warn(label, no_profile, message, impressions["user"])
    return impressions.filter(keep)


def _duplicate_impressions(impressions: pl.DataFrame, outside: pl.Series) -> pl.Series:
    """Rows (inside the window) that repeat an earlier row exactly.

    Each row is packed into two int64 keys, equal only for equal rows, and the sorted keys are
    compared with their predecessor: 3 s and 2 GiB at full scale, where a distinct over the
    rows as structs took 19 s and 3 GiB.
    """
    import polars as pl

    nonclk = (pl.col("nonclk").cast(pl.Int64) + 128).fill_null(256)  # 9 bits, null apart
    keys = (
        impressions.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("row"),
            a=pl.col("user").cast(pl.Int64) * 2**32 + pl.col("adgroup_id").cast(pl.Int64) + 2**31,
            b=(pl.col("time_stamp") - WINDOW[0]) * 2**11
            + pl.col("pid").to_physical().cast(pl.Int64) * 2**10
            + pl.col("clk").cast(pl.Int64) * 2**9
            + nonclk,
        )
        .filter(~outside)  # the window bounds the time in 20 bits, so b cannot overflow
        .sort("a", "b", "row")
    )
    same = (pl.col("a") == pl.col("a").shift()) & (pl.col("b") == pl.col("b").shift())
    rows = keys.filter(same.fill_null(False))["row"].to_numpy()
    mask = np.zeros(impressions.height, dtype=bool)
    mask[rows] = True
    return pl.Series("duplicate", mask)


def _drop_without_impressions(
    profile: pl.DataFrame, impressions: pl.DataFrame, label: str
) -> pl.DataFrame:
    import polars as pl

    users = impressions["user"].unique().implode()
    idle = profile.select(~pl.col("userid").is_in(users)).to_series()
    if idle.any():
        message = "dropped {n} users with no impression (segments are of behaviour)"
        _warn(label, idle, message, profile["userid"])
    return profile.filter(~idle)


SAMPLE = SyntheticSample("Taobao", generate, SCALES, prepare, ("n_users", None))
load = TABLES.loader(prepare, "Taobao files")
synthesize = SAMPLE.synthesize
from_sample = SAMPLE.dataset


def segment(dataset: Dataset) -> tuple[FeatureSet, pd.DataFrame]:
    """The scaled matrix that is clustered, and the readable per-user table it came from."""
    return taobao_features.segment_matrix(dataset.train), dataset.train


def build_features(dataset: Dataset) -> FeatureSet:
    return segment(dataset)[0]


def _clicks(profile: pd.DataFrame, labels: np.ndarray) -> pd.Series:
    return profile["clicks"].groupby(labels).sum()


def _click_rate(profile: pd.DataFrame, labels: np.ndarray) -> pd.Series:
    totals = profile[["clicks", "impressions"]].groupby(labels).sum()
    return totals["clicks"] / totals["impressions"]


def _clicked_price(profile: pd.DataFrame, labels: np.ndarray) -> pd.Series:
    # A cluster without a clicked ad of known price has nothing to price: 0, not NaN.
    return profile["click_price_mean"].groupby(labels).median().fillna(0.0)


QUESTIONS = (
    Question("Which segment clicks the most ads?", "clicks", _clicks),
    Question("Which segment has the highest click-through rate?", "click-through rate",
             _click_rate, additive=False),
    Question("Which segment clicks the most expensive ads?", "median price of clicked ads",
             _clicked_price, additive=False),
)  # fmt: skip

SPEC = CompetitionSpec(
    name="taobao",
    title="Ad Display/Click Data on Taobao.com (Tianchi 2017): user segments",
    task="segmentation",
    target="",  # unsupervised: no target
    id_column="user",
    metric="silhouette",
    folds=FoldScheme("stratified"),  # unused: a segmentation is not cross-validated
    files=FILES,
    load=load,
    synthesize=SAMPLE.synthesize,
    build_features=build_features,
    submission=AssignmentsCSV(id_column="user"),
    default_models=(),
    synthetic_sizes=SAMPLE.synthetic_sizes,
    notes="Users' ad impressions, clicks, prices and profiles; cluster them into segments.",
    segmentation=Segmentation(build=segment, k_range=(2, 10), questions=QUESTIONS),
    write_files=write_with(write_tables),
    source=DataSource(
        "kaggle-dataset",
        "pavansanagapati/ad-displayclick-data-on-taobaocom",
        published='on Alibaba Tianchi as "Ad Display/Click Data on Taobao.com" (dataset 56)',
        note="a Kaggle re-upload of the Tianchi files (raw_sample, ad_feature, user_profile, "
        "behavior_log)",
    ),  # fmt: skip,
)
