import numpy as np
import pytest

from core.errors import ConfigError
from core.folds import FoldScheme, iter_folds, make_folds


def test_stratified_folds_cover_each_row_once_and_keep_class_balance():
    y = np.r_[np.zeros(900, int), np.ones(100, int)]
    fold = make_folds(FoldScheme("stratified"), y, 5, seed=0)
    assert sorted(np.bincount(fold)) == [200] * 5
    for k, train_idx, valid_idx in iter_folds(fold):
        assert np.intersect1d(train_idx, valid_idx).size == 0
        assert len(train_idx) + len(valid_idx) == len(y)
        assert y[valid_idx].sum() == 20
        assert (fold[valid_idx] == k).all()


def test_folds_depend_on_the_seed_only():
    y = np.arange(100) % 2
    a = make_folds(FoldScheme(), y, 4, seed=1)
    assert np.array_equal(a, make_folds(FoldScheme(), y, 4, seed=1))
    assert not np.array_equal(a, make_folds(FoldScheme(), y, 4, seed=2))


def test_grouped_folds_never_split_a_group():
    rng = np.random.default_rng(0)
    groups = rng.integers(0, 60, size=500)
    y = rng.integers(0, 2, size=500)
    fold = make_folds(FoldScheme("group"), y, 5, seed=0, groups=groups)
    for g in np.unique(groups):
        assert len(np.unique(fold[groups == g])) == 1


def test_too_many_folds_for_the_rarest_class_is_a_config_error():
    with pytest.raises(ConfigError, match="rarest class"):
        make_folds(FoldScheme(), np.r_[np.zeros(50, int), np.ones(3, int)], 5, seed=0)
