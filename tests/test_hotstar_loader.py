import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from competitions import hotstar
from competitions.files import find_files
from core.errors import DataError


def write_json(folder: Path, name: str, payload: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


USER = {"titles": "A:1", "genres": "Drama:1", "cities": "delhi:1", "tod": "21:1", "dow": "7:1"}


def test_round_trip_of_the_synthetic_sample(hotstar_dir, tiny_hotstar):
    loaded = hotstar.load(find_files(hotstar_dir, hotstar.SPEC.files))
    assert loaded.train.equals(tiny_hotstar.train)
    assert loaded.test.equals(tiny_hotstar.test)
    assert np.array_equal(loaded.y, tiny_hotstar.y)
    assert not loaded.synthetic


def test_gzipped_files_in_a_sub_folder(tmp_path, tiny_hotstar):
    hotstar.write_files(tiny_hotstar, tmp_path / "nested" / "deeper", gzip_files=True)
    files = find_files(tmp_path, hotstar.SPEC.files)
    assert files["train_data.json"].name == "train_data.json.gz"
    assert len(hotstar.load(files).test) == len(tiny_hotstar.test)


def test_bom_is_accepted(tmp_path):
    path = tmp_path / "train_data.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"train-0": {**USER, "segment": "neg"}}).encode())
    assert hotstar.read_users(path, labelled=True).index.tolist() == ["train-0"]


def test_missing_files_lists_expected_files_and_where_it_looked(tmp_path):
    write_json(tmp_path, "train_data.json", {})
    with pytest.raises(DataError) as info:
        find_files(tmp_path, hotstar.SPEC.files)
    text = str(info.value)
    assert "missing test_data.json" in text and str(tmp_path) in text
    assert "sub-folders" in text
    assert "train_data.json or train_data.json.gz" in text and "test_data.json.gz" in text


def test_malformed_json_names_the_file_and_position(tmp_path):
    path = tmp_path / "train_data.json"
    path.write_text('{"train-0": {"titles": "A:1",}\n}', encoding="utf-8")
    with pytest.raises(DataError, match=r"train_data\.json: malformed JSON at line 1, column \d+"):
        hotstar.read_users(path, labelled=True)


def test_truncated_gzip_is_a_clear_error(tmp_path):
    path = tmp_path / "train_data.json.gz"
    path.write_bytes(gzip.compress(b'{"train-0": {}}')[:-6])
    with pytest.raises(DataError, match="train_data.json.gz"):
        hotstar.read_users(path, labelled=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "cities",
            "delhi:3492,mumbai",
            r"user 'train-1', field 'cities': the pair 'mumbai' has no ':'",
        ),
        ("dow", "7:12,1:ten", r"user 'train-1', field 'dow': the pair '1:ten' has seconds"),
        ("titles", "Show:soon", r"user 'train-1', field 'titles': the pair 'Show:soon'"),
    ],
)
def test_bad_pairs_name_the_user_and_field(tmp_path, field, value, message):
    users = {
        "train-0": {**USER, "segment": "neg"},
        "train-1": {**USER, field: value, "segment": "pos"},
    }
    write_json(tmp_path, "train_data.json", users)
    write_json(tmp_path, "test_data.json", {"test-0": USER})
    dataset = hotstar.load(find_files(tmp_path, hotstar.SPEC.files))
    with pytest.raises(DataError, match=message) as info:
        hotstar.build_features(dataset)
    assert "train_data.json" in str(info.value)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([1, 2], "expected one JSON object keyed by user ID, found a JSON list"),
        ({}, "holds no users"),
        ({"train-0": "x"}, "user 'train-0' is a JSON str, expected an object"),
        (
            {"train-0": {**USER, "tod": 5, "segment": "pos"}},
            "user 'train-0', field 'tod' is a JSON int",
        ),
        ({"train-0": {**USER}}, "user 'train-0' has no 'segment'"),
        ({"train-0": {**USER, "segment": "maybe"}}, "user 'train-0' has segment 'maybe'"),
    ],
)
def test_bad_structure_is_reported(tmp_path, payload, message):
    path = write_json(tmp_path, "train_data.json", payload)
    with pytest.raises(DataError, match=message):
        hotstar.read_users(path, labelled=True)


def test_missing_optional_field_reads_as_empty(tmp_path):
    user = {k: v for k, v in USER.items() if k != "cities"}
    path = write_json(tmp_path, "test_data.json", {"test-0": user})
    assert hotstar.read_users(path, labelled=False).at["test-0", "cities"] == ""


def test_files_are_found_through_symlinked_folders_and_link_loops_end(tmp_path, hotstar_dir):
    real = tmp_path / "elsewhere" / "download"
    real.parent.mkdir()
    hotstar_dir.rename(real)
    root = tmp_path / "data"
    (root / "nested").mkdir(parents=True)
    (root / "nested" / "link").symlink_to(real, target_is_directory=True)
    (root / "nested" / "loop").symlink_to(root, target_is_directory=True)
    found = find_files(root, hotstar.SPEC.files)
    assert found["train_data.json"].resolve() == (real / "train_data.json").resolve()
    assert found["test_data.json"].resolve() == (real / "test_data.json").resolve()
