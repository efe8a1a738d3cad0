"""Podium's built-in synthetic TalkingData Mobile User Demographics sample (Kaggle, 2016).

Deterministic for a seed and vectorised. The seven frames have the columns and dtypes that
``pd.read_csv`` gives for the Kaggle files: signed 64-bit device and app IDs, brand names in
Chinese, timestamps as ``YYYY-MM-DD HH:MM:SS`` strings in the week 2016-04-30 23:54 to
2016-05-07 23:55, (0, 0) or (1, 1) for a missing location, ``is_installed`` always 1, and about
0.28% exact duplicate rows in the phone table. Label categories 1, 248 and 264 are empty strings
(``read_csv`` turns them into NaN unless ``keep_default_na=False``). Brands, models, categories
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

if TYPE_CHECKING:
    import pandas as pd

GROUPS = ("F23-", "F24-26", "F27-28", "F29-32", "F33-42", "F43+",
          "M22-", "M23-26", "M27-28", "M29-31", "M32-38", "M39+")  # fmt: skip
# Class shares of the real gender_age_train.csv (59,726 devices): the prior scores 2.428.
PRIOR = np.array([0.06748, 0.05678, 0.04188, 0.06182, 0.07409, 0.05576,
                  0.10002, 0.12849, 0.07339, 0.09756, 0.12671, 0.11605])  # fmt: skip
AGE_RANGE = ((10, 23), (24, 26), (27, 28), (29, 32), (33, 42), (43, 96),
             (10, 22), (23, 26), (27, 28), (29, 31), (32, 38), (39, 90))  # fmt: skip
AGE_DECAY = (-0.35, 0, 0, 0.12, 0.17, 0.12, -0.4, 0.12, 0, 0, 0.2, 0.12)  # pmf ~ exp(-d*(a-lo))
MEAN_AGE = np.array([21.0, 25.1, 27.5, 30.2, 36.6, 51.6, 20.2, 24.6, 27.5, 29.9, 34.5, 47.2])
_Y = np.log(MEAN_AGE / 30) / 0.3
BASIS = np.stack([np.repeat([-1.0, 1.0], 6), _Y, 0.6 - _Y**2])  # gender, age, middle age

SCALES: dict[str, dict[str, int]] = {
    "small": dict(n_train=6_000, n_test=4_000, n_events=174_000, n_app_events=1_740_000,
                  n_apps=20_000),
    "full": dict(n_train=74_645, n_test=112_071, n_events=3_252_950, n_app_events=32_473_067,
                 n_apps=113_211),
}  # fmt: skip

# Brand: share of devices (%), gender and age lean, number of models, model series.
BRANDS = tuple(
    b.split(" ", 5)
    for b in """\
小米 24.7 .05 -.02 93 MI |红米|红米Note|MI Note |MI Pad ;vivo 8.66 -.2 -.15 110 X|Y|Xplay|V
三星 21.9 -.05 .08 330 Galaxy S|Galaxy Note |Galaxy A|Galaxy J|SM-G9|GT-I9
OPPO 7.66 -.22 -.12 65 R|A|N|Find ;华为 17.3 .05 .06 136 荣耀|荣耀畅玩|Mate |P|Ascend G|畅享|麦芒|C8
魅族 6.3 .2 -.15 16 MX|魅蓝|魅蓝Note|PRO ;酷派 4.54 .05 .08 130 大神F|锋尚|8|7|5
HTC 1.45 .1 0 62 One M|Desire |T|D;联想 1.12 .2 .03 90 A|S|K|乐檬K|P;乐视 .96 .1 -.02 6 乐|超级手机
努比亚 .62 .1 0 12 Z|NX|小牛;LG .41 .05 0 18 G|Optimus ;中国移动 .35 .05 .05 10 M|A
TCL .32 .3 0 30 J|P|idol ;锤子 .29 .1 -.05 3 T|坚果;朵唯 .29 -.55 -.05 23 L|S|V;优米 .28 0 .1 8 UM
海信 .25 0 .05 50 E|X|U|HS-;一加 .23 .2 -.1 3 One|X;金立 .3 0 .1 40 GN|天鉴W|M|S
中兴 .3 .1 .1 45 V|Q|U|Grand S;奇酷 .2 .2 -.05 4 青春版|旗舰版;语信 .19 .1 .15 19 E|L
天语 .18 .1 .15 32 T|E|X;摩托罗拉 .12 .3 -.05 17 Moto X|Moto G|XT;酷比魔方 .09 0 .3 10 iWork|U
酷比 .09 0 -.1 18 K|S;ZUK .08 .3 -.1 2 Z;美图 .08 -.9 -.2 6 M|V;华硕 .08 .2 0 10 ZenFone |Padfone \
""".replace("\n", ";").split(";")
)
_SHARED_SERIES = "A|S|X|V|T|K|Note|星星|大神|G|M|Y|E|U|i|P|W|Q".split("|")
_SUFFIXES = ("", "", "", "", " Plus", "S", "C", "L", "A", "M", " Pro", " mini", "t", "W")
_BRAND_CHARS = "天华星米酷优美乐康达通信博丰恒瑞凯宝金海欧迪科诺唯尚派朗维盛嘉明波纽黑艾"

# Interest clusters of apps: gender, age and middle-age lean, share of the apps, install
# propensity, then the prefix and words of the cluster's label categories.
CLUSTERS = tuple(
    c.split(" ", 5)
    for c in """\
0.9 -0.6 0 .16 -.6 game-|Shooting|Fighting|ARPG|MOBA|Racing|Strategy|Online game|Role playing|
Tower defense|Card|Chess|Sports|Martial arts|Tank|War|Three Kingdoms|Fantasy|Cultivation|Mecha;
-.3 -.5 0 .12 -.3 game-|Puzzle|Elimination|Parkour|Dress up|Pet|Cooking|Music and Dance|Bubble|
Cartoon|Match three|Solitaire|Fishing|Lianliankan|Answer|Leisure time|Gem|Zuma|Box|Art Style;
.3 .7 .2 .08 -.6 |Bank|Securities|Stock|Fund|Futures|Insurance|Lottery ticket|P2P lending|Pay|
Consumer Finance|Credit card|Wealth management|Financial Information|Accounting|Trust;
-1.1 -.1 .3 .08 -.4 |Online shopping|Make-up|Beauty care|Fashion outfit|Womenswear|Bags|Shoes|
Jewelry|Cosmetics|Group buying|Coupons|Discount|Overseas shopping|Skin care|Slimming;
-.6 .5 .5 .07 -.8 |Parenting|Pregnancy|Baby care|Early education|Kids toys|Families with babies|
Housekeeping|Recipes|Health|Medical|Elderly|Home furnishing|Furniture|Wedding;
0 -.5 0 .10 0 |Video|Live streaming|music|Karaoke|Comics|Animation|Variety show|movie|TV series|
Short video|Radio|Novels|Celebrity|Entertainment news;
.5 .8 0 .07 -.4 |Information|Newspaper|Business news|Military|History|Real estate|car|
Automotive news|Stock news|Office|Enterprise mail|Navigation|Map|Property;
.3 .3 .5 .05 -.7 |Airline type|Hotel|Train tickets|Domestic travel|Overseas travel|Taxi|tourism|
Car rental|Travel guide|Visa|Southeast Asia (Travel)|Japan|Scenic spots|Camping;
-.3 -.9 0 .06 -.9 |education|Exam|English learning|Dictionary|study abroad|the University|
Online course|Kids learning|Question bank|Translation|Campus|Library;
.9 .1 .3 .06 -.7 |sports|Football|Basketball|Fitness|Running|Cycling Sport|Digital|Outdoor|
Science and Technology|Mobile phone|Smart hardware|Cars forum;
0 0 0 .15 1.3 |Tools|Browser|Input method|Security|Cleaner|Phone management|Wifi|Flashlight|
weather|Camera|Photo beautify|Social|Chat|Dating|Forum|Email|Cloud storage|App store|search\
""".replace("\n", "").split(";")
)
_NUMBERS = np.array([[float(v) for v in c[:5]] for c in CLUSTERS])
CLUSTER_LEAN, CLUSTER_SHARE, CLUSTER_INSTALL = _NUMBERS[:, :3], _NUMBERS[:, 3], _NUMBERS[:, 4]
_LABEL_SUFFIXES = ("", " 1", " 2", " class", " services", " platform", " tools", " 3", " type")
# generic labels and the share of apps that carry each; label_id 1, 248, 264 are empty
GENERIC = tuple(
    g.split(":")
    for g in """Industry tag:.5;Property Industry 2.0:.25;Custom label:.15;\
Tencent:.1;1 free:.12;Property Industry 1.0:.08;Relatives 1:.06;Services 1:.06;Higher income:.04;\
Personal Effectiveness 1:.06;Irritation / Fun 1:.05;Total Cost 1:.03""".split(";")
)
EMPTY_LABELS = (1, 248, 264)
N_UNKNOWN = 26  # "unknown" repeats over 26 label_ids

# City: longitude, latitude, weight, gender and age lean.
CITIES = tuple(
    c.split()
    for c in """\
Shenzhen 114.06 22.54 9 .1 -.35;Guangzhou 113.26 23.13 7 0 -.2;Beijing 116.40 39.90 9 0 .25
Shanghai 121.47 31.23 8 -.05 .25;Chengdu 104.07 30.67 5 -.15 0;Nanjing 118.78 32.06 4 0 0
Hangzhou 120.15 30.28 4 0 .05;Wuhan 114.30 30.59 4 0 -.1;Xian 108.94 34.34 3 0 0
Changsha 112.94 28.23 3 -.1 -.1;Chongqing 106.55 29.56 4 -.15 0;Tianjin 117.20 39.13 3 0 .1
Zhengzhou 113.65 34.76 3 .1 -.1;Dongguan 113.75 23.02 4 .1 -.45;Foshan 113.12 23.02 2 0 -.3
Suzhou 120.62 31.30 3 0 -.1;Qingdao 120.38 36.07 2 0 .1;Xiamen 118.09 24.48 2 0 0
Fuzhou 119.30 26.08 2 0 0;Shenyang 123.43 41.80 2 0 .35;Harbin 126.63 45.75 2 0 .4
Changchun 125.32 43.82 1.5 0 .35;Dalian 121.61 38.91 1.5 0 .3;Jinan 117.00 36.67 2 .1 .1
Hefei 117.23 31.82 2 0 -.1;Nanchang 115.89 28.68 1.5 0 -.1;Kunming 102.83 24.88 1.5 -.1 0
Nanning 108.37 22.82 1.5 0 -.1;Guiyang 106.71 26.58 1 0 0;Shijiazhuang 114.51 38.04 2 .1 .1
Taiyuan 112.55 37.87 1 .1 .15;Lanzhou 103.83 36.06 1 .1 .1;Urumqi 87.62 43.83 .7 .2 .1
Hohhot 111.75 40.84 .7 .1 .2;Haikou 110.35 20.02 .7 0 0;Ningbo 121.55 29.87 1.5 0 0
Wenzhou 120.70 28.00 1.5 .1 0;Quanzhou 118.68 24.87 1.5 .1 -.2;Tangshan 118.18 39.63 1 .1 .1
Luoyang 112.45 34.62 1 0 0\
""".replace("\n", ";").split(";")
)
CITY = np.array([[float(v) for v in c[1:]] for c in CITIES])
# hour-of-day shares of events for most devices, and for the night-time part of a night owl's
DAY_HOURS = np.array([4.0, 2.4, 1.6, 1.2, 1.6, 3.3, 6.2, 7.3, 6.6, 8.2, 6.4, 3.6,
                      3.9, 3.9, 3.7, 3.6, 3.7, 3.7, 3.6, 4.4, 3.9, 4.2, 3.8, 3.4])  # fmt: skip
NIGHT_HOURS = np.array([9.0, 8, 6, 4, 2, 1] + [0.0] * 16 + [3, 6]) / 39
WEEK_DAYS = np.array([1.0, 1.01, 1.07, 1.0, 0.99, 1.02, 0.95])  # 2016-05-01 .. 2016-05-07
NIGHT = np.r_[0:5, 23]
# planted effect sizes on the (gender, age, middle-age) axes, per source
BRAND_EFFECT, MODEL_SD, APP_EFFECT, NIGHT_EFFECT, CITY_EFFECT = 1.0, 0.2, 3.8, 2.2, 1.6


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


@dataclass(frozen=True)
class _Catalogue:
    brand_names: np.ndarray  # object
    brand_weight: np.ndarray
    brand_lean: np.ndarray  # (n_brands, 2): gender, age
    model_names: np.ndarray  # object
    model_cdf: np.ndarray  # brand index + cumulative Zipf share within the brand
    model_effect: np.ndarray  # (n_models, 12)


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
    cat = _catalogue(np.random.default_rng(12345))
    n = n_train + n_test
    n_in = round(0.313 * n)  # train and test devices with events
    if n_events < n_in * 1.05:
        raise ValueError(f"n_events={n_events} is too few for {n_in} devices with events")
    n_all = n + round(n_in * 0.039 / 0.961)  # 3.9% of devices with events are in neither file
    ids = _unique_int64(rng, n_all)
    male, old = rng.normal(size=n_all), rng.normal(size=n_all)
    lean = np.zeros((n_all, 3))  # effects on the gender, age and middle-age axes
    brand, model = _phones(rng, cat, male[:n], old[:n], lean[:n])
    ev = _events(rng, n, n_in, n_events, male, old, lean)
    app_cluster, app_cdf, app_ids, app_labels = _apps(rng, n_apps, n_categories)
    inst_dev, inst_app = _installs(rng, male[ev.devices], old[ev.devices], app_cdf)
    n_inst = np.bincount(inst_dev, minlength=len(ev.devices))
    event_id, perm, sel, sel_rows = _listing(rng, ev.dev, n_inst, n_app_events)
    _add_app_lean(lean, ev, sel, inst_dev, app_cluster[inst_app])
    app_events = _app_events(rng, event_id[sel], ev.dev[sel], sel_rows, inst_app, n_inst, app_ids)
    p = _true_probabilities(lean[:n] @ BASIS + cat.model_effect[model])
    group, age = _group_and_age(rng, p)
    return TalkingDataSample(
        gender_age_train=_train_frame(ids[:n_train], group[:n_train], age[:n_train]),
        gender_age_test=_frame("device_id", ids[n_train:n]),
        phone_brand_device_model=_phone_frame(rng, cat, ids[:n], brand, model),
        events=_event_frame(ids, ev, perm),
        app_events=app_events,
        app_labels=app_labels,
        label_categories=_frame(
            "label_id category",
            *(np.arange(1, n_categories + 1), np.array(_label_layout(n_categories)[0], object)),
        ),
        p_train=p[:n_train],
        p_test=p[n_train:],
    )


def _phones(
    rng: np.random.Generator, cat: _Catalogue, male: np.ndarray, old: np.ndarray, lean: np.ndarray
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
    rng: np.random.Generator, cat: _Catalogue, ids: np.ndarray, brand: np.ndarray, model: np.ndarray
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


def _unique_int64(rng: np.random.Generator, m: int) -> np.ndarray:
    """m distinct random signed 64-bit IDs, in random order."""
    info = np.iinfo(np.int64)
    x = rng.integers(info.min, info.max, size=m + 16, dtype=np.int64)
    _, first = np.unique(x, return_index=True)
    return x[np.sort(first)][:m]


def _zipf_cdf(group: np.ndarray, exponent: float) -> np.ndarray:
    """For items sorted by group: group index + cumulative Zipf share of the item in its group,
    so that ``searchsorted(cdf, g + u, side="right")`` draws an item of group g."""
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    sizes = np.diff(np.r_[starts, len(group)])
    rank = np.arange(len(group)) - np.repeat(starts, sizes)
    cum = np.cumsum(1.0 / (rank + 1.0) ** exponent)
    before = np.repeat(np.r_[0.0, cum[starts[1:] - 1]], sizes)
    total = np.repeat(cum[np.r_[starts[1:] - 1, len(group) - 1]], sizes) - before
    within = (cum - before) / total
    within[np.r_[starts[1:] - 1, len(group) - 1]] = 1.0
    return group + within


def _catalogue(rng: np.random.Generator) -> _Catalogue:
    names = [b[0] for b in BRANDS]
    weight = [float(b[1]) for b in BRANDS]
    lean = [(float(b[2]), float(b[3])) for b in BRANDS]
    n_models = [int(b[4]) for b in BRANDS]
    series = [b[5].split("|") for b in BRANDS]
    while len(names) < 130:  # a long tail of small brands, mostly Chinese names
        if rng.random() < 0.15:
            name = "".join(rng.choice(list("ABCDEFGHKLMNOPRSTUVXZ"), rng.integers(3, 6)))
        else:
            name = "".join(rng.choice(list(_BRAND_CHARS), rng.integers(2, 4)))
        if name not in names:
            names.append(name)
            weight.append(0.1 * (len(names) - len(BRANDS)) ** -1.1)
            lean.append(tuple(rng.normal(0, 0.15, 2)))
            n_models.append(1 + int(rng.poisson(2.5)))
            series.append(list(rng.choice(_SHARED_SERIES, 2, replace=False)))
    model_names: list[str] = []
    model_brand: list[int] = []
    for b, (count, prefixes) in enumerate(zip(n_models, series, strict=True)):
        k = 4 * count  # draw spare names, keep the first `count` distinct ones
        pre = [prefixes[i % len(prefixes)] for i in range(k)]  # main series first
        short, long = rng.integers(1, 10, k), rng.integers(100, 1000, k)
        suf = rng.choice(_SUFFIXES, k)
        models = [
            f"{p}{long[i] if p[-1].isdigit() else short[i]}{suf[i]}" for i, p in enumerate(pre)
        ]
        models = list(dict.fromkeys(models))[:count]
        model_names += models
        model_brand += [b] * len(models)
    m = len(model_names)
    brand_of = np.array(model_brand)
    strong = np.where(rng.random(m) < 0.1, 0.6, MODEL_SD)
    effect = (strong[:, None] * rng.normal(size=(m, 2))) @ BASIS[:2]
    effect += np.where(strong > MODEL_SD, 0.3, 0.1)[:, None] * rng.normal(size=(m, 12))
    return _Catalogue(
        brand_names=np.array(names, dtype=object),
        brand_weight=np.array(weight) / sum(weight),
        brand_lean=np.array(lean, dtype=float),
        model_names=np.array(model_names, dtype=object),
        model_cdf=_zipf_cdf(brand_of, 0.9),
        model_effect=effect,
    )


def _label_layout(n_categories: int) -> tuple[list[str], list[np.ndarray], np.ndarray, np.ndarray]:
    """Category per label_id (1-based), each cluster's label_ids, and the generic label_ids with
    the share of apps that carry each."""
    if n_categories < 100:
        raise ValueError(f"n_categories must be at least 100, got {n_categories}")
    free = np.setdiff1d(np.arange(1, n_categories + 1), EMPTY_LABELS)
    special = np.sort(np.random.default_rng(7).choice(free[40:], len(GENERIC) + N_UNKNOWN, False))
    generic_ids = special[np.random.default_rng(8).permutation(len(special))]
    rest = np.setdiff1d(free, special)
    size = np.array([2.5 if c[5].startswith("game") else 1.0 for c in CLUSTERS])
    bounds = np.r_[0, np.cumsum(np.floor(len(rest) * size / size.sum()))].astype(int)
    bounds[-1] = len(rest)
    category = [""] * n_categories
    cluster_ids = []
    for c, cluster in enumerate(CLUSTERS):
        ids = rest[bounds[c] : bounds[c + 1]]
        prefix, *words = cluster[5].split("|")
        names = [prefix + w + s for s in _LABEL_SUFFIXES for w in words]
        for i, label in enumerate(ids):
            category[label - 1] = names[i % len(names)]
        cluster_ids.append(ids)
    share = np.r_[[float(g[1]) for g in GENERIC], np.full(N_UNKNOWN, 0.004)]
    for i, label in enumerate(generic_ids):
        category[label - 1] = GENERIC[i][0] if i < len(GENERIC) else "unknown"
    return category, cluster_ids, generic_ids, share


def _apps(
    rng: np.random.Generator, n_apps: int, n_categories: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame]:
    """App catalogue sorted by cluster: cluster per app, Zipf draw table, IDs and labels."""
    import pandas as pd

    p_cluster = CLUSTER_SHARE / CLUSTER_SHARE.sum()
    cluster = np.sort(rng.choice(len(CLUSTERS), n_apps, p=p_cluster))
    ids = _unique_int64(rng, n_apps)
    _, cluster_ids, generic_ids, generic_share = _label_layout(n_categories)
    n_own = 1 + rng.poisson(2.1, n_apps)
    own_app = np.repeat(np.arange(n_apps), n_own)
    label_group = np.concatenate([np.full(len(ids_), c) for c, ids_ in enumerate(cluster_ids)])
    label_cdf = _zipf_cdf(label_group, 1.5)
    own = np.searchsorted(label_cdf, cluster[own_app] + rng.random(len(own_app)), side="right")
    own_label = np.concatenate(cluster_ids)[own.clip(0, len(label_cdf) - 1)]
    carries = rng.random((len(generic_ids), n_apps)) < generic_share[:, None]
    gen_label, gen_app = np.nonzero(carries)
    key = np.r_[own_app, gen_app] * (n_categories + 1) + np.r_[own_label, generic_ids[gen_label]]
    key = np.unique(key)
    labels = pd.DataFrame(
        {"app_id": ids[key // (n_categories + 1)], "label_id": key % (n_categories + 1)}
    )
    return cluster, _zipf_cdf(cluster, 1.4), ids, labels


def _timestamp_table() -> np.ndarray:
    """'YYYY-MM-DD HH:MM:SS' for each second from 2016-04-30 23:54:40 to the week's end."""
    seconds = np.datetime64("2016-05-01T00:00:00") + np.arange(-320, 7 * 86400)
    text = np.datetime_as_string(seconds, unit="s").astype("U19")
    text.view(np.uint32).reshape(len(text), 19)[:, 10] = ord(" ")
    return text.astype(object)
