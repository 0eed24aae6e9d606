"""Screening new storefronts at registration: each new seller's identifiers against those of the
store's ring members and banned or closed sellers, scored with the evidence weights, hubs ignored,
reasons in words. The watch index is built by every analysis and kept with the store."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.frames import is_in, looked_up, rows_of
from workbench.frames_sql import frames_sql

from .evidence import evidence_links
from .settings import AnalysisSettings

__all__ = ["SCREENING_COLUMNS", "WATCH_COLUMNS", "watch_index", "Screener"]

SCREENING_COLUMNS = ["seller_id", "risk", "ring_id", "matched_seller_id", "reasons"]
# one row per identifier of a watched seller (ring member or banned/closed): how many sellers of
# the whole store hold it, and whether it is a hub (no reason on its own)
# groups: how many operations hold it (a ring counts once, every other seller on its own)
WATCH_COLUMNS = ["kind", "value", "seller_id", "ring_id", "status", "degree", "groups", "hub"]
_WATCHED_LINKS = ["kind", "value", "seller_id"]  # what the watch list reads of the links
_KIND_WORDS = {
    "person_id": "person ID",
    "bank_account": "payout account",
    "device": "device",
    "phone": "phone",
    "email": "e-mail",
    "address": "address",
    "ip": "IP",
    "supplier": "supplier",
}


# each identifier of a watched seller once (in the order the links first give it), with every
# holder of it counted (degree) and the operations among them (a ring once, every other seller on
# its own): in DuckDB, 4.4 s -> 2.6 s of pandas merges and groupings at a million sellers. The
# query gives numbers only: the row of the links that first gives each (its kind, value and
# seller are picked from the links after), and the holders are counted per key numbered once,
# a ring once and every seller outside one on its own (no text joined per holder): 35.9 s ->
# 18.9 s at ten million sellers, where DuckDB spilled less than half as much to disk. Ring,
# status and hub are looked up after, in pandas: joined in this query too, they held memory
# DuckDB could not spill (out of memory at ten million sellers, with a limit of 256 MB to 1 GB)
_HELD = """
WITH held AS (
    SELECT kind, value, seller_id, min(_row) AS first FROM links
    WHERE seller_id IN (SELECT seller_id FROM watched) GROUP BY kind, value, seller_id
), keys AS (SELECT kind, value, row_number() OVER () AS key FROM (SELECT DISTINCT kind, value FROM held)),
holders AS (
    SELECT DISTINCT k.key, l.seller_id FROM links l
    JOIN keys k ON l.kind IS NOT DISTINCT FROM k.kind AND l.value IS NOT DISTINCT FROM k.value
),
counts AS (
    SELECT h.key, count(*) AS degree,
           count(*) FILTER (WHERE r.ring_id IS NULL) + count(DISTINCT r.ring_id) AS groups
    FROM holders h LEFT JOIN ring_of r ON h.seller_id = r.seller_id
    GROUP BY h.key
)
SELECT h.first, c.degree, c.groups
FROM held h JOIN keys k ON h.kind IS NOT DISTINCT FROM k.kind AND h.value IS NOT DISTINCT FROM k.value
JOIN counts c ON c.key = k.key
"""
# what DuckDB may hold of it: with the default half GiB the holders of ten million sellers' keys
# spill to disk (28 s; 16 s with 1 GiB, for 0.8 GiB more at a step below the analysis's peak)
_HELD_MEMORY = "1GB"


def watch_index(
    tables: dict[str, pd.DataFrame],
    rings: pd.DataFrame,
    suppressed: pd.DataFrame,
    settings: AnalysisSettings,
    links: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The identifiers of ring members and banned or closed sellers, with their store degree.

    ``tables`` and ``links`` are what the analysis read (entity ids for addresses);
    ``suppressed`` lists the hubs the analysis found."""
    links = evidence_links(tables) if links is None else links
    sellers = tables["sellers"]
    # a seller's first row gives its status (a store of several sources may name it twice)
    first = ~sellers["seller_id"].duplicated().to_numpy()
    ids = sellers["seller_id"][first]
    # as text: a fresh load holds the status as codes (``Column.few_values``)
    status = (
        sellers["status"][first].astype("str").fillna("")
        if "status" in sellers
        else pd.Series("", index=ids.index)
    )
    banned = ids[status.isin(["banned", "closed"]).to_numpy()]
    watched = pd.Series(sorted(set(rings["seller_id"]) | set(banned)), dtype="str")
    mine = is_in(ids, watched)
    # as text whatever they came as (no ring at all gives an empty column of floats)
    ring_of = rings.drop_duplicates("seller_id")[["seller_id", "ring_id"]].astype("str")
    hubs = suppressed.reindex(columns=["kind", "value"]).drop_duplicates().astype("str")
    held = frames_sql(
        _HELD,
        memory_limit=_HELD_MEMORY,
        # a kind held as codes stays codes (text again, it was 110 MiB a million sellers)
        links=links[_WATCHED_LINKS].astype(
            {c: "str" for c in _WATCHED_LINKS if not isinstance(links[c].dtype, pd.CategoricalDtype)}
        ),
        watched=pd.DataFrame({"seller_id": watched}),
        ring_of=ring_of,
    )
    if held.empty:
        return pd.DataFrame(columns=WATCH_COLUMNS)
    # in the order the links first give each, as text whatever the links hold them as
    held = held.sort_values("first", ignore_index=True)
    picked = rows_of(links, held["first"].to_numpy(), _WATCHED_LINKS)
    for column in _WATCHED_LINKS:
        held[column] = picked[column].astype("str").array
    ring = ring_of.set_index("seller_id")["ring_id"]
    # no ring at all: no look-up (its empty column of floats cannot be filled with text)
    held["ring_id"] = looked_up(held["seller_id"], ring).fillna("") if len(ring) else ""
    # every holder here is watched: looked up among the watched (a million), not every seller
    held["status"] = looked_up(held["seller_id"], status[mine].set_axis(ids[mine])).fillna("")
    # a hub the analysis suppressed: its value first (Arrow), then kind and value of those only
    on_list = np.zeros(len(held), dtype=bool)
    maybe = is_in(held["value"], hubs["value"])
    if maybe.any():
        keys = pd.MultiIndex.from_frame(held.loc[maybe, ["kind", "value"]])
        on_list[maybe] = keys.isin(pd.MultiIndex.from_frame(hubs))
    held["hub"] = (held["degree"] > settings.degree_caps(held["kind"])).to_numpy() | on_list
    return held[WATCH_COLUMNS].reset_index(drop=True)


@dataclass
class _Match:
    kind: str
    value: str
    seller_id: str
    ring_id: str
    status: str
    degree: int
    weight: float


class Screener:
    """The watch index in memory: screening a registration is a few dict look-ups."""

    def __init__(self, index: pd.DataFrame, settings: AnalysisSettings, places: pd.Series | None = None):
        self.settings = settings
        # address records another record stands for (entity resolution): look them up as the entity
        self.places = places if places is not None else pd.Series(dtype=object)
        self.hubs: dict[tuple[str, str], int] = {}
        self.by_key: dict[tuple[str, str], list[tuple[str, str, str, int]]] = defaultdict(list)
        columns = [index[c].tolist() for c in WATCH_COLUMNS]
        for kind, value, seller, ring, status, degree, groups, hub in zip(*columns, strict=True):
            if hub:
                self.hubs[(kind, value)] = int(degree)
            else:
                self.by_key[(kind, value)].append((seller, ring, status, int(groups)))
        self.place_of = self.places.to_dict()

    @classmethod
    def of_store(cls, store) -> Screener:
        """The screener of ``store``'s last analysis (its watch index and entity resolution)."""
        from workbench.errors import WorkbenchError

        index = store.result("watch")
        if store.rings().empty and index.empty:
            raise WorkbenchError(
                "the store has no analysis yet: run `workbench analyze DATA --store S` first"
            )
        resolved = store.result("resolved")
        places = pd.Series(dtype=object)
        if len(resolved):
            merged = resolved[
                (resolved["record_kind"] == "address") & (resolved["record_id"] != resolved["entity_id"])
            ]
            places = pd.Series(merged["entity_id"].to_numpy(), index=merged["record_id"].to_numpy())
        return cls(index.reindex(columns=WATCH_COLUMNS), AnalysisSettings.of_store(store.meta()), places)

    def _weight(self, kind: str, groups: int) -> float:
        # the evidence graph's weight for one more holder, rarity counted in operations: a device
        # three members of one ring share is that ring's; one five unrelated shops use is no one's
        base = self.settings.kind_weights.get(kind, 0.0)
        return base * (2.0 / (groups + 1)) ** self.settings.rarity_exponent

    def screen(self, sellers: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
        """One row per new seller (``SCREENING_COLUMNS``); ``links`` as the loaders normalise them."""
        held: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for seller, kind, value in zip(
            links["seller_id"].tolist(), links["kind"].tolist(), links["value"].tolist(), strict=True
        ):
            if kind == "address":
                value = self.place_of.get(value, value)
            held[seller].append((kind, value))
        rows = [
            self._one(seller, held.get(seller, [])) for seller in dict.fromkeys(sellers["seller_id"].tolist())
        ]
        return pd.DataFrame(rows, columns=SCREENING_COLUMNS)

    def _one(self, seller: str, keys: list[tuple[str, str]]) -> dict:
        matches: list[_Match] = []
        hubs: list[str] = []
        for kind, value in dict.fromkeys(keys):
            if (kind, value) in self.hubs:
                word, count = _KIND_WORDS.get(kind, kind), self.hubs[(kind, value)]
                hubs.append(f"{word} {value} is a hub ({count:,} sellers): no reason on its own")
                continue
            for other, ring, status, degree in self.by_key.get((kind, value), ()):
                if other != seller:
                    matches.append(
                        _Match(kind, value, other, ring, status, degree, self._weight(kind, degree))
                    )
        if not matches:
            return {
                "seller_id": seller,
                "risk": 0.0,
                "ring_id": "",
                "matched_seller_id": "",
                "reasons": "; ".join(hubs),
            }
        # each identifier counts once; the same real person as a banned seller is the strongest
        # reason there is
        banned_person = [m for m in matches if m.kind == "person_id" and m.status == "banned"]
        by_ring: dict[str, float] = defaultdict(float)
        seen: set[tuple[str, str, str]] = set()
        for m in matches:
            if m.ring_id and (m.kind, m.value, m.ring_id) not in seen:
                seen.add((m.kind, m.value, m.ring_id))
                by_ring[m.ring_id] += m.weight
        ring = max(sorted(by_ring), key=by_ring.get) if by_ring else ""
        strongest: dict[tuple[str, str], float] = {}
        for m in matches:
            strongest[(m.kind, m.value)] = max(strongest.get((m.kind, m.value), 0.0), m.weight)
        risk = 1.0 - math.prod(1.0 - min(w, 0.95) for w in strongest.values())
        if banned_person:
            risk = 1.0
        pool = banned_person or [m for m in matches if m.ring_id == ring] or matches
        best = max(pool, key=lambda m: (m.weight, m.seller_id))
        return {
            "seller_id": seller,
            "risk": round(risk, 4),
            "ring_id": ring,
            "matched_seller_id": best.seller_id,
            "reasons": "; ".join([*_reasons(matches), *hubs]),
        }


def _reasons(matches: list[_Match]) -> list[str]:
    """``same device as S0012 (ring R-3f2a, banned); phone 138... used by 3 ring members``."""
    by_key: dict[tuple[str, str], list[_Match]] = defaultdict(list)
    for m in matches:
        by_key[(m.kind, m.value)].append(m)
    out = []
    for (kind, value), found in sorted(by_key.items(), key=lambda item: -max(m.weight for m in item[1])):
        word = _KIND_WORDS.get(kind, kind)
        if len(found) == 1:
            m = found[0]
            where = ", ".join(
                x
                for x in (
                    f"ring {m.ring_id}" if m.ring_id else "",
                    m.status if m.status in ("banned", "closed") else "",
                )
                if x
            )
            out.append(f"same {word} as {m.seller_id}" + (f" ({where})" if where else ""))
        else:
            rings = sorted({m.ring_id for m in found if m.ring_id})
            banned = sum(m.status == "banned" for m in found)
            parts = [f"{len(found)} {'ring members' if rings else 'sellers'}"]
            if banned:
                parts.append(f"{banned} banned")
            where = f" (ring {', '.join(rings)})" if rings else ""
            out.append(f"{word} {value} used by {', '.join(parts)}{where}")
    return out
