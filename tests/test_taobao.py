"""Taobao: the synthetic sample, the polars loader's checks, per-user features and the matrix
that is clustered."""

import gzip
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

from competitions import COMPETITIONS
from competitions import taobao as tb
from competitions.files import find_files
from competitions.kit.tables import polars_dtype
from competitions.taobao_sample import PIDS, SEGMENTS, START, generate, write_tables
from core.errors import DataError

DAY = 86400
RAW = f"""user,time_stamp,adgroup_id,pid,nonclk,clk
1,{START + 3600},10,430548_1007,1,0
1,{START + DAY + 100},11,430539_1007,0,1
1,{START + DAY + 200},10,430548_1007,1,0
2,{START + 6 * DAY + 5},12,430548_1007,1,0
2,{START + 6 * DAY + 9},99,430548_1007,0,1
3,{START + 500},11,430539_1007,1,0
"""
PROFILE = """userid,cms_segid,cms_group_id,final_gender_code,age_level,pvalue_level,\
shopping_level,occupation,new_user_class_level 
1,0,8,2,2,,3,0,2
2,5,3,1,3,2,1,1,
4,0,1,1,1,1,2,0,1
"""  # noqa: W291 (the real header ends with a space)
ADS = """adgroup_id,cate_id,campaign_id,customer,brand,price
10,100,1000,7,NULL,50.0
11,101,1001,7,500,150.0
12,100,1002,8,501,20.0
13,102,1003,9,502,9.9
"""


def write(folder: Path, raw: str = RAW, profile: str = PROFILE, ads: str = ADS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "raw_sample.csv").write_text(raw)
    (folder / "user_profile.csv").write_text(profile)
    (folder / "ad_feature.csv").write_text(ads)
    return folder


def load(folder: Path):
    return tb.load(find_files(folder, tb.FILES))


@pytest.fixture(scope="module")
def small():
    """The default small sample, its Dataset and its scaled matrix (shared read-only)."""
    sample = generate(n_users=4000, n_ads=3000, n_impressions=80_000, seed=7)
    dataset = tb.from_sample(sample, "test")
    features, profile = tb.SPEC.segmentation.build(dataset)
    return sample, dataset, features, profile


def test_sample_is_deterministic_and_schema_faithful():
    a = generate(n_users=300, n_ads=200, n_impressions=6000, seed=1)
    b = generate(n_users=300, n_ads=200, n_impressions=6000, seed=1)
    for name in ("raw_sample", "user_profile", "ad_feature"):
        assert getattr(a, name).equals(getattr(b, name))
    assert not a.raw_sample.equals(generate(300, 200, 6000, seed=2).raw_sample)
    for name, columns in tb.TABLES.columns.items():
        frame = getattr(a, name)
        assert frame.columns == [c.name for c in columns]
        assert frame.dtypes == [polars_dtype(c) for c in columns]
    raw = a.raw_sample
    assert raw.height == 6000 and raw["user"].n_unique() == 300
    assert set(raw["pid"].unique()) == set(PIDS)
    assert raw["time_stamp"].min() >= START and raw["time_stamp"].max() < START + 8 * DAY
    assert ((raw["time_stamp"] - START) // DAY).n_unique() == 8
    assert (raw["nonclk"] == 1 - raw["clk"]).all()
    assert 0.02 < raw["clk"].mean() < 0.08


def test_small_scale_rates_match_the_real_files():
    sample = tb.SAMPLE.generate_scale("small", 0)
    raw, profile, ads = sample.raw_sample, sample.user_profile, sample.ad_feature
    assert raw.height == 80_000 and raw["user"].n_unique() == 4_000
    assert raw["clk"].mean() == pytest.approx(0.05, abs=0.004)
    assert profile["pvalue_level"].null_count() / profile.height == pytest.approx(0.54, abs=0.03)
    assert ads["brand"].null_count() / ads.height == pytest.approx(0.29, abs=0.03)
    counts = raw["user"].value_counts()["count"]
    assert counts.max() > 10 * counts.median()  # heavy-tailed activity
    without = ~raw["user"].unique().is_in(profile["userid"].implode())
    assert 0.04 < without.mean() < 0.1  # some users have no profile row
    assert profile.height > raw["user"].n_unique() * (1 - 0.1)


def test_written_files_load_like_the_sample_plain_and_gzipped(tmp_path):
    sample = generate(n_users=300, n_ads=200, n_impressions=6000, seed=3)
    write_tables(sample.tables, tmp_path / "plain")
    header = (tmp_path / "plain" / "user_profile.csv").read_text().splitlines()[0]
    assert header.endswith("new_user_class_level ")
    assert "NULL" in (tmp_path / "plain" / "ad_feature.csv").read_text()
    expected = tb.from_sample(sample, "test").train
    pd.testing.assert_frame_equal(load(tmp_path / "plain").train, expected)
    (tmp_path / "gz").mkdir()
    for path in (tmp_path / "plain").iterdir():
        (tmp_path / "gz" / f"{path.name}.gz").write_bytes(gzip.compress(path.read_bytes()))
    pd.testing.assert_frame_equal(load(tmp_path / "gz").train, expected)


def test_hand_made_features(tmp_path, caplog):
    raw = "\ufeff" + RAW  # a BOM is fine
    with caplog.at_level(logging.WARNING):
        dataset = load(write(tmp_path, raw=raw))
    train = dataset.train
    assert train.index.tolist() == [1, 2, 3] and train.index.name == "user"
    assert len(dataset.test) == 0 and len(dataset.y) == 0 and dataset.classes == ()
    counts = ["impressions", "clicks", "ads", "categories", "brands", "campaigns", "active_days"]
    assert train[counts].to_numpy().tolist() == [
        [3, 1, 2, 2, 1, 2, 2],  # a NULL brand is not a brand
        [2, 1, 2, 1, 1, 1, 1],  # ad 99 is unknown: one more ad, nothing else
        [1, 0, 1, 1, 1, 1, 1],
    ]
    assert train["share_430548_1007"].tolist() == pytest.approx([2 / 3, 1, 0])
    assert train["share_430539_1007"].tolist() == pytest.approx([1 / 3, 0, 1])
    prices = train[["price_mean", "price_median", "price_max", "click_price_mean"]]
    assert prices.iloc[0].tolist() == pytest.approx([250 / 3, 50, 150, 150])
    assert prices.iloc[1, :3].tolist() == pytest.approx([20, 20, 20])
    assert np.isnan(prices.iloc[1, 3])  # the clicked ad's price is unknown
    prior, m = 2 / 6, tb.taobao_features.CTR_PRIOR_IMPRESSIONS
    smoothed = [(c + m * prior) / (n + m) for c, n in ((1, 3), (1, 2), (0, 1))]
    assert train["ctr"].tolist() == pytest.approx(smoothed)
    assert train.loc[1, ["gender", "age_level", "pvalue_level", "shopping_level"]].tolist() == [
        "female", "2", "unknown", "deep"
    ]  # fmt: skip
    assert train.loc[2, ["occupation", "new_user_class_level"]].tolist() == ["student", "unknown"]
    assert (train.loc[3, ["gender", "age_level", "occupation"]] == "unknown").all()


def test_unknown_references_are_counted_and_not_fatal(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        load(write(tmp_path))
    text = caplog.text
    assert "raw_sample.csv: 1 impressions are of ads not in ad_feature.csv: kept" in text
    assert "(e.g. line 6, adgroup_id 99)" in text
    assert "1 impressions of 1 users without a row in user_profile.csv: kept" in text
    assert "(e.g. line 7, user 3)" in text
    assert "user_profile.csv: dropped 1 users with no impression" in text
    assert "(e.g. line 4, userid 4)" in text


def test_missing_required_column_names_the_column_and_file(tmp_path):
    raw = "\n".join(line.rsplit(",", 1)[0] for line in RAW.splitlines())
    with pytest.raises(DataError, match=r"raw_sample\.csv: missing column 'clk' \(the header"):
        load(write(tmp_path, raw=raw))
    # nonclk alone is optional: drop the fifth field
    raw = "\n".join(
        ",".join(line.split(",")[:4] + line.split(",")[5:]) for line in RAW.splitlines()
    )
    assert len(load(write(tmp_path, raw=raw)).train) == 3


def test_malformed_values_name_the_file_line_and_column(tmp_path):
    bad_clk = RAW.replace(f"{START + 500},11,430539_1007,1,0", f"{START + 500},11,430539_1007,1,x")
    with pytest.raises(DataError, match=r"raw_sample\.csv: line 7, column 'clk': 'x' is not"):
        load(write(tmp_path, raw=bad_clk))
    bad_pid = RAW.replace(f"{START + 6 * DAY + 5},12,430548_1007", f"{START + 6 * DAY + 5},12,9")
    with pytest.raises(DataError, match=r"line 5, column 'pid': '9' is not one of 430548_1007"):
        load(write(tmp_path, raw=bad_pid))
    with pytest.raises(DataError, match=r"line 3, column 'clk': 2 is not 0 or 1"):
        load(write(tmp_path, raw=RAW.replace("0,1\n", "0,2\n", 1)))
    with pytest.raises(DataError, match=r"ad_feature\.csv: line 2, column 'price': 'cheap'"):
        load(write(tmp_path, ads=ADS.replace("50.0", "cheap")))
    with pytest.raises(DataError, match=r"raw_sample\.csv: line 4, column 'user' is empty"):
        load(
            write(tmp_path, raw=RAW.replace(f"\n1,{START + DAY + 200}", f"\n,{START + DAY + 200}"))
        )


def test_duplicates_bad_times_and_codes_are_dropped_with_counts(tmp_path, caplog):
    raw = RAW + f"1,{START + 3600},10,430548_1007,1,0\n1,{START - 10},10,430548_1007,1,0\n"
    raw += f"3,{START + 700},11,430539_1007,0,0\n"  # nonclk is not 1 - clk
    profile = PROFILE + "2,5,3,1,3,2,1,1,\n1,0,8,2,9,,3,0,2\n"
    with caplog.at_level(logging.WARNING):
        train = load(write(tmp_path, raw=raw, profile=profile)).train
    text = caplog.text
    assert "raw_sample.csv: dropped 1 duplicate rows (e.g. line 8, user 1)" in text
    assert "dropped 1 impressions outside 2017-05-06..2017-05-13" in text
    assert "1 rows have nonclk != 1 - clk: clk is used (e.g. line 10" in text
    assert "user_profile.csv: dropped 1 duplicate rows (e.g. line 5, userid 2)" in text
    assert "dropped 1 rows that repeat a userid with other values, keeping the first" in text
    assert train["impressions"].tolist() == [3, 2, 2]
    assert train.loc[1, "age_level"] == "2"  # the first row of user 1 wins


def test_out_of_range_codes_become_unknown(tmp_path, caplog):
    profile = PROFILE.replace("1,0,8,2,2,,3,0,2", "1,0,8,7,2,,3,0,2")
    with caplog.at_level(logging.WARNING):
        train = load(write(tmp_path, profile=profile)).train
    assert "1 final_gender_code values outside 1..2: made missing (e.g. line 2" in caplog.text
    assert train.loc[1, "gender"] == "unknown"


def test_spec_declares_a_segmentation(small):
    spec = COMPETITIONS.get("taobao")
    assert spec.task == "segmentation" and spec.metric == "silhouette"
    assert spec.segmentation is not None and spec.segmentation.k_range == (2, 10)
    _, dataset, features, profile = small
    assert features.X_train.shape == (len(dataset.train), features.n_features)
    assert features.X_test.shape == (0, features.n_features)
    assert profile.index.equals(dataset.train.index)
    assert features.X_train.dtype == np.float32 and np.isfinite(features.X_train.data).all()
    assert spec.build_features(dataset).names == features.names
    labels = np.arange(len(profile)) % 3
    for question in spec.segmentation.questions:
        assert question.per_cluster(profile, labels).index.tolist() == [0, 1, 2]


def test_no_column_dominates_the_scaled_matrix(small):
    _, _, features, _ = small
    X = features.X_train.toarray()
    spread = X.std(axis=0)
    assert spread.max() < 1.5 and np.abs(X).max() < 8
    assert (spread**2).max() < 0.15 * (spread**2).sum()  # of about 40 columns
    assert "price_missing" not in features.names  # no user lacks prices: no constant flag
    assert {"gender=unknown", "pvalue_level=unknown"} <= set(features.names)
    assert "click_price_missing" not in features.names  # it would repeat clicks == 0


def test_kmeans_finds_the_planted_segments(small):
    sample, dataset, features, _ = small
    X = features.X_train.toarray()
    rng = np.random.default_rng(0)
    control = np.column_stack([rng.permutation(column) for column in X.T])
    k = len(SEGMENTS)

    def silhouette(data: np.ndarray) -> tuple[float, np.ndarray]:
        labels = KMeans(k, n_init=3, random_state=0).fit_predict(data)
        return silhouette_score(data, labels, sample_size=2000, random_state=0), labels

    score, labels = silhouette(X)
    assert score > silhouette(control)[0] + 0.05
    truth = sample.segment[dataset.train.index.to_numpy() - 1]
    assert adjusted_rand_score(truth, labels) > 0.12


def test_polars_and_pandas_agree_on_the_small_sample(small):
    """An independent pandas computation of a few features."""
    sample, dataset, _, _ = small
    raw = sample.raw_sample.with_columns(pl.col("pid").to_physical())
    frame = pd.DataFrame({c: raw[c].to_numpy() for c in raw.columns}).drop_duplicates()
    frame["day"] = (frame["time_stamp"] - START) // DAY
    grouped = frame.groupby("user")
    train = dataset.train
    assert (grouped.size().to_numpy() == train["impressions"].to_numpy()).all()
    assert (grouped["clk"].sum().to_numpy() == train["clicks"].to_numpy()).all()
    assert (grouped["adgroup_id"].nunique().to_numpy() == train["ads"].to_numpy()).all()
    assert (grouped["day"].nunique().to_numpy() == train["active_days"].to_numpy()).all()


def test_features_are_deterministic(small):
    sample, dataset, _, _ = small
    again = tb.from_sample(sample, "test").train
    pd.testing.assert_frame_equal(again, dataset.train)
