"""The fixed catalogue of podium's synthetic TalkingData sample (see
:mod:`competitions.talkingdata_sample`): the 12 groups and their prior, the gender and age
axes the planted effects act on, brands and their models, the interest clusters of apps and
their label categories, and cities. Brands, models, categories and cities are the same for
every seed (drawn from fixed seeds); apps are drawn from the sample's own generator.
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
MODEL_SD = 0.2  # spread of a phone model's own effect on the 12 groups


@dataclass(frozen=True)
class Catalogue:
    brand_names: np.ndarray  # object
    brand_weight: np.ndarray
    brand_lean: np.ndarray  # (n_brands, 2): gender, age
    model_names: np.ndarray  # object
    model_cdf: np.ndarray  # brand index + cumulative Zipf share within the brand
    model_effect: np.ndarray  # (n_models, 12)


def unique_int64(rng: np.random.Generator, m: int) -> np.ndarray:
    """m distinct random signed 64-bit IDs, in random order."""
    info = np.iinfo(np.int64)
    x = rng.integers(info.min, info.max, size=m + 16, dtype=np.int64)
    _, first = np.unique(x, return_index=True)
    return x[np.sort(first)][:m]


def zipf_cdf(group: np.ndarray, exponent: float) -> np.ndarray:
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


def catalogue(rng: np.random.Generator) -> Catalogue:
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
    return Catalogue(
        brand_names=np.array(names, dtype=object),
        brand_weight=np.array(weight) / sum(weight),
        brand_lean=np.array(lean, dtype=float),
        model_names=np.array(model_names, dtype=object),
        model_cdf=zipf_cdf(brand_of, 0.9),
        model_effect=effect,
    )


def label_layout(n_categories: int) -> tuple[list[str], list[np.ndarray], np.ndarray, np.ndarray]:
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


def apps(
    rng: np.random.Generator, n_apps: int, n_categories: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame]:
    """App catalogue sorted by cluster: cluster per app, Zipf draw table, IDs and labels."""
    import pandas as pd

    p_cluster = CLUSTER_SHARE / CLUSTER_SHARE.sum()
    cluster = np.sort(rng.choice(len(CLUSTERS), n_apps, p=p_cluster))
    ids = unique_int64(rng, n_apps)
    _, cluster_ids, generic_ids, generic_share = label_layout(n_categories)
    n_own = 1 + rng.poisson(2.1, n_apps)
    own_app = np.repeat(np.arange(n_apps), n_own)
    label_group = np.concatenate([np.full(len(ids_), c) for c, ids_ in enumerate(cluster_ids)])
    label_cdf = zipf_cdf(label_group, 1.5)
    own = np.searchsorted(label_cdf, cluster[own_app] + rng.random(len(own_app)), side="right")
    own_label = np.concatenate(cluster_ids)[own.clip(0, len(label_cdf) - 1)]
    carries = rng.random((len(generic_ids), n_apps)) < generic_share[:, None]
    gen_label, gen_app = np.nonzero(carries)
    key = np.r_[own_app, gen_app] * (n_categories + 1) + np.r_[own_label, generic_ids[gen_label]]
    key = np.unique(key)
    labels = pd.DataFrame(
        {"app_id": ids[key // (n_categories + 1)], "label_id": key % (n_categories + 1)}
    )
    return cluster, zipf_cdf(cluster, 1.4), ids, labels
