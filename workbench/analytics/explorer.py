"""The network explorer's index, computed with the analysis and kept in the store: who uses which
identifier, both ways, as two sorted tables that the app searches by bisection (its first open reads
them instead of grouping every link into Python dictionaries)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from workbench.provenance import Provenance

__all__ = [
    "explorer_table",
    "explorer_tables",
    "start_explorer_index",
    "SortedGroups",
    "EXPLORER_TABLES",
]

EXPLORER_TABLES = ("explorer_by_seller", "explorer_by_identifier")
_SEP = "\x1f"  # between kind and value in an identifier's key: no identifier holds it
_LINK_COLUMNS = ["seller_id", "kind", "value", "provenance"]  # what the index reads of the links
# rows picked and written at a time: the index is never held whole (its tables are as long as
# the links), and the sort holds row numbers only
_BATCH_ROWS = 1 << 19


# each table of the index sorted in Arrow's C++, which leaves the interpreter free for the
# analysis beside it and holds only the row order: DuckDB's sort, held to 300 MB there, spilled
# and took 22 s for the 8 million links of a million sellers, Arrow 11 s
def _by_seller(links: pa.Table, cited: Provenance | None = None) -> Iterator[pa.Table]:
    """The links sorted by seller (a stable sort: a seller's links stay in input order).
    ``cited``: the links' provenance, when ``links`` holds its row numbers instead (told as text
    a batch at a time)."""
    order = pc.sort_indices(links, sort_keys=[("seller_id", "ascending")])
    for start in range(0, max(len(order), 1), _BATCH_ROWS):
        batch = _as_text(links.take(order[start : start + _BATCH_ROWS]))
        if cited is not None:
            told = cited.take(batch.column("provenance").to_numpy()).arrow_text()
            batch = batch.set_column(batch.column_names.index("provenance"), "provenance", told)
        yield batch


def _same(a: pa.Array, b: pa.Array) -> pa.Array:
    """Row by row, whether ``a`` and ``b`` hold the same value (two missing values are the same)."""
    both_missing = pc.and_(pc.is_null(a), pc.is_null(b))
    return pc.or_(pc.fill_null(pc.equal(a, b), False), both_missing)


def _by_identifier(links: pa.Table, cited: Provenance | None = None) -> Iterator[pa.Table]:
    """Each distinct (identifier, seller) pair once, sorted by kind, value and seller, with the
    key the app searches by bisection (kind and value joined by ``_SEP``)."""
    pairs = links.select(["kind", "value", "seller_id"])
    order = pc.sort_indices(_sort_keys(pairs), sort_keys=[(c, "ascending") for c in pairs.column_names])
    last = _as_text(pairs.slice(0, 0))  # the row before this batch: a pair across two batches is kept once
    for start in range(0, max(len(order), 1), _BATCH_ROWS):
        batch = _as_text(pairs.take(order[start : start + _BATCH_ROWS]))
        # each row against the row before it (the first row of all has none): sorted, a repeated
        # pair is a row the same as the one before
        before = pa.concat_tables([last, batch.slice(0, max(batch.num_rows - 1, 0))])
        first = batch.num_rows - before.num_rows
        repeat = np.zeros(batch.num_rows, dtype=bool)
        repeat[first:] = True
        for name in pairs.column_names:
            repeat[first:] &= _same(batch.column(name).slice(first), before.column(name)).to_numpy()
        last = batch.slice(max(batch.num_rows - 1, 0))
        kept = batch.filter(pa.array(~repeat)).combine_chunks()
        yield pa.table(
            {
                "key": pc.binary_join_element_wise(
                    kept.column("kind"), kept.column("value"), pa.scalar(_SEP, pa.large_string())
                ),
                "kind": kept.column("kind"),
                "value": kept.column("value"),
                "seller_id": kept.column("seller_id"),
            }
        )


_BATCHES: dict[str, Callable[..., Iterator[pa.Table]]] = {
    "explorer_by_seller": _by_seller,
    "explorer_by_identifier": _by_identifier,
}


def _link_table(links: pd.DataFrame) -> tuple[pa.Table, Provenance | None]:
    """The columns the index reads, as Arrow, one array per column: the loader's are already (no
    copy then); picking rows of a column in pieces (a store's row groups) joined them all first,
    once per batch. Provenance held as numbers stays so: the table holds each link's row, and
    the provenance is returned beside it."""
    cited = links["provenance"].array
    if not isinstance(cited, Provenance):
        return pa.Table.from_pandas(links[_LINK_COLUMNS], preserve_index=False).combine_chunks(), None
    table = pa.Table.from_pandas(links[_LINK_COLUMNS[:-1]], preserve_index=False).combine_chunks()
    # held beside detection, scores and tracing: 4 bytes a link where they fit (0.3 GB at 10 M)
    rows = np.arange(len(links), dtype=np.int32 if len(links) < 2**31 else np.int64)
    return table.append_column("provenance", pa.array(rows)), cited


def _text(column: pa.ChunkedArray | pa.Array):
    """A column the analysis holds as codes (a link's kind) as text; any other as it is."""
    if not pa.types.is_dictionary(column.type):
        return column
    value_type = column.type.value_type
    return column.cast(pa.large_string() if pa.types.is_null(value_type) else value_type)


def _as_text(table: pa.Table) -> pa.Table:
    """``table`` with its columns held as codes as text: what the index keeps, made batch by
    batch (a whole column of text again was 110 MiB a million sellers)."""
    for i, column in enumerate(table.columns):
        table = table.set_column(i, table.field(i).name, _text(column))
    return table


def _sort_keys(table: pa.Table) -> pa.Table:
    """The columns to sort ``table`` by, in order: a column held as codes is sorted by its codes
    when its values are in order (as the analysis's categoricals are), which orders it as its text."""
    columns = {}
    for name in table.column_names:
        column = table.column(name)  # as it is: joining its chunks copies even one
        if pa.types.is_dictionary(column.type):
            column = column.combine_chunks()  # its codes, a byte a row
            values = column.dictionary.to_pylist()
            column = column.indices if values == sorted(values) else _text(column)
        columns[name] = column
    return pa.table(columns)


def explorer_table(links: pd.DataFrame, name: str) -> pd.DataFrame:
    """One table of the explorer's index (``EXPLORER_TABLES``) from the seller links: a caller
    that writes them one by one holds one at a time."""
    return pa.concat_tables(_BATCHES[name](*_link_table(links))).combine_chunks().to_pandas()


def start_explorer_index(store, links: pd.DataFrame) -> Callable[[bool], None]:
    """Start building the explorer's index in ``store``, each table written batch by batch as
    Arrow sorts it (on the embedded store beside what the caller does next, into its file without
    holding it: 2 GiB less at a million sellers); the function returned keeps it (``True``,
    inside a transaction) or drops it (``False``)."""
    started = [
        store.result_later(name, lambda name=name: _BATCHES[name](*_link_table(links)))
        for name in EXPLORER_TABLES
    ]

    def finish(keep: bool = True) -> None:
        try:
            for one in started:
                one(keep)
        except BaseException:
            for one in started:
                one(False)  # the others' files go too (one already kept is in the rolled-back transaction)
            raise

    return finish


def explorer_tables(links: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Both tables of the explorer's index: the links by seller and the pairs by identifier."""
    return {name: explorer_table(links, name) for name in EXPLORER_TABLES}


class SortedGroups(Mapping):
    """A read-only mapping ``key -> rows`` over a table sorted by key: a lookup is two binary
    searches, and no dictionary of every key is ever built.

    >>> links = pd.DataFrame({"seller_id": ["S1", "S2", "S1"], "kind": ["phone"] * 3,
    ...     "value": ["1", "1", "2"], "provenance": ["a", "b", "c"]})
    >>> t = explorer_tables(links)
    >>> SortedGroups.by_seller(t["explorer_by_seller"])["S1"]
    [('phone', '1', 'a'), ('phone', '2', 'c')]
    >>> SortedGroups.by_identifier(t["explorer_by_identifier"]).get(("phone", "1"))
    ['S1', 'S2']
    """

    def __init__(self, keys: np.ndarray, columns: list[np.ndarray], decode=None):
        self._keys = keys
        self._columns = columns
        self._decode = decode or (lambda key: key)
        self._encode = None
        self._distinct = None
        self._table = None  # an identifier index's kinds and values, for searching
        self._lower = None

    @classmethod
    def by_seller(cls, table: pd.DataFrame) -> SortedGroups:
        return cls(
            table["seller_id"].to_numpy(dtype=object),
            # the columns stay as read (Arrow strings): only the rows a lookup returns become Python
            [table[c].array for c in ("kind", "value", "provenance")],
        )

    @classmethod
    def by_identifier(cls, table: pd.DataFrame) -> SortedGroups:
        keys = table["key"].to_numpy(dtype=object)
        groups = cls(
            keys, [table["seller_id"].to_numpy(dtype=object)], decode=lambda k: tuple(k.split(_SEP, 1))
        )
        groups._encode = lambda key: f"{key[0]}{_SEP}{key[1]}"
        groups._table = table[["kind", "value"]]
        return groups

    def _rows(self, key) -> tuple[int, int]:
        wanted = self._encode(key) if self._encode else key
        return (
            int(np.searchsorted(self._keys, wanted, side="left")),
            int(np.searchsorted(self._keys, wanted, side="right")),
        )

    def __getitem__(self, key):
        start, stop = self._rows(key)
        if start == stop:
            raise KeyError(key)
        if len(self._columns) == 1:
            return self._columns[0][start:stop].tolist()
        return list(zip(*(c[start:stop].tolist() for c in self._columns), strict=True))

    def __contains__(self, key) -> bool:
        start, stop = self._rows(key)
        return stop > start

    def _unique(self) -> np.ndarray:
        if self._distinct is None:
            self._distinct = pd.unique(self._keys)  # sorted already: the table is
        return self._distinct

    def __iter__(self) -> Iterator:
        return (self._decode(k) for k in self._unique())

    def __len__(self) -> int:
        return len(self._unique())

    def size(self, key) -> int:
        """How many rows ``key`` has (an identifier's seller count) without copying them."""
        start, stop = self._rows(key)
        return stop - start

    def matching(self, needles: dict[str, str], any_kind: str) -> list:
        """Keys whose value holds ``any_kind`` (any kind), or ``needles[kind]`` for their kind;
        vectorised over the whole table (an identifier search must not loop in Python)."""
        if self._lower is None:
            self._lower = self._table["value"].str.lower()
        hit = self._lower.str.contains(any_kind, regex=False)
        forms: dict[str, list[str]] = {}
        for kind, form in needles.items():
            forms.setdefault(form, []).append(kind)
        for form, kinds in forms.items():  # kinds whose normal form is the same text: one pass
            hit |= self._table["kind"].isin(kinds) & self._lower.str.contains(form, regex=False)
        return [self._decode(k) for k in pd.unique(self._keys[hit.to_numpy(dtype=bool)])]
