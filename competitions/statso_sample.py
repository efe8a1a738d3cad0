"""Podium's built-in synthetic STATSO user-profile sample, calibrated on the real
``user_profiles_for_ads.csv`` (1,000 users).

Deterministic for a seed and vectorised. The frame has the columns and dtypes that podium's CSV
reader gives for the real file: ``User ID`` as the strings ``"1"``..``"n"``, the binned ``Age``
and ``Income Level`` and the nominal fields as strings, the seven measurements as floats, and
``Top Interests`` as a comma-separated list such as ``"Gaming, DIY Crafts"``.

The marginals are the real file's: the bins' and categories' shares as counted there, 1 to 4
distinct interests per user (shares 225/267/269/239 of 1,000) drawn from the 16 interests with
their real frequencies, and each measurement on its real range and precision (likes 100..9,999,
followed accounts 10..499, weekday hours 0.5..5.0, weekend hours 1.0..8.0, CTR 0..0.25,
conversion 0..0.1, ad interaction 5..179 s). The real file is close to independent noise
(KMeans silhouettes about 0.05), so the structure here is weak on purpose: every user belongs
to one of :data:`SEGMENTS` hidden segments, which draws about half of a user's measurements
near the segment's own typical values (the rest uniform) and tilts the category and interest
odds a little. The silhouettes stay about the real file's, and KMeans with K = 4 recovers the
segments only weakly (adjusted Rand about 0.1). The segment is kept beside the sample (it is
not in the file).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

ID = "User ID"
AGE_BINS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
INCOME_BINS = ("0-20k", "20k-40k", "40k-60k", "60k-80k", "80k-100k", "100k+")
# Category -> count in the real file, per field, in the file's column order.
AGE_COUNTS = dict(zip(AGE_BINS, (166, 255, 192, 188, 153, 46), strict=True))
INCOME_COUNTS = dict(zip(INCOME_BINS, (148, 165, 175, 168, 168, 176), strict=True))
NOMINAL_COUNTS: dict[str, dict[str, int]] = {
    "Gender": {"Female": 506, "Male": 494},
    "Location": {"Urban": 350, "Suburban": 332, "Rural": 318},
    "Language": {"English": 258, "Spanish": 251, "Mandarin": 250, "Hindi": 241},
    "Education Level": {
        "Technical": 211, "Master": 209, "High School": 205, "Bachelor": 189, "PhD": 186,
    },
    "Device Usage": {
        "Desktop Only": 262, "Mobile Only": 253, "Mobile + Desktop": 250, "Tablet": 235,
    },
}  # fmt: skip
INTEREST_COUNTS = {
    "Digital Marketing": 182, "Investing and Finance": 171, "Music Production": 169,
    "Fitness and Wellness": 167, "Eco-Friendly Living": 163, "Fashion Modelling": 161,
    "Gourmet Cooking": 157, "Reading and Literature": 156, "Gaming": 155, "Pet Care": 155,
    "Travel and Adventure": 152, "Software Engineering": 151, "DIY Crafts": 148,
    "Photography": 148, "Data Science": 147, "Gardening": 140,
}  # fmt: skip
INTERESTS_PER_USER = np.array([225, 267, 269, 239]) / 1000  # 1, 2, 3 or 4 interests
# Measurement -> (lowest, highest, decimals), the real file's ranges and precision.
NUMERIC: dict[str, tuple[float, float, int]] = {
    "Likes and Reactions": (100, 9_999, 0),
    "Followed Accounts": (10, 499, 0),
    "Time Spent Online (hrs/weekday)": (0.5, 5.0, 1),
    "Time Spent Online (hrs/weekend)": (1.0, 8.0, 1),
    "Click-Through Rates (CTR)": (0.0, 0.25, 3),
    "Conversion Rates": (0.0, 0.1, 3),
    "Ad Interaction Time (sec)": (5, 179, 0),
}
COLUMNS = (
    ID, "Age", "Gender", "Location", "Language", "Education Level", "Likes and Reactions",
    "Followed Accounts", "Device Usage", "Time Spent Online (hrs/weekday)",
    "Time Spent Online (hrs/weekend)", "Click-Through Rates (CTR)", "Conversion Rates",
    "Ad Interaction Time (sec)", "Income Level", "Top Interests",
)  # fmt: skip
SCALES: dict[str, int] = {"small": 1_000, "full": 20_000}
SEGMENTS = 4
PULL = 0.5  # share of a user's measurements drawn near the segment's typical value
SPREAD = 0.1  # their spread around it, as a share of the range
TILT = 0.3  # standard deviation of a segment's log-odds tilt of each category and interest


@dataclass(frozen=True)
class StatsoSample:
    """The file's rows, and each row's hidden segment (0..SEGMENTS-1)."""

    frame: pd.DataFrame
    segment: np.ndarray

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The file's rows by table name (a :class:`competitions.kit.Sample`)."""
        return {"user_profiles_for_ads": self.frame}

    @property
    def truth(self) -> None:
        return None  # no target: the hidden segment is not a prediction's truth

    def describe(self) -> str:
        return f"{len(self.frame):,} users"


def generate_scale(scale: str, seed: int) -> StatsoSample:
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}")
    return generate(SCALES[scale], seed)


def generate(n: int, seed: int) -> StatsoSample:
    import pandas as pd

    rng = np.random.default_rng(seed)
    segment = rng.integers(0, SEGMENTS, size=n)
    columns: dict[str, object] = {ID: np.arange(1, n + 1).astype(str)}
    fields = {"Age": AGE_COUNTS, **NOMINAL_COUNTS, "Income Level": INCOME_COUNTS}
    for name, counts in fields.items():
        columns[name] = _categories(rng, segment, counts)
    for name, (low, high, decimals) in NUMERIC.items():
        columns[name] = _measurement(rng, segment, low, high, decimals)
    columns["Top Interests"] = _interests(rng, segment)
    frame = pd.DataFrame(columns)[list(COLUMNS)]
    return StatsoSample(frame=frame, segment=segment)


def _categories(rng: np.random.Generator, segment: np.ndarray, counts: dict[str, int]) -> object:
    """One category per row, with the segment's tilted odds."""
    names = np.array(list(counts))
    odds = np.array(list(counts.values()), dtype=np.float64)
    odds = odds * np.exp(TILT * rng.standard_normal((SEGMENTS, len(odds))))
    cumulative = np.cumsum(odds / odds.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(segment))
    index = (u[:, None] > cumulative[segment]).sum(axis=1)
    return names[np.minimum(index, len(names) - 1)]


def _measurement(
    rng: np.random.Generator, segment: np.ndarray, low: float, high: float, decimals: int
) -> np.ndarray:
    """Uniform on [low, high], except a PULL share of rows near the segment's typical value."""
    typical = rng.uniform(0.15, 0.85, size=SEGMENTS)
    n = len(segment)
    near = np.clip(typical[segment] + SPREAD * rng.standard_normal(n), 0.0, 1.0)
    u = np.where(rng.random(n) < PULL, near, rng.random(n))
    return np.round(low + u * (high - low), decimals)


def _interests(rng: np.random.Generator, segment: np.ndarray) -> np.ndarray:
    """1 to 4 distinct interests per row, drawn without replacement with the segment's odds
    (Gumbel top-k: the k largest of log-odds plus Gumbel noise), joined by ", "."""
    import pandas as pd

    names = np.array(list(INTEREST_COUNTS))
    n = len(segment)
    log_odds = np.log(np.array(list(INTEREST_COUNTS.values()), dtype=np.float64))
    log_odds = log_odds + TILT * rng.standard_normal((SEGMENTS, len(names)))
    keys = log_odds[segment] + rng.gumbel(size=(n, len(names)))
    top = np.argsort(-keys, axis=1)[:, : len(INTERESTS_PER_USER)]
    k = rng.choice(np.arange(1, len(INTERESTS_PER_USER) + 1), size=n, p=INTERESTS_PER_USER)
    chosen = pd.DataFrame(names[top]).where(np.arange(top.shape[1]) < k[:, None])
    return chosen.stack().dropna().groupby(level=0).agg(", ".join).reindex(range(n)).to_numpy()
