"""Corrupted and degenerate inputs: each ends in one message that names the file (line, column
or option) and the problem, exits non-zero without a traceback, and writes no run folder."""

import gzip
import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from competitions import clickstream as cs
from competitions import talkingdata as td
from competitions.files import MAX_LINE_BYTES, find_files, open_lines
from competitions.kit import Column, read_csv
from core.errors import DataError
from podium import cli, runner

ROOT = Path(__file__).resolve().parents[1]
FAST = ("--models", "logreg", "--folds", "3", "--shap-rows", "0", "--no-report", "--no-progress")

TD_TRAIN = "device_id,gender,age,group\n" + "".join(
    f"{100 + i},{g[0]},30,{g}\n" for i, g in enumerate(["M32-38", "F23-", "M22-"] * 3)
)
TD_TEST = "device_id\n900\n901\n"
TD_PHONE = "device_id,phone_brand,device_model\n100,小米,MI 2\n101,华为,Mate 7\n900,vivo,Y13\n"
TD_EVENTS = (
    "event_id,device_id,timestamp,longitude,latitude\n"
    "1,100,2016-05-01 00:55:25,121.38,31.24\n"
    "2,101,2016-05-02 08:00:00,116.40,39.90\n"
    "3,900,2016-05-03 10:44:18,116.40,39.90\n"
)

CS_USERS = "user_id;age;abandoned_cart;user_category;marketing_target\n" + "".join(
    f"u{i};{30 + i};FALSE;new_user;{1 + i % 3}\n" for i in range(9)
)
CS_TEST = "user_id;age;abandoned_cart;user_category;test_id\nt0;40;TRUE;new_user;1\n"
SESSION_HEADER = (
    "user_id,session_id,timestamp,device_type,browser,operating_system,ip_address,country,"
    "search_query,page_views,session_duration\n"
)


def cs_session(user: str, stamp: str = "2023-03-01 10:00:00", duration: str = "120") -> str:
    return (
        f"{user},s-{user}-{stamp[:10]},{stamp},Mobile,Chrome,iOS,1.2.3.4,Spain,shoes,5,{duration}\n"
    )


CS_SESSIONS = SESSION_HEADER + "".join(cs_session(f"u{i}") for i in range(9))
CS_TEST_SESSIONS = SESSION_HEADER + cs_session("t0")

HS_USER = {
    "titles": "A:10",
    "genres": "Drama:10",
    "cities": "delhi:10",
    "tod": "21:10",
    "dow": "7:10",
}


def write_talkingdata(folder: Path, **tables: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "gender_age_train": TD_TRAIN, "gender_age_test": TD_TEST,
        "phone_brand_device_model": TD_PHONE, "events": TD_EVENTS, **tables,
    }  # fmt: skip
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def write_clickstream(folder: Path, **tables: str) -> Path:
    files = {
        "train/user_train": CS_USERS, "test/user_test": CS_TEST,
        "train/session_train": CS_SESSIONS, "test/session_test": CS_TEST_SESSIONS, **tables,
    }  # fmt: skip
    for name, text in files.items():
        path = folder / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def write_hotstar(folder: Path, train: dict, test: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train_data.json").write_text(json.dumps(train), encoding="utf-8")
    (folder / "test_data.json").write_text(json.dumps(test), encoding="utf-8")
    return folder


def hotstar_users(n: int, prefix: str, segments: list[str] | None = None) -> dict:
    users = {}
    for i in range(n):
        user = {**HS_USER, "titles": f"T{i % 4}:{10 + i}", "tod": f"{i % 24}:{5 + i}"}
        if segments is not None:
            user["segment"] = segments[i % len(segments)]
        users[f"{prefix}-{i}"] = user
    return users


def fail(tmp_path: Path, capsys, comp: str, data: Path, *extra: str) -> str:
    """Run the CLI in-process; it must fail at once with one message and write no run."""
    out = tmp_path / "out"
    started = time.monotonic()
    code = cli.main(["--comp", comp, "--data-dir", str(data), "--out", str(out), *FAST, *extra])
    seconds = time.monotonic() - started
    err = capsys.readouterr().err
    assert code in (2, 3), err  # ConfigError or DataError, never the generic handler (1)
    assert "Traceback" not in err and "podium failed" not in err
    assert not out.exists() or [p.name for p in out.iterdir() if p.name != ".cache"] == []
    assert seconds < 5, f"took {seconds:.1f} s"
    (line,) = [line for line in err.splitlines() if line.startswith("error: ")]
    return line.removeprefix("error: ")


# Degenerate data ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("comp", "path"),
    [
        ("talkingdata", "gender_age_train.csv"),
        ("clickstream", "train/user_train.csv"),
        ("statso", "user_profiles_for_ads.csv"),
    ],
)
def test_a_header_only_training_file_is_named(tmp_path, capsys, comp, path):
    data = tmp_path / "data"
    if comp == "talkingdata":
        write_talkingdata(data, gender_age_train="device_id,gender,age,group\n")
    elif comp == "clickstream":
        write_clickstream(data, **{"train/user_train": CS_USERS.splitlines()[0] + "\n"})
    else:
        data.mkdir()
        (data / path).write_text(
            "User ID,Age,Gender,Location,Language,Education Level,Likes and Reactions,"
            "Followed Accounts,Device Usage,Time Spent Online (hrs/weekday),"
            "Time Spent Online (hrs/weekend),Click-Through Rates (CTR),Conversion Rates,"
            "Ad Interaction Time (sec),Income Level,Top Interests\n"
        )
    purpose = "cluster" if comp == "statso" else "learn from"
    assert fail(tmp_path, capsys, comp, data) == (
        f"{data / path}: no rows below the header: podium needs rows to {purpose}"
    )


def test_one_class_talkingdata(tmp_path, capsys):
    train = "device_id,gender,age,group\n100,M,35,M32-38\n101,M,33,M32-38\n102,M,36,M32-38\n"
    data = write_talkingdata(tmp_path / "data", gender_age_train=train)
    assert fail(tmp_path, capsys, "talkingdata", data) == (
        f"{data / 'gender_age_train.csv'}: all 3 training rows have the class 'M32-38': there is "
        "nothing to tell apart. A model needs at least two classes; add rows of the other "
        "classes (F23-, F24-26, F27-28, F29-32, F33-42, F43+, M22-, M23-26, M27-28, M29-31, M39+)"
    )


def test_one_class_hotstar(tmp_path, capsys):
    data = write_hotstar(
        tmp_path / "data", hotstar_users(30, "train", ["neg"]), hotstar_users(5, "test")
    )
    assert fail(tmp_path, capsys, "hotstar", data) == (
        f"{data / 'train_data.json'}: all 30 training rows have the class 'neg': there is "
        "nothing to tell apart. A model needs at least two classes; add rows of the other "
        "classes (pos)"
    )


def test_one_class_clickstream(tmp_path, capsys):
    users = CS_USERS.replace(";2\n", ";1\n").replace(";3\n", ";1\n")
    data = write_clickstream(tmp_path / "data", **{"train/user_train": users})
    assert fail(tmp_path, capsys, "clickstream", data).endswith(
        "user_train.csv: all 9 training rows have the class '1': there is nothing to tell apart. "
        "A model needs at least two classes; add rows of the other classes (2, 3)"
    )


def test_a_class_rarer_than_the_folds_names_the_class_the_count_and_the_option(tmp_path, capsys):
    train = TD_TRAIN.replace("108,M,30,M22-", "108,M,30,M32-38")
    data = write_talkingdata(tmp_path / "data", gender_age_train=train)
    assert fail(tmp_path, capsys, "talkingdata", data) == (
        "--folds 3: class 'M22-' has only 2 training rows in "
        f"{data / 'gender_age_train.csv'}, and every fold needs one of each class: use "
        "--folds 2, or add rows of that class"
    )
    train = train.replace("105,M,30,M22-", "105,M,30,M32-38")
    data = write_talkingdata(tmp_path / "data", gender_age_train=train)
    assert fail(tmp_path, capsys, "talkingdata", data) == (
        f"{data / 'gender_age_train.csv'}: class 'M22-' has only 1 training row, too few to be "
        "in both a training and a validation fold (whatever --folds is): add rows of that class "
        "or remove it"
    )


def test_features_that_never_vary_are_an_error(tmp_path, capsys):
    train = {f"train-{i}": {**HS_USER, "segment": ["neg", "pos"][i % 2]} for i in range(30)}
    test = {f"test-{i}": HS_USER for i in range(5)}
    data = write_hotstar(tmp_path / "data", train, test)
    message = fail(tmp_path, capsys, "hotstar", data)
    assert message.startswith(f"{data / 'train_data.json'}: all 30 training rows have the same ")
    assert message.endswith(
        "feature values, so the target cannot depend on them: check that the file's fields hold "
        "values that differ between rows"
    )


# Physical checks ------------------------------------------------------------------------------


def test_impossible_session_values_are_dropped_with_a_count(tmp_path, caplog):
    sessions = (
        CS_SESSIONS
        + cs_session("u1", "2023-04-01 10:00:00", "-12")  # line 11
        + cs_session("u2", "2023-04-02 10:00:00", "inf")
        + cs_session("u3", "2099-01-01 10:00:00")  # line 13
    )
    data = write_clickstream(tmp_path / "data", **{"train/session_train": sessions})
    with caplog.at_level(logging.WARNING):
        dataset = cs.load(find_files(data, cs.FILES))
    label = data / "train" / "session_train.csv"
    assert (
        f"{label}: dropped 1 rows with an impossible timestamp (must be a YYYY-MM-DD HH:MM:SS "
        "time from 2023-01-01 up to 2024-03-21; e.g. line 13: '2099-01-01 10:00:00')"
    ) in caplog.text
    assert (
        f"{label}: dropped 2 rows with an impossible session_duration (must be a finite "
        "number >= 0; e.g. line 11: -12.0)"
    ) in caplog.text
    assert len(dataset.tables["sessions"]) == 10  # 9 + 1 test session


def test_an_impossible_test_value_is_made_missing_not_dropped(tmp_path, caplog):
    test = CS_TEST.replace("t0;40;", "t0;-4;")
    data = write_clickstream(tmp_path / "data", **{"test/user_test": test})
    with caplog.at_level(logging.WARNING):
        dataset = cs.load(find_files(data, cs.FILES))
    assert dataset.test_ids == ["1"] and np.isnan(dataset.test["age"].iloc[0])
    assert "user_test.csv: 1 impossible age values made missing (must be a finite number from " \
        "0 to 120; e.g. line 2: -4.0)" in caplog.text  # fmt: skip


def test_an_impossible_id_stops_the_run(tmp_path, capsys):
    data = write_clickstream(
        tmp_path / "data", **{"test/user_test": CS_TEST.replace(";1\n", ";0\n")}
    )
    assert fail(tmp_path, capsys, "clickstream", data) == (
        f"{data / 'test' / 'user_test.csv'}: line 2, column 'test_id': 0 is impossible for an "
        "ID or target, which must be an integer >= 1 (1 such rows): fix the file"
    )


def test_an_infinite_latitude_is_dropped_and_a_text_age_stops_the_run(tmp_path, capsys, caplog):
    events = TD_EVENTS + "4,101,2016-05-04 08:00:00,116.40,inf\n"
    data = write_talkingdata(tmp_path / "data", events=events)
    with caplog.at_level(logging.WARNING):
        dataset = td.load(find_files(data, td.FILES))
    assert dataset.tables["events"]["event_id"].tolist() == [1, 2, 3]
    assert (
        f"{data / 'events.csv'}: dropped 1 rows with an impossible latitude (must be a finite "
        "number from -90 to 90; e.g. line 5: inf)"
    ) in caplog.text
    train = TD_TRAIN.replace("101,F,30,", "101,F,thirty,")
    data = write_talkingdata(tmp_path / "data", gender_age_train=train)
    assert fail(tmp_path, capsys, "talkingdata", data) == (
        f"{data / 'gender_age_train.csv'}: line 3, column 'age': 'thirty' is not an integer "
        "(1 such rows)"
    )


def test_a_label_outside_the_classes_is_shown_as_in_the_file(tmp_path, capsys):
    users = CS_USERS.replace("u4;34;FALSE;new_user;2", "u4;34;FALSE;new_user;7")
    data = write_clickstream(tmp_path / "data", **{"train/user_train": users})
    assert fail(tmp_path, capsys, "clickstream", data) == (
        f"{data / 'train' / 'user_train.csv'}: line 6, column 'marketing_target': 7 is not one "
        "of 1, 2, 3 (1 such rows)"
    )


# Files and options ----------------------------------------------------------------------------


def test_hotstar_test_users_that_are_training_users_are_refused(tmp_path, capsys):
    train = hotstar_users(30, "train", ["neg", "pos"])
    test = {**hotstar_users(3, "test"), "train-7": train["train-7"]}
    data = write_hotstar(tmp_path / "data", train, test)
    assert fail(tmp_path, capsys, "hotstar", data) == (
        f"{data / 'test_data.json'}: 1 users are also in train_data.json, e.g. 'train-7': a user "
        "to predict cannot be a training user; remove them from one of the files"
    )


def test_a_space_separated_file_gets_a_hint(tmp_path, capsys):
    train = TD_TRAIN.replace(",", " ")
    data = write_talkingdata(tmp_path / "data", gender_age_train=train)
    assert fail(tmp_path, capsys, "talkingdata", data) == (
        f"{data / 'gender_age_train.csv'}: missing column(s) device_id, group; the header has "
        "device_id gender age group. The columns look separated by spaces, which podium does "
        "not read: save the file with commas, semicolons, tabs or | between the columns"
    )


def test_a_huge_cell_is_refused_with_its_line_and_size(tmp_path, capsys):
    phone = TD_PHONE.replace("Mate 7", "X" * 10_000_000)
    data = write_talkingdata(tmp_path / "data", phone_brand_device_model=phone)
    assert fail(tmp_path, capsys, "talkingdata", data) == (
        f"{data / 'phone_brand_device_model.csv'}: line 3 is 10,000,011 bytes long, over the "
        "limit of 1,048,576 bytes per line (a corrupted cell or an unclosed quote?): fix or "
        "remove that line"
    )


def test_a_huge_gzipped_line_is_refused_before_a_reader_can_buffer_it(tmp_path):
    """No newline in 50 MB: the reader is handed at most the limit and one chunk, then the
    error gives the whole line's size, measured without keeping it."""
    path = tmp_path / "events.csv.gz"
    with gzip.open(path, "wb", compresslevel=1) as handle:
        handle.write(b"event_id,device_id\n1,")
        for _ in range(50):
            handle.write(b"7" * 1_000_000)
    message = (
        f"{path}: line 2 is 50,000,002 bytes long, over the limit of 1,048,576 bytes per line "
        "(a corrupted cell or an unclosed quote?): fix or remove that line"
    )
    handed = 0
    with open_lines(path) as stream, pytest.raises(DataError) as error:
        while chunk := stream.read(1 << 18):
            handed += len(chunk)
    assert str(error.value) == message
    assert handed <= MAX_LINE_BYTES + (1 << 18)
    with pytest.raises(DataError) as error:
        read_csv(path, [Column("event_id", "int")])
    assert str(error.value) == message


def test_out_naming_a_file_is_an_option_error(tmp_path, capsys):
    data = write_talkingdata(tmp_path / "data")
    (tmp_path / "taken").write_text("a file")
    code = cli.main(["--comp", "talkingdata", "--data-dir", str(data), "--out",
                     str(tmp_path / "taken"), *FAST])  # fmt: skip
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        f"error: --out {str(tmp_path / 'taken')!r} is a file, not a folder: name a folder"
    )
    assert (tmp_path / "taken").read_text() == "a file"


def test_the_generic_handler_is_for_podiums_own_bugs(tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("an internal invariant broke")

    monkeypatch.setattr(runner, "run", broken)  # the CLI imports it once the options are valid
    data = write_talkingdata(tmp_path / "data")
    assert cli.main(["--comp", "talkingdata", "--data-dir", str(data), *FAST]) == 1
    assert capsys.readouterr().err.strip() == (
        "podium failed: RuntimeError: an internal invariant broke. This is a bug in podium, "
        "please report it with the output of the same command run with --debug. Nothing was "
        "written for this run."
    )


def test_a_whole_process_fails_on_a_header_only_training_file_and_writes_nothing(tmp_path):
    """How fast it fails is measured by ``benchmarks/startup.py``, not here."""
    data = write_talkingdata(tmp_path / "data", gender_age_train="device_id,gender,age,group\n")
    done = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "--comp", "talkingdata", "--data-dir", str(data),
         "--out", str(tmp_path / "out"), *FAST],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 3
    assert done.stderr.strip().endswith("no rows below the header: podium needs rows to learn from")
    assert not any((tmp_path / "out").rglob("submission*"))


# What the CLI must not import before a run needs it: each takes 0.1 to several seconds.
HEAVY = ("pandas", "polars", "scipy", "sklearn", "lightgbm", "xgboost", "catboost", "optuna",
         "shap", "matplotlib", "torch")  # fmt: skip


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["--help"], 0),
        (["--list"], 0),
        (["--comp", "nosuch"], 2),
        (["--comp", "hotstar", "--data-dir", "missing"], 2),
        (["--comp", "hotstar", "--models", "nosuch"], 2),
    ],
    ids=["help", "list", "unknown-comp", "missing-data-dir", "unknown-model"],
)
def test_the_cli_imports_no_heavy_library_before_it_needs_one(tmp_path, args, status):
    """``--help``, ``--list`` and a bad option answer in about a second because the CLI's
    imports stop short of pandas, scipy, scikit-learn, the boosters and the rest: the
    competitions, features and models import them inside the functions that use them, and the
    CLI imports the runner only once the options are valid."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", str(ROOT / "run.py"), *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == status, done.stderr[-2000:]
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    heavy = sorted({name.split(".")[0] for name in imported} & set(HEAVY))
    assert heavy == [], (
        f"python run.py {' '.join(args)} imported {', '.join(heavy)}: import it inside the "
        "function that uses it (python -X importtime run.py --help shows who imports it)"
    )


def test_a_budget_used_up_before_any_model_is_refused_early_with_the_budget_that_would_work(
    tmp_path, capsys, hotstar_dir
):
    message = fail(tmp_path, capsys, "hotstar", hotstar_dir, "--time-budget", "5")
    assert message.startswith("--time-budget 5 s is too small for this data: loading the data")
    suggested = int(message.rsplit("--time-budget ", 1)[1])
    assert 10 <= suggested <= 60  # twice what was spent plus the 10 s reserve, rounded up
