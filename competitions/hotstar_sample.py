"""Podium's built-in synthetic Hotstar sample, faithful to ../shared/data/hotstar/FACTS.md.

Deterministic for a seed. Each user has latent tastes (sport, evening and weekend viewing),
a heavy-tailed total watch time (log-normal; median 1.87 h, mean about 6 h, clipped to
[0.0003, 557] h), genres drawn from the 35 real genres by popularity and taste, Zipf-popular
titles inside each genre, hours of day skewed to the evening, day 4 busiest and day 2 quietest.

The label is drawn from a probability that depends only on what the user's record shows
(sports and soap shares, Sunday share, sports-in-the-evening, watch time, some "hook"
titles, two cities), so a model that reads the record well can approach the oracle AUC, the
AUC of that true probability, which is kept beside the sample. The intercept is solved for a
7.6% positive rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

GENRE_POPULARITY = {
    "Cricket": 30, "Drama": 14, "Romance": 9, "Reality": 8, "TalkShow": 6, "Family": 5.5,
    "Comedy": 5, "Action": 4, "Kids": 3, "LiveTV": 3, "Thriller": 2.5, "Mythology": 2.5,
    "Football": 2.5, "Kabaddi": 2, "Crime": 2, "Sport": 2, "NA": 1.5, "Tennis": 1.5,
    "Badminton": 1.2, "Hockey": 1, "Formula1": 1, "Horror": 1, "Documentary": 1,
    "IndiaVsSa": 1, "Awards": 0.8, "Wildlife": 0.8, "Teen": 0.7, "Travel": 0.6,
    "Science": 0.5, "Boxing": 0.5, "Athletics": 0.4, "Swimming": 0.3, "Table Tennis": 0.3,
    "Volleyball": 0.3, "FormulaE": 0.2,
}  # fmt: skip
GENRES = tuple(sorted(GENRE_POPULARITY))
SPORTS = frozenset({
    "Cricket", "Football", "Kabaddi", "Tennis", "Badminton", "Hockey", "Formula1", "FormulaE",
    "Sport", "IndiaVsSa", "Boxing", "Athletics", "Swimming", "Table Tennis", "Volleyball",
})  # fmt: skip
SOAPS = frozenset({"Drama", "Romance", "Family", "Reality", "TalkShow", "Mythology"})
CITIES = (
    "mumbai", "delhi", "bangalore", "hyderabad", "chennai", "kolkata", "pune", "ahmedabad",
    "navi mumbai", "new delhi", "jaipur", "lucknow", "kanpur", "nagpur", "indore", "thane",
    "bhopal", "visakhapatnam", "patna", "vadodara", "ghaziabad", "ludhiana", "agra", "nashik",
    "faridabad", "meerut", "rajkot", "varanasi", "srinagar", "aurangabad", "amritsar",
    "allahabad", "ranchi", "howrah", "coimbatore", "jabalpur", "gwalior", "vijayawada",
    "jodhpur", "madurai", "greater noida", "port blair",
)  # fmt: skip
# Hour-of-day profile: quiet at night, more in the second half of the day.
TOD_PROFILE = np.array(
    [2.0, 1.2, 0.7, 0.4, 0.3, 0.3, 0.5, 0.9, 1.3, 1.6, 1.8, 2.0,
     2.2, 2.3, 2.3, 2.4, 2.6, 2.9, 3.3, 3.8, 4.3, 4.6, 4.2, 3.1]
)  # fmt: skip
DOW_PROFILE = np.array([1.0, 0.8, 1.0, 1.3, 1.05, 1.1, 1.15])  # days 1..7
POSITIVE_RATE = 0.076
N_TITLES = 6000

_WORDS = (
    "Love", "Story", "Dil", "Pyaar", "Secret", "Night", "Kingdom", "Mission", "Return", "Legend",
    "Sapne", "Ishq", "Family", "Road", "Fire", "Shadow", "Journey", "Promise", "Dream", "Game",
)  # fmt: skip
_TEAMS = ("India", "Australia", "England", "South Africa", "Pakistan", "Sri Lanka", "New Zealand")


@dataclass(frozen=True)
class HotstarSample:
    """Train and test frames in the loader's schema, plus each user's true P(pos)."""

    train: pd.DataFrame
    test: pd.DataFrame
    p_train: np.ndarray
    p_test: np.ndarray

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The users of each file (a :class:`competitions.kit.Sample`)."""
        return {"train": self.train, "test": self.test}

    @property
    def truth(self) -> np.ndarray:
        return self.p_train

    def describe(self) -> str:
        return f"{len(self.train):,} train / {len(self.test):,} test users"


def generate(n_train: int, n_test: int, seed: int, shift: float = 0.0) -> HotstarSample:
    """The sample; ``shift`` > 0 moves the test users' tastes (more sport, less evening
    viewing, longer watch time) by that many standard deviations, with the same rule from
    record to label: a covariate shift, for testing adversarial validation and drift weights."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = n_train + n_test
    catalogue = _title_catalogue(np.random.default_rng(12345))  # fixed, whatever the seed
    sport = rng.normal(size=n)
    evening = rng.normal(size=n)
    weekend = 0.5 * sport + 0.85 * rng.normal(size=n)
    hours = np.clip(rng.lognormal(np.log(1.87), 1.5, size=n), 0.0003, 557.0)
    if shift:  # after every draw of the latent tastes, so shift=0 draws the same sample
        sport[n_train:] += shift
        evening[n_train:] -= shift
        hours[n_train:] = np.clip(hours[n_train:] * np.exp(1.5 * shift), 0.0003, 557.0)
    total = hours * 3600.0
    log_h = np.log1p(hours)

    is_sport = np.array([g in SPORTS for g in GENRES], dtype=float)
    is_soap = np.array([g in SOAPS for g in GENRES], dtype=float)
    pop = np.array([GENRE_POPULARITY[g] for g in GENRES], dtype=float)
    g_logit = np.log(pop) + 1.3 * np.outer(sport, is_sport) - 0.9 * np.outer(sport, is_soap)
    g_share = _top_k_shares(rng, g_logit + 0.8 * rng.normal(size=g_logit.shape), 0.6 + 0.7 * log_h)
    g_secs = np.round(g_share * total[:, None])

    is_evening = (np.arange(24) >= 18).astype(float)
    t_logit = np.log(TOD_PROFILE) + 0.8 * np.outer(evening, is_evening)
    t_share = _top_k_shares(rng, t_logit, 1.0 + 1.2 * log_h)
    t_secs = np.round(t_share * total[:, None])

    is_weekend = (np.arange(1, 8) >= 6).astype(float)
    d_logit = np.log(DOW_PROFILE) + 0.7 * np.outer(weekend, is_weekend)
    d_share = _top_k_shares(rng, d_logit, 0.8 + 0.9 * log_h)
    d_secs = np.round(d_share * total[:, None])

    c_logit = np.tile(-0.9 * np.log1p(np.arange(len(CITIES))), (n, 1))
    c_share = _top_k_shares(rng, c_logit + 2.5 * rng.normal(size=c_logit.shape), 0.4 * np.ones(n))
    c_secs = np.round(c_share * total[:, None])

    user, title, t_title_secs = _draw_titles(rng, catalogue, g_share, g_secs, hours)

    # The true probability reads only the observed record.
    with np.errstate(invalid="ignore", divide="ignore"):
        g_obs = np.nan_to_num(g_secs / g_secs.sum(1, keepdims=True))
        d_obs = np.nan_to_num(d_secs / d_secs.sum(1, keepdims=True))
        t_obs = np.nan_to_num(t_secs / t_secs.sum(1, keepdims=True))
    sport_share, soap_share = g_obs @ is_sport, g_obs @ is_soap
    sunday, evening_share = d_obs[:, 6], t_obs @ is_evening
    hooks = np.zeros(n)
    np.add.at(hooks, user, catalogue.hook[title])
    city_effect = 0.3 * (c_share[:, CITIES.index("pune")] > 0) - 0.3 * (c_share[:, 1] > 0)
    score = (
        1.2 * (sport_share > 0.5)
        - 0.6 * soap_share
        + 3.0 * sunday * (sport_share > 0.25)
        + 2.5 * (sport_share - 0.5) * (evening_share - 0.5)
        - 0.5 * (log_h - 1.6) ** 2
        + hooks
        + city_effect
    )
    p = _sigmoid(score + _intercept(score, POSITIVE_RATE))
    label = rng.random(n) < p

    frame = pd.DataFrame(
        {
            "titles": _join_pairs(user, catalogue.names[title], t_title_secs, n, rng),
            "genres": _dense_to_strings(g_share, g_secs, GENRES, rng),
            "cities": _dense_to_strings(c_share, c_secs, CITIES, rng),
            "tod": _dense_to_strings(t_share, t_secs, [str(h) for h in range(24)], rng),
            "dow": _dense_to_strings(d_share, d_secs, [str(d) for d in range(1, 8)], rng),
        }
    )
    frame["segment"] = np.where(label, "pos", "neg")
    train = frame.iloc[:n_train].copy()
    test = frame.iloc[n_train:].drop(columns="segment")
    train.index = pd.Index([f"train-{i}" for i in rng.permutation(n_train)], name="ID")
    test.index = pd.Index([f"test-{i}" for i in range(n_test)], name="ID")
    return HotstarSample(train, test, p[:n_train], p[n_train:])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _intercept(score: np.ndarray, rate: float) -> float:
    lo, hi = -30.0, 30.0
    for _ in range(60):  # bisection on a monotone function
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _sigmoid(score + mid).mean() < rate else (lo, mid)
    return (lo + hi) / 2


def _top_k_shares(
    rng: np.random.Generator, logit: np.ndarray, mean_extra: np.ndarray
) -> np.ndarray:
    """Keep 1 + Poisson(mean_extra) keys per row, chosen by logit plus Gumbel noise, and give
    them shares proportional to exp(logit)."""
    n, k = logit.shape
    keep_n = np.minimum(1 + rng.poisson(mean_extra), k)
    ranks = np.argsort(np.argsort(-(logit + rng.gumbel(size=logit.shape)), axis=1), axis=1)
    weights = np.exp(logit - logit.max(axis=1, keepdims=True)) * (ranks < keep_n[:, None])
    return weights / weights.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class _Catalogue:
    names: np.ndarray  # title text
    genre: np.ndarray  # genre index per title
    weight: np.ndarray  # Zipf popularity within its genre (sums to 1 per genre)
    hook: np.ndarray  # effect of watching it on the logit (0 for most titles)


def _title_catalogue(rng: np.random.Generator) -> _Catalogue:
    pop = np.array([GENRE_POPULARITY[g] for g in GENRES])
    per_genre = np.maximum(8, np.round(N_TITLES * pop / pop.sum())).astype(int)
    names: list[str] = []
    genre: list[int] = []
    weight: list[float] = []
    seen: set[str] = set()
    for g, count in enumerate(per_genre):
        zipf = 1.0 / np.arange(1, count + 1) ** 1.1
        weight.extend(zipf / zipf.sum())
        genre.extend([g] * count)
        for i in range(count):
            name = _title_name(rng, GENRES[g], i)
            name = name if name not in seen else f"{name} ({GENRES[g]})"
            seen.add(name)
            names.append(name)
    hook = np.zeros(len(names))
    # Hooks sit among titles of middling popularity, so only a model that reads titles finds them.
    ranks = np.concatenate([np.arange(c) for c in per_genre])
    candidates = np.flatnonzero((ranks >= 3) & (ranks < 60))
    chosen = rng.choice(candidates, size=60, replace=False)
    hook[chosen] = rng.choice([-1.0, 1.0], size=60) * rng.uniform(0.3, 0.9, size=60)
    return _Catalogue(np.array(names, dtype=object), np.array(genre), np.array(weight), hook)


def _title_name(rng: np.random.Generator, genre: str, i: int) -> str:
    """Free-text names with spaces, digits, commas, colons and apostrophes (never ':<digit>')."""
    w = rng.choice(_WORDS, size=3)
    if genre in SPORTS:
        a, b = rng.choice(len(_TEAMS), size=2, replace=False)
        if genre == "Cricket":
            return f"{_TEAMS[a]} vs {_TEAMS[b]}, Match {i + 1} Highlights"
        return f"{genre} {i + 1}: {_TEAMS[a]} vs {_TEAMS[b]}"
    if i % 5 == 0:
        return f"{w[0]} {w[1]}: Season {i // 5 + 1}"
    if i % 5 == 1:
        return f"{w[0]} Ka {w[1]} {i}"
    if i % 5 == 2:
        return f"The {w[0]}'s {w[1]}, Part {i % 7 + 1}"
    return f"{genre} {w[0]} {w[2]} {i}"


def _draw_titles(
    rng: np.random.Generator,
    cat: _Catalogue,
    g_share: np.ndarray,
    g_secs: np.ndarray,
    hours: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Titles per user: Poisson(3 h^0.7) draws spread over the user's genres, Zipf within genre."""
    m = np.minimum(rng.poisson(3.0 * hours**0.7), 400)
    pvals = g_share / g_share.sum(axis=1, keepdims=True) * (1 - 1e-9)
    counts = rng.multinomial(m, pvals)
    users, titles, secs = [], [], []
    for g in range(len(GENRES)):
        who = np.flatnonzero(counts[:, g])
        reps = counts[who, g]
        u = np.repeat(who, reps)
        in_genre = np.flatnonzero(cat.genre == g)
        users.append(u)
        titles.append(rng.choice(in_genre, size=len(u), p=cat.weight[in_genre]))
        secs.append(g_secs[u, g] / np.repeat(reps, reps) * rng.lognormal(0, 0.7, size=len(u)))
    user, title, sec = np.concatenate(users), np.concatenate(titles), np.concatenate(secs)
    # A title watched twice by one user is one pair with the summed seconds.
    key = user * len(cat.names) + title
    uniq, inverse = np.unique(key, return_inverse=True)
    summed = np.round(np.bincount(inverse, weights=sec))
    return uniq // len(cat.names), uniq % len(cat.names), summed


def _dense_to_strings(
    share: np.ndarray, secs: np.ndarray, keys: Sequence[str], rng: np.random.Generator
) -> list[str]:
    """Pairs for every kept key; a tiny share rounds to 0 seconds, as in the real data."""
    row, col = np.nonzero(share > 0)
    return _join_pairs(row, np.asarray(keys, dtype=object)[col], secs[row, col], len(share), rng)


def _join_pairs(
    row: np.ndarray, keys: np.ndarray, secs: np.ndarray, n: int, rng: np.random.Generator
) -> list[str]:
    """``key:seconds`` pairs joined by commas per row, in a random (unordered) order."""
    import pandas as pd

    order = np.lexsort((rng.random(len(row)), row))
    rows = row[order]
    last = np.r_[rows[1:] != rows[:-1], True]  # a row's last pair takes no comma
    pairs = (
        pd.Series(keys[order], dtype=object)
        + ":"
        + pd.Series(secs[order].astype(np.int64)).astype(str)
        + pd.Series(np.where(last, "", ","), dtype=object)
    )
    # One string for every pair in row order, cut at each row's end: no per-row groupby.
    text = "".join(pairs.tolist())
    ends = np.cumsum(np.bincount(rows, weights=pairs.str.len().to_numpy(), minlength=n))
    ends = ends.astype(np.int64)
    starts = np.r_[0, ends[:-1]]
    return [text[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
