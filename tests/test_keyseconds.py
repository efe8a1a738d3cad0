import numpy as np
import pytest

from core.errors import DataError
from features.keyseconds import parse_pairs


def parse(values, free_text=False):
    ids = [f"u{i}" for i in range(len(values))]
    return parse_pairs(values, field="f", row_ids=ids, free_text=free_text, source="file.json")


def rows(pairs):
    frame = pairs.as_frame()
    return list(zip(frame["row"], frame["key"], frame["seconds"], strict=True))


def test_plain_pairs_with_spaces_zero_seconds_and_empty_rows():
    pairs = parse(["delhi:3492,mumbai:64", "", "chennai:77,navi mumbai:4005,mumbai:0"])
    assert pairs.n_rows == 3
    assert rows(pairs) == [
        (0, "delhi", 3492.0),
        (0, "mumbai", 64.0),
        (2, "chennai", 77.0),
        (2, "navi mumbai", 4005.0),
        (2, "mumbai", 0.0),
    ]


def test_all_rows_empty():
    pairs = parse(["", ""])
    assert len(pairs) == 0 and pairs.n_rows == 2


def test_decimal_seconds():
    assert rows(parse(["18:1372.5"])) == [(0, "18", 1372.5)]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Wild Sex", "Wild Sex"),
        ("Vintage Dhoni Comes Good with 134", "Vintage Dhoni Comes Good with 134"),
        ("Mahabharat: The Epic", "Mahabharat: The Epic"),
        ("India vs Australia, Match 5 Highlights", "India vs Australia, Match 5 Highlights"),
        ("Koffee: With, Karan: S5, Ep 3", "Koffee: With, Karan: S5, Ep 3"),
        ("Ends with colon:", "Ends with colon:"),
    ],
)
def test_free_text_titles_keep_spaces_digits_commas_and_colons(title, expected):
    pairs = parse([f"{title}:79,Other Show:5"], free_text=True)
    assert rows(pairs) == [(0, expected, 79.0), (0, "Other Show", 5.0)]


def test_free_text_ambiguous_colon_digits_comma_splits_there():
    # The documented rule: ':<digits>,' always ends a pair, even inside what was meant as a title.
    pairs = parse(["Score 2:1, Final:30"], free_text=True)
    assert rows(pairs) == [(0, "Score 2", 1.0), (0, " Final", 30.0)]


def test_rows_are_assigned_to_the_right_users_over_many_rows():
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 5, size=300)
    values = [",".join(f"k{j}:{j}" for j in range(c)) for c in counts]
    pairs = parse(values)
    assert np.array_equal(np.bincount(pairs.row, minlength=300), counts)


@pytest.mark.parametrize(
    ("value", "free_text", "message"),
    [
        ("delhi:34,mumbai", False, "'mumbai' has no ':'"),
        ("delhi:3x", False, "'delhi:3x' has seconds that are not a non-negative number"),
        ("delhi:-3", False, "not a non-negative number"),
        ("a:b:3", False, "more than one ':'"),
        ("Show:abc", True, "'Show:abc' has seconds that are not"),
        ("Show A:3,Show B", True, "'Show B' has no ':'"),
    ],
)
def test_bad_pairs_name_the_file_user_field_and_pair(value, free_text, message):
    with pytest.raises(DataError) as info:
        parse(["ok:1", value], free_text=free_text)
    text = str(info.value)
    assert "file.json" in text and "user 'u1'" in text and "field 'f'" in text
    assert message in text
