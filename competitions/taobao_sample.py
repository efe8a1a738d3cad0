"""Podium's built-in synthetic sample of Tianchi's "Ad Display/Click Data on Taobao.com".

Deterministic for a seed and vectorised (no loop over rows). The three polars frames have the
columns and dtypes the loader reads: ``raw_sample`` (user, time_stamp, adgroup_id, pid, nonclk,
clk), ``user_profile`` (userid, cms_segid, cms_group_id, final_gender_code, age_level,
pvalue_level, shopping_level, occupation, new_user_class_level) and ``ad_feature`` (adgroup_id,
cate_id, campaign_id, customer, brand, price). :func:`write_tables` writes them in the real
layout: a trailing space in the header ``new_user_class_level ``, blanks for a missing profile
value and ``NULL`` for a missing brand.

What the sample carries, as the real data does: eight days of impressions (2017-05-06 to
2017-05-13, China time; ``time_stamp`` in unix seconds), the two ad slots ``430548_1007`` and
``430539_1007``, about 5% clicks with ``nonclk = 1 - clk``, heavy-tailed activity per user,
popularity skew over ads, ads that belong to campaigns of customers with a main category and
brand, log-normal prices by category with a few absurd listing prices, 54% missing
``pvalue_level``, 32% missing ``new_user_class_level`` and 29% missing brands. 7% of the users
with impressions have no profile row (1.14M users against 1.06M profile rows in the real files)
and 1% of the profile rows are users with no impression.

Every user belongs to one of five latent segments (:data:`SEGMENTS`) that steer the profile
(gender, age, shopping depth, consumption grade, students) and the behaviour: activity volume,
click-through rate, the ten departments the ads come from, the price tier and the slot. So a
clustering of per-user features has something to find; ``segment`` keeps the truth.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import polars as pl

PIDS = ("430548_1007", "430539_1007")
START = 1_494_000_000  # 2017-05-06 00:00:00 in China (UTC+8), the first day of the log
DAYS = 8
UTC_OFFSET = 8 * 3600
CTR = 0.05

SCALES: dict[str, dict[str, int]] = {
    "small": dict(n_users=4_000, n_ads=4_000, n_impressions=80_000),
    "full": dict(n_users=1_141_729, n_ads=846_811, n_impressions=26_557_961),
}
DEPARTMENTS = ("womenswear", "menswear", "beauty", "baby", "home", "food", "electronics",
               "sports", "books", "pets")  # fmt: skip
DEPARTMENT_SHARE = np.array([0.16, 0.10, 0.10, 0.08, 0.16, 0.14, 0.08, 0.08, 0.06, 0.04])
DEPARTMENT_PRICE = np.array([150, 180, 120, 100, 200, 50, 800, 300, 40, 80], dtype=float)

# Per segment: name, share, P(female), age_level 0..6, shopping_level 1..3, pvalue_level 1..3,
# P(student), activity and CTR multipliers, share of slot 430548_1007, price tier
# (low, mid, high) and department preferences in DEPARTMENTS order.
SEGMENTS = (
    ("young women, fashion and beauty", .28, .92, (0, 8, 45, 35, 10, 2, 0), (5, 25, 70),
     (25, 60, 15), .12, 1.6, 1.35, .80, (25, 55, 20), (35, 3, 30, 2, 8, 8, 4, 4, 3, 3)),
    ("young men, electronics", .20, .12, (0, 25, 45, 20, 8, 2, 0), (15, 50, 35), (40, 50, 10),
     .25, 0.7, 0.7, .25, (15, 35, 50), (3, 20, 3, 1, 5, 8, 35, 15, 6, 4)),
    ("mothers, baby and home", .22, .96, (0, 0, 10, 50, 35, 5, 0), (3, 17, 80), (30, 60, 10),
     .02, 1.8, 1.15, .60, (60, 35, 5), (10, 3, 8, 38, 20, 12, 2, 2, 3, 2)),
    ("older, budget", .18, .50, (0, 0, 0, 5, 25, 45, 25), (35, 45, 20), (70, 25, 5), .0, 0.35,
     0.55, .45, (75, 22, 3), (8, 8, 5, 3, 30, 30, 4, 4, 5, 3)),
    ("affluent men", .12, .15, (0, 0, 10, 40, 40, 10, 0), (2, 18, 80), (5, 30, 65), .0, 1.0,
     1.0, .35, (5, 20, 75), (2, 22, 3, 3, 15, 5, 25, 20, 3, 2)),
)  # fmt: skip
HOURS = np.array([2.0, 1, .6, .4, .4, .6, 1.5, 3, 4, 4.5, 4.6, 4.8,
                  5, 4.6, 4.4, 4.4, 4.6, 4.8, 5, 6, 7, 7.4, 6.5, 4.5])  # fmt: skip
NO_PROFILE, PROFILE_ONLY = 0.07, 0.01  # of the users with impressions; of the profile rows


@dataclass(frozen=True)
class TaobaoSample:
    """The three Tianchi tables and each user's latent segment (index: user id - 1)."""

    raw_sample: pl.DataFrame
    user_profile: pl.DataFrame
    ad_feature: pl.DataFrame
    segment: np.ndarray

    @property
    def tables(self) -> dict[str, pl.DataFrame]:
        """The frames by table name (a :class:`competitions.kit.Sample`)."""
        names = ("raw_sample", "user_profile", "ad_feature")
        return {name: getattr(self, name) for name in names}

    @property
    def truth(self) -> None:
        return None  # no target: the latent segment is not a prediction's truth

    def describe(self) -> str:
        return f"{self.raw_sample.height:,} impressions, {self.ad_feature.height:,} ads"


@dataclass(frozen=True)
class _Segments:
    share: np.ndarray
    female: np.ndarray
    age: np.ndarray  # (n_segments, 7) cumulative
    shopping: np.ndarray  # (n_segments, 3) cumulative
    pvalue: np.ndarray
    student: np.ndarray
    activity: np.ndarray
    ctr: np.ndarray
    pid: np.ndarray
    tier: np.ndarray  # (n_segments, 3) cumulative
    department: np.ndarray  # (n_segments, 10) probabilities


def pid_dtype() -> pl.Enum:
    """The ad slot column's type: an enum of :data:`PIDS`."""
    import polars as pl

    return pl.Enum(PIDS)


def _segments() -> _Segments:
    def cdf(i: int) -> np.ndarray:
        table = np.array([s[i] for s in SEGMENTS], dtype=float)
        return np.cumsum(table / table.sum(axis=1, keepdims=True), axis=1)

    def col(i: int) -> np.ndarray:
        return np.array([s[i] for s in SEGMENTS], dtype=float)

    department = np.array([s[11] for s in SEGMENTS], dtype=float)
    return _Segments(share=col(1), female=col(2), age=cdf(3), shopping=cdf(4), pvalue=cdf(5),
                     student=col(6), activity=col(7), ctr=col(8), pid=col(9), tier=cdf(10),
                     department=department / department.sum(axis=1, keepdims=True))  # fmt: skip


def generate_scale(scale: str, seed: int) -> TaobaoSample:
    return generate(seed=seed, **SCALES[scale])


def generate(n_users: int, n_ads: int, n_impressions: int, seed: int) -> TaobaoSample:
    """``n_users`` users with impressions (ids 1..n), ``n_ads`` ads, ``n_impressions`` rows."""
    if n_impressions < n_users or n_users < 10 or n_ads < 30:
        raise ValueError("need n_impressions >= n_users >= 10 and n_ads >= 30")
    # Each step draws from rng in turn: their order fixes the sample a seed gives.
    rng = np.random.default_rng(seed)
    seg = _segments()
    n_only = round(PROFILE_ONLY * n_users / (1 - PROFILE_ONLY))
    segment = _draw(rng, np.cumsum(seg.share), n_users + n_only).astype(np.int8)
    ads, group_of_ad = _ads(rng, n_ads)
    profile = _profile(rng, seg, segment, n_users)
    raw = _impressions(rng, seg, segment[:n_users], group_of_ad, n_impressions)
    return TaobaoSample(raw_sample=raw, user_profile=profile, ad_feature=ads, segment=segment)


def _draw(rng: np.random.Generator, cdf: np.ndarray, size: int) -> np.ndarray:
    """Categories 0..len(cdf)-1 by inverse CDF (a 1-D cdf, or one row per draw)."""
    u = rng.random(size)
    if cdf.ndim == 1:
        return np.minimum(np.searchsorted(cdf, u * cdf[-1], side="right"), len(cdf) - 1)
    return np.minimum((u[:, None] >= cdf).sum(axis=1), cdf.shape[1] - 1)


def _within(rng: np.random.Generator, rows: np.ndarray, cdf: np.ndarray) -> np.ndarray:
    """A category per draw from its row's distribution. ``cdf`` holds one increasing row per
    distribution, ending at 1; offsetting row r by r makes one sorted array to search."""
    n_rows, width = cdf.shape
    flat = (np.arange(n_rows)[:, None] + cdf).ravel()
    key = rows + rng.random(len(rows))
    position = np.searchsorted(flat, key, side="right") - rows.astype(np.int64) * width
    return np.clip(position, 0, width - 1)


def _ads(rng: np.random.Generator, n_ads: int) -> tuple[pl.DataFrame, np.ndarray]:
    """Ads of campaigns of customers; a customer has a main category and brand."""
    import polars as pl

    n_categories = max(20, n_ads // 125)
    n_brands, n_customers, n_campaigns = max(5, n_ads // 8), max(5, n_ads // 3), max(5, n_ads // 2)
    department = _draw(rng, np.cumsum(DEPARTMENT_SHARE), n_categories)
    mu = np.log(DEPARTMENT_PRICE)[department] + rng.normal(0, 0.5, n_categories)
    cat_weight = rng.lognormal(0, 1.2, n_categories)
    customer_cat = _draw(rng, np.cumsum(cat_weight), n_customers)
    customer_brand = rng.integers(1, n_brands + 1, n_customers)
    campaign_customer = rng.integers(0, n_customers, n_campaigns)
    campaign = rng.integers(0, n_campaigns, n_ads)
    customer = campaign_customer[campaign]
    # Most ads are in the customer's main category, the others in its department.
    by_department = np.argsort(department, kind="stable")
    start = np.searchsorted(department[by_department], np.arange(len(DEPARTMENTS)))
    count = np.bincount(department, minlength=len(DEPARTMENTS))
    dept = department[customer_cat[customer]]
    other = by_department[start[dept] + (rng.random(n_ads) * count[dept]).astype(np.int64)]
    category = np.where(rng.random(n_ads) < 0.75, customer_cat[customer], other)
    brand = np.where(rng.random(n_ads) < 0.8, customer_brand[customer],
                     rng.integers(1, n_brands + 1, n_ads))  # fmt: skip
    no_brand = rng.random(n_ads) < 0.29
    price = np.exp(mu[category] + rng.normal(0, 0.7, n_ads))
    absurd = rng.random(n_ads) < 0.001  # listing errors like the real file's 99,999,999
    price = np.round(np.where(absurd, price * 10 ** rng.uniform(2, 5, n_ads), price), 2)
    # price tier: tercile of the price within the department
    order = np.lexsort((price, department[category]))
    rank_in_dept = np.empty(n_ads)
    dept_sorted = department[category][order]
    first = np.searchsorted(dept_sorted, dept_sorted, side="left")
    size = np.bincount(dept_sorted, minlength=len(DEPARTMENTS))[dept_sorted]
    rank_in_dept[order] = (np.arange(n_ads) - first) / size
    tier = np.minimum((rank_in_dept * 3).astype(np.int64), 2)
    ads = pl.DataFrame({
        "adgroup_id": np.arange(1, n_ads + 1, dtype=np.int32),
        "cate_id": (category + 1).astype(np.int32),
        "campaign_id": (campaign + 1).astype(np.int32),
        "customer": (customer + 1).astype(np.int32),
        "brand": pl.Series(brand.astype(np.int32)).set(pl.Series(no_brand), None),
        "price": price,
    })  # fmt: skip
    return ads, department[category] * 3 + tier


def _profile(
    rng: np.random.Generator, seg: _Segments, segment: np.ndarray, n_users: int
) -> pl.DataFrame:
    import polars as pl

    n = len(segment)
    female = rng.random(n) < seg.female[segment]
    age = _draw(rng, seg.age[segment], n)
    shopping = _draw(rng, seg.shopping[segment], n) + 1
    pvalue = _draw(rng, seg.pvalue[segment], n) + 1
    student = rng.random(n) < seg.student[segment]
    city = _draw(rng, np.cumsum([0.15, 0.25, 0.35, 0.25]), n) + 1
    segid = np.where(rng.random(n) < 0.95, 0, rng.integers(1, 97, n))
    has_profile = np.r_[rng.random(n_users) >= NO_PROFILE, np.ones(n - n_users, dtype=bool)]
    frame = pl.DataFrame({
        "userid": np.arange(1, n + 1, dtype=np.int32),
        "cms_segid": segid.astype(np.int32),
        # the real cms_group_id is gender x age: 0..6 for men, 7..12 for women
        "cms_group_id": np.where(female, 6 + np.maximum(age, 1), age).astype(np.int32),
        "final_gender_code": np.where(female, 2, 1).astype(np.int32),
        "age_level": age.astype(np.int32),
        "pvalue_level": pl.Series(pvalue.astype(np.int32)).set(
            pl.Series(rng.random(n) < 0.54), None),
        "shopping_level": shopping.astype(np.int32),
        "occupation": student.astype(np.int32),
        "new_user_class_level": pl.Series(city.astype(np.int32)).set(
            pl.Series(rng.random(n) < 0.32), None),
    })  # fmt: skip
    return frame.filter(pl.Series(has_profile))


def _impressions(
    rng: np.random.Generator,
    seg: _Segments,
    segment: np.ndarray,
    group_of_ad: np.ndarray,
    n_impressions: int,
) -> pl.DataFrame:
    import polars as pl

    n_users, n_ads = len(segment), len(group_of_ad)
    weight = seg.activity[segment] * rng.lognormal(0, 0.9, n_users)
    counts = 1 + rng.multinomial(n_impressions - n_users, weight / weight.sum())
    user = np.repeat(np.arange(n_users, dtype=np.int32), counts)
    # Each user's own mix of departments and days around the segment's.
    taste = seg.department[segment] * rng.gamma(2.0, 1.0, (n_users, len(DEPARTMENTS)))
    department = _within(rng, user, np.cumsum(taste / taste.sum(axis=1, keepdims=True), axis=1))
    del taste
    tier = _within(rng, segment[user], seg.tier)  # the segment's price tier
    ad = _popular_ad(rng, department * 3 + tier, group_of_ad)
    del department, tier
    days = rng.gamma(0.7, 1.0, (n_users, DAYS)) + 1e-3
    day = _within(rng, user, np.cumsum(days / days.sum(axis=1, keepdims=True), axis=1))
    del days
    hour = _draw(rng, np.cumsum(HOURS), len(user))
    stamp = START + day * 86400 + hour * 3600 + rng.integers(0, 3600, len(user))
    logit = np.log(seg.pid / (1 - seg.pid))[segment] + rng.normal(0, 1, n_users)
    share = 1 / (1 + np.exp(-logit))  # each user's share of slot 430548_1007
    second_slot = rng.random(len(user)) >= share[user]
    p = (seg.ctr[segment] * rng.lognormal(-0.06, 0.35, n_users))[user]
    p *= rng.lognormal(-0.18, 0.6, n_ads)[ad] * np.where(second_slot, 0.9, 1.1)
    click = rng.random(len(user)) < np.minimum(p * (CTR / p.mean()), 0.95)
    del p
    return pl.DataFrame({
        "user": user + 1,
        "time_stamp": stamp.astype(np.int64),
        "adgroup_id": (ad + 1).astype(np.int32),  # ids are 1..n_ads
        "pid": pl.Series(second_slot.view(np.uint8)).replace_strict(
            [0, 1], list(PIDS), return_dtype=pid_dtype()),
        "nonclk": (~click).view(np.int8),
        "clk": click.view(np.int8),
    })  # fmt: skip


def _popular_ad(rng: np.random.Generator, group: np.ndarray, group_of_ad: np.ndarray) -> np.ndarray:
    """An ad of each draw's (department, price tier) group, by a skewed popularity.

    A lookup table gives each ad slots in proportion to its popularity, grouped, so a draw is
    one random read (a binary search per draw took 12 s at full scale).
    """
    popularity = rng.lognormal(0, 1.5, len(group_of_ad))
    order = np.argsort(group_of_ad, kind="stable")
    slots = np.maximum(1, np.round(popularity[order] * (16 / popularity.mean()))).astype(np.int64)
    table = np.repeat(order, slots)
    size = np.bincount(group_of_ad[order], weights=slots, minlength=group.max() + 1)
    size = size.astype(np.int64)
    start = np.cumsum(size) - size
    # A group with no ad (only at tiny sizes) falls through to the next group's first ad.
    pick = start[group] + (rng.random(len(group)) * size[group]).astype(np.int64)
    return table[np.minimum(pick, len(table) - 1)]


def write_tables(tables: Mapping[str, pl.DataFrame], folder: Path) -> None:
    """Write the three Tianchi tables as their CSV files, in the real layout."""
    folder.mkdir(parents=True, exist_ok=True)
    tables["raw_sample"].write_csv(folder / "raw_sample.csv")
    # The real header ends with a space, and missing profile values are blank.
    profile = tables["user_profile"].rename({"new_user_class_level": "new_user_class_level "})
    profile.write_csv(folder / "user_profile.csv", null_value="")
    tables["ad_feature"].write_csv(folder / "ad_feature.csv", null_value="NULL")
