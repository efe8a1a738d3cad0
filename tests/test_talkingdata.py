"""TalkingData: loader clean-up of each bad-row kind, file discovery, features, submission."""

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from competitions import talkingdata as td
from competitions.files import find_files
from core.errors import DataError

GROUPS = "F23-,F24-26,F27-28,F29-32,F33-42,F43+,M22-,M23-26,M27-28,M29-31,M32-38,M39+"

TRAIN = """device_id,gender,age,group
-8076087639492063270,M,35,M32-38
-2897161552818060146,M,35,M32-38
-8260683887967679142,F,23,F23-
7477216237379271436,M,19,M22-
"""
TEST = "device_id\n1002079943728939269\n-1547860181818787117\n"
PHONE = """device_id,phone_brand,device_model
-8076087639492063270,小米,MI 2
-2897161552818060146,小米,MI 2
-8260683887967679142,华为,Mate 7
7477216237379271436,vivo,Y13
1002079943728939269,三星,Galaxy S4
"""
EVENTS = """event_id,device_id,timestamp,longitude,latitude
1,-8076087639492063270,2016-05-01 00:55:25,121.38,31.24
2,-8076087639492063270,2016-05-01 21:54:12,0.00,0.00
3,1002079943728939269,2016-05-02 08:00:00,1.00,1.00
4,-8260683887967679142,2016-05-03 10:44:18,116.40,39.90
"""
APP_EVENTS = "event_id,app_id,is_installed,is_active\n1,55,1,1\n1,66,1,0\n4,55,1,0\n"
APP_LABELS = "app_id,label_id\n55,2\n66,3\n"
CATEGORIES = "label_id,category\n1,\n2,game-game type\n3,Finance\n"


def write(folder: Path, **tables: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    defaults = {
        "gender_age_train": TRAIN,
        "gender_age_test": TEST,
        "phone_brand_device_model": PHONE,
        "events": EVENTS,
    }
    for name, text in {**defaults, **tables}.items():
        if text is not None:
            (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def load(folder: Path):
    return td.load(find_files(folder, td.FILES))


def test_loads_the_kaggle_layout_from_sub_folders(tmp_path):
    write(tmp_path / "labels")
    (tmp_path / "labels" / "events.csv").rename(tmp_path / "events.csv")
    (tmp_path / "apps" / "deeper").mkdir(parents=True)
    (tmp_path / "apps" / "deeper" / "app_events.csv").write_text(APP_EVENTS)
    dataset = load(tmp_path)
    assert dataset.train.index.tolist()[0] == -8076087639492063270
    assert dataset.classes == tuple(GROUPS.split(","))
    assert dataset.train["phone_brand"].tolist() == ["小米", "小米", "华为", "vivo"]
    assert pd.isna(dataset.test["phone_brand"].iloc[1])  # a test device without a phone row
    assert len(dataset.tables["app_events"]) == 3
    assert "app_labels" not in dataset.tables  # optional and absent


def test_missing_required_file_lists_expected_files(tmp_path):
    write(tmp_path, events=None)
    with pytest.raises(
        DataError,
        match=r"missing events\.csv .*app_events\.csv or app_events\.csv\.gz \(optional\)",
    ):
        load(tmp_path)


def test_duplicates_are_dropped_with_a_counted_warning(tmp_path, caplog):
    phone = PHONE + "-8260683887967679142,华为,Mate 7\n-8260683887967679142,华为,P8\n"
    train = TRAIN + "7477216237379271436,M,19,M22-\n"
    write(tmp_path, phone_brand_device_model=phone, gender_age_train=train)
    with caplog.at_level(logging.WARNING):
        dataset = load(tmp_path)
    assert len(dataset.train) == 4
    assert dataset.train.loc[-8260683887967679142, "device_model"] == "Mate 7"
    text = caplog.text
    assert "phone_brand_device_model.csv: dropped 1 duplicate rows (e.g. line 7)" in text
    assert "dropped 1 rows that repeat a device_id with other values" in text
    assert "gender_age_train.csv: dropped 1 duplicate rows (e.g. line 6)" in text


def test_unknown_devices_and_impossible_timestamps_are_dropped(tmp_path, caplog):
    events = EVENTS + (
        "5,122334,2016-05-02 20:45:49,118.25,36.33\n"  # a device in neither file
        "6,7477216237379271436,2018-07-01 20:45:49,118.25,36.33\n"  # the fake 2018 row
        "7,7477216237379271436,2016-13-45 99:00:00,118.25,36.33\n"  # not a date
    )
    write(tmp_path, events=events)
    with caplog.at_level(logging.WARNING):
        dataset = load(tmp_path)
    kept = dataset.tables["events"]
    assert kept["event_id"].tolist() == [1, 2, 3, 4]
    assert (
        "dropped 1 rows about devices in neither gender_age file (e.g. line 6, device_id 122334)"
        in caplog.text
    )
    assert (
        "events.csv: dropped 2 rows with an impossible timestamp (must be a YYYY-MM-DD HH:MM:SS "
        "time from 2016-04-30 up to 2016-05-09; e.g. line 7: '2018-07-01 20:45:49')"
    ) in caplog.text


def test_placeholder_coordinates_mean_no_location(tmp_path):
    events = load(write(tmp_path)).tables["events"]
    assert np.isnan(events["longitude"].iloc[1]) and np.isnan(events["latitude"].iloc[2])
    assert events["longitude"].iloc[0] == pytest.approx(121.38)


def test_bom_crlf_semicolons_and_gb18030_are_read(tmp_path):
    write(tmp_path)
    (tmp_path / "gender_age_train.csv").write_bytes(
        b"\xef\xbb\xbf" + TRAIN.replace("\n", "\r\n").encode()
    )
    (tmp_path / "phone_brand_device_model.csv").write_bytes(
        PHONE.replace(",", ";").encode("gb18030")
    )
    dataset = load(tmp_path)
    assert dataset.train["phone_brand"].tolist() == ["小米", "小米", "华为", "vivo"]


@pytest.mark.parametrize(
    ("table", "text", "message"),
    [
        (
            "events",
            EVENTS + "5,abc,2016-05-01 00:00:00,1,1\n",
            r"events\.csv: line 6, column 'device_id': 'abc' is not an integer",
        ),
        (
            "events",
            EVENTS + "5,1,2016-05-01 00:00:00,east,1\n",
            r"line 6, column 'longitude': 'east' is not a number",
        ),
        (
            "gender_age_train",
            TRAIN + "1,M,40,M99\n",
            r"gender_age_train\.csv: line 6, column 'group': 'M99' is not one of",
        ),
        ("events", "event_id,device,timestamp\n", r"events\.csv: missing column\(s\) device_id"),
        ("gender_age_test", "", r"gender_age_test\.csv: is empty"),
    ],
)
def test_bad_values_name_file_line_and_column(tmp_path, table, text, message):
    write(tmp_path, **{table: text})
    with pytest.raises(DataError, match=message):
        load(tmp_path)


def test_features_are_readable_and_per_device(tmp_path):
    write(tmp_path, app_events=APP_EVENTS, app_labels=APP_LABELS, label_categories=CATEGORIES)
    dataset = load(tmp_path)
    features = td.build_features(dataset)
    assert features.X_train.shape[0] == 4 and features.X_test.shape[0] == 2
    assert features.column("brand=小米").tolist() == [1, 1, 0, 0]
    assert features.column("has_events").tolist() == [1, 0, 1, 0]
    assert features.column("has_events", "test").tolist() == [1, 0]
    assert features.column("tod=21").tolist() == pytest.approx([0.5, 0, 0, 0])
    assert features.column("geo:has_location", "test").tolist() == [0, 0]
    names = set(features.names)
    assert {"app=<rare>", "active_app=<rare>", "app_label=<rare>"} <= names  # min count 5


def test_subsets_split_devices_by_events(tmp_path):
    masks = td.subsets(load(write(tmp_path)))
    assert masks["with_events"].tolist() == [True, False, True, False]
    assert (masks["with_events"] ^ masks["without_events"]).all()


def test_submission_has_kaggle_column_order_and_valid_rows(tmp_path):
    fmt = td.SPEC.submission
    proba = np.random.default_rng(0).dirichlet(np.ones(12), size=2)
    proba[0] = np.eye(12)[3]  # a certain row is clipped away from 0 and 1
    path = fmt.write(
        tmp_path / "submission.csv", ["1002079943728939269", "-1547860181818787117"], proba
    )
    lines = path.read_text().splitlines()
    assert lines[0] == "device_id," + GROUPS
    frame = pd.read_csv(path, dtype={"device_id": str})
    values = frame.iloc[:, 1:].to_numpy()
    assert np.allclose(values.sum(axis=1), 1, atol=1e-4)
    assert (values > 0).all() and (values < 1).all()
    assert frame["device_id"].tolist() == ["1002079943728939269", "-1547860181818787117"]


@pytest.mark.slow
def test_end_to_end_run_on_a_synthetic_sample(tmp_path):
    import subprocess
    import sys

    from competitions.talkingdata_sample import generate

    sample = generate(600, 300, 5, n_events=20_000, n_app_events=100_000, n_apps=2_000)
    td.TABLES.write(sample.tables, tmp_path / "data" / "nested")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, str(root / "run.py"), "--preset", "quick", "--comp", "talkingdata",
         "--folds", "3", "--data-dir", str(tmp_path / "data"), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "dropped" in done.stderr  # the sample carries duplicates, as the real files do
    (run_dir,) = [p for p in (tmp_path / "out").iterdir() if p.name != ".cache"]
    submission = pd.read_csv(run_dir / "submission.csv")
    assert list(submission.columns) == ["device_id", *GROUPS.split(",")]
    assert len(submission) == 300
    assert np.allclose(submission.iloc[:, 1:].sum(axis=1), 1, atol=1e-4)
    board = pd.read_csv(run_dir / "leaderboard.csv")
    assert board["cv_mean"].is_monotonic_increasing  # log loss: lower is better, best first
    assert {"oof_with_events", "oof_without_events"} <= set(board.columns)
    assert (board["cv_mean"] < np.log(12)).all()  # better than uniform guessing
    shap = pd.read_csv(run_dir / "shap_lgbm.csv")
    assert "mean_abs_shap[F23-]" in shap.columns and "mean_abs_shap[M39+]" in shap.columns
    assert "calibration" in (run_dir / "report.html").read_text()
