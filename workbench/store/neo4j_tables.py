"""How the Neo4j store's tables and Neo4j's rows convert into each other: property projections,
safe property names, plain values, exact datetimes, and frames read back typed and in input order."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.model import INPUT_FILES, PROPERTY_NAME

__all__ = ["datetime_columns", "projection", "quote", "values", "epoch_parts", "frame_of"]


def datetime_columns(name: str) -> list[str]:
    return [c.name for c in INPUT_FILES[name].columns if c.type == "datetime"]


def projection(var: str, name: str) -> str:
    """``var``'s properties as a map, datetimes as ISO text (decoded in bulk by pandas)."""
    overrides = "".join(f", {c}: toString({var}.{c})" for c in datetime_columns(name))
    return f"{var} {{.*{overrides}}}"


def quote(name: str) -> str:
    """A property name as a Cypher identifier. Only names of the model's pattern get here (the
    loaders store any other column under a generated name); anything else is refused outright, as
    Neo4j reads escapes such as ``\\u0060`` inside a quoted name as a backtick."""
    if not PROPERTY_NAME.match(name):
        raise WorkbenchError(f"refusing to write a property named {name!r}: not a safe property name")
    return "`" + name + "`"


def values(column: pd.Series) -> list:
    """A column as plain Python values, missing ones as None (Neo4j stores no nulls)."""
    return column.astype(object).where(column.notna(), None).tolist()


def epoch_parts(column: pd.Series) -> tuple[list, list]:
    """Datetimes as whole epoch seconds and nanoseconds (exact, and cheap to send)."""
    missing = column.isna().to_numpy()
    micros = column.dt.as_unit("us").array.asi8
    seconds, rest = np.divmod(micros, 1_000_000)
    seconds = [None if m else s for s, m in zip(seconds.tolist(), missing, strict=True)]
    return seconds, (rest * 1000).tolist()


_LINE = re.compile(r":(\d+)")


def frame_of(name: str, rows: list[dict]) -> pd.DataFrame:
    """A table read back from the graph, typed and ordered as the loaders produced it."""
    spec = INPUT_FILES[name]
    frame = pd.DataFrame.from_records(rows)
    declared = list(spec.column_names)
    for column in declared:
        if column not in frame:
            frame[column] = None
    for c in spec.columns:
        if c.type == "datetime":
            frame[c.name] = pd.to_datetime(frame[c.name], utc=True, format="ISO8601")
        elif c.type == "float":
            frame[c.name] = pd.to_numeric(frame[c.name]).astype("float64")
        elif c.type == "int":
            frame[c.name] = pd.to_numeric(frame[c.name]).astype("Int64")
        else:
            frame[c.name] = frame[c.name].astype("str").where(frame[c.name].notna())
    extras = [c for c in frame.columns if c not in declared and c != "provenance"]
    frame = frame[[*declared, *extras, "provenance"]]
    # input order: by file, then by the first line each row came from
    line = frame["provenance"].str.extract(_LINE, expand=False).astype("int64")
    source = frame["provenance"].str.split(":", n=1).str[0]
    order = pd.DataFrame({"s": source, "l": line}).sort_values(["s", "l"], kind="stable").index
    return frame.loc[order].reset_index(drop=True)
