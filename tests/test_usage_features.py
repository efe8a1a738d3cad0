import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from features.usage import RARE, FieldSpec, UsageFeatures


def frame(rows: dict[str, dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index")


TRAIN = frame(
    {
        "train-0": {"genres": "Cricket:300,Drama:100", "tod": "21:400", "titles": "A, B:10"},
        "train-1": {"genres": "Drama:50", "tod": "9:25,21:25", "titles": "A, B:5,C:1"},
        "train-2": {"genres": "", "tod": "", "titles": ""},
    }
)
TEST = frame({"test-0": {"genres": "Cricket:10,Kabaddi:30", "tod": "3:40", "titles": "Z:9"}})


def build(**title_options):
    spec = UsageFeatures(
        (
            FieldSpec("genres", "genre", groups=(("sports", frozenset({"Cricket", "Kabaddi"})),)),
            FieldSpec("tod", "tod", domain=tuple(str(h) for h in range(24))),
            FieldSpec("titles", "title", free_text=True, value="log_seconds", **title_options),
        )
    )
    return spec.build(TRAIN, TEST)


def test_shares_groups_and_readable_names():
    fs = build()
    assert fs.column("genre=Cricket").tolist() == pytest.approx([0.75, 0, 0])
    assert fs.column("genre=Drama").tolist() == pytest.approx([0.25, 1, 0])
    assert fs.column("genre_group=sports", "test").tolist() == pytest.approx([1.0])
    assert fs.column("tod=21").tolist() == pytest.approx([1.0, 0.5, 0])
    assert fs.column("genre:hours").tolist() == pytest.approx([400 / 3600, 50 / 3600, 0])
    assert fs.column("tod:entropy").tolist() == pytest.approx([0, np.log(2), 0], abs=1e-6)
    assert fs.column("title=A, B").tolist() == pytest.approx(np.log1p([10, 5, 0]))


def test_vocabulary_comes_from_training_rows_only():
    fs = build()
    assert "genre=Kabaddi" not in fs.names  # only a test user watched it
    assert "title=Z" not in fs.names
    # The unseen test genre still counts in the test user's aggregates.
    assert fs.column("genre:n_keys", "test").tolist() == [2]


def test_min_count_pools_rare_keys():
    fs = build(min_count=2)
    assert f"title={RARE}" in fs.names and "title=C" not in fs.names
    assert fs.column(f"title={RARE}").tolist() == pytest.approx([0, np.log1p(1), 0])


def test_closed_domain_rejects_unknown_keys_naming_user_and_field():
    bad = TRAIN.copy()
    bad.loc["train-1", "tod"] = "25:10"
    spec = UsageFeatures((FieldSpec("tod", "tod", domain=tuple(str(h) for h in range(24))),))
    with pytest.raises(DataError, match=r"user 'train-1', field 'tod': key '25' is not one of"):
        spec.build(bad, TEST, sources=("train_data.json", "test_data.json"))
