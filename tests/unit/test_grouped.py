"""joined_per_group gives what a per-group Python join gives, and row_codes / first_rows what
pandas' groupby numbering and drop_duplicates give, and numbered_by_group what row_codes gives,
on random tables of both string storages (object and Arrow), with missing keys, empty values,
repeats and one or two keys."""

import numpy as np
import pandas as pd
import pytest

from workbench.analytics.grouped import first_rows, joined_per_group, numbered_by_group, row_codes
from workbench.frames import positions_in


def _table(seed: int, dtype: str) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 2_000
    rings = rng.choice(["R1", "R10", "R2", "环3", None], size=n, p=[0.3, 0.3, 0.2, 0.15, 0.05])
    kinds = rng.choice(["phone", "device", "bank_account"], size=n)
    # few distinct values, so groups repeat values; "" and None stand for a value left blank
    values = rng.choice(["a.csv:3", "a.csv:12", "b.csv:7", "Ünï:1", "", None], size=n)
    frame = pd.DataFrame({"ring_id": rings, "kind": kinds, "value": values})
    return frame.astype(dtype)


def _reference(frame, keys, join):
    return frame.groupby(keys, sort=True)["value"].agg(join)


@pytest.mark.parametrize("dtype", ["object", "string[pyarrow]"])
@pytest.mark.parametrize("seed", [1, 2])
def test_joined_per_group_is_the_per_group_join(seed, dtype):
    frame = _table(seed, dtype)
    filled = frame.assign(value=frame["value"].fillna("-"))
    for keys in ("ring_id", ["ring_id", "kind"]):
        cases = [
            (filled, {}, lambda v: ";".join(sorted(set(v)))),
            (filled, {"distinct": False}, lambda v: ";".join(sorted(v))),
            (filled, {"distinct": False, "sort": False}, lambda v: ";".join(v)),
            (filled, {"distinct": False, "sort": False, "limit": 3}, lambda v: ";".join(list(v)[:3])),
            (frame, {"skip_empty": True}, lambda v: ";".join(sorted({x for x in v.dropna() if x}))),
        ]
        for table, options, join in cases:
            got = joined_per_group(table, keys, "value", ";", **options)
            want = _reference(table, keys, join)
            assert got.index.equals(want.index), (keys, options)
            assert got.tolist() == [str(w) for w in want.tolist()], (keys, options)


def test_an_empty_table_gives_no_group():
    empty = pd.DataFrame({"ring_id": pd.Series(dtype=object), "value": pd.Series(dtype=object)})
    assert joined_per_group(empty, "ring_id", "value", ";").empty


@pytest.mark.parametrize("dtype", ["object", "string[pyarrow]", "str"])
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("keys", [["value"], ["kind", "value"], ["ring_id", "kind", "value"]])
def test_row_codes_number_rows_as_groupby_and_drop_duplicates_do(seed, dtype, keys):
    frame = _table(seed, dtype)
    codes = row_codes(frame, keys)
    expected = frame.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    assert codes.tolist() == expected.tolist()
    assert first_rows(codes).tolist() == (~frame.duplicated(keys)).tolist()
    kept = frame[first_rows(codes)]
    assert kept.equals(frame.drop_duplicates(keys))


def test_row_codes_of_no_rows():
    empty = pd.DataFrame({"kind": pd.Series([], dtype=str), "value": pd.Series([], dtype=str)})
    assert row_codes(empty, ["kind", "value"]).tolist() == []
    assert first_rows(row_codes(empty, ["kind", "value"])).tolist() == []


@pytest.mark.parametrize("dtype", ["object", "string[pyarrow]", "str"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_numbered_by_group_numbers_kind_and_value_pairs_as_row_codes_does(seed, dtype):
    # the table in three pieces, so an Arrow column has several chunks
    frame = _table(seed, dtype)
    frame = pd.concat([frame.iloc[:500], frame.iloc[500:1200], frame.iloc[1200:]], ignore_index=True)
    kinds = ["bank_account", "phone"]  # "device" is not counted
    kind = positions_in(frame["kind"], kinds)
    rows = np.flatnonzero(kind >= 0)
    assert (frame["kind"].iloc[rows].to_numpy() == np.array(kinds)[kind[rows]]).all()
    assert not frame["kind"].iloc[np.flatnonzero(kind < 0)].isin(kinds).any()
    got = numbered_by_group(frame["value"], rows, kind[rows])
    assert got.tolist() == row_codes(frame.iloc[rows], ["kind", "value"]).tolist()


def test_numbered_by_group_of_no_rows():
    values = pd.Series(["a", "b"], dtype=str)
    none = np.array([], dtype=np.int64)
    assert numbered_by_group(values, none, none).tolist() == []
