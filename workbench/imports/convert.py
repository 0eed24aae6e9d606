"""`workbench import`: a foreign export and its mapping in, an input folder out, every source row
accounted for (made into input rows, or quarantined with its line and reason)."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from graph_loaders.quarantine import QUARANTINE_COLUMNS
from graph_loaders.reader import find_input, read_table, write_input_csv
from workbench.errors import InputError
from workbench.model import INPUT_FILES, REQUIRED_FILES
from workbench.safe_output import write_csv

from .mapping import Mapping, ReadRule, apply_field, empty_mask, read_mapping

__all__ = ["ImportReport", "import_folder", "read_source", "write_input_folder"]

# written beside the input files; the loaders read only the input files' own names
REPORT_FOLDER = "import"
LINE_COLUMN = "@line"


@dataclass
class ImportReport:
    """What an import read and made: per source file and per input file, and what it set aside."""

    reads: dict[str, dict[str, int]] = field(default_factory=dict)
    made: dict[str, int] = field(default_factory=dict)
    merged: dict[str, int] = field(default_factory=dict)
    quarantine: list[pd.DataFrame] = field(default_factory=list)
    unplaced: dict[str, int] = field(default_factory=dict)  # FtM: entities the model has no place for

    def set_aside(self, file: str, lines, fields, values, reasons) -> None:
        self.quarantine.append(
            pd.DataFrame({"file": file, "line": lines, "field": fields, "value": values, "reason": reasons})
        )

    @property
    def quarantined(self) -> pd.DataFrame:
        frames = [q for q in self.quarantine if len(q)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=QUARANTINE_COLUMNS)

    def as_dict(self) -> dict:
        return {
            "sources": self.reads,
            "made": self.made,
            "merged_duplicates": self.merged,
            "quarantined": len(self.quarantined),
            "unplaced": self.unplaced,
        }


def read_source(path: Path, sheet: str | None = None) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """A source file as text cells with each row's line (CSV line, Parquet row, Excel sheet row),
    and the rows that could not be parsed."""
    if path.suffix.lower() == ".xlsx":
        try:
            frame = pd.read_excel(path, sheet_name=sheet or 0, dtype=str, keep_default_na=False)
        except ValueError as exc:  # a sheet that is not there
            raise InputError(f"{path.name}: {str(exc).splitlines()[0]}") from None
        except Exception as exc:  # zip or XML damage: name the file, not the library
            reason = type(exc).__name__
            raise InputError(f"{path.name}: cannot be read as an Excel workbook ({reason})") from None
        frame.columns = [str(c).strip() for c in frame.columns]
        # Excel's header is row 1, so the first data row is row 2, as in a CSV
        return frame.fillna(""), np.arange(2, 2 + len(frame)), pd.DataFrame(columns=QUARANTINE_COLUMNS)
    raw = read_table(path, path.stem)
    return raw.frame, raw.lines, raw.malformed


def _source_path(src: Path, rule: ReadRule, mapping: Mapping) -> Path:
    if src.is_file():
        if len(mapping.reads) != 1:
            raise InputError(
                f"{src}: one file, but {mapping.path.name} reads {len(mapping.reads)}; give their folder"
            )
        return src
    path = src / rule.path
    if not path.is_file():
        raise InputError(f"{mapping.path.name} line {rule.line}: {rule.path}: no such file in {src}")
    return path


def _check_columns(rule: ReadRule, columns, mapping: Mapping, file_name: str) -> None:
    for output in rule.outputs:
        for made in [*output.fields.values(), *output.extra.values()]:
            for column in made.columns:
                if column not in columns:
                    shown = ", ".join([c for c in columns if c != LINE_COLUMN][:30])
                    raise InputError(
                        f"{mapping.path.name} line {made.line}: {output.file}.{made.target}: "
                        f"column {column!r} is not in {file_name} (its columns: {shown})"
                    )


def convert(src: Path, mapping: Mapping, report: ImportReport) -> dict[str, list[pd.DataFrame]]:
    """The input rows each source file makes under ``mapping``."""
    made: dict[str, list[pd.DataFrame]] = {}
    for rule in mapping.reads:
        path = _source_path(src, rule, mapping)
        frame, lines, malformed = read_source(path, rule.sheet)
        # "@line" is the row's own line: an id for exports whose rows have none
        frame = frame.assign(**{LINE_COLUMN: lines.astype(str)})
        _check_columns(rule, frame.columns, mapping, path.name)
        report.reads[path.name] = {"read": len(frame) + len(malformed), "unreadable": len(malformed)}
        if len(malformed):
            report.quarantine.append(malformed)
        used = np.zeros(len(frame), dtype=bool)
        for output in rule.outputs:
            columns = {}
            failed = pd.Series("", index=frame.index, dtype=object)
            failed_field = pd.Series("", index=frame.index, dtype=object)
            failed_value = pd.Series("", index=frame.index, dtype=object)
            for name, field_rule in [*output.fields.items(), *output.extra.items()]:
                result = apply_field(field_rule, frame)
                columns[name] = result.values
                first = (failed == "") & (result.failed != "")
                failed = failed.mask(first, result.failed)
                failed_field = failed_field.mask(first, field_rule.describe())
                source_value = frame[field_rule.columns[0]] if field_rule.columns else ""
                failed_value = failed_value.mask(first, source_value)
            rows = pd.DataFrame(columns, index=frame.index)
            if "source_record_id" not in rows:
                # evidence cites the export's own file and line, through the input file's row
                rows["source_record_id"] = [f"{path.name}:{n}" for n in lines]
            bad = (failed != "").to_numpy()
            required = INPUT_FILES[output.file].required_columns
            empty = empty_mask(rows, required) & ~bad
            if bad.any():
                report.set_aside(
                    path.name,
                    lines[bad],
                    failed_field[bad].to_numpy(),
                    failed_value[bad].astype(str).str[:200].to_numpy(),
                    (failed[bad] + f" (no {output.file} row made)").to_numpy(),
                )
            if empty.any():
                missing = [
                    ", ".join(c for c in required if rows[c].iloc[i] == "") for i in np.flatnonzero(empty)
                ]
                report.set_aside(
                    path.name,
                    lines[empty],
                    [f"{output.file}.{m}" for m in missing],
                    "",
                    f"empty, so no {output.file} row made (mapping line {output.line})",
                )
            keep = ~bad & ~empty
            used |= keep
            made.setdefault(output.file, []).append(rows[keep].assign(_line=lines[keep], _file=path.name))
        report.reads[path.name]["made_rows"] = int(used.sum())
    return made


def _merge_keys(file: str, frames: list[pd.DataFrame], report: ImportReport) -> pd.DataFrame:
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    key = list(INPUT_FILES[file].key)
    if not key or not len(frame):
        return frame
    # one entity per key (a bank named by many transfers is one organisation): the first row is kept;
    # a later row that says something else is set aside with where the kept one came from
    content = [c for c in frame.columns if c not in ("source_record_id", "_line", "_file")]
    repeated = frame.duplicated(key, keep="first")
    same = frame.duplicated(content, keep="first")
    report.merged[file] = int((repeated & same).sum())
    differs = repeated & ~same
    if differs.any():
        first = frame.drop_duplicates(key, keep="first").set_index(key)["source_record_id"]
        kept_at = (
            frame.loc[differs, key].apply(tuple, axis=1).map(lambda k: first.loc[k[0] if len(k) == 1 else k])
        )
        report.set_aside(
            "",
            frame.loc[differs, "_line"].to_numpy(),
            f"{file}.{'+'.join(key)}",
            frame.loc[differs, key[0]].to_numpy(),
            ("made before from " + kept_at.astype(str) + " with other values; the first is kept").to_numpy(),
        )
        report.quarantine[-1]["file"] = frame.loc[differs, "_file"].to_numpy()
    return frame[~repeated].reset_index(drop=True)


def write_input_folder(made: dict[str, list[pd.DataFrame]], out: Path, report: ImportReport) -> None:
    """Write the input files (the required ones header-only when nothing made them)."""
    for file in INPUT_FILES:
        frames = made.get(file, [])
        if not frames and file not in REQUIRED_FILES:
            continue
        frame = _merge_keys(file, frames, report)
        spec = INPUT_FILES[file]
        columns = [c for c in spec.column_names if c in frame.columns or spec.column(c).required]
        extra = [c for c in frame.columns if c not in columns and c not in ("_line", "_file")]
        frame = frame.reindex(columns=columns + extra, fill_value="")
        report.made[file] = len(frame)
        write_input_csv(frame, out / f"{file}.csv")


def prepare_out(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: is a file; name a folder for the input files")
    held = [name for name in INPUT_FILES if out.is_dir() and find_input(out, name)]
    if held:
        raise InputError(f"--out {out}: already holds {held[0]} input; name a new folder")
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_report(out: Path, report: ImportReport, mapping_path: Path | None) -> None:
    folder = out / REPORT_FOLDER
    folder.mkdir(exist_ok=True)
    (folder / "report.json").write_text(json.dumps(report.as_dict(), indent=2))
    write_csv(report.quarantined, folder / "quarantine.csv")
    if mapping_path is not None:
        shutil.copyfile(mapping_path, folder / mapping_path.name)


def import_folder(src: Path, mapping_path: Path, out: Path) -> ImportReport:
    """Convert ``src`` (a folder, or one file) with the mapping at ``mapping_path`` into ``out``."""
    src = Path(src)
    if not src.exists():
        raise InputError(f"{src}: no such file or folder")
    mapping = read_mapping(Path(mapping_path))
    report = ImportReport()
    made = convert(src, mapping, report)
    prepare_out(Path(out))
    write_input_folder(made, Path(out), report)
    write_report(Path(out), report, Path(mapping_path))
    return report
