"""SQL over frames in DuckDB (in process, on every core, spilling to disk past its memory limit):
the sorts, joins and groupings of millions of rows that pandas runs on one core.

Frames go in as Arrow tables (no copy of Arrow-backed strings) and come back as pandas frames
with the same string type the loaders give.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["ROW", "frames_sql", "frames_sql_batches"]

# DuckDB holds at most this much and spills the rest of a sort or join to a temporary folder (of
# its own, never the working folder): the analysis's tables are in memory already
_CONFIG = {"memory_limit": "512MB"}


def _config(memory_limit: str | None = None) -> dict:
    """DuckDB's settings, with a spill folder of this process's own (named when a query runs, so a
    process forked after import does not share its parent's): two analyses never share files."""
    spill = Path(tempfile.gettempdir()) / f"workbench-duckdb-{os.getpid()}"
    config = {**_CONFIG, "temp_directory": str(spill)}
    if memory_limit:  # a query's own, where it spills for want of more
        config["memory_limit"] = memory_limit
    return config


# a column of each frame's row positions, for an order that keeps ties as they came (stable)
ROW = "_row"


def _arrow(frame: pd.DataFrame) -> pa.Table:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    return table.append_column(ROW, pa.array(np.arange(len(frame), dtype=np.int64)))


def _connected(frames: dict[str, pd.DataFrame], memory_limit: str | None = None):
    import duckdb

    con = duckdb.connect(config=_config(memory_limit))
    for name, frame in frames.items():
        con.register(name, _arrow(frame))
    return con


def frames_sql(query: str, memory_limit: str | None = None, **frames: pd.DataFrame) -> pd.DataFrame:
    """Run ``query`` over ``frames`` (each a table of its keyword's name, with its row positions
    as ``_row``) and return the result as a frame; ``memory_limit`` raises DuckDB's own where a
    query spills for want of it.

    >>> links = pd.DataFrame({"seller_id": ["S2", "S1", "S2"], "value": ["b", "a", "a"]})
    >>> frames_sql("SELECT seller_id, value FROM links ORDER BY seller_id, _row", links=links)
      seller_id value
    0        S1     a
    1        S2     b
    2        S2     a
    """
    with _connected(frames, memory_limit) as con:
        # one chunk per column: pandas works on a many-chunked Arrow column far slower
        return con.sql(query).to_arrow_table().combine_chunks().to_pandas()


def frames_sql_batches(
    query: str, batch_rows: int = 1 << 20, **frames: pd.DataFrame
) -> Iterator[pa.RecordBatch]:
    """``frames_sql``'s result a batch at a time, for a result as long as its input (a number per
    row of eight million links): the caller keeps what it needs of each batch, the whole result
    is never held, nor copied into one piece.

    >>> links = pd.DataFrame({"value": ["b", "a", "c"]})
    >>> [b.num_rows for b in frames_sql_batches("SELECT _row FROM links", batch_rows=2, links=links)]
    [2, 1]
    """
    with _connected(frames) as con:
        yield from con.sql(query).to_arrow_reader(batch_rows)
