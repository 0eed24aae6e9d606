"""Investigators' decisions applied to every analysis: fixed membership, must-link and
cannot-link on the community step, confirmed and rejected sources in the ranking, and a
conflict reported wherever new data contradicts a decision.

A decision names what the investigator saw (ring ids and members at the time): ring ids carry
over between runs, but a decision is applied to the sellers it was about, so it keeps its
meaning when rings split, merge or are renamed. A conflicting decision stays in force and is
listed for review; it is never dropped and never obeyed without a word.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.store.base import DECISION_COLUMNS

from .communities import ring_id_for
from .evidence import EvidenceGraph
from .membership import ring_ties
from .settings import AnalysisSettings

__all__ = [
    "DECISION_KINDS",
    "DECISION_COLUMNS",
    "CONFLICT_COLUMNS",
    "in_force",
    "sources_only",
    "make_decision",
    "identity_shared",
    "split_decision",
    "decide",
    "cut_cannot_links",
    "apply_membership",
    "apply_sources",
    "current_ring",
    "record_kind",
]

# kind -> (what the first argument names, what the second names)
DECISION_KINDS: dict[str, tuple[str, str]] = {
    "not-member": ("seller", "ring"),
    "member": ("seller", "ring"),
    "same-operation": ("ring", "ring"),
    "different-operations": ("seller", "seller"),
    "not-source": ("org", "ring"),
    "source": ("org", "ring"),
    "withdraw": ("decision", ""),
    # entity resolution: two address records (or two organisation records) are one place or
    # company (must-link), or never (cannot-link)
    "same-entity": ("record", "record"),
    "different-entities": ("record", "record"),
    # screening: a new registration's hit confirmed (it is that ring's) or dismissed
    "hit-confirmed": ("registration", "ring"),
    "hit-dismissed": ("registration", "ring"),
}
# subject: a seller, a ring (same-operation), an org or a decision (withdraw); target: a ring or
# a second seller; sides: JSON, the sellers on each side as the investigator saw them; known:
# JSON, the identity-grade identifiers tying the two sides then (what is new later is a conflict)
CONFLICT_COLUMNS = ["decision_id", "kind", "subject", "target", "conflict"]


def in_force(decisions: pd.DataFrame | None) -> pd.DataFrame:
    """Decisions not withdrawn, oldest first (a later decision on the same thing wins)."""
    if decisions is None or decisions.empty:
        return pd.DataFrame(columns=DECISION_COLUMNS)
    withdrawn = set(decisions.loc[decisions["kind"] == "withdraw", "subject"])
    active = decisions[(decisions["kind"] != "withdraw") & ~decisions["decision_id"].isin(withdrawn)]
    return active.sort_values("decided_at", kind="stable", ignore_index=True)


def make_decision(
    kind: str,
    subject: str,
    target: str,
    reason: str,
    decided_by: str,
    rings: pd.DataFrame,
    associates: pd.DataFrame,
    links: pd.DataFrame,
    decisions: pd.DataFrame,
    settings: AnalysisSettings,
) -> dict:
    """A decision record, checked against the store's current rings: what it names must exist,
    and the sellers it is about are kept with it (``sides``) with the identity-grade identifiers
    that tied them when it was made (``known``). Raises WorkbenchError naming what is wrong."""
    if kind not in DECISION_KINDS:
        raise WorkbenchError(f"decision kind must be one of {', '.join(DECISION_KINDS)}, not {kind!r}")
    if not reason.strip():
        raise WorkbenchError("give the reason for the decision (--reason): a referral must say why")
    if not decided_by.strip():
        raise WorkbenchError("say who decides")
    everyone = pd.concat([rings[["seller_id", "ring_id"]], associates[["seller_id", "ring_id"]]])
    members_of = everyone.groupby("ring_id")["seller_id"].agg(sorted)
    core_of = rings.groupby("ring_id")["seller_id"].agg(sorted)

    def ring(ring_id: str) -> list[str]:
        if ring_id not in core_of.index:
            raise WorkbenchError(f"ring {ring_id!r} is not in the store's last analysis")
        return core_of[ring_id]

    sides: dict[str, list[str]] = {}
    known: list[str] = []
    if kind == "withdraw":
        active = in_force(decisions)
        if subject not in set(active["decision_id"]):
            raise WorkbenchError(f"no decision {subject!r} in force (see `workbench decisions`)")
        target = ""
    elif kind in ("not-member", "member"):
        sides["ring"] = ring(target)
        if kind == "not-member" and subject not in members_of.get(target, []):
            raise WorkbenchError(f"seller {subject!r} is neither a member nor an associate of ring {target}")
        known = identity_shared(links, [subject], [m for m in sides["ring"] if m != subject], settings)
    elif kind == "same-operation":
        if subject == target:
            raise WorkbenchError("name two different rings to merge")
        sides = {"a": ring(subject), "b": ring(target)}
    elif kind == "different-operations":
        if subject == target:
            raise WorkbenchError("name two different sellers")
        sides = {"a": [subject], "b": [target]}
        known = identity_shared(links, [subject], [target], settings)
    elif kind in ("same-entity", "different-entities"):
        if subject == target:
            raise WorkbenchError("name two different records")
    elif kind in ("hit-confirmed", "hit-dismissed"):
        if target:
            sides["ring"] = ring(target)
    else:  # source, not-source: an organisation and the ring it supplies
        sides["ring"] = ring(target)
    return {
        "kind": kind,
        "subject": subject,
        "target": target,
        "sides": json.dumps(sides),
        "known": json.dumps(known, ensure_ascii=False),
        "reason": reason.strip(),
        "decided_by": decided_by.strip(),
    }


def split_decision(
    ring_id: str,
    chosen: list[str],
    reason: str,
    decided_by: str,
    rings: pd.DataFrame,
    links: pd.DataFrame,
    settings: AnalysisSettings,
) -> dict:
    """A split of ``ring_id`` by hand: the ``chosen`` members are a different operation from the
    rest of the ring's core members (one ``different-operations`` decision with both sides)."""
    core = sorted(rings.loc[rings["ring_id"] == ring_id, "seller_id"])
    chosen = sorted(set(chosen))
    rest = [m for m in core if m not in chosen]
    if not chosen or not rest or not set(chosen) <= set(core):
        raise WorkbenchError(f"choose some, not all, of ring {ring_id}'s core members to split off")
    if not reason.strip():
        raise WorkbenchError("give the reason for the decision: a referral must say why")
    return {
        "kind": "different-operations",
        "subject": chosen[0],
        "target": rest[0],
        "sides": json.dumps({"a": rest, "b": chosen}),
        "known": json.dumps(identity_shared(links, rest, chosen, settings), ensure_ascii=False),
        "reason": reason.strip(),
        "decided_by": decided_by.strip(),
    }


def sources_only(decisions: pd.DataFrame) -> pd.DataFrame:
    """The decisions about upstream sources."""
    return decisions[decisions["kind"].isin(["source", "not-source"])].reset_index(drop=True)


def _sides(decision) -> dict[str, list[str]]:
    return json.loads(decision.sides or "{}")


def identity_shared(links: pd.DataFrame, a: list[str], b: list[str], settings: AnalysisSettings) -> list[str]:
    """Identity-grade identifiers (``kind value``) held by a seller of ``a`` and one of ``b``."""
    held = links[links["kind"].isin(settings.identity_kinds)][["seller_id", "kind", "value"]]
    held = held.assign(item=held["kind"].astype("str") + " " + held["value"])
    return sorted(
        set(held.loc[held["seller_id"].isin(a), "item"]) & set(held.loc[held["seller_id"].isin(b), "item"])
    )


def cut_cannot_links(evidence: EvidenceGraph, decisions: pd.DataFrame) -> EvidenceGraph:
    """The evidence graph without the ties between sellers an investigator said are different
    operations (cannot-link on the community step)."""
    split = decisions[decisions["kind"] == "different-operations"]
    if split.empty or evidence.edges.empty:
        return evidence
    position = pd.Series(np.arange(len(evidence.sellers)), index=evidence.sellers)
    a, b = evidence.edges["a"].to_numpy(), evidence.edges["b"].to_numpy()
    cut = np.zeros(len(a), dtype=bool)
    for decision in split.itertuples(index=False):
        sides = _sides(decision)
        left = position.reindex(sides.get("a", [])).dropna().astype(np.int64).to_numpy()
        right = position.reindex(sides.get("b", [])).dropna().astype(np.int64).to_numpy()
        cut |= (np.isin(a, left) & np.isin(b, right)) | (np.isin(a, right) & np.isin(b, left))
    return EvidenceGraph(
        evidence.sellers,
        evidence.edges[~cut].reset_index(drop=True),
        evidence.suppressed,
        evidence.identifiers,
    )


def _split_ring(ring: pd.DataFrame, left: list[str], right: list[str], pairs: pd.DataFrame) -> pd.Series:
    """Side (``a`` or ``b``) of every member of a ring holding sellers of both sides: the named
    sellers where they are, every other member with the side it has most evidence to, nearest
    first; members with no evidence to either side stay with side ``a``."""
    side = pd.Series(pd.NA, index=ring["seller_id"], dtype=object)
    side[side.index.isin(left)] = "a"
    side[side.index.isin(right)] = "b"
    inside = pairs[pairs["seller_a"].isin(side.index) & pairs["seller_b"].isin(side.index)]
    both = pd.concat(
        [inside, inside.rename(columns={"seller_a": "seller_b", "seller_b": "seller_a"})], ignore_index=True
    )
    while side.isna().any():
        known = both[both["seller_b"].map(side).notna() & both["seller_a"].map(side).isna()]
        if known.empty:
            break
        pull = known.assign(to=known["seller_b"].map(side)).groupby(["seller_a", "to"])["weight"].sum()
        best = pull.groupby(level=0).idxmax()
        strongest = pull.groupby(level=0).max().idxmax()
        side[strongest] = best[strongest][1]
    return side.fillna("a")


def apply_membership(
    members: pd.DataFrame,
    evidence: EvidenceGraph,
    links: pd.DataFrame,
    decisions: pd.DataFrame,
    settings: AnalysisSettings,
) -> tuple[pd.DataFrame, set[str], set[str], list[dict], int]:
    """Apply membership decisions to ``members`` (``seller_id, ring_id, ...``, stable ids).

    Returns the members after the decisions, the sellers confirmed as core, the rings merged by
    hand (kept whole afterwards), the conflicts and how many decisions took effect.
    """
    state = _Membership(members.copy(), evidence, links, settings)
    apply = {
        "same-operation": state.same_operation,
        "different-operations": state.different_operations,
        "not-member": state.not_member,
        "member": state.member,
    }
    applied = 0
    for decision in decisions.itertuples(index=False):
        if decision.kind in apply:
            applied += apply[decision.kind](decision, _sides(decision))
    members = state.members
    if "evidence_weight" in members:
        members["evidence_weight"] = members["evidence_weight"].fillna(0.0)
    return members.reset_index(drop=True), state.fixed, state.merged, state.conflicts, applied


class _Membership:
    """The members as decisions change them, one decision at a time (each sees the ones before),
    with what they confirmed, merged and found contradicted. Each kind's method says whether the
    decision took effect."""

    def __init__(self, members: pd.DataFrame, evidence: EvidenceGraph, links, settings: AnalysisSettings):
        self.members, self.evidence, self.links, self.settings = members, evidence, links, settings
        self.fixed: set[str] = set()
        self.merged: set[str] = set()
        self.conflicts: list[dict] = []
        self._pairs = None  # the evidence between sellers, built only if a split needs it

    def _ring_of(self) -> pd.Series:
        return self.members.set_index("seller_id")["ring_id"]

    def conflict(self, decision, text: str) -> None:
        self.conflicts.append(
            {
                "decision_id": decision.decision_id,
                "kind": decision.kind,
                "subject": decision.subject,
                "target": decision.target,
                "conflict": text,
            }
        )

    def new_identity(self, decision, a: list[str], b: list[str]) -> None:
        """A conflict when the data ties ``a`` and ``b`` by an identity-grade identifier the
        decision's author had not seen."""
        seen = set(json.loads(decision.known or "[]"))
        fresh = [item for item in identity_shared(self.links, a, b, self.settings) if item not in seen]
        if fresh:
            self.conflict(decision, "the data now ties them by " + ", ".join(fresh) + " (identity grade)")

    def same_operation(self, decision, sides: dict) -> bool:
        ring_of = self._ring_of()
        rings = [set(ring_of.reindex(sides.get(s, [])).dropna()) for s in ("a", "b")]
        if not rings[0] or not rings[1]:
            gone = decision.subject if not rings[0] else decision.target
            self.conflict(decision, f"no member of {gone} is in a ring in this analysis: nothing to merge")
            return False
        keep = decision.subject if decision.subject in rings[0] else min(rings[0])
        self.members.loc[self.members["ring_id"].isin(rings[0] | rings[1]), "ring_id"] = keep
        self.merged.add(keep)
        return True

    def different_operations(self, decision, sides: dict) -> bool:
        members = self.members
        ring_of = self._ring_of()
        left, right = sides.get("a", []), sides.get("b", [])
        self.new_identity(decision, left, right)
        together = set(ring_of.reindex(left).dropna()) & set(ring_of.reindex(right).dropna())
        for ring_id in sorted(together):
            ring = members[members["ring_id"] == ring_id]
            self._pairs = self.evidence.seller_pairs() if self._pairs is None else self._pairs
            side = _split_ring(ring, left, right, self._pairs)
            moving = side[side == "b"].index
            taken = set(members["ring_id"])
            name = ring_id_for(sorted(moving))
            if name in taken:
                name = ring_id_for([f"{ring_id}/{'|'.join(sorted(right))}"])
            members.loc[members["seller_id"].isin(moving), "ring_id"] = name
        return True

    def not_member(self, decision, sides: dict) -> bool:
        members = self.members
        others = [m for m in sides.get("ring", []) if m != decision.subject]
        self.new_identity(decision, [decision.subject], others)
        ring = current_ring(decision.target, others, members)
        self.members = members[~((members["seller_id"] == decision.subject) & (members["ring_id"] == ring))]
        self.fixed.discard(decision.subject)
        return True

    def member(self, decision, sides: dict) -> bool:
        ring_members = [m for m in sides.get("ring", []) if m != decision.subject]
        target = current_ring(decision.target, ring_members, self.members)
        if target is None:
            self.conflict(
                decision, f"ring {decision.target} is not in this analysis; the confirmation is kept"
            )
            return False
        members = self.members[self.members["seller_id"] != decision.subject]
        row = {"seller_id": decision.subject, "ring_id": target}
        self.members = members = pd.concat([members, pd.DataFrame([row])], ignore_index=True)
        self.fixed.add(decision.subject)
        held = ring_ties(self.links, members[members["ring_id"] == target], self.settings)
        if not (held["seller_id"] == decision.subject).any():
            self.conflict(decision, f"{decision.subject} no longer shares any identifier with ring {target}")
        return True


def current_ring(ring_id: str, seen: list[str], members: pd.DataFrame) -> str | None:
    """The ring a decision about ``ring_id`` (whose members were ``seen``) is about now: the same
    id if it is still a ring, else the ring holding most of those members, else None."""
    if ring_id in set(members["ring_id"]):
        return ring_id
    found = members.loc[members["seller_id"].isin(seen), "ring_id"]
    return str(found.value_counts().idxmax()) if len(found) else None


def apply_sources(
    upstream: pd.DataFrame, decisions: pd.DataFrame, members: pd.DataFrame
) -> tuple[pd.DataFrame, list[dict], int]:
    """Rejected sources leave a ring's ranking; confirmed ones go first, saying who confirmed
    them; a confirmed source the data no longer reaches is listed and reported. ``members``
    (``seller_id, ring_id``) finds the ring a decision is about when its id has changed."""
    conflicts: list[dict] = []
    applied = 0
    upstream = upstream.copy()
    for decision in sources_only(decisions).itertuples(index=False):
        org = decision.subject
        ring = current_ring(decision.target, _sides(decision).get("ring", []), members)
        if ring is None:
            conflicts.append(
                {
                    "decision_id": decision.decision_id,
                    "kind": decision.kind,
                    "subject": org,
                    "target": decision.target,
                    "conflict": f"ring {decision.target} is not in this analysis",
                }
            )
            continue
        row = (upstream["ring_id"] == ring) & (upstream["entity_id"] == org)
        if decision.kind == "not-source":
            upstream = upstream[~row]
            applied += 1
            continue
        note = f"confirmed by {decision.decided_by} ({decision.decided_at[:10]}): {decision.reason}"
        if not row.any():
            conflicts.append(
                {
                    "decision_id": decision.decision_id,
                    "kind": decision.kind,
                    "subject": org,
                    "target": ring,
                    "conflict": f"no goods or money path from ring {ring} reaches {org} in this data",
                }
            )
            upstream = pd.concat(
                [
                    upstream,
                    pd.DataFrame(
                        [
                            {
                                "ring_id": ring,
                                "entity_kind": "Organization",
                                "entity_id": org,
                                "score": 0.0,
                                "evidence": note,
                            }
                        ]
                    ),
                ],
                ignore_index=True,
            )
        else:
            upstream.loc[row, "evidence"] = note + " | " + upstream.loc[row, "evidence"].astype(str)
        upstream["_first"] = (upstream["ring_id"] == ring) & (upstream["entity_id"] == org)
        applied += 1
        upstream = upstream.sort_values(
            ["ring_id", "_first", "score", "entity_id"], ascending=[True, False, False, True]
        ).drop(columns="_first")
    if applied:
        upstream["rank"] = upstream.groupby("ring_id").cumcount() + 1
    return upstream.reset_index(drop=True), conflicts, applied


def record_kind(store, subject: str, target: str) -> str:
    """``address`` or ``org``: what two records an entity decision names are (both the same)."""
    kinds = []
    for record in (subject, target):
        found = [
            kind
            for kind, (table, key) in (
                ("address", ("addresses", "address_id")),
                ("org", ("organizations", "org_id")),
            )
            if record in set(store.table(table).get(key, pd.Series(dtype=object)))
        ]
        if not found:
            raise WorkbenchError(f"{record!r} is neither an address nor an organisation record in the store")
        kinds.append(found[0])
    if kinds[0] != kinds[1]:
        raise WorkbenchError(
            f"{subject!r} is an {kinds[0]} record and {target!r} an {kinds[1]} record: name two of one kind"
        )
    return kinds[0]


def decide(
    store,
    kind: str,
    subject: str,
    target: str,
    reason: str,
    decided_by: str,
    role: str | None,
    chosen: list[str] | None = None,
) -> dict:
    """Check and keep one decision in ``store`` (a GraphStore), audited; ``chosen`` makes a
    ``different-operations`` decision a split of ring ``subject`` by hand."""
    rings = store.rings()
    if rings.empty and kind not in ("withdraw", "same-entity", "different-entities", "hit-dismissed"):
        raise WorkbenchError(
            "the store has no rings yet: run `workbench analyze` or `workbench detect` first"
        )
    settings = AnalysisSettings.of_store(store.meta())
    # identity-grade identifiers are declared links only: no need to read shipments or test buys
    links = store.table("seller_links") if kind in ("member", "not-member", "different-operations") else None
    if kind in ("member", "not-member", "different-operations"):
        known = set(store.table("sellers")["seller_id"])
        named = [subject, target] if kind == "different-operations" else [subject]
        if chosen is None and (unknown := [s for s in named if s not in known]):
            raise WorkbenchError(f"seller {unknown[0]!r} is not in the store")
    if kind in ("source", "not-source"):
        orgs = store.table("organizations")
        if subject not in set(orgs["org_id"] if len(orgs) else []):
            raise WorkbenchError(f"organisation {subject!r} is not in the store")
    if kind in ("same-entity", "different-entities"):
        record_kind(store, subject, target)
    if kind in ("hit-confirmed", "hit-dismissed"):
        hits = store.result("screening")
        if subject not in set(hits["seller_id"] if len(hits) else []):
            raise WorkbenchError(f"{subject!r} is not in the store's last screening (`workbench screen`)")
    if chosen is not None:
        record = split_decision(subject, chosen, reason, decided_by, rings, links, settings)
    else:
        record = make_decision(
            kind,
            subject,
            target,
            reason,
            decided_by,
            rings,
            store.result("associates").reindex(columns=["seller_id", "ring_id"]),
            links,
            store.decisions(),
            settings,
        )
    return store.record_decision(record, role=role)
