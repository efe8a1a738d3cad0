"""Podium's built-in synthetic TalkingData Mobile User Demographics sample (Kaggle, 2016).

Deterministic for a seed and vectorised. The seven frames have the columns and dtypes that
``pd.read_csv`` gives for the Kaggle files: signed 64-bit device and app IDs, brand names in
Chinese, timestamps as ``YYYY-MM-DD HH:MM:SS`` strings in the week 2016-04-30 23:54 to
2016-05-07 23:55, (0, 0) or (1, 1) for a missing location, ``is_installed`` always 1, and about
0.28% exact duplicate rows in the phone table. Label categories 1, 248 and 264 are empty: NaN,
as ``read_csv`` reads an empty cell (unless ``keep_default_na=False``). Brands, models, categories
and cities are a fixed catalogue; apps, devices and what they do come from the seed.

Each device has two latent traits, maleness and age, which steer what it shows: its brand (e.g.
vivo and OPPO lean young and female), its installed apps (from eleven interest clusters: hard-core
games, casual games, finance, beauty and shopping, family, ...), its share of night-time events
and its home city. 31.3% of the devices have events (heavy-tailed counts, exactly ``n_events``
rows); 3.9% of the devices with events are in neither train nor test, as in the original. Events
are picked to list apps until there are exactly ``n_app_events`` rows: each lists every installed
app of its device (the last one only the first few), a random subset active. Apps carry labels of
their cluster plus generic ones ("Industry tag", "Tencent", ...).

The group is drawn from a probability that reads only what the files show: brand and model, the
installed apps' cluster shares (if some event lists them), the share of night-time events (shrunk
for few events) and the home city (if some event is located). The effects act on a gender axis,
an age axis and a middle-age bump over the 12 groups, plus a random vector per model; per-group
intercepts make the class shares those of the real gender_age_train.csv. That probability, the
oracle's prediction, is kept beside the sample; gender and age are drawn within the group.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from competitions.talkingdata_catalogue import (
    AGE_DECAY,
    AGE_RANGE,
    BASIS,
    CITY,
    CLUSTER_INSTALL,
    CLUSTER_LEAN,
    CLUSTERS,
    GROUPS,
    PRIOR,
    Catalogue,
    apps,
    catalogue,
    label_layout,
    unique_int64,
)

if TYPE_CHECKING:
    import pandas as pd

SCALES: dict[str, dict[str, int]] = {
    "small": dict(n_train=6_000, n_test=4_000, n_events=174_000, n_app_events=1_740_000,
                  n_apps=20_000),
    "full": dict(n_train=74_645, n_test=112_071, n_events=3_252_950, n_app_events=32_473_067,
                 n_apps=113_211),
}  # fmt: skip

# hour-of-day shares of events for most devices, and for the night-time part of a night owl's
DAY_HOURS = np.array([4.0, 2.4, 1.6, 1.2, 1.6, 3.3, 6.2, 7.3, 6.6, 8.2, 6.4, 3.6,
                      3.9, 3.9, 3.7, 3.6, 3.7, 3.7, 3.6, 4.4, 3.9, 4.2, 3.8, 3.4])  # fmt: skip
NIGHT_HOURS = np.array([9.0, 8, 6, 4, 2, 1] + [0.0] * 16 + [3, 6]) / 39
WEEK_DAYS = np.array([1.0, 1.01, 1.07, 1.0, 0.99, 1.02, 0.95])  # 2016-05-01 .. 2016-05-07
NIGHT = np.r_[0:5, 23]
# planted effect sizes on the (gender, age, middle-age) axes, per source
BRAND_EFFECT, APP_EFFECT, NIGHT_EFFECT, CITY_EFFECT = 1.0, 3.8, 2.2, 1.6


@dataclass(frozen=True)
class TalkingDataSample:
    """The seven Kaggle tables, plus each device's true class probabilities (GROUPS order)."""

    gender_age_train: pd.DataFrame
    gender_age_test: pd.DataFrame
    phone_brand_device_model: pd.DataFrame
    events: pd.DataFrame
    app_events: pd.DataFrame
    app_labels: pd.DataFrame
    label_categories: pd.DataFrame
    p_train: np.ndarray
    p_test: np.ndarray

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The frames by table name (a :class:`competitions.kit.Sample`)."""
        names = ("gender_age_train", "gender_age_test", "phone_brand_device_model", "events",
                 "app_events", "app_labels", "label_categories")  # fmt: skip
        return {name: getattr(self, name) for name in names}

    @property
    def truth(self) -> np.ndarray:
        return self.p_train

    def describe(self) -> str:
        return (
            f"{len(self.gender_age_train):,} train / {len(self.gender_age_test):,} test "
            f"devices, {len(self.events):,} events"
        )


@dataclass(frozen=True)
class _Events:
    devices: np.ndarray  # the devices with events
    dev: np.ndarray  # each event's device, as a position in `devices`
    second: np.ndarray  # seconds since 2016-05-01 00:00:00 (from -320)
    lon: np.ndarray
    lat: np.ndarray


def generate_scale(scale: str, seed: int) -> TalkingDataSample:
    return generate(seed=seed, **SCALES[scale])


def generate(
    n_train: int,
    n_test: int,
    seed: int,
    *,
    n_events: int,
    n_app_events: int,
    n_apps: int,
    n_categories: int = 930,
) -> TalkingDataSample:
    # Each step draws from rng in turn: their order fixes the sample a seed gives.
    rng = np.random.default_rng(seed)
    cat = catalogue(np.random.default_rng(12345))
    n = n_train + n_test
    n_in = round(0.313 * n)  # train and test devices with events
    if n_events < n_in * 1.05:
        raise ValueError(f"n_events={n_events} is too few for {n_in} devices with events")
    n_all = n + round(n_in * 0.039 / 0.961)  # 3.9% of devices with events are in neither file
    ids = unique_int64(rng, n_all)
    male, old = rng.normal(size=n_all), rng.normal(size=n_all)
    lean = np.zeros((n_all, 3))  # effects on the gender, age and middle-age axes
    brand, model = _phones(rng, cat, male[:n], old[:n], lean[:n])
    ev = _events(rng, n, n_in, n_events, male, old, lean)
    app_cluster, app_cdf, app_ids, app_labels = apps(rng, n_apps, n_categories)
    inst_dev, inst_app = _installs(rng, male[ev.devices], old[ev.devices], app_cdf)
    n_inst = np.bincount(inst_dev, minlength=len(ev.devices))
    event_id, perm, sel, sel_rows = _listing(rng, ev.dev, n_inst, n_app_events)
    _add_app_lean(lean, ev, sel, inst_dev, app_cluster[inst_app])
    app_events = _app_events(rng, event_id[sel], ev.dev[sel], sel_rows, inst_app, n_inst, app_ids)
    p = _true_probabilities(lean[:n] @ BASIS + cat.model_effect[model])
    group, age = _group_and_age(rng, p)
    categories = np.array(label_layout(n_categories)[0], object)
    categories[categories == ""] = np.nan  # an empty cell, as the reader gives it
    return TalkingDataSample(
        gender_age_train=_train_frame(ids[:n_train], group[:n_train], age[:n_train]),
        gender_age_test=_frame("device_id", ids[n_train:n]),
        phone_brand_device_model=_phone_frame(rng, cat, ids[:n], brand, model),
        events=_event_frame(ids, ev, perm),
        app_events=app_events,
        app_labels=app_labels,
        label_categories=_frame("label_id category", np.arange(1, n_categories + 1), categories),
        p_train=p[:n_train],
        p_test=p[n_train:],
    )


def _phones(
    rng: np.random.Generator, cat: Catalogue, male: np.ndarray, old: np.ndarray, lean: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Brand by popularity and latent traits (Gumbel-max), model by Zipf popularity in the
    brand. Adds the brand's effect to ``lean`` (one row per device)."""
    u = rng.random((len(male), len(cat.brand_weight)), dtype=np.float32)
    with np.errstate(divide="ignore"):  # u == 0 gives -inf: that brand is not chosen
        logit = np.log(cat.brand_weight).astype(np.float32) - np.log(-np.log(u))
    logit += np.c_[0.8 * male, old] @ cat.brand_lean.T
    brand = logit.argmax(axis=1)
    del u, logit
    model = np.searchsorted(cat.model_cdf, brand + rng.random(len(male)), side="right")
    lean[:, :2] += BRAND_EFFECT * cat.brand_lean[brand]
    return brand, model


def _events(
    rng: np.random.Generator,
    n: int,
    n_in: int,
    n_events: int,
    male: np.ndarray,
    old: np.ndarray,
    lean: np.ndarray,
) -> _Events:
    """Which devices have events (n_in of the first n, and all after them), how many
    (heavy-tailed), when (daily cycle, night owls) and where. Adds the effects of the share of
    night-time events and of the home city to ``lean``."""
    ev_dev = np.r_[np.sort(rng.choice(n, n_in, replace=False)), n : len(male)]
    m = len(ev_dev)
    weight = rng.lognormal(0.0, 1.6, size=m)
    counts = 1 + rng.multinomial(max(n_events - m, 0), weight / weight.sum())
    dev = np.repeat(np.arange(m), counts)  # position in ev_dev of each event's device
    n_ev = len(dev)
    owl = 1 / (1 + np.exp(2.3 + 0.7 * old[ev_dev] - 0.2 * male[ev_dev] + 0.6 * rng.normal(size=m)))
    day_hour = rng.choice(24, n_ev, p=DAY_HOURS / DAY_HOURS.sum())
    hour = np.where(rng.random(n_ev) < owl[dev], rng.choice(24, n_ev, p=NIGHT_HOURS), day_hour)
    t = rng.choice(7, n_ev, p=WEEK_DAYS / WEEK_DAYS.sum()) * 86400 + hour * 3600
    t += rng.integers(0, 3600, n_ev)
    t[t >= 7 * 86400 - 320] -= 7 * 86400  # the week starts at 2016-04-30 23:54:40
    night = np.bincount(dev, np.isin(hour, NIGHT), m)
    base = 0.92 * DAY_HOURS[NIGHT].sum() / DAY_HOURS.sum() + 0.08  # for an average device
    shift = NIGHT_EFFECT * (night - base * counts) / (counts + 4)  # shrunk for few events
    lean[ev_dev, :2] += np.c_[0.3 * shift, -shift]
    lon, lat = _locations(rng, dev, lean, ev_dev)
    return _Events(ev_dev, dev, t, lon, lat)


def _locations(
    rng: np.random.Generator, dev: np.ndarray, lean: np.ndarray, ev_dev: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each device lives near a city and travels a little; some never or rarely report a location
    ((0, 0)), a few report (1, 1). A located device's home city shifts its lean."""
    city, p_city = CITY, CITY[:, 2] / CITY[:, 2].sum()
    n_dev, n_ev = len(ev_dev), len(dev)
    home = rng.choice(len(city), n_dev, p=p_city)
    where = np.where(rng.random(n_ev) < 0.03, rng.choice(len(city), n_ev, p=p_city), home[dev])
    xy = city[where, :2].T + rng.normal(0, 0.08, (2, n_dev))[:, dev]
    xy = np.round(xy + rng.normal(0, 0.01, (2, n_ev)), 2)
    zero = rng.random(n_ev) < rng.beta(0.25, 0.6, n_dev)[dev]
    one = ~zero & (rng.random(n_ev) < rng.beta(0.1, 2.7, n_dev)[dev])
    xy[:, zero], xy[:, one] = 0.0, 1.0
    located = np.bincount(dev, ~(zero | one), n_dev) > 0
    lean[ev_dev[located], :2] += CITY_EFFECT * city[home[located], 3:5]
    return xy[0], xy[1]


def _installs(
    rng: np.random.Generator, male: np.ndarray, old: np.ndarray, app_cdf: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Installed apps of the devices with events, as (device position, app) pairs sorted by
    device: cluster by the device's tastes, app by Zipf popularity in the cluster."""
    m, k, n_apps = len(male), len(CLUSTERS), len(app_cdf)
    taste = CLUSTER_INSTALL + np.c_[0.8 * male, old] @ CLUSTER_LEAN[:, :2].T
    cdf = np.cumsum(np.exp(taste + 0.7 * rng.normal(size=(m, k))), axis=1)
    cdf /= cdf[:, -1:]
    n_slots = np.clip(np.rint(rng.lognormal(np.log(22), 0.75, m)), 1, 300).astype(np.int64)
    slot_dev = np.repeat(np.arange(m), n_slots)
    slot_cl = (cdf[slot_dev] < rng.random(len(slot_dev))[:, None]).sum(axis=1).clip(0, k - 1)
    slot_app = np.searchsorted(app_cdf, slot_cl + rng.random(len(slot_dev)), side="right")
    pairs = np.unique(slot_dev * n_apps + slot_app.clip(0, n_apps - 1))
    return pairs // n_apps, (pairs % n_apps).astype(np.int32)


def _listing(
    rng: np.random.Generator, dev: np.ndarray, n_inst: np.ndarray, n_app_events: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Events that list apps: a race on device-level propensities until n_app_events rows; the
    last event taken lists only the first apps of its device. Returns each event's event_id,
    the events in event_id order, and the listing events in event_id order with their rows."""
    n_ev = len(dev)
    carry = rng.beta(0.9, 1.1, len(n_inst)) + 1e-6
    order = np.argsort(rng.exponential(size=n_ev) / carry[dev], kind="stable")
    rows = np.cumsum(n_inst[dev[order]])
    take = int(np.searchsorted(rows, n_app_events, side="right"))
    sel, sel_rows = order[: take + 1], n_inst[dev[order[: take + 1]]]
    if take < n_ev:
        sel_rows[take] = n_app_events - (rows[take - 1] if take else 0)
    perm = rng.permutation(n_ev)  # event_id order is not time order
    event_id = np.empty(n_ev, np.int64)
    event_id[perm] = np.arange(1, n_ev + 1)
    by_id = np.argsort(event_id[sel])
    sel, sel_rows = sel[by_id], sel_rows[by_id]
    return event_id, perm, sel[sel_rows > 0], sel_rows[sel_rows > 0]


def _add_app_lean(
    lean: np.ndarray, ev: _Events, sel: np.ndarray, inst_dev: np.ndarray, inst_cluster: np.ndarray
) -> None:
    """Adds to ``lean`` the effect of the cluster shares of a device's installed apps, for the
    devices that some listing event (``sel``) shows."""
    m, k = len(ev.devices), len(CLUSTERS)
    has_apps = np.bincount(ev.dev[sel], minlength=m) > 0
    per_cluster = np.bincount(inst_dev * k + inst_cluster, minlength=m * k).reshape(m, k)
    share = per_cluster / np.maximum(per_cluster.sum(axis=1), 1)[:, None]
    lean[ev.devices[has_apps]] += APP_EFFECT * share[has_apps] @ CLUSTER_LEAN


def _app_events(
    rng: np.random.Generator,
    event_id: np.ndarray,
    dev: np.ndarray,
    rows: np.ndarray,
    inst_app: np.ndarray,
    n_inst: np.ndarray,
    app_ids: np.ndarray,
) -> pd.DataFrame:
    """Each listing event (its event_id, its device's position) names the first ``rows`` of its
    device's installed apps, a random subset of them active."""
    import pandas as pd

    total = int(rows.sum())
    table = np.empty((4, total), np.int64)
    table[0] = np.repeat(event_id, rows)
    inst_start = np.cumsum(n_inst) - n_inst
    idx = np.repeat(inst_start[dev] - (np.cumsum(rows) - rows), rows)
    idx += np.arange(total)
    app = inst_app[idx]
    del idx
    table[1], table[2] = app_ids[app], 1
    active = np.repeat(rng.beta(2.2, 1.3, len(n_inst)).astype(np.float32)[dev], rows)
    active *= rng.beta(2.0, 1.3, len(app_ids)).astype(np.float32)[app]
    table[3] = rng.random(total, dtype=np.float32) < active
    del app, active
    columns = ["event_id", "app_id", "is_installed", "is_active"]
    return pd.DataFrame(table.T, columns=columns, copy=False)


def _true_probabilities(score: np.ndarray) -> np.ndarray:
    """Group probabilities for the scores, with per-group intercepts that match the prior."""
    b = np.log(PRIOR)
    for _ in range(40):
        b += np.log(PRIOR) - np.log(_softmax(score + b).mean(axis=0))
    return _softmax(score + b)


def _group_and_age(rng: np.random.Generator, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The group drawn from its probabilities, then the age within the group's range."""
    group = (p.cumsum(axis=1) < rng.random(len(p))[:, None]).sum(axis=1).clip(0, 11)
    age = np.zeros(len(p), np.int64)
    for c, (lo, hi) in enumerate(AGE_RANGE):
        years = np.arange(lo, hi + 1)
        pmf = np.exp(-AGE_DECAY[c] * (years - lo))
        age[group == c] = rng.choice(years, int((group == c).sum()), p=pmf / pmf.sum())
    return group, age


def _train_frame(ids: np.ndarray, group: np.ndarray, age: np.ndarray) -> pd.DataFrame:
    gender, groups = np.array(["F", "M"], dtype=object), np.array(GROUPS, dtype=object)
    return _frame("device_id gender age group", ids, gender[group // 6], age, groups[group])


def _phone_frame(
    rng: np.random.Generator, cat: Catalogue, ids: np.ndarray, brand: np.ndarray, model: np.ndarray
) -> pd.DataFrame:
    """Each device once and about 0.28% of them twice (exact duplicate rows), shuffled."""
    n = len(ids)
    phone = rng.permutation(np.r_[np.arange(n), rng.choice(n, round(0.00283 * n), False)])
    return _frame(
        "device_id phone_brand device_model",
        *(ids[phone], cat.brand_names[brand[phone]], cat.model_names[model[phone]]),
    )


def _event_frame(ids: np.ndarray, ev: _Events, perm: np.ndarray) -> pd.DataFrame:
    """The events in event_id order: ``perm[i]`` is the event with event_id i + 1."""
    device_id = ids[ev.devices[ev.dev[perm]]]
    stamps = _timestamp_table()[ev.second[perm] + 320]
    return _frame(
        "event_id device_id timestamp longitude latitude",
        *(np.arange(1, len(perm) + 1), device_id, stamps, ev.lon[perm], ev.lat[perm]),
    )


def _frame(names: str, *columns: np.ndarray) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(dict(zip(names.split(), columns, strict=True)))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _timestamp_table() -> np.ndarray:
    """'YYYY-MM-DD HH:MM:SS' for each second from 2016-04-30 23:54:40 to the week's end."""
    seconds = np.datetime64("2016-05-01T00:00:00") + np.arange(-320, 7 * 86400)
    text = np.datetime_as_string(seconds, unit="s").astype("U19")
    text.view(np.uint32).reshape(len(text), 19)[:, 10] = ord(" ")
    return text.astype(object)
