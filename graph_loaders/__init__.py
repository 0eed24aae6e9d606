"""Loaders for the marketplace input folder: read, validate, normalise, and quarantine what is bad.

``load_folder`` reads every input file (docs/architecture.md) in dependency order and returns canonical
tables with provenance plus one quarantine frame; no database code lives here.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pandas as pd

from workbench import forget_cached_file, give_back_memory
from workbench.errors import InputError
from workbench.model import INPUT_FILES, REQUIRED_FILES

from . import (
    addresses,
    complaints,
    listings,
    org_links,
    organizations,
    payments,
    seller_links,
    sellers,
    shipments,
    test_buys,
)
from .checks import FileResult, LoadContext, check_file
from .quarantine import QUARANTINE_COLUMNS
from .reader import find_input, read_table

__all__ = ["LOADERS", "LoadedInput", "analysed_file", "load_folder", "QUARANTINE_COLUMNS"]

_MODULES: tuple[ModuleType, ...] = (
    addresses,
    sellers,
    organizations,
    seller_links,
    org_links,
    listings,
    complaints,
    test_buys,
    shipments,
    payments,
)
# input kind -> loader module, in the order of INPUT_FILES (every file after what it refers to)
LOADERS: dict[str, ModuleType] = {m.SPEC.name: m for m in _MODULES}
assert list(LOADERS) == list(INPUT_FILES), "loader order must follow workbench.model.INPUT_FILES"


@dataclass
class LoadedInput:
    """The result of loading a folder: canonical tables, the quarantine and per-file counts."""

    data_dir: Path
    files: dict[str, FileResult] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    fingerprint: str = ""

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: result.table for name, result in self.files.items()}

    @property
    def quarantine(self) -> pd.DataFrame:
        frames = [r.quarantine for r in self.files.values() if len(r.quarantine)]
        if not frames:
            return pd.DataFrame(columns=QUARANTINE_COLUMNS)
        return pd.concat(frames, ignore_index=True)

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        return {name: result.counts for name, result in self.files.items()}

    @property
    def renamed_columns(self) -> dict[str, dict[str, str]]:
        """Extra columns whose names could not be stored as given, per file: {stored: original}."""
        return {name: r.renamed_columns for name, r in self.files.items() if r.renamed_columns}

    @property
    def rows_read(self) -> int:
        return sum(r.read for r in self.files.values())

    def written_elsewhere(self, names: Collection[str]) -> LoadedInput:
        """This load with the tables ``names`` counted but not held (rows without columns): what
        a store's load needs of the files its ``input_writer`` wrote whole (counts, quarantine,
        fingerprint). Holding those tables kept each one the analysis let go alive until the
        writer ended, however slow the disk."""
        files = {
            name: dataclasses.replace(result, table=pd.DataFrame(index=pd.RangeIndex(len(result.table))))
            if name in names
            else result
            for name, result in self.files.items()
        }
        return dataclasses.replace(self, files=files)

    def analysed(self) -> LoadedInput:
        """This load with the columns an analysis reads only (``analysed_file``)."""
        return dataclasses.replace(self, files={n: analysed_file(r) for n, r in self.files.items()})


def analysed_file(result: FileResult) -> FileResult:
    """A loaded file with the columns an analysis reads only (``InputFile.analysed_columns`` and
    provenance; no extra column), a column of few values as a categorical (``Column.few_values``):
    what an analysis holds once the store has every column, a fifth of the tables' memory less
    (shop names, titles, dates and record ids)."""
    spec = INPUT_FILES[result.name]
    kept = {*spec.analysed_columns, "provenance"}
    table = result.table[[c for c in result.table.columns if c in kept]]
    few = [c.name for c in spec.columns if c.few_values and c.name in table.columns]
    if few:
        table = table.astype({c: "category" for c in few})
    return dataclasses.replace(result, table=table)


def load_folder(
    data_dir: Path | str,
    default_country: str = "86",
    on_file: Callable[[str], None] | None = None,
    keep: Callable[[FileResult], FileResult] | None = None,
) -> LoadedInput:
    """Load every input file present in ``data_dir``; raise InputError if the folder is unusable.
    ``keep``: what becomes of each file once checked; it returns what the load holds of it (the
    store's writer takes the whole file and leaves the columns an analysis reads)."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError(f"{data_dir}: no such folder (expected an input folder with sellers.csv)")
    paths = {name: find_input(data_dir, name) for name in LOADERS}
    missing = [name for name in REQUIRED_FILES if paths[name] is None]
    if missing:
        raise InputError(
            f"{data_dir}: missing required file(s) " + ", ".join(f"{m}.csv (or .parquet)" for m in missing)
        )
    loaded = LoadedInput(data_dir)
    context = LoadContext(default_country=default_country)
    fingerprint = hashlib.sha256()
    for name, path in paths.items():
        if path is None:
            continue
        module = LOADERS[name]
        if on_file:
            on_file(name)
        started = time.perf_counter()
        raw = read_table(path, name)
        fingerprint.update(f"{path.name}:{raw.digest}\n".encode())
        result = check_file(raw, module.SPEC, context, module.hook)
        del raw  # the text as read is the checks' to let go
        if keep is not None:
            result = keep(result)
        loaded.files[name] = result
        context.tables[name] = result.table
        loaded.seconds[name] = time.perf_counter() - started
        forget_cached_file(path)  # read and hashed: the memory is the analysis's from now on
        give_back_memory()  # a file's parse and checks, freed, under the next file's peak
    loaded.fingerprint = fingerprint.hexdigest()
    return loaded
