import numpy as np
import pandas as pd
import pytest

from competitions import COMPETITIONS
from core.errors import SubmissionError
from submissions.formats import ProbabilityCSV

FORMAT = ProbabilityCSV(id_column="ID", columns=("segment",))
IDS = ["test-0", "test-1", "test-2"]


def good() -> pd.DataFrame:
    return pd.DataFrame({"ID": IDS, "segment": [0.1, 0.5, 0.9]})


def test_a_good_frame_passes():
    FORMAT.validate(good(), IDS)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: f.rename(columns={"segment": "target"}), "columns are"),
        (lambda f: f[["segment", "ID"]], "columns are"),
        (lambda f: f.assign(ID=["test-0", "test-0", "test-2"]), "duplicate IDs"),
        (lambda f: f.assign(ID=["test-0", "test-1", "test-9"]), "IDs not in the test file"),
        (lambda f: f.iloc[:2], "test IDs missing"),
        (lambda f: f.assign(segment=[0.1, np.nan, 0.2]), "NaN"),
        (lambda f: f.assign(segment=[0.1, 1.5, 0.2]), r"outside \[0, 1\]"),
        (lambda f: f.assign(segment=[-0.1, 0.5, 0.2]), r"outside \[0, 1\]"),
    ],
)
def test_validator_rejects_bad_frames(mutate, message):
    with pytest.raises(SubmissionError, match=message):
        FORMAT.validate(mutate(good()), IDS)


def test_rows_must_sum_to_one_when_declared():
    fmt = ProbabilityCSV(id_column="device_id", columns=("a", "b"), rows_sum_to_one=True)
    frame = pd.DataFrame({"device_id": ["d1"], "a": [0.5], "b": [0.6]})
    with pytest.raises(SubmissionError, match="sum to 1"):
        fmt.validate(frame, ["d1"])


def test_invalid_predictions_write_nothing(tmp_path):
    target = tmp_path / "submission.csv"
    with pytest.raises(SubmissionError):
        FORMAT.write(target, IDS, np.array([0.1, np.nan, 0.3]))
    with pytest.raises(SubmissionError, match="shape"):
        FORMAT.write(target, IDS, np.array([0.1, 0.3]))
    assert list(tmp_path.iterdir()) == []


def test_written_file_is_exact_and_reproducible(tmp_path):
    first = FORMAT.write(tmp_path / "a.csv", IDS, np.array([0.1, 0.123456789, 1.0]))
    second = FORMAT.write(tmp_path / "b.csv", IDS, np.array([0.1, 0.123456789, 1.0]))
    assert first.read_bytes() == second.read_bytes()
    assert first.read_text() == "ID,segment\ntest-0,0.100000\ntest-1,0.123457\ntest-2,1.000000\n"


@pytest.mark.parametrize("name", COMPETITIONS.names())
def test_every_competition_declares_a_submission_file_name(name):
    assert COMPETITIONS.get(name).submission.filename


def test_atomic_write_gives_the_usual_file_mode(tmp_path):
    import os

    path = FORMAT.write(tmp_path / "s.csv", IDS, np.array([0.1, 0.2, 0.3]))
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_the_native_writer_gives_pandas_bytes_on_awkward_ids_and_half_way_values(tmp_path):
    rng = np.random.default_rng(0)
    values = rng.dirichlet(np.ones(3), size=200)
    values[0] = [0.0000005, 0.1234565, 0.8765430]  # halves at the sixth decimal
    values[1] = [1e-15, 0.9999999, 0.0000001]
    ids = [str(i) for i in rng.integers(-(2**62), 2**62, size=200)]
    ids[2:7] = ["a,b", 'q"x', " spaced ", "é", "two\nlines"]
    fmt = ProbabilityCSV(id_column="device_id", columns=("a", "b", "c"))
    written = fmt.write(tmp_path / "submission.csv", ids, values).read_bytes()
    frame = fmt.build(ids, values)
    expected = frame.to_csv(index=False, float_format="%.6f", lineterminator="\n").encode()
    assert written == expected
