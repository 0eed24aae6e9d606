"""Declarative column mappings that turn a foreign export (CSV, Parquet, Excel) into the input format.

Modelled on FollowTheMoney's mapping files (``ftm map``): a mapping names the files to read and, for
each, the input files its rows make and which source column fills which field. One source row may
make rows of several input files, and several rows of one (a client row gives a seller and three
seller_links). A mapping is checked before any row is read; a mistake names its line.

Rules of a field, applied in this order (any may be left out)::

    column: NAME | columns: [A, B] (with join: " ")  | constant: TEXT
    strip_prefix: TEXT   split: {on: " ", part: first|last|N}   map: {WORD: VALUE}
    date: "%b %d, %Y" | iso      days_after: 2017-01-01     prefix: TEXT     default: TEXT

A field written as plain text (``shop_name: name``) is ``column: name``; the column ``@line`` is the
source row's line, an id for exports whose rows have none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from workbench.errors import InputError
from workbench.model import INPUT_FILES, PROPERTY_NAME

__all__ = ["FieldRule", "Mapping", "MappingError", "OutputRule", "ReadRule", "read_mapping"]

RULES = (
    "column",
    "columns",
    "join",
    "constant",
    "strip_prefix",
    "split",
    "map",
    "date",
    "days_after",
    "prefix",
    "default",
)
SOURCE_SUFFIXES = (".csv", ".parquet", ".xlsx")


class MappingError(InputError):
    """A mapping file that cannot be used as written; the message names the line."""


class _Located(dict):
    """A YAML mapping that remembers its line and the line of each key."""

    line: int = 0

    def __init__(self):
        super().__init__()
        self.lines: dict[str, int] = {}

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


class _Loader(yaml.BaseLoader):
    """Every scalar stays text as written (``yes`` and ``007`` are words, not a bool and a number)."""


def _located_mapping(loader: _Loader, node: yaml.MappingNode) -> _Located:
    mapping = _Located()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str):
            raise MappingError(f"line {line}: a key must be a word")
        if key in mapping:
            raise MappingError(f"line {line}: {key!r} is given twice (first on line {mapping.lines[key]})")
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = line
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _located_mapping)


@dataclass
class FieldRule:
    """How one field of an input row is made from a source row."""

    target: str
    line: int
    columns: tuple[str, ...] = ()
    join: str = " "
    constant: str | None = None
    strip_prefix: str = ""
    split_on: str | None = None
    split_part: str = "first"
    words: dict[str, str] | None = None
    date: str | None = None
    days_after: pd.Timestamp | None = None
    prefix: str = ""
    default: str = ""

    def describe(self) -> str:
        made_of = "+".join(self.columns) if self.columns else f"constant {self.constant!r}"
        return f"{self.target} <- {made_of}"


@dataclass
class OutputRule:
    """The rows of one input file that one source row makes."""

    file: str
    line: int
    fields: dict[str, FieldRule]
    extra: dict[str, FieldRule] = field(default_factory=dict)


@dataclass
class ReadRule:
    """One source file and the input rows each of its rows makes."""

    path: str
    line: int
    sheet: str | None
    outputs: list[OutputRule]


@dataclass
class Mapping:
    path: Path
    name: str
    reads: list[ReadRule]
    description: str = ""


def _fail(path: Path, line: int, message: str) -> MappingError:
    return MappingError(f"{path.name} line {line}: {message}")


def _text(value, path: Path, line: int, what: str) -> str:
    if not isinstance(value, str):
        shape = "list" if isinstance(value, list) else "mapping"
        raise _fail(path, line, f"{what} must be text, not a {shape}")
    return value


def _field_rule(spec, target: str, line: int, path: Path, file: str) -> FieldRule:
    where = f"{file}.{target}"
    if isinstance(spec, str):
        return FieldRule(target, line, columns=(spec,))
    if not isinstance(spec, _Located):
        raise _fail(path, line, f"{where}: give a column name or rules (column:, constant:, ...)")
    unknown = [k for k in spec if k not in RULES]
    if unknown:
        raise _fail(
            path,
            spec.line_of(unknown[0]),
            f"{where}: unknown rule {unknown[0]!r}; rules are {', '.join(RULES)}",
        )
    rule = FieldRule(target, spec.line)
    made = [k for k in ("column", "columns", "constant") if k in spec]
    if len(made) != 1:
        raise _fail(path, spec.line, f"{where}: give exactly one of column:, columns: or constant:")
    if "column" in spec:
        rule.columns = (_text(spec["column"], path, spec.line_of("column"), f"{where} column"),)
    elif "columns" in spec:
        columns = spec["columns"]
        if not isinstance(columns, list) or not columns or not all(isinstance(c, str) for c in columns):
            raise _fail(path, spec.line_of("columns"), f"{where}: columns: is a list of column names")
        rule.columns = tuple(columns)
    else:
        rule.constant = _text(spec["constant"], path, spec.line_of("constant"), f"{where} constant")
    for name in ("join", "strip_prefix", "prefix", "default"):
        if name in spec:
            setattr(rule, name, _text(spec[name], path, spec.line_of(name), f"{where} {name}"))
    if "split" in spec:
        split = spec["split"]
        at = spec.line_of("split")
        if not isinstance(split, _Located) or "on" not in split:
            raise _fail(
                path, at, f"{where}: split: needs on: (the separator) and part: first, last, rest or N"
            )
        rule.split_on = _text(split["on"], path, at, f"{where} split on")
        rule.split_part = str(split.get("part", "first"))
        if rule.split_part not in ("first", "last", "rest") and not re.fullmatch(r"-?\d+", rule.split_part):
            raise _fail(path, at, f"{where}: split part {rule.split_part!r}: first, last, rest or N")
    if "map" in spec:
        words = spec["map"]
        if not isinstance(words, _Located) or not all(isinstance(v, str) for v in words.values()):
            raise _fail(path, spec.line_of("map"), f"{where}: map: is source word: input value")
        rule.words = {k.strip().casefold(): v for k, v in words.items()}
    if "date" in spec:
        rule.date = _text(spec["date"], path, spec.line_of("date"), f"{where} date")
        if rule.date != "iso" and "%" not in rule.date:
            raise _fail(path, spec.line_of("date"), f"{where}: date: is a format like '%b %d, %Y', or iso")
    if "days_after" in spec:
        at = spec.line_of("days_after")
        try:
            rule.days_after = pd.Timestamp(_text(spec["days_after"], path, at, f"{where} days_after"))
        except ValueError:
            raise _fail(path, at, f"{where}: days_after: is a date like 2017-01-01") from None
    column = INPUT_FILES[file].column(target) if target in INPUT_FILES[file].column_names else None
    if column is not None and column.choices:
        # a constant or mapped word must be a value the input format knows
        for value in [rule.constant] if rule.constant is not None else list((rule.words or {}).values()):
            if value not in column.choices:
                raise _fail(path, spec.line, f"{where}: {value!r} is not one of {', '.join(column.choices)}")
    return rule


def _output_rule(spec, file: str, line: int, path: Path) -> OutputRule:
    if not isinstance(spec, _Located):
        raise _fail(path, line, f"{file}: give its fields (field: column), or a list of such blocks")
    known = INPUT_FILES[file].column_names
    fields: dict[str, FieldRule] = {}
    extra: dict[str, FieldRule] = {}
    for target, rule in spec.items():
        at = spec.line_of(target)
        if target == "extra":
            if not isinstance(rule, _Located):
                raise _fail(path, at, f"{file}.extra: is name: column, for columns the input format lacks")
            for name, extra_rule in rule.items():
                if not PROPERTY_NAME.match(name) or name in known:
                    raise _fail(
                        path,
                        rule.line_of(name),
                        f"{file}.extra.{name}: an extra column is a plain name (letters, digits, _) "
                        "that is not one of the file's own fields",
                    )
                extra[name] = _field_rule(extra_rule, name, rule.line_of(name), path, file)
            continue
        if target not in known:
            raise _fail(
                path,
                at,
                f"{file} has no field {target!r} (its fields: {', '.join(known)}); "
                "put other columns under extra:",
            )
        fields[target] = _field_rule(rule, target, at, path, file)
    missing = [c for c in INPUT_FILES[file].required_columns if c not in fields]
    if missing:
        raise _fail(path, spec.line, f"{file} needs {', '.join(missing)} (required fields of {file})")
    return OutputRule(file, spec.line, fields, extra)


def read_mapping(path: Path) -> Mapping:
    """Parse and check ``path``; raise MappingError naming the line of the first mistake."""
    path = Path(path)
    if not path.is_file():
        raise MappingError(f"--mapping {path}: no such file")
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except UnicodeDecodeError:
        raise MappingError(f"{path.name}: not UTF-8 text") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        began = (
            f"; {exc.context} on line {exc.context_mark.line + 1}"
            if exc.context and exc.context_mark and exc.context_mark is not mark
            else ""
        )
        raise MappingError(
            f"{path.name} line {mark.line + 1 if mark else '?'}: not valid YAML ({exc.problem or exc}{began})"
        ) from None
    except MappingError as exc:
        raise MappingError(f"{path.name} {exc}") from None
    if not isinstance(document, _Located) or "read" not in document:
        raise MappingError(f"{path.name}: a mapping has read: (a list of files, each with make:)")
    unknown = [k for k in document if k not in ("name", "description", "read")]
    if unknown:
        raise _fail(
            path, document.line_of(unknown[0]), f"unknown key {unknown[0]!r}; use name, description, read"
        )
    reads = document["read"]
    if not isinstance(reads, list) or not reads:
        raise _fail(path, document.line_of("read"), "read: is a list of files, each with file: and make:")
    rules = []
    for entry in reads:
        if not isinstance(entry, _Located) or "file" not in entry or "make" not in entry:
            raise _fail(path, document.line_of("read"), "each read: entry has file: and make:")
        unknown = [k for k in entry if k not in ("file", "sheet", "make")]
        if unknown:
            raise _fail(path, entry.line_of(unknown[0]), f"unknown key {unknown[0]!r}; use file, sheet, make")
        source = _text(entry["file"], path, entry.line_of("file"), "file")
        named = Path(source)
        if named.suffix.lower() not in SOURCE_SUFFIXES or named.is_absolute() or ".." in named.parts:
            raise _fail(
                path,
                entry.line_of("file"),
                f"file: {source!r}: name a .csv, .parquet or .xlsx file inside the source folder",
            )
        make = entry["make"]
        if not isinstance(make, _Located) or not make:
            raise _fail(path, entry.line_of("make"), "make: maps input file names to their fields")
        outputs = []
        for file, spec in make.items():
            at = make.line_of(file)
            if file not in INPUT_FILES:
                raise _fail(path, at, f"{file!r} is not an input file (one of: {', '.join(INPUT_FILES)})")
            for one in spec if isinstance(spec, list) else [spec]:
                outputs.append(_output_rule(one, file, one.line if isinstance(one, _Located) else at, path))
        sheet = entry.get("sheet")
        if sheet is not None:
            sheet = _text(sheet, path, entry.line_of("sheet"), "sheet")
        rules.append(ReadRule(source, entry.line, sheet, outputs))
    name = _text(document.get("name") or path.stem, path, document.line_of("name"), "name")
    return Mapping(path, name, rules, str(document.get("description", "")))


# -- applying a field rule to a column of source values (vectorised) --------------------------------


@dataclass
class Made:
    """One field's values for every source row, and the rows where a rule failed with its reason."""

    values: pd.Series
    failed: pd.Series  # reason, "" where the rule held


def apply_field(rule: FieldRule, source: pd.DataFrame) -> Made:
    n = len(source)
    if rule.constant is not None:
        values = pd.Series([rule.constant] * n, index=source.index, dtype=object)
    elif len(rule.columns) == 1:
        values = source[rule.columns[0]].astype(str).str.strip()
    else:
        parts = [source[c].astype(str).str.strip() for c in rule.columns]
        joined = parts[0]
        for part in parts[1:]:
            # a missing part leaves no dangling separator
            both = joined.str.cat(part, sep=rule.join)
            joined = both.where((joined != "") & (part != ""), joined + part)
        values = joined
    failed = pd.Series("", index=source.index, dtype=object)
    if rule.strip_prefix:
        values = values.where(~values.str.startswith(rule.strip_prefix), values.str[len(rule.strip_prefix) :])
    if rule.split_on is not None:
        pieces = values.str.split(rule.split_on, regex=False)
        if rule.split_part == "first":
            values = pieces.str[0]
        elif rule.split_part == "last":
            values = pieces.str[-1]
        elif rule.split_part == "rest":
            values = pieces.str[1:].str.join(rule.split_on)
        else:
            values = pieces.str[int(rule.split_part)]
        values = values.fillna("").astype(str).str.strip()
    filled = values != ""
    if rule.words is not None:
        mapped = values.str.casefold().map(rule.words)
        unmapped = filled & mapped.isna()
        if not rule.default:
            failed = failed.mask(unmapped, "word " + values + " is not in the mapping's map:")
        values = mapped.fillna("").astype(str)
        filled = values != ""
    if rule.date is not None:
        fmt = None if rule.date == "iso" else rule.date
        parsed = pd.to_datetime(values.where(filled), format=fmt, errors="coerce")
        bad = filled & parsed.isna()
        failed = failed.mask(bad & (failed == ""), f"not a date in the format {rule.date}")
        values = parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), "").astype(str)
        filled = values != ""
    if rule.days_after is not None:
        days = pd.to_numeric(values.where(filled), errors="coerce")
        bad = filled & days.isna()
        failed = failed.mask(bad & (failed == ""), "not a number of days")
        dates = rule.days_after + pd.to_timedelta(days.fillna(0), unit="D")
        values = dates.dt.strftime("%Y-%m-%d").where(days.notna(), "").astype(str)
        filled = values != ""
    if rule.prefix:
        values = values.where(~filled, rule.prefix + values)
    if rule.default:
        values = values.where(filled & (failed == ""), rule.default)
        failed = pd.Series("", index=source.index, dtype=object)
    return Made(values.astype(object), failed)


def empty_mask(frame: pd.DataFrame, columns) -> np.ndarray:
    return (
        np.logical_or.reduce([(frame[c] == "").to_numpy() for c in columns])
        if len(columns)
        else np.zeros(len(frame), dtype=bool)
    )
