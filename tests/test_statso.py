"""STATSO: reading the user-profile file, encodings, scaling, the synthetic sample."""

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

from competitions import COMPETITIONS
from competitions import statso as st
from competitions.files import find_files
from competitions.statso_sample import COLUMNS, INTEREST_COUNTS, NUMERIC, generate
from core.errors import DataError

HEADER = ",".join(COLUMNS)
ROWS = (
    "1,25-34,Female,Suburban,Hindi,Technical,5640,190,Mobile Only,4.5,1.7,0.193,0.067,25,"
    "20k-40k,Digital Marketing",
    "2,65+,Male,Urban,Hindi,PhD,9501,375,Tablet,0.5,7.7,0.114,0.044,68,0-20k,Data Science",
    "3,18-24,Female,Rural,Spanish,PhD,9182,152,Desktop Only,3.1,4.2,0.093,0.061,65,100k+,"
    '"Gaming, DIY Crafts"',
    "4,45-54,Male,Urban,English,Master,4775,187,Tablet,4.5,5.6,0.153,0.095,80,60k-80k,"
    '"DIY Crafts,Data Science , Gaming"',
)


def write_csv(folder: Path, rows=ROWS, header=HEADER, *, bom=False, crlf=False) -> Path:
    newline = "\r\n" if crlf else "\n"
    text = newline.join([header, *rows]) + newline
    path = folder / "user_profiles_for_ads.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def load(folder: Path):
    return st.load(find_files(folder, st.SPEC.files))


def kmeans_silhouette(X: np.ndarray, k: int) -> float:
    with threadpool_limits(1):  # tiny fits: OpenMP threads only contend on a busy machine
        labels = KMeans(k, n_init=10, random_state=42).fit_predict(X)
    return float(silhouette_score(X, labels))


@pytest.fixture(scope="module")
def sample():
    return st.from_sample(generate(600, seed=7), "test")


def test_round_trip_through_the_real_layout(tmp_path, sample):
    st.write_files(sample, tmp_path)
    path = tmp_path / st.FILE.name
    lines = path.read_text().splitlines()
    assert lines[0] == HEADER
    assert re.search(r',"[^"]+, [^"]+"$', "\n".join(lines), re.MULTILINE)  # quoted lists
    assert re.match(r"1,[^,]+,\w+,\w+,\w+,[^,]+,\d+,\d+,", lines[1])  # whole numbers as such
    loaded = load(tmp_path)
    pd.testing.assert_frame_equal(loaded.train, sample.train)
    assert loaded.train.index.name == "User ID" and len(loaded.test) == 0
    assert list(loaded.test.columns) == list(loaded.train.columns)
    assert len(loaded.y) == 0 and loaded.classes == ()


def test_quoted_interest_lists_become_multi_hot_columns_with_bom_and_crlf(tmp_path):
    write_csv(tmp_path, bom=True, crlf=True)
    dataset = load(tmp_path)
    assert dataset.train_ids == ["1", "2", "3", "4"]
    assert dataset.train.loc["3", "Top Interests"] == "Gaming, DIY Crafts"
    features, profile = st.build_features(dataset), st.profile_frame(dataset.train)
    interests = [n for n in features.names if n.startswith("interest=")]
    assert interests == [
        "interest=DIY Crafts", "interest=Data Science", "interest=Digital Marketing",
        "interest=Gaming",
    ]  # fmt: skip
    shares = profile[interests].to_numpy()
    np.testing.assert_array_equal(shares, [[0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 1], [1, 1, 0, 1]])
    np.testing.assert_array_equal(features.column("interest=Gaming"), [0, 0, 1, 1])
    assert "Device Usage=Mobile Only" in features.names
    np.testing.assert_array_equal(features.column("Gender=Male"), [0, 1, 0, 1])
    assert features.X_test.shape == (0, features.n_features)
    assert profile.index.equals(dataset.train.index)
    assert profile.loc["2", "Age"] == "65+" and profile.loc["2", "Income Level"] == "0-20k"


def test_bins_become_ordinals_in_the_order_of_their_lower_bound(tmp_path):
    for bins in st.BINS.values():
        lower = [float(re.match(r"\d+", b).group()) for b in bins]  # type: ignore[union-attr]
        assert lower == sorted(lower) and len(set(lower)) == len(lower)
    write_csv(tmp_path)
    features, profile = st.build_segmentation(load(tmp_path))
    np.testing.assert_array_equal(profile["Age (ordinal)"], [1, 5, 0, 3])
    np.testing.assert_array_equal(profile["Income Level (ordinal)"], [1, 0, 5, 3])
    age = features.column("Age (ordinal)")
    assert np.all(np.diff(age[[2, 0, 3, 1]]) > 0)  # 18-24 < 25-34 < 45-54 < 65+


def test_a_missing_column_names_the_column_and_the_file(tmp_path):
    header = HEADER.replace(",Income Level,", ",Income,")
    path = write_csv(tmp_path, header=header)
    with pytest.raises(
        DataError, match=rf"{re.escape(str(path))}.*missing column\(s\) Income Level"
    ):
        load(tmp_path)


def test_an_unknown_bin_names_the_line_and_the_value(tmp_path):
    rows = (*ROWS[:2], ROWS[2].replace(",18-24,", ",17-24,"), ROWS[3])
    path = write_csv(tmp_path, rows)
    with pytest.raises(DataError, match=rf"{re.escape(str(path))}: line 4, column 'Age': '17-24'"):
        load(tmp_path)
    write_csv(tmp_path, (*ROWS[:3], ROWS[3].replace("60k-80k", "60-80k")))
    with pytest.raises(DataError, match=r"line 5, column 'Income Level': '60-80k'"):
        load(tmp_path)


def test_repeated_ids_are_dropped_with_a_counted_warning(tmp_path, caplog):
    write_csv(tmp_path, (*ROWS, ROWS[1], ROWS[1].replace("Male", "Female")))
    with caplog.at_level(logging.WARNING):
        dataset = load(tmp_path)
    assert dataset.train_ids == ["1", "2", "3", "4"]
    assert dataset.train.loc["2", "Gender"] == "Male"  # the first row is kept
    assert "dropped 2 rows repeating a User ID" in caplog.text and "line 6" in caplog.text


def test_missing_values_are_imputed_in_the_matrix_and_kept_in_the_profile(tmp_path, caplog):
    rows = (
        ROWS[0].replace(",Female,", ",,").replace(",5640,", ",,"),
        ROWS[1].replace(",65+,", ",,").replace(",Data Science", ","),
        *ROWS[2:],
    )
    write_csv(tmp_path, rows)
    with caplog.at_level(logging.WARNING):
        features, profile = st.build_segmentation(load(tmp_path))
    assert "missing values" in caplog.text and "Likes and Reactions 1" in caplog.text
    assert np.isfinite(features.X_train.toarray()).all()
    assert np.isnan(profile.loc["1", "Likes and Reactions"])
    assert profile.loc["2", "Age"] == st.MISSING and np.isnan(profile.loc["2", "Age (ordinal)"])
    assert profile.loc["1", "Gender"] == st.MISSING and "Gender=Unknown" in features.names
    assert profile.filter(like="interest=").loc["2"].sum() == 0


def test_no_column_dominates_the_distance(sample):
    features = st.build_features(sample)
    X = features.X_train.toarray()
    binary = np.all(np.isin(X, (0.0, 1.0)), axis=0)
    variance = X.var(axis=0)
    assert binary.sum() == len(INTEREST_COUNTS) + 18 and (~binary).sum() == 2 + len(NUMERIC)
    assert variance.max() <= 3 * np.median(variance[~binary])
    np.testing.assert_allclose(variance[~binary], 1.0, rtol=1e-4)


def test_an_unscaled_column_would_inflate_the_silhouette(sample):
    """What the guard above catches: likes in thousands would decide every cluster alone."""
    features, profile = st.build_segmentation(sample)
    X = features.X_train.toarray().astype(np.float64)
    unscaled = X.copy()
    unscaled[:, features.names.index("Likes and Reactions")] = profile["Likes and Reactions"]
    for k in (2, 4):
        scaled_score, unscaled_score = kmeans_silhouette(X, k), kmeans_silhouette(unscaled, k)
        assert 0.0 < scaled_score < 0.15  # weak structure, like the real file (about 0.05)
        assert unscaled_score > 0.45 > 3 * scaled_score


def test_the_generator_is_deterministic_and_has_the_real_schema():
    a, b, c = generate(400, seed=3), generate(400, seed=3), generate(400, seed=4)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    np.testing.assert_array_equal(a.segment, b.segment)
    assert not a.frame.equals(c.frame)
    frame = a.frame
    assert tuple(frame.columns) == COLUMNS and frame["User ID"].is_unique
    assert not frame.isna().any().any()
    for name, bins in st.BINS.items():
        assert set(frame[name]) <= set(bins)
    for name, (low, high, decimals) in NUMERIC.items():
        values = frame[name]
        assert values.min() >= low and values.max() <= high
        np.testing.assert_allclose(values, values.round(decimals))
    lists = frame["Top Interests"].str.split(", ")
    assert lists.str.len().between(1, 4).all() and lists.map(lambda x: len(set(x)) == len(x)).all()
    assert set(lists.explode()) == set(INTEREST_COUNTS)


def test_the_spec_is_registered_and_synthesizes_its_declared_sizes(tmp_path):
    spec = COMPETITIONS.get("statso")
    assert spec is st.SPEC and spec.task == "segmentation" and spec.metric == "silhouette"
    assert spec.segmentation is not None and spec.segmentation.k_range == (2, 10)
    dataset = spec.synthesize("small", 0)
    assert dataset.synthetic and (len(dataset.train), 0) == spec.synthetic_sizes["small"]
    features, profile = spec.segmentation.build(dataset)
    assert features.X_train.shape == (1000, 8) and features.X_train.dtype == np.float32
    assert st.build_features(dataset).n_features == 43
    labels = np.arange(len(profile)) % 3
    for question in spec.segmentation.questions:
        assert len(question.per_cluster(profile, labels)) == 3
    path = spec.submission.write(tmp_path / "assignments.csv", dataset.train_ids, labels)
    assert path.read_text().splitlines()[:2] == ["User ID,cluster", "1,0"]
