import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from competitions import hotstar
from competitions.hotstar_sample import GENRES, generate
from features.keyseconds import parse_pairs


def test_same_seed_same_sample_and_other_seed_differs():
    a, b, c = generate(400, 100, 1), generate(400, 100, 1), generate(400, 100, 2)
    assert a.train.equals(b.train) and a.test.equals(b.test)
    assert np.array_equal(a.p_train, b.p_train)
    assert not a.train.equals(c.train)


def test_schema_matches_the_real_files():
    sample = generate(3000, 1000, 0)
    assert list(sample.train.columns) == ["titles", "genres", "cities", "tod", "dow", "segment"]
    assert "segment" not in sample.test.columns
    assert sample.train.index.str.fullmatch(r"train-\d+").all()
    assert sample.test.index.str.fullmatch(r"test-\d+").all()
    assert set(sample.train["segment"]) == {"pos", "neg"}
    assert len(GENRES) == 35 and "NA" in GENRES and "Table Tennis" in GENRES


def long(sample, field, free_text=False):
    frame = sample.train
    ids = list(frame.index)
    return parse_pairs(frame[field].tolist(), field=field, row_ids=ids, free_text=free_text)


def test_distributions_follow_the_facts():
    sample = generate(20000, 100, 0)
    pos_rate = (sample.train["segment"] == "pos").mean()
    assert 0.065 < pos_rate < 0.087  # about 7.6%
    hours = np.bincount(long(sample, "tod").row, weights=long(sample, "tod").seconds) / 3600
    assert 1.5 < np.median(hours) < 2.3 and 4.5 < hours.mean() < 8 and hours.max() < 560
    cities = long(sample, "cities").as_frame()
    assert cities["key"].str.contains(" ").any()  # "navi mumbai"
    assert (cities["seconds"] == 0).any()  # zero seconds occur, as in the real data
    genres = long(sample, "genres").as_frame().groupby("key")["seconds"].sum()
    assert genres.idxmax() == "Cricket"
    dow = long(sample, "dow").as_frame().groupby("key")["seconds"].sum()
    assert dow.idxmax() == "4" and dow.idxmin() == "2"
    titles = long(sample, "titles", free_text=True).as_frame()
    per_title = titles["key"].value_counts()
    assert per_title.size > 2000  # thousands of distinct titles
    assert per_title.iloc[0] > 20 * per_title.median()  # Zipf-like popularity
    assert titles["key"].str.contains(",").any() and titles["key"].str.contains(":").any()


def test_oracle_probability_carries_the_planted_signal():
    dataset = hotstar.synthetic_dataset(20000, 100, seed=0)
    assert dataset.truth is not None
    oracle = roc_auc_score(dataset.y, dataset.truth)
    assert 0.80 < oracle < 0.90
    assert pd.Series(dataset.truth).between(0, 1).all()
