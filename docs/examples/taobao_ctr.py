"""Taobao ad click-through: will a user click the ad shown? A podium plugin, outside the package.

The file is PaddleRec's DMR sample of Tianchi's "Ad Display/Click Data on Taobao.com":
``alimama_sampled_train.txt``, one impression per line, 267 numbers and no header: the user's
50 latest behaviours (type, category, brand), two masks of them, the user's profile (9 codes),
the ad (group, category, campaign, customer, brand, normalised price), the slot and ``clk``.
The file has no test part, so its last fifth is held out as the rows to predict; an ID is
the row's number in the file. Run: ``python run.py --plugin docs/examples/taobao_ctr.py --comp
taobao_ctr --data-dir DIR`` (no ``--data-dir``: the synthetic sample below).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from competitions.kit import (
    Column,
    PlainSample,
    SyntheticSample,
    Table,
    Tables,
    check_values,
    counts,
    labelled_dataset,
    numeric,
    one_hot,
    stack,
)
from competitions.spec import CompetitionSpec, Dataset
from core.folds import FoldScheme
from features.base import FeatureSet
from submissions.formats import ProbabilityCSV

HISTORY = 50
SEEN = [f"{kind}_{i}" for kind in ("btag", "cate", "brand") for i in range(HISTORY)]
MASKS = [f"{kind}_{i}" for kind in ("mask", "mask2") for i in range(HISTORY)]
PROFILE = ["userid", "cms_segid", "cms_group_id", "final_gender_code", "age_level",
           "pvalue_level", "shopping_level", "occupation", "new_user_class_level"]  # fmt: skip
AD = ["adgroup_id", "cate_id", "campaign_id", "customer", "brand"]
COLUMNS = (
    *(Column(name, "int", low=0, nullable=False) for name in SEEN + MASKS + PROFILE + AD),
    Column("price", "float", finite=True, nullable=False),
    Column("pid", "int", low=0, high=1, nullable=False),
    Column("clk", "int", low=0, high=1, nullable=False),
)
FILE = "alimama_sampled_train.txt"
TABLES = Tables((Table("impressions", COLUMNS, filenames=(FILE, f"{FILE}.gz")),), header=False)


def prepare(raw, labels=None, *, source, synthetic=False, truth=None) -> Dataset:
    """Checked impressions; the last fifth of the file are the rows to predict."""
    label = TABLES.labels(labels)["impressions"]
    rows = raw["impressions"].assign(row=np.arange(1, len(raw["impressions"]) + 1))
    rows = check_values(rows, COLUMNS, label)
    held_out = len(rows) - len(rows) // 5
    return labelled_dataset(
        rows.iloc[:held_out], rows.iloc[held_out:], id_column="row", target="clk",
        classes=(0, 1), labels=(label, f"{label} (last fifth)"), source=source,
        synthetic=synthetic, truth=truth, groups="userid",
    )  # fmt: skip


def matches(frame: pd.DataFrame) -> pd.DataFrame:
    """How many of the user's recent behaviours are in the ad's category, or of its brand."""
    seen = frame[MASKS[:HISTORY]].to_numpy() > 0
    return pd.DataFrame({
        f"seen_{field}": ((frame[[f"{field}_{i}" for i in range(HISTORY)]].to_numpy()
                           == frame[[ad_field]].to_numpy()) & seen).sum(axis=1)
        for field, ad_field in (("cate", "cate_id"), ("brand", "brand"))
    })  # fmt: skip


def build_features(dataset: Dataset) -> FeatureSet:
    """The profile as categories, the ad and user by how often they are shown, the price and
    slot, and how well the ad matches the user's recent behaviour."""
    train, test = dataset.train, dataset.test
    return stack(
        numeric(train, test, ["price", "pid"]),
        numeric(matches(train), matches(test), ["seen_cate", "seen_brand"]),
        counts(train, test, ["userid", *AD]),
        *(one_hot(train[c], test[c], label=c, min_count=5) for c in PROFILE[1:]),
    )


def generate(n_train: int, n_test: int, seed: int) -> PlainSample:
    """Users with a favourite category and brand, ads shown to them at random; a click is more
    likely when the ad's category or brand is among the user's recent behaviours."""
    rng = np.random.default_rng(seed)
    n, n_users, n_brands = n_train + n_test, max((n_train + n_test) // 8, 20), 400
    profile = rng.integers(0, [n_users, 13, 13, 3, 7, 4, 4, 2, 5], size=(n_users, 9))
    profile[:, 0] += 1_000_000
    favourite = rng.integers(0, 60, n_users), rng.integers(0, n_brands, n_users)
    user = rng.integers(0, n_users, n)
    cate = np.where(rng.random((n, HISTORY)) < 0.3, favourite[0][user, None],
                    rng.integers(0, 60, (n, HISTORY)))  # fmt: skip
    brand = np.where(rng.random((n, HISTORY)) < 0.3, favourite[1][user, None],
                     rng.integers(0, n_brands, (n, HISTORY)))  # fmt: skip
    btag = rng.choice([1, 2, 3, 4], p=[0.85, 0.05, 0.05, 0.05], size=(n, HISTORY))
    ad_cate, ad_brand = rng.integers(0, 60, n), rng.integers(0, n_brands, n)
    ad_cate = np.where(rng.random(n) < 0.3, favourite[0][user], ad_cate)
    ad_brand = np.where(rng.random(n) < 0.2, favourite[1][user], ad_brand)
    ads = np.column_stack([rng.integers(1, 5_000, n), ad_cate, rng.integers(1, 3_000, n),
                           rng.integers(1, 2_000, n), ad_brand])  # fmt: skip
    price, pid = np.round(rng.lognormal(0, 0.3, n), 6), rng.integers(0, 2, n)
    logit = (-1.0 + 0.08 * (cate == ad_cate[:, None]).sum(1) + 0.1 * (brand == ad_brand[:, None])
             .sum(1) - 0.5 * price + 0.3 * pid + 0.2 * (profile[user, 3] == 2))  # fmt: skip
    p = 1 / (1 + np.exp(-logit))
    ones = np.ones((n, 2 * HISTORY), dtype=np.int64)
    values = np.column_stack([btag, cate, brand, ones, profile[user], ads])
    frame = pd.DataFrame(values, columns=SEEN + MASKS + PROFILE + AD)
    frame["price"], frame["pid"], frame["clk"] = price, pid, (rng.random(n) < p).astype(np.int64)
    text = f"{n_train:,} / {n_test:,} impressions"
    return PlainSample({"impressions": frame}, p[:n_train], text)


SAMPLE = SyntheticSample(
    "Taobao ad click", generate, prepare=prepare,
    sizes={"small": {"n_train": 4_000, "n_test": 1_000},
           "full": {"n_train": 400_000, "n_test": 100_000}},
)  # fmt: skip

SPEC = CompetitionSpec(
    name="taobao_ctr",
    title="Taobao ad click-through (PaddleRec DMR sample)",
    task="binary",
    target="clk",
    id_column="row",
    metric="roc_auc",
    folds=FoldScheme("stratified_group"),
    files=TABLES.files,
    load=TABLES.loader(prepare, "Taobao impressions"),
    synthesize=SAMPLE.synthesize,
    synthetic_sizes=SAMPLE.synthetic_sizes,
    write_files=TABLES.write_files,
    build_features=build_features,
    submission=ProbabilityCSV(id_column="row", columns=("clk",)),
    default_models=("logreg", "lgbm"),
    notes="Impressions of ads to users; predict a click. Folds grouped by user.",
)
