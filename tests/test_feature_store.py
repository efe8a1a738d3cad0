"""The feature store: round trips, invalidation by content, atomic writes, and --cache-info."""

import logging
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from features.base import FeatureSet, FoldFeatures
from features.store import CacheKey, FeatureStore, cache_entries, read_entry
from podium.cli import main
from podium.options import RunOptions
from podium.runner import run


def small_features(seed: int = 0) -> FeatureSet:
    rng = np.random.default_rng(seed)
    X = sp.random(30, 6, density=0.3, format="csr", random_state=seed, dtype=np.float32)
    return FeatureSet(X[:20], X[20:], tuple(f"f{i}={rng.integers(99)}" for i in range(6)))


def small_fold_features(shared: bool) -> FoldFeatures:
    rng = np.random.default_rng(1)
    train = [rng.normal(size=(20, 2)).astype(np.float32) for _ in range(3)]
    test = [rng.normal(size=(10, 2)).astype(np.float32) for _ in range(3)]
    if shared:
        train, test = [train[0]] * 3, [test[0]] * 3
    return FoldFeatures(("a", "b"), tuple(train), tuple(test))


def counting(value):
    calls = []

    def build():
        calls.append(1)
        return value

    return build, calls


def test_feature_sets_round_trip_and_are_built_once(tmp_path):
    store = FeatureStore(tmp_path)
    key = CacheKey("comp", "features", inputs="abc")
    build, calls = counting(small_features())
    first, hit_first = store.get(key, build, FeatureSet)
    second, hit_second = store.get(key, build, FeatureSet)
    assert (hit_first, hit_second, len(calls)) == (False, True, 1)
    assert second.names == first.names
    assert (second.X_train != first.X_train).nnz == 0 and (second.X_test != first.X_test).nnz == 0


@pytest.mark.parametrize("shared", [False, True])
def test_fold_features_round_trip(tmp_path, shared):
    store = FeatureStore(tmp_path)
    value = small_fold_features(shared)
    key = CacheKey("comp", "clusters", inputs="abc", params={"k": 2}, folds="f1")
    store.get(key, lambda: value, FoldFeatures)
    loaded, hit = store.get(key, lambda: pytest.fail("rebuilt"), FoldFeatures)
    assert hit and loaded.names == value.names and loaded.n_folds == 3
    for k in range(3):
        assert np.array_equal(loaded.train[k], value.train[k])
        assert np.array_equal(loaded.test[k], value.test[k])


def test_every_part_of_the_key_separates_entries(tmp_path):
    store = FeatureStore(tmp_path)
    base = CacheKey("comp", "clusters", inputs="abc", params={"k": 2}, folds="f1")
    variants = [
        base,
        CacheKey("other", "clusters", inputs="abc", params={"k": 2}, folds="f1"),
        CacheKey("comp", "encodings", inputs="abc", params={"k": 2}, folds="f1"),
        CacheKey("comp", "clusters", inputs="abd", params={"k": 2}, folds="f1"),
        CacheKey("comp", "clusters", inputs="abc", params={"k": 3}, folds="f1"),
        CacheKey("comp", "clusters", inputs="abc", params={"k": 2}, folds="f2"),
    ]
    build, calls = counting(small_fold_features(False))
    for key in variants:
        store.get(key, build, FoldFeatures)
    assert len(calls) == len(variants)
    assert len({key.digest for key in variants}) == len(variants)


def test_a_failed_write_leaves_no_entry_and_an_unreadable_one_is_rebuilt(tmp_path, monkeypatch):
    store = FeatureStore(tmp_path)
    key = CacheKey("comp", "features", inputs="abc")

    def broken_savez(handle, **arrays):
        handle.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        store.get(key, small_features, FeatureSet)
    assert list(tmp_path.rglob("*")) == [tmp_path / "comp"]  # no entry, no temporary file
    monkeypatch.undo()

    (tmp_path / "comp" / key.filename).write_bytes(b"not a zip archive")  # e.g. a foreign file
    build, calls = counting(small_features())
    value, hit = store.get(key, build, FeatureSet)
    assert not hit and len(calls) == 1
    assert store.get(key, build, FeatureSet)[1]  # the rebuilt entry is good


@pytest.mark.parametrize(
    "content", [b"", b"PK\x03\x04", b"\x93NUMPY garbage"], ids=["empty", "truncated", "garbage"]
)
def test_an_empty_truncated_or_garbage_entry_is_removed_and_rebuilt(tmp_path, caplog, content):
    store = FeatureStore(tmp_path)
    key = CacheKey("comp", "features", inputs="abc")
    store.get(key, small_features, FeatureSet)
    path = tmp_path / "comp" / key.filename
    valid = path.read_bytes()
    path.write_bytes(content if content != b"PK\x03\x04" else valid[: len(valid) // 2])
    build, calls = counting(small_features())
    value, hit = store.get(key, build, FeatureSet)
    assert not hit and len(calls) == 1
    assert "unreadable" in caplog.text and "removed, rebuilding" in caplog.text
    assert store.get(key, build, FeatureSet)[1] and len(calls) == 1  # the rebuilt entry serves


def test_a_disabled_store_always_builds_and_writes_nothing(tmp_path):
    store = FeatureStore(None)
    build, calls = counting(small_features())
    for _ in range(2):
        assert not store.get(CacheKey("comp", "features", inputs="abc"), build, FeatureSet)[1]
    assert len(calls) == 2 and not list(tmp_path.iterdir())


def feature_log(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("Features:")]


@pytest.mark.slow
def test_one_changed_byte_in_an_input_file_rebuilds_the_features(tmp_path, hotstar_dir, caplog):
    caplog.set_level(logging.INFO)
    options = RunOptions(
        preset="quick",
        comp="hotstar", data_dir=hotstar_dir, out=tmp_path / "runs", models=("logreg",),
        folds=2, progress=False, report=False, shap_rows=0,
    )  # fmt: skip
    first = run(options)
    second = run(options)
    assert [("built" in m, "cache" in m) for m in feature_log(caplog)] == [
        (True, False),
        (False, True),
    ]
    assert second.feature_seconds < first.feature_seconds

    train = hotstar_dir / "train_data.json"
    data = bytearray(train.read_bytes())
    at = data.index(b":1") + 1  # the first watch time that starts with 1 (key:seconds pairs)
    data[at : at + 1] = b"2"
    train.write_bytes(bytes(data))
    caplog.clear()
    run(options)
    assert ["built" in m for m in feature_log(caplog)] == [True]
    entries = cache_entries([tmp_path / "runs" / ".cache" / "features"])
    assert sorted(entries["builder"]) == ["features", "features"]  # old and new inputs
    old, new = (read_entry(Path(p)) for p in entries["path"])
    assert old.names == new.names
    changed_rows = np.unique((old.X_train != new.X_train).nonzero()[0])
    assert len(changed_rows) == 1  # the user whose watch time changed
    assert (old.X_test != new.X_test).nnz == 0

    caplog.clear()
    run(RunOptions(**{**options.__dict__, "cache": False}))
    assert ["built" in m for m in feature_log(caplog)] == [True]


def test_cache_info_lists_entries_with_their_size(tmp_path, capsys):
    store = FeatureStore(tmp_path / ".cache" / "features")
    store.get(CacheKey("hotstar", "features", inputs="abc"), small_features, FeatureSet)
    assert main(["--cache-info", "--out", str(tmp_path)]) == 0
    shown = capsys.readouterr().out
    assert "1 entries" in shown and "hotstar" in shown and "20+10 x 6" in shown
    assert main(["--cache-info", "--out", str(tmp_path / "nowhere")]) == 0
    assert "empty" in capsys.readouterr().out
