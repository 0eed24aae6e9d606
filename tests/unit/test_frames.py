"""``replaced_at`` against pandas' own replacement, on columns spliced and copied alike; ``is_in``
against pandas' ``isin``, on values in runs (looked up once a run) and not; rows picked from a
spliced column against pandas' own picking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from workbench import frames
from workbench.frames import _run_starts, is_in, replaced_at


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("changed", [1, 3, 40, 900])
def test_replaced_at_is_the_series_with_those_rows_replaced(seed, changed):
    rng = np.random.default_rng(seed)
    n = 20_000
    texts = [None if rng.random() < 0.05 else f"V{rng.integers(300)}" for _ in range(n)]
    values = pd.Series(texts, dtype="str", index=np.arange(n) * 2, name="value")
    if seed % 2:  # as a concatenation of files leaves it: several arrays under one column
        values = pd.Series(
            pa.chunked_array(
                [pa.array(texts[:7500], pa.large_string()), pa.array(texts[7500:], pa.large_string())]
            ),
            dtype="str",
            index=values.index,
            name="value",
        )
    # runs of consecutive rows, the first and the last row among them
    rows = np.unique(
        np.concatenate([rng.choice(n, changed), [0, n - 1][: seed % 3], [7, 8, 9]]).astype(np.int64)
    )
    new = np.array([None if rng.random() < 0.1 else f"E{i}" for i in range(len(rows))], dtype=object)
    expected = values.astype(object).copy()
    expected.iloc[rows] = new
    got = replaced_at(values, rows, new)
    assert got.dtype == values.dtype and got.name == "value"
    assert got.index.equals(values.index)
    assert (
        got.astype(object).where(got.notna(), None).tolist()
        == expected.where(expected.notna(), None).tolist()
    )


def test_a_few_rows_replaced_share_the_others_memory():
    values = pd.Series([f"seller-{i:08d}" for i in range(100_000)], dtype="str")
    before = pa.total_allocated_bytes()
    got = replaced_at(values, np.array([5, 50_000, 99_999]), np.array(["x", "y", "z"]))
    # a copy of the column is over a megabyte; the pieces of it are a few hundred bytes
    assert pa.total_allocated_bytes() - before < 10_000
    assert got.iloc[[4, 5, 50_000, 99_999]].tolist() == ["seller-00000004", "x", "y", "z"]


def test_no_row_replaced_is_the_column_itself():
    values = pd.Series(["a", "b"], dtype="str")
    assert replaced_at(values, np.array([], dtype=np.int64), np.array([], dtype=object)) is values


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("order", ["runs", "shuffled"])
def test_is_in_is_pandas_isin_on_runs_and_on_shuffled_values(seed, order):
    """Links one seller after another (runs of 1 to 11 rows) and the same shuffled; missing values
    inside runs; a column of two arrays, as a concatenation of files leaves it."""
    rng = np.random.default_rng(seed)
    n = 90_000
    texts = np.repeat(
        np.array([f"S{v}" for v in rng.integers(0, 4000, n)], dtype=object), rng.integers(1, 12, n)
    )[:n]
    texts[rng.random(n) < 0.02] = None
    if order == "shuffled":
        rng.shuffle(texts)
    values = pd.Series(texts, dtype="str")
    if seed % 2:
        values = pd.Series(
            pa.chunked_array([pa.array(texts[:30_000], pa.string()), pa.array(texts[30_000:], pa.string())]),
            dtype="str",
        )
    allowed = pd.Series([f"S{v}" for v in rng.integers(0, 4000, 1500)])
    assert (_run_starts(pa.array(values.astype(str))) is None) == (order == "shuffled")
    found = is_in(values, allowed)
    assert found.dtype == bool and found.tolist() == values.isin(set(allowed)).tolist()
    assert found.any() and not found.all()


def test_rows_picked_from_a_column_in_many_pieces_are_the_rows_pandas_picks(monkeypatch):
    # a links column entity resolution spliced: thousands of pieces, some values missing; blocks
    # made small so that the pick spans many of them
    monkeypatch.setattr(frames, "_TAKE_BLOCK", 1000)
    rng = np.random.default_rng(4)
    n = 20_000
    values = pd.Series([None if i % 97 == 0 else f"v{i}" for i in range(n)], dtype="str")
    renamed = np.sort(rng.choice(n, 60, replace=False))
    spliced = frames.replaced_at(values, renamed, np.array([f"new{i}" for i in range(60)]))
    assert spliced.array._pa_array.num_chunks > 100
    frame = pd.DataFrame(
        {
            "value": spliced,
            "kind": pd.Categorical(rng.choice(["ip", "phone"], n)),
            "number": np.arange(n),
        },
        index=np.arange(n) * 3,
    )
    mask = rng.random(n) < 0.3
    picked = frames.rows_of(frame, mask, ["value", "kind"])
    pd.testing.assert_frame_equal(picked, frame.loc[mask, ["value", "kind"]])
    assert picked["value"].array._pa_array.num_chunks <= n // 1000 + 1
    # positions out of order are picked as pandas picks them
    shuffled = rng.permutation(n)[:500]
    pd.testing.assert_series_equal(frames.taken(frame["value"], shuffled), frame["value"].iloc[shuffled])
    assert frames.taken(frame["value"], np.array([], dtype=np.int64)).empty


def _keyed_frames(seed: int, left_rows: int, right_rows: int):
    """Two frames keyed by seller ids drawn from overlapping ranges: repeats on both sides, keys
    one side lacks, a categorical and a number column beside."""
    rng = np.random.default_rng(seed)
    left = pd.DataFrame(
        {
            "seller_id": pd.Series([f"S{n}" for n in rng.integers(0, 40, left_rows)], dtype="str"),
            "kind": pd.Categorical(rng.choice(["phone", "email", "ip"], left_rows)),
            "price": rng.random(left_rows),
        }
    )
    right = pd.DataFrame(
        {
            "seller_id": pd.Series([f"S{n}" for n in rng.integers(20, 60, right_rows)], dtype="str"),
            "ring_id": pd.Series([f"R{n}" for n in rng.integers(0, 5, right_rows)], dtype="str"),
        }
    )
    return left, right


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("left_rows", "right_rows"), [(200, 30), (30, 200), (0, 10), (10, 0), (70_000, 50)])
def test_inner_joined_is_pandas_merge(seed, left_rows, right_rows):
    """The same rows, order, columns and types as ``merge``, whichever side is larger, with
    repeated keys on either side (many to many), on one name or two, and with empty sides; the
    long case looks its keys up by runs (``is_in``)."""
    left, right = _keyed_frames(seed, left_rows, right_rows)
    if seed % 2:
        right = right.drop_duplicates("seller_id")  # many to one, as members are
    if left_rows > 1000:
        left = left.sort_values("seller_id", kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(
        frames.inner_joined(left, right, on="seller_id"), left.merge(right, on="seller_id")
    )
    other = right.rename(columns={"seller_id": "point"})
    pd.testing.assert_frame_equal(
        frames.inner_joined(left, other, left_on="seller_id", right_on="point"),
        left.merge(other, left_on="seller_id", right_on="point"),
    )


@pytest.mark.parametrize("seed", range(4))
def test_looked_up_is_pandas_map(seed):
    left, right = _keyed_frames(seed, 300, 40)
    table = right.drop_duplicates("seller_id").set_index("seller_id")["ring_id"]
    expected = left["seller_id"].map(table)
    got = frames.looked_up(left["seller_id"], table)
    assert got.isna().tolist() == expected.isna().tolist()
    assert got.fillna("").tolist() == expected.fillna("").tolist()
    assert got.index.equals(expected.index)
    every = left["seller_id"][left["seller_id"].isin(table.index)]
    pd.testing.assert_series_equal(frames.looked_up(every, table), every.map(table))
