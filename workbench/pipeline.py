"""The batch contract (docs/architecture.md): load, detect rings, trace upstream, write the four outputs."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from graph_loaders import LoadedInput, load_folder

from . import __version__, arrays_kept_for_reuse, give_back_memory
from .analytics.communities import (
    CommunityEngine,
    assign_stable_ids,
    connected_rings,
    detect_communities,
    rings_from_communities,
)
from .analytics.decisions import CONFLICT_COLUMNS, apply_membership, apply_sources, cut_cannot_links, in_force
from .analytics.evidence import evidence_graph, evidence_links, shared_identifiers
from .analytics.explorer import start_explorer_index
from .analytics.flows import FLOW_COLUMNS, RECEIVER_COLUMNS, coverage, flow_receivers, money_flows
from .analytics.grouped import joined_per_group
from .analytics.membership import ASSOCIATE_COLUMNS, split_core
from .analytics.resolution import RESOLVED_COLUMNS, Resolution, resolve_entities
from .analytics.ring_summary import place_tables, ring_summary
from .analytics.scoring import score_rings
from .analytics.screening import WATCH_COLUMNS, watch_index
from .analytics.settings import AnalysisSettings
from .analytics.upstream import upstream_sources
from .config import Settings
from .errors import WorkbenchError
from .safe_output import write_csv
from .store.base import RING_COLUMNS, UPSTREAM_COLUMNS, GraphStore, source_name

__all__ = [
    "AnalysisResult",
    "Findings",
    "analyze",
    "load_into_store",
    "detect_rings",
    "trace_upstream",
    "detect_and_trace",
    "write_findings",
]

Step = Callable[[str], None]


@dataclass
class Findings:
    """What detection, scoring and tracing found, as frames (store-agnostic)."""

    rings: pd.DataFrame  # seller_id, ring_id, ring_score (the batch contract)
    settings: AnalysisSettings
    ring_scores: pd.DataFrame = field(default_factory=pd.DataFrame)  # score, signals, reasons, value
    members: pd.DataFrame = field(default_factory=pd.DataFrame)  # member evidence with provenance
    suppressed: pd.DataFrame = field(default_factory=pd.DataFrame)  # hubs: kind, value, degree, cap
    upstream: pd.DataFrame = field(default_factory=pd.DataFrame)  # ranked sources, evidence text
    paths: pd.DataFrame = field(default_factory=pd.DataFrame)  # every hop of the evidence paths
    history: pd.DataFrame = field(default_factory=pd.DataFrame)  # ring id lineage vs previous run
    # sellers tied to a ring by weak ties only: associated, not established (never in rings)
    associates: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ASSOCIATE_COLUMNS))
    decisions: pd.DataFrame = field(default_factory=pd.DataFrame)  # investigators' decisions in force
    conflicts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CONFLICT_COLUMNS))
    decisions_applied: int = 0
    # identifiers of ring members and banned or closed sellers, for screening new registrations
    watch: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=WATCH_COLUMNS))
    # with an increment: sellers it touched, sellers detected again, rings kept as they were
    incremental: dict = field(default_factory=dict)
    # rings new, grown, shrunk, merged, split or gone against the store's last analysis
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    # address and organisation records resolved into entities (None: not resolved yet)
    resolution: Resolution | None = None
    # money between accounts, and where money and goods concentrate, rings or none
    flows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FLOW_COLUMNS))
    receivers: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RECEIVER_COLUMNS))
    # which analyses the input allowed, and for those skipped the files they lacked
    coverage: dict = field(default_factory=dict)

    @property
    def resolved(self) -> pd.DataFrame:
        """``resolved.csv``: every address and organisation record with its entity."""
        return (
            self.resolution.records if self.resolution is not None else pd.DataFrame(columns=RESOLVED_COLUMNS)
        )


@dataclass
class AnalysisResult:
    """What one run produced, in memory, beside the files it wrote."""

    loaded: LoadedInput
    findings: Findings
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def rings(self) -> pd.DataFrame:
        return self.findings.rings

    def summary(self) -> dict:
        rows = self.loaded.rows_read
        load_seconds = self.timings.get("load", 0.0)
        scores = self.findings.ring_scores
        return {
            "files": self.loaded.counts,
            # extra columns whose names were not safe to store as given: {file: {stored: original}}
            "renamed_columns": self.loaded.renamed_columns,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "loader_rows_per_second": round(rows / load_seconds) if load_seconds else None,
            "rows_read": rows,
            "rings": int(self.rings["ring_id"].nunique()),
            # rings scored at or over [scoring] flag_score: what investigators are shown first
            "flagged_rings": int(
                self.rings.loc[
                    self.rings["ring_score"] >= self.findings.settings.flag_score, "ring_id"
                ].nunique()
            ),
            "sellers_in_rings": len(self.rings),
            "rings_over_referral_threshold": int(scores["over_referral_threshold"].sum())
            if len(scores)
            else 0,
            "associates": len(self.findings.associates),
            # which analyses ran on this input, and what each skipped one lacked
            "analyses": self.findings.coverage,
            "entities": self.findings.resolution.summary() if self.findings.resolution else {},
            "incremental": self.findings.incremental,
            "ring_changes": self.findings.changes["change"].value_counts().to_dict()
            if len(self.findings.changes)
            else {},
            "suppressed_identifiers": len(self.findings.suppressed),
            "decisions": {
                "in_force": len(self.findings.decisions),
                "applied": self.findings.decisions_applied,
                "conflicts": len(self.findings.conflicts),
            },
            "method": self.findings.settings.method,
            "settings": self.findings.settings.as_dict(),
            "input_fingerprint": self.loaded.fingerprint,
            "version": __version__,
        }


@contextmanager
def _timed(timings: dict[str, float], step: str, on_step: Step | None):
    if on_step:
        on_step(step)
    started = time.perf_counter()
    yield
    give_back_memory()  # what the step freed (the analysis's steps keep it for the next one)
    timings[step] = time.perf_counter() - started


def load_into_store(
    data_dir: Path,
    store: GraphStore | None,
    settings: Settings,
    on_file: Step | None = None,
    source: str | None = None,
    bulk=None,
    keep=None,
) -> tuple[LoadedInput, dict[str, float]]:
    """Load ``data_dir`` and, when a store is given, write it there as the new version of
    ``source`` (idempotently). With ``bulk`` (the local Neo4j server the store is on), a first load
    goes through Neo4j's offline bulk importer instead of batched transactions. ``keep``: what
    becomes of each file once checked (``load_folder``)."""
    timings: dict[str, float] = {}
    with _timed(timings, "load", None):
        loaded = load_folder(data_dir, settings.default_country, on_file=on_file, keep=keep)
    if store is not None:
        with _timed(timings, "store", None):
            if bulk is not None:
                from .store.bulk_import import bulk_first_load

                timings.update(bulk_first_load(store, bulk, loaded, source))
            else:
                store.load(loaded, source=source)
    return loaded, timings


@dataclass
class Increment:
    """What a day's data touched, and the last analysis's rings to keep where it touched nothing."""

    touched: set[str]  # sellers named by the new data
    previous_core: pd.DataFrame  # seller_id, ring_id, evidence_weight (the store's ring members)
    previous_associates: pd.DataFrame  # ASSOCIATE_COLUMNS

    @classmethod
    def of(cls, store: GraphStore, new: dict[str, pd.DataFrame]) -> Increment:
        touched: set[str] = set()
        for name, columns in (
            ("sellers", ["seller_id"]),
            ("seller_links", ["seller_id"]),
            ("listings", ["seller_id"]),
        ):
            frame = new.get(name)
            if frame is not None and len(frame):
                touched |= set(frame[columns[0]])
        shipments = new.get("shipments")
        if shipments is not None and len(shipments):
            for side in ("sender", "recipient"):
                touched |= set(shipments.loc[shipments[f"{side}_kind"] == "seller", f"{side}_id"])
        members = store.result("members")
        core = (
            members[["seller_id", "ring_id", "evidence_weight"]]
            if len(members)
            else store.rings()[["seller_id", "ring_id"]]
        )
        return cls(touched, core, store.result("associates").reindex(columns=ASSOCIATE_COLUMNS))


def _touched_part(evidence, increment: Increment):
    """The evidence graph's components the increment touches, grown until every earlier ring is
    either wholly inside them or wholly outside (a ring merged by hand may span components)."""
    previous = increment.previous_core
    touched = set(increment.touched)
    while True:
        detected, affected = evidence.touching(touched)
        rings = set(previous.loc[previous["seller_id"].isin(affected), "ring_id"])
        grown = affected | set(previous.loc[previous["ring_id"].isin(rings), "seller_id"])
        if grown <= affected:
            return detected, affected
        touched = grown


def _concerning(decisions: pd.DataFrame, sellers: set[str], previous: pd.DataFrame) -> pd.DataFrame:
    """The membership decisions about the part an increment re-detects (a seller or a ring there)."""
    if decisions.empty:
        return decisions
    rings = set(previous.loc[previous["seller_id"].isin(sellers), "ring_id"])

    def about(row) -> bool:
        sides = json.loads(row["sides"] or "{}")
        named = {row["subject"], row["target"], *(s for side in sides.values() for s in side)}
        return bool(named & sellers) or bool(named & rings)

    return decisions[decisions.apply(about, axis=1).astype(bool)]


# the analysis, past the load's peak, keeps the memory it frees for the arrays after it
@arrays_kept_for_reuse()
def detect_rings(
    tables: dict[str, pd.DataFrame],
    settings: AnalysisSettings,
    timings: dict[str, float] | None = None,
    previous_rings: pd.DataFrame | None = None,
    on_step: Step | None = None,
    engine: CommunityEngine | None = None,
    decisions: pd.DataFrame | None = None,
    increment: Increment | None = None,
) -> tuple[Findings, pd.DataFrame]:
    """Rings with stable ids, their core members (corroborated ties), associates, scores and
    member evidence, with investigators' ``decisions`` applied; also the evidence links used.

    With an ``increment``, only the connected parts of the evidence graph that hold a seller it
    touched are detected again; every other ring is kept as the last analysis left it."""
    findings, links, _ = _detect(
        tables, settings, timings, previous_rings, on_step, engine, decisions, increment
    )
    return findings, links


def _detect(
    tables, settings, timings, previous_rings, on_step, engine, decisions, increment
) -> tuple[Findings, pd.DataFrame, dict[str, pd.DataFrame]]:
    """``detect_rings``, with the tables as the entities found made them (tracing reads those)."""
    timings = {} if timings is None else timings
    decisions = in_force(decisions)
    incremental: dict = {}
    with _timed(timings, "resolve", on_step):
        resolution = resolved_entities(tables, settings, decisions)
        tables = resolution.apply(tables)
    with _timed(timings, "evidence", on_step):
        links = evidence_links(tables)
        evidence = evidence_graph(links, settings)
    with _timed(timings, "detect", on_step):
        # the evidence step's freed memory and, below, the community step's graph: kept, the
        # community graph and the core's split stacked 2.2 GiB on them at ten million sellers
        give_back_memory(within_analysis=True)
        members, affected = _communities(tables, evidence, settings, engine, decisions, increment)
        here = decisions
        if increment is not None and affected is not None:
            here = _concerning(decisions, affected, increment.previous_core)
        # decisions name rings by the ids investigators saw: carry those over first
        members, _ = assign_stable_ids(members, previous_rings)
        give_back_memory(within_analysis=True)
        members, confirmed, merged, conflicts, applied = apply_membership(
            members, evidence, links, here, settings
        )
        core, associates = split_core(
            members, links, settings, confirmed, keep_whole=merged, identifiers=evidence.identifiers
        )
        if increment is not None and affected is not None:
            core, associates, incremental = _with_untouched_rings(core, associates, increment, affected)
        # the ring id lineage is about rings (core members), not about every community
        members, history = assign_stable_ids(core, previous_rings)
        renamed = dict(zip(core["ring_id"], members["ring_id"], strict=True))
        associates = associates.assign(ring_id=associates["ring_id"].map(renamed))
    with _timed(timings, "score", on_step):
        scores = score_rings(members[["seller_id", "ring_id"]], tables, settings)
        rings = members.merge(scores[["ring_id", "ring_score"]], on="ring_id")
        shared = shared_identifiers(links, members[["seller_id", "ring_id"]], settings, evidence.identifiers)
        member_evidence = _member_evidence(members, shared)
    with _timed(timings, "watch", on_step):
        watch = watch_index(tables, members[["seller_id", "ring_id"]], evidence.suppressed, settings, links)
    findings = Findings(
        rings=rings[RING_COLUMNS].sort_values(["ring_id", "seller_id"], ignore_index=True),
        ring_scores=scores.sort_values("ring_score", ascending=False, ignore_index=True),
        members=member_evidence,
        suppressed=evidence.suppressed,
        history=history,
        settings=settings,
        associates=associates,
        decisions=decisions,
        conflicts=pd.DataFrame(conflicts, columns=CONFLICT_COLUMNS),
        decisions_applied=applied,
        resolution=resolution,
        watch=watch,
        incremental=incremental,
    )
    return findings, links, tables


def _communities(tables, evidence, settings: AnalysisSettings, engine, decisions, increment):
    """Communities of the evidence graph as candidate rings (``seller_id, ring_id,
    evidence_weight``), and the sellers detected again (None: all of them)."""
    if settings.method == "wcc":
        # the baseline: components over strong identifiers, no weights, no hub suppression
        members = connected_rings(tables["seller_links"]).assign(evidence_weight=float("nan"))
        return members, None
    detected, affected = evidence, None
    if increment is not None:
        detected, affected = _touched_part(evidence, increment)
    # sellers an investigator said are different operations are never tied here
    cut = cut_cannot_links(detected, decisions)
    communities = detect_communities(cut, settings, engine)
    return rings_from_communities(communities, cut, settings), affected


def _with_untouched_rings(core, associates, increment: Increment, affected: set[str]):
    """The rings the new data did not reach added back as the last analysis left them, with the
    increment's figures for summary.json."""
    previous = increment.previous_core
    kept = previous[
        ~previous["ring_id"].isin(set(previous.loc[previous["seller_id"].isin(affected), "ring_id"]))
    ]
    kept_rings = set(kept["ring_id"])
    core = pd.concat([core, kept.reindex(columns=core.columns)], ignore_index=True)
    was = increment.previous_associates
    associates = pd.concat([associates, was[was["ring_id"].isin(kept_rings)]], ignore_index=True)
    incremental = {
        "touched_sellers": len(increment.touched),
        "sellers_detected_again": len(affected),
        "rings_kept_as_they_were": len(kept_rings),
    }
    return core, associates, incremental


def resolved_entities(
    tables: dict[str, pd.DataFrame], settings: AnalysisSettings, decisions: pd.DataFrame | None
) -> Resolution:
    """The entities behind the address and organisation records (none when ``[entities]``
    resolve is off), with investigators' same-entity and different-entities decisions."""
    if not settings.resolve_entities:
        return Resolution()
    return resolve_entities(tables, settings.match_probability, decisions)


@arrays_kept_for_reuse()
def trace_upstream(
    findings: Findings,
    tables: dict[str, pd.DataFrame],
    links: pd.DataFrame | None = None,
    timings: dict[str, float] | None = None,
    on_step: Step | None = None,
    resolved_tables: dict[str, pd.DataFrame] | None = None,
) -> Findings:
    """Add ranked upstream sources and their evidence paths to ``findings``; goods and money of
    the records of one company add up, and ``aliases`` lists its other records.

    ``resolved_tables`` are ``tables`` with the findings' entities applied, when the caller
    made them already (detection does: applying them again cost seconds per million rows)."""
    timings = {} if timings is None else timings
    with _timed(timings, "trace", on_step):
        if findings.resolution is None:
            findings.resolution = resolved_entities(tables, findings.settings, findings.decisions)
        resolution = findings.resolution
        findings.coverage = coverage(tables)
        tables = resolution.apply(tables) if resolved_tables is None else resolved_tables
        findings.flows = money_flows(tables)
        findings.receivers = flow_receivers(tables)
        links = evidence_links(tables) if links is None else links
        findings.upstream, findings.paths = upstream_sources(
            findings.rings[["seller_id", "ring_id"]],
            tables,
            findings.settings,
            links,
            findings.suppressed,
            resolution.aliases("org"),
        )
        if len(findings.decisions):
            # a decision names the record the investigator saw; it counts for its entity
            named = findings.decisions.assign(
                subject=findings.decisions["subject"].replace(resolution.entity_of("org").to_dict())
            )
            findings.upstream, conflicts, applied = apply_sources(findings.upstream, named, findings.rings)
            findings.conflicts = pd.concat(
                [findings.conflicts, pd.DataFrame(conflicts, columns=CONFLICT_COLUMNS)], ignore_index=True
            )
            findings.decisions_applied += applied
    return findings


@arrays_kept_for_reuse()
def detect_and_trace(
    tables: dict[str, pd.DataFrame],
    settings: AnalysisSettings | None = None,
    timings: dict[str, float] | None = None,
    previous_rings: pd.DataFrame | None = None,
    on_step: Step | None = None,
    engine: CommunityEngine | None = None,
    decisions: pd.DataFrame | None = None,
    increment: Increment | None = None,
) -> Findings:
    """Rings, their scores and member evidence, and upstream sources, from loaded tables."""
    settings = settings or AnalysisSettings.load()
    timings = {} if timings is None else timings
    findings, links, resolved = _detect(
        tables, settings, timings, previous_rings, on_step, engine, decisions, increment
    )
    return trace_upstream(findings, tables, links, timings, on_step, resolved_tables=resolved)


def write_findings(
    store: GraphStore,
    findings: Findings,
    tables: dict[str, pd.DataFrame] | None = None,
    explorer: Callable[[bool], None] | None = None,
) -> None:
    """Keep rings, sources and the evidence behind them in the store (one transaction).

    ``tables`` are the input tables the findings were made from, when the caller holds them (the
    same rows the store holds): the explorer's index and the rings table are built from them
    instead of a second copy read back from the store. ``explorer`` finishes an explorer's index
    started earlier (``start_explorer_index``) instead of building it here."""
    tables = place_tables(store, tables)
    with store.transaction():
        store.write_rings(findings.rings, method=findings.settings.method)
        store.write_meta_entry("analysis", findings.settings.as_dict())
        store.write_upstream(findings.upstream)
        for name in (
            "ring_scores",
            "members",
            "suppressed",
            "paths",
            "history",
            "associates",
            "conflicts",
            "resolved",
            "watch",
            "changes",
            "flows",
            "receivers",
        ):
            store.write_result(name, getattr(findings, name))
        # the network explorer's index, so the app's first open reads it instead of building it
        (explorer or start_explorer_index(store, tables["seller_links"]))(True)
        # and the rings as the pages list them
        store.write_result(
            "ring_table",
            ring_summary(
                findings.rings,
                findings.ring_scores,
                findings.upstream,
                findings.suppressed,
                tables,
            ),
        )
        store.write_meta_entry("coverage", findings.coverage)


CHANGE_COLUMNS = ["ring_id", "change", "members_added", "members_removed", "previous_ring_ids"]


def ring_changes(previous: pd.DataFrame | None, rings: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """What this analysis changed against the store's last one: rings new, grown, shrunk, merged,
    split or dissolved, with the members that came and went (``changes.csv``)."""
    if previous is None or previous.empty:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    before = previous.groupby("ring_id")["seller_id"].agg(set)
    after = rings.groupby("ring_id")["seller_id"].agg(set)
    events = history.groupby("ring_id")["event"].agg(lambda e: sorted(set(e))) if len(history) else {}
    sources = (
        history.dropna(subset=["previous_ring_id"])
        .groupby("ring_id")["previous_ring_id"]
        .agg(lambda p: sorted(set(p)))
        if len(history)
        else {}
    )
    rows = []
    for ring_id, members in after.items():
        was = before.get(ring_id, set())
        event = [e for e in events.get(ring_id, []) if e != "kept"] if len(events) else []
        change = (
            event[0]
            if event
            else "new"
            if not was
            else "grew"
            if members - was
            else "shrank"
            if was - members
            else ""
        )
        if not change:
            continue
        rows.append(
            {
                "ring_id": ring_id,
                "change": change,
                "members_added": ";".join(sorted(members - was)),
                "members_removed": ";".join(sorted(was - members)),
                "previous_ring_ids": ";".join(p for p in sources.get(ring_id, []) if p != ring_id)
                if len(sources)
                else "",
            }
        )
    for ring_id in sorted(set(before.index) - set(after.index)):
        rows.append(
            {
                "ring_id": ring_id,
                "change": "gone",
                "members_added": "",
                "members_removed": ";".join(sorted(before[ring_id])),
                "previous_ring_ids": "",
            }
        )
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


def _member_evidence(members: pd.DataFrame, shared: pd.DataFrame) -> pd.DataFrame:
    """One row per member: its evidence weight and the identifiers tying it to its ring."""
    if members.empty:
        return members.assign(evidence="", kinds="")
    items = shared.assign(
        item=shared["kind"].astype("str")
        + " "
        + shared["value"]
        + " (shared with "
        + shared["shared_with"].astype(str)
        + ", "
        + shared["provenance"]
        + ")"
    )
    member = ["ring_id", "seller_id"]
    text = joined_per_group(items, member, "item", " | ", distinct=False, sort=False).rename("evidence")
    kinds = joined_per_group(shared, member, "kind", ",").rename("kinds")
    out = members.join(text, on=["ring_id", "seller_id"]).join(kinds, on=["ring_id", "seller_id"])
    return out.fillna({"evidence": "", "kinds": ""}).sort_values(["ring_id", "seller_id"], ignore_index=True)


def analyze(
    data_dir: Path | str,
    out_dir: Path | str,
    store: GraphStore | None = None,
    settings: Settings | None = None,
    on_step: Step | None = None,
    analysis: AnalysisSettings | None = None,
    source: str | None = None,
    incremental: bool = False,
    bulk=None,
) -> AnalysisResult:
    """Run load, ring detection and upstream tracing, and write the batch contract's outputs plus the
    evidence behind them (ring_scores, ring_members, suppressed, upstream_paths, ring_history)."""
    settings = settings or Settings.from_env()
    analysis = analysis or AnalysisSettings.load()
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise WorkbenchError(f"--out {out_dir}: is a file; name a folder for the results")
    started = time.perf_counter()
    if on_step:
        on_step("load")
    # the store's copy of the input is written beside the analysis when the analysis reads the
    # loaded tables, not the store's (one source, an embedded store, no increment)
    stored = None
    later = (
        store is not None
        and bulk is None
        and not store.remote
        and not incremental
        and set(store.source_names()) <= {source_name(Path(data_dir), source)}
    )
    # where the store can, it writes each file whole as soon as the file is checked, and the load
    # holds the columns an analysis reads
    writer = store.input_writer() if later else None
    try:
        loaded, timings = load_into_store(
            Path(data_dir),
            None if later else store,
            settings,
            on_file=on_step,
            source=source,
            bulk=bulk,
            keep=writer.take if writer is not None else None,
        )
    except BaseException:
        if writer is not None:
            writer.drop()
        raise
    if later:
        stored = store.load_later(loaded, source, writer)
        timings["store"] = 0.0  # what writing it kept the analysis waiting, once it ends
    # the analysis holds the columns it reads only: the others go once the store has them (the
    # store's writer kept only those already; otherwise the load beside it holds the whole tables
    # until written)
    loaded = loaded.analysed()
    previous = store.rings() if store is not None else None
    if incremental and store is None:
        raise WorkbenchError("--incremental adds a day's data to a store: give --store DIR or --neo4j URI")
    increment = Increment.of(store, loaded.tables) if incremental and len(previous) else None
    tables = loaded.tables
    if store is not None and (store.remote or incremental or len(store.source_names()) > 1):
        # analyse what the store holds: every source, and on a database what the round trip gave
        with _timed(timings, "read_back", on_step):
            tables = store.input_tables()
    # a Neo4j store can run the community step in the database (--method gds)
    engine = store.community_engine() if store is not None else None
    decisions = store.decisions() if store is not None else None
    explorer = None

    def step(name: str) -> None:
        # the explorer's index depends on the input links only: it is built beside the analysis
        # from detection on, past the evidence graph's memory peak (started with the evidence
        # step, the two peaks met at 4.0 GiB at a million sellers), while detection, scores, the
        # watch list and tracing keep one core busy
        nonlocal explorer
        if name == "detect" and store is not None and explorer is None:
            explorer = start_explorer_index(store, tables["seller_links"])
        if on_step:
            on_step(name)

    try:
        findings = detect_and_trace(tables, analysis, timings, previous, step, engine, decisions, increment)
        findings.changes = ring_changes(previous, findings.rings, findings.history)
        if stored is not None:
            with _timed(timings, "store", None):
                stored, wait = None, stored
                wait()
        if store is not None:
            with _timed(timings, "write_back", on_step):
                write_findings(store, findings, tables, explorer)
                explorer = None
    except BaseException as exc:
        if stored is not None:  # the load goes on to its end, as it would have before the analysis
            try:
                stored()
            except Exception as failed:
                exc.add_note(f"the load into the store failed too: {failed}")
        raise
    finally:
        if explorer is not None:  # the analysis failed: its index is not kept
            explorer(False)
    result = AnalysisResult(loaded, findings, timings)
    with _timed(timings, "write", on_step):
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, frame in (
            ("rings", findings.rings),
            # the contract's columns; the store keeps names, kinds, shares and exclusivity too
            ("upstream", findings.upstream[UPSTREAM_COLUMNS]),
            ("quarantine", loaded.quarantine),
            ("ring_scores", findings.ring_scores),
            ("ring_members", findings.members),
            ("suppressed", findings.suppressed),
            ("upstream_paths", findings.paths),
            ("ring_history", findings.history),
            ("associates", findings.associates),
            ("conflicts", findings.conflicts),
            ("resolved", findings.resolved),
            ("changes", findings.changes),
            ("flows", findings.flows),
            ("flow_receivers", findings.receivers),
        ):
            write_csv(frame, out_dir / f"{name}.csv")
    timings["total"] = time.perf_counter() - started
    (out_dir / "summary.json").write_text(json.dumps(result.summary(), indent=2, default=str))
    return result
