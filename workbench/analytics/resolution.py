"""Entity resolution: addresses and organisations recorded many times, written differently, joined
into entities by Fellegi-Sunter match weights over blocked record pairs, each match explained.

Records are never rewritten: an entity is a layer over them, recomputed on every analysis. Its id
is one of its own records' ids (the lowest, among those with coordinates for an address), so the
same input always gives the same entities, and what reads an entity id can look it up as a
record. Investigators' ``same-entity`` (must-link) and ``different-entities`` (cannot-link)
decisions are applied on every run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
from rapidfuzz.distance import JaroWinkler
from rapidfuzz.fuzz import token_set_ratio
from rapidfuzz.process import cpdist

from workbench.frames import is_in, looked_up, replaced_at

from .evidence import INPUT_VALUE
from .grouped import joined_per_group, row_codes
from .text_forms import address_columns, forget_texts, name_parts

__all__ = [
    "RESOLVED_COLUMNS",
    "ENTITY_DECISIONS",
    "Resolution",
    "resolve_entities",
    "match_weight",
    "address_comparisons",
    "org_comparisons",
]

RESOLVED_COLUMNS = ["record_kind", "record_id", "entity_id", "match_probability", "reasons"]
ENTITY_DECISIONS = ("same-entity", "different-entities")
RECORD_KINDS = {"address": ("addresses", "address_id"), "org": ("organizations", "org_id")}

# Fellegi-Sunter: per comparison level, (m, u) = how often the level is seen when two records are
# one place (m) and when they are two places (u); a level adds log2(m / u) to the match weight.
# A missing value adds nothing. Set from what the comparisons mean, checked on planted truth
# (`workbench bench`); they are not fitted to one scenario.
ADDRESS_LEVELS: dict[str, dict[str, tuple[float, float]]] = {
    "house number": {"equal": (0.95, 0.02), "different": (0.04, 0.98)},
    "road": {"same": (0.92, 0.08), "similar": (0.06, 0.07), "different": (0.001, 0.85)},
    "city": {"equal": (0.97, 0.3), "different": (0.02, 0.7)},
    "distance": {
        "within 100 m": (0.85, 0.005),
        "within 300 m": (0.1, 0.02),
        # geocoders agree on one building to about 100 m: identical text 300 m to 1 km apart is
        # more likely two places on one road than one place (the model then keeps them apart)
        "within 1 km": (0.004, 0.1),
        "over 1 km": (0.001, 0.957),
    },
}
ORG_LEVELS: dict[str, dict[str, tuple[float, float]]] = {
    "name": {"same": (0.9, 0.01), "similar": (0.07, 0.04), "different": (0.03, 0.95)},
    "trade": {"shared": (0.9, 0.2), "different": (0.05, 0.5)},
    "place": {
        "same address": (0.6, 0.001),
        "within 1 km": (0.1, 0.005),
        "same city": (0.25, 0.1),
        "different city": (0.01, 0.9),
    },
    "identifier": {"shared phone or account": (0.3, 0.0001)},
    "kind": {"equal": (0.9, 0.5), "different": (0.1, 0.5)},
}
# before any comparison: the chance that two records sharing a block are one place or company
PRIOR = 0.1


def match_weight(
    levels: dict[str, dict[str, tuple[float, float]]], found: dict[str, np.ndarray]
) -> np.ndarray:
    """Summed log2 Bayes factors of the comparison levels found per pair, plus the prior's: the
    Fellegi-Sunter match weight (Fellegi & Sunter 1969, "A theory for record linkage", JASA
    64:1183-1210), each level's ``(m, u)`` the chance of it among matches and among non-matches.

    >>> found = {"name": np.array(["exact", "different"])}
    >>> match_weight({"name": {"exact": (0.9, 0.01)}}, found).round(2)  # prior 0.1: -3.17
    array([ 3.32, -3.17])
    """
    # per comparison, each level's weight by the level's code (0 for a level without one, and
    # for a missing level, code -1: the last entry); a pair has one level per comparison, so
    # adding its weight alone sums what a test per level and weight added
    weighed = []
    for comparison, level in found.items():
        if isinstance(level, pd.Categorical):
            codes, names = level.codes, level.categories
        else:
            codes, names = pd.factorize(np.asarray(level))
            names = pd.Index(names)
        weight = np.zeros(len(names) + 1)
        for name, (m, u) in levels[comparison].items():
            if name in names:
                weight[names.get_loc(name)] = math.log2(m / u)
        weighed.append((codes, weight))
    prior = math.log2(PRIOR / (1 - PRIOR))

    def some(rows: slice) -> np.ndarray:
        total = np.full(len(weighed[0][0][rows]), prior)
        for codes, weight in weighed:
            total = total + weight[codes[rows]]
        return total

    return _per_pair(some, len(weighed[0][0]), np.float64)


def _probability(weight: np.ndarray) -> np.ndarray:
    return _per_pair(lambda rows: 1.0 / (1.0 + np.exp2(-weight[rows])), len(weight), np.float64)


# pairs worked on at a time: what a comparison makes per pair is bounded by this, not by the
# pairs (a float per pair of 70 million is 560 MB, and a distance took five at once). Parts small
# enough for the processor's cache were no faster inside an analysis, whose heap keeps the parts'
# memory from one to the next (10.9-11.8 s for 70 million pairs' comparisons, 64 K to 4 M pairs)
_PAIRS_AT_ONCE = 1 << 22


def _per_pair(work: Callable[[slice], np.ndarray], pairs: int, dtype) -> np.ndarray:
    """``work(rows)`` for the pairs at ``rows``, _PAIRS_AT_ONCE at a time, into one array."""
    out = np.empty(pairs, dtype=dtype)
    for start in range(0, pairs, _PAIRS_AT_ONCE):
        rows = slice(start, start + _PAIRS_AT_ONCE)
        out[rows] = work(rows)
    return out


def _metres(lat: np.ndarray, lon: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Great-circle distance between records ``i`` and ``j`` (NaN where one has no coordinates);
    what depends on one record is worked out once per record, not once per pair."""
    p = np.radians(lat)
    cos_p = np.cos(p)

    def some(rows: slice) -> np.ndarray:
        a, b = i[rows], j[rows]
        dp, dl = p[b] - p[a], np.radians(lon[b] - lon[a])
        h = np.sin(dp / 2) ** 2 + cos_p[a] * cos_p[b] * np.sin(dl / 2) ** 2
        return 2 * 6_371_000 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))

    return _per_pair(some, len(i), np.float64)


def _similarity(
    a: pd.Series, b: pd.Series, scorer=JaroWinkler.normalized_similarity, dtype=None
) -> np.ndarray:
    """``scorer`` (Jaro-Winkler unless named) of two columns of text, pair by pair, in rapidfuzz's
    C core on every core (``dtype`` np.float64 gives the figures a call per pair in Python gives;
    rapidfuzz's default is float32)."""
    if len(a) == 0:
        return np.zeros(0)
    return cpdist(a.tolist(), b.tolist(), scorer=scorer, workers=-1, dtype=dtype)


# the largest block every pair of which is compared; in a larger block each record is compared
# with its next BLOCK_WINDOW records in the block's order (sorted neighbourhood). A block grows
# with the data where its key space does not (a city's house numbers, or one address written by
# thousands of shops), so full blocks made the pairs grow with the square of the records.
BLOCK_WINDOW = 16


def _blocks(columns: dict[str, object], usable) -> np.ndarray:
    """A blocking key: one number per distinct combination of ``columns``, -1 where a record is
    not ``usable`` (it blocks with nothing). Numbers, not joined text: a million keys of text
    cost seconds to build and hash."""
    codes = row_codes(pd.DataFrame(columns), list(columns))
    return np.where(np.asarray(usable, dtype=bool), codes, -1)


def _pairs(frame: pd.DataFrame, keys: list[np.ndarray], order: np.ndarray | None = None) -> pd.DataFrame:
    """Record pairs ``i < j`` (positions) sharing a block of any key (``_blocks``).

    Within a block, records in ``order`` (a rank per record; default their position) are paired
    with their next ``BLOCK_WINDOW`` records: every pair of a block of up to ``BLOCK_WINDOW + 1``
    records, and at most ``BLOCK_WINDOW`` pairs per record of a larger one, so the pairs grow
    with the records. Pairs come key by key, each key's sorted by ``i`` then ``j``."""
    n = len(frame)
    rank = np.arange(n) if order is None else np.asarray(order, dtype=np.int64)
    # a pair is one number, i * n + j: sorting it sorts by i then j
    kept, earlier = [], []
    for key in keys:
        at = np.flatnonzero(key >= 0)
        codes = key[at]
        shared = np.bincount(codes)[codes] > 1
        at, codes = at[shared], codes[shared]
        # a block's records side by side, in its order
        sort = np.argsort(codes * n + rank[at])
        at, codes = at[sort], codes[sort]
        numbered = []
        for step in range(1, BLOCK_WINDOW + 1):
            same = codes[step:] == codes[:-step]
            if not same.any():
                break
            a, b = at[:-step][same], at[step:][same]
            numbered.append(np.minimum(a, b) * n + np.maximum(a, b))
        if numbered:
            numbers = np.sort(np.concatenate(numbered))
            # a pair two keys found is kept where it came first
            kept.append(numbers[~_paired_before(numbers, n, earlier)] if earlier else numbers)
        if len(earlier) + 1 < len(keys):  # the last key's pairs are looked up by none
            earlier.append(_arrangement(at, codes, n))
    i, j = np.divmod(np.concatenate(kept) if kept else np.zeros(0, dtype=np.int64), n)
    # a record's position in 32 bits where it fits: 70 million pairs at ten million sellers
    position = np.int32 if n <= np.iinfo(np.int32).max else np.int64
    # each column kept as it is (into one block of both, 70 million pairs were copied again)
    return pd.DataFrame({"i": i.astype(position), "j": j.astype(position)}, copy=False)


def _arrangement(at: np.ndarray, codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per record, its block under one key (-1: paired by none) and its place in the key's
    arrangement (``_pairs``): two records are a pair of that key when they share a block and lie
    at most ``BLOCK_WINDOW`` places apart."""
    width = np.int32 if n <= np.iinfo(np.int32).max else np.int64
    block = np.full(n, -1, dtype=width)
    block[at] = codes
    place = np.zeros(n, dtype=width)
    place[at] = np.arange(len(at), dtype=width)
    return block, place


def _paired_before(numbers: np.ndarray, n: int, earlier: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Which pairs (``i * n + j``) an earlier key's arrangement (``_arrangement``) pairs too: a
    test of four numbers per pair. Looked up in the earlier pairs, sorted, each took ~25 random
    reads (35 million pairs at ten million sellers: the blocking's slowest part)."""
    known = np.zeros(len(numbers), dtype=bool)
    for start in range(0, len(numbers), _PAIRS_AT_ONCE):
        rows = slice(start, start + _PAIRS_AT_ONCE)
        i, j = np.divmod(numbers[rows], n)
        for block, place in earlier:
            of_i = block[i]
            known[rows] |= (of_i >= 0) & (of_i == block[j]) & (np.abs(place[i] - place[j]) <= BLOCK_WINDOW)
    return known


def _address_frame(addresses: pd.DataFrame) -> pd.DataFrame:
    number, road, city = address_columns(addresses["text"], addresses["city"])
    return pd.DataFrame(
        {
            # the loader's array, not a Python string per id
            "record_id": pd.Series(addresses["address_id"].array),
            "number": number.tolist(),
            "road": road.tolist(),
            "city": city.tolist(),
            "lat": pd.to_numeric(addresses["lat"], errors="coerce").to_numpy(dtype=float),
            "lon": pd.to_numeric(addresses["lon"], errors="coerce").to_numpy(dtype=float),
        }
    )


ROAD_KINDS = ("road", "street", "avenue", "lane", "boulevard")


def _road_kind(roads: pd.Series) -> np.ndarray:
    """The road's last word where it is a kind of road ("" elsewhere)."""
    out = np.full(len(roads), "", dtype=object)
    for kind in ROAD_KINDS:
        # whole-column tests: splitting a million roads into words took seconds
        out[((roads == kind) | roads.str.endswith(f" {kind}")).fillna(False).to_numpy(dtype=bool)] = kind
    return out


def _levels(codes: np.ndarray, names: list[str]) -> pd.Categorical:
    """A comparison's level per pair, ``names[code]``, in a byte a pair: as text a level took 36
    to 48 bytes a pair, over a gigabyte for the pairs of three million sellers' addresses."""
    return pd.Categorical.from_codes(codes.astype(np.int8), categories=names)


def _equality(values: pd.Series, i: np.ndarray, j: np.ndarray) -> pd.Categorical:
    """ "equal" or "different" per pair of records, "" where one of the two has no value."""
    codes, uniques = pd.factorize(values)
    blank = codes == (uniques.get_loc("") if "" in uniques else -1)

    def some(rows: slice) -> np.ndarray:
        a, b = i[rows], j[rows]
        return np.where(blank[a] | blank[b], 0, np.where(codes[a] == codes[b], 1, 2))

    return _levels(_per_pair(some, len(i), np.int8), ["", "equal", "different"])


def address_comparisons(records: pd.DataFrame, pairs: pd.DataFrame) -> dict[str, np.ndarray]:
    """The comparison level of each pair for each address comparison, and the raw figures."""
    i, j = pairs["i"].to_numpy(), pairs["j"].to_numpy()
    number = _equality(records["number"], i, j)
    # a road figure depends on the two roads only: it is worked out once per pair of roads
    # (a million record pairs name a few thousand)
    roads, names = pd.factorize(records["road"])
    inverse, road_pairs = pd.factorize(
        _per_pair(
            lambda rows: roads[i[rows]].astype(np.int64) * len(names) + roads[j[rows]], len(i), np.int64
        )
    )
    first, second = pd.Series(names[road_pairs // len(names)]), pd.Series(names[road_pairs % len(names)])
    score = np.maximum(
        _similarity(first, second),
        _similarity(first, second, token_set_ratio, np.float64) / 100,
    )
    # Yucai Street and Yucai Road are two roads, however alike the words
    ka, kb = _road_kind(first), _road_kind(second)
    # and so are Longhua 2nd Road and Longhua 3rd Road (or Longhua Road), one character apart
    numbered = (
        first.str.replace(r"\D", "", regex=True).to_numpy()
        != second.str.replace(r"\D", "", regex=True).to_numpy()
    )
    score = np.where(((ka != "") & (kb != "") & (ka != kb)) | numbered, np.minimum(score, 0.5), score)
    blank = (first == "").to_numpy() | (second == "").to_numpy()
    level = np.where(blank, 0, np.where(score >= 0.94, 1, np.where(score >= 0.85, 2, 3)))
    road_score = score[inverse]
    road = _levels(
        _per_pair(lambda rows: level[inverse[rows]], len(i), np.int8), ["", "same", "similar", "different"]
    )
    city = _equality(records["city"], i, j)
    lat, lon = records["lat"].to_numpy(), records["lon"].to_numpy()
    metres = _metres(lat, lon, i, j)

    def far(rows: slice) -> np.ndarray:
        m = metres[rows]
        return np.select([np.isnan(m), m <= 100, m <= 300, m <= 1000], [0, 1, 2, 3], 4)

    distance = _levels(
        _per_pair(far, len(metres), np.int8), ["", "within 100 m", "within 300 m", "within 1 km", "over 1 km"]
    )
    return {
        "levels": {"house number": number, "road": road, "city": city, "distance": distance},
        "road_score": road_score,
        "metres": metres,
    }


def _explained(found: dict, rows: np.ndarray) -> dict:
    """The comparisons of the pairs at ``rows`` only (a reason is written for matches only)."""
    return {
        key: ({k: v[rows] for k, v in value.items()} if isinstance(value, dict) else value[rows])
        for key, value in found.items()
    }


def _address_reasons(found: dict) -> list[str]:
    levels = found["levels"]
    out = []
    for number, road, score, city, metres in zip(
        levels["house number"].tolist(),
        levels["road"].tolist(),
        found["road_score"].tolist(),
        levels["city"].tolist(),
        found["metres"].tolist(),
        strict=True,
    ):
        parts = []
        if number:
            parts.append(f"house number {number}")
        if road:
            parts.append(f"road {score:.2f} jaro-winkler")
        if city:
            parts.append(f"city {city}")
        parts.append("no coordinates on one" if metres != metres else f"{metres:,.0f} m apart")
        out.append("; ".join(parts))
    return out


def _address_keys(records: pd.DataFrame) -> list[np.ndarray]:
    """The address blocking keys (``_blocks``): same city, house number and first letters of the
    road (typos rarely hit the first two), or the same house number within a ~1 km cell (a record
    without a city)."""
    number = records["number"] != ""
    by_text = _blocks(
        {"city": records["city"], "number": records["number"], "road": records["road"].str[:2]},
        number & (records["city"] != ""),
    )
    located = records["lat"].notna() & records["lon"].notna() & number
    by_place = _blocks(
        {
            "lat": (records["lat"].fillna(0) * 100).round().astype(np.int64).to_numpy(),
            "lon": (records["lon"].fillna(0) * 100).round().astype(np.int64).to_numpy(),
            "number": records["number"],
        },
        located,
    )
    return [by_text, by_place]


def _address_candidates(records: pd.DataFrame) -> pd.DataFrame:
    keys = _address_keys(records)
    # in a block too large to compare whole, a record's neighbours are those on the same road
    # nearest to it (by latitude, then longitude): where one place written twice lies. Only such
    # blocks' records need a rank (every pair of a smaller block is compared, whatever its order):
    # a third of the records at ten million sellers, none at a million (the sort took 6.2 s)
    crowded = np.flatnonzero(_in_large_blocks(keys))
    roads, _ = pd.factorize(records["road"], sort=True)
    by_place_on_road = np.lexsort(
        (records["lon"].to_numpy()[crowded], records["lat"].to_numpy()[crowded], roads[crowded])
    )
    order = np.zeros(len(records), dtype=np.int64)
    order[crowded[by_place_on_road]] = np.arange(len(crowded))
    return _pairs(records, keys, order)


def _in_large_blocks(keys: list[np.ndarray]) -> np.ndarray:
    """Whether each record is in a block (``_blocks``) of over ``BLOCK_WINDOW + 1`` records of
    some key: a block ``_pairs`` pairs within a window of the records' order, not whole."""
    crowded = np.zeros(len(keys[0]), dtype=bool)
    for key in keys:
        blocked = key >= 0
        crowded[blocked] |= np.bincount(key[blocked])[key[blocked]] > BLOCK_WINDOW + 1
    return crowded


def _org_frame(
    organizations: pd.DataFrame, addresses: pd.DataFrame, places: pd.DataFrame | None
) -> pd.DataFrame:
    """The organisations as records to compare: name parts, kind, and the entity and place of the
    address each names (``places``: the addresses' ``record_id, entity_id``)."""
    # the few addresses organisations name are looked up, not an index of millions built
    named = organizations["address_id"].dropna()
    place = (
        addresses[is_in(addresses["address_id"], named)].drop_duplicates("address_id").set_index("address_id")
    )
    address_entity = pd.Series(dtype=object)
    if places is not None:
        places = places[is_in(places["record_id"], named)]
        address_entity = pd.Series(places["entity_id"].to_numpy(), index=places["record_id"].to_numpy())
    # as objects: where no address is named the lookups are empty, and pandas' empty is numbers
    located = organizations["address_id"].map(place["city"]).astype(object).fillna("")
    parts = [name_parts(n, c) for n, c in zip(organizations["name"], located, strict=True)]
    address = organizations["address_id"].fillna("")
    return pd.DataFrame(
        {
            "record_id": organizations["org_id"].to_numpy(),
            "core": [p.core for p in parts],
            "trade": [p.trade for p in parts],
            "city": [p.city for p in parts],
            "kind": organizations["kind"].fillna("").to_numpy(),
            "address": address.map(address_entity).astype(object).fillna(address).to_numpy(),
            "lat": pd.to_numeric(address.map(place["lat"]), errors="coerce").to_numpy(dtype=float),
            "lon": pd.to_numeric(address.map(place["lon"]), errors="coerce").to_numpy(dtype=float),
        }
    )


def org_comparisons(records: pd.DataFrame, pairs: pd.DataFrame, shared: set[tuple[str, str]]) -> dict:
    """The comparison levels of each organisation pair, and the raw figures."""
    a, b = records.iloc[pairs["i"].to_numpy()], records.iloc[pairs["j"].to_numpy()]
    score = _similarity(a["core"], b["core"])
    digits_a = a["core"].str.replace(r"\D", "", regex=True).to_numpy()
    digits_b = b["core"].str.replace(r"\D", "", regex=True).to_numpy()
    blank = (a["core"].to_numpy() == "") | (b["core"].to_numpy() == "")
    # numbers in a name (Manufacturing Co. #17) tell companies apart however alike the rest
    same_digits = digits_a == digits_b
    name = np.where(
        blank,
        "",
        np.where(
            ~same_digits,
            "different",
            np.where(score >= 0.95, "same", np.where(score >= 0.88, "similar", "different")),
        ),
    )
    ta, tb = a["trade"].to_numpy(), b["trade"].to_numpy()
    trade = np.array(
        ["" if not x or not y else "shared" if x & y else "different" for x, y in zip(ta, tb, strict=True)]
    )
    metres = _metres(records["lat"].to_numpy(), records["lon"].to_numpy(), *pairs[["i", "j"]].to_numpy().T)
    ca, cb = a["city"].to_numpy(), b["city"].to_numpy()
    same_address = (a["address"].to_numpy() == b["address"].to_numpy()) & (a["address"].to_numpy() != "")
    place = np.select(
        [same_address, metres <= 1000, (ca != "") & (ca == cb), (ca != "") & (cb != "")],
        ["same address", "within 1 km", "same city", "different city"],
        "",
    )
    ids_a, ids_b = a["record_id"].to_numpy(), b["record_id"].to_numpy()
    identifier = np.array(
        ["shared phone or account" if (x, y) in shared else "" for x, y in zip(ids_a, ids_b, strict=True)]
    )
    ka, kb = a["kind"].to_numpy(), b["kind"].to_numpy()
    kind = np.where((ka == "") | (kb == ""), "", np.where(ka == kb, "equal", "different"))
    return {
        "levels": {"name": name, "trade": trade, "place": place, "identifier": identifier, "kind": kind},
        "name_score": score,
        "metres": metres,
    }


def _org_reasons(found: dict) -> list[str]:
    levels = found["levels"]
    out = []
    for name, score, trade, place, identifier, kind in zip(
        levels["name"],
        found["name_score"],
        levels["trade"],
        levels["place"],
        levels["identifier"],
        levels["kind"],
        strict=True,
    ):
        parts = [f"name {score:.2f} jaro-winkler" if name else "no name to compare"]
        if trade:
            parts.append(f"trade {trade}")
        if place:
            parts.append(place)
        if identifier:
            parts.append(identifier)
        if kind:
            parts.append(f"kind {kind}")
        out.append("; ".join(parts))
    return out


def _shared_identifiers(org_links: pd.DataFrame | None) -> set[tuple[str, str]]:
    """Organisation pairs holding one phone or account (each pair both ways)."""
    if org_links is None or org_links.empty:
        return set()
    held = org_links.loc[org_links["kind"].isin(["phone", "bank_account"]), ["org_id", "kind", "value"]]
    held = held.drop_duplicates()
    both = held.merge(held, on=["kind", "value"], suffixes=("", "_b"))
    both = both[both["org_id"] != both["org_id_b"]]
    return set(zip(both["org_id"], both["org_id_b"], strict=True))


@dataclass
class Resolution:
    """Every address and organisation record with its entity, and the maps to apply them."""

    records: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RESOLVED_COLUMNS))
    # per record kind, how many record pairs were compared (what the work grows with)
    compared: dict[str, int] = field(default_factory=dict)

    def _stood_for(self, kind: str) -> pd.DataFrame:
        """The records of ``kind`` another record of their entity stands for."""
        records = self.records
        return records[(records["record_kind"] == kind) & (records["record_id"] != records["entity_id"])]

    def entity_of(self, kind: str) -> pd.Series:
        """Record id -> entity id, for the records of ``kind`` another record stands for."""
        rows = self._stood_for(kind)
        return pd.Series(rows["entity_id"].to_numpy(), index=rows["record_id"].to_numpy(), dtype=object)

    def aliases(self, kind: str) -> pd.Series:
        """Entity id -> the other input ids of the entity, ``;``-separated."""
        rows = self._stood_for(kind)
        if rows.empty:
            return pd.Series(dtype=object)
        return joined_per_group(rows, "entity_id", "record_id", ";", distinct=False)

    def summary(self) -> dict:
        """Per record kind: its records, the entities they are, and the records that share their
        entity with another."""
        # entities numbered once and counted in arrays: a kind's rows picked and grouped by their
        # text took 10 s at ten million sellers
        entity, _ = pd.factorize(self.records["entity_id"])
        kind_of = self.records["record_kind"].to_numpy()
        out = {}
        for kind in RECORD_KINDS:
            of_kind = kind_of == kind
            mine = entity[of_kind & (entity >= 0)]
            size = np.bincount(mine)
            out[kind] = {
                "records": int(of_kind.sum()),
                "entities": int((size > 0).sum()),
                "records_merged": int((size[mine] > 1).sum()),
            }
        return out

    def apply(self, tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
        """The input tables as analytics read them: every address and organisation id replaced by
        its entity's (the stored records keep their own)."""
        places, companies = self.entity_of("address"), self.entity_of("org")
        if places.empty and companies.empty:
            return tables

        def mapped(values: pd.Series, where: pd.Series | None = None, on: pd.Series = places) -> pd.Series:
            # only the rows that name a record of this kind are looked up (on links, a few in ten)
            rows = np.arange(len(values)) if where is None else np.flatnonzero(where.to_numpy(dtype=bool))
            new = looked_up(values.iloc[rows], on)
            found = new.notna().to_numpy()
            return replaced_at(values, rows[found], pa.array(new[found]))

        out = dict(tables)
        links = tables.get("seller_links")
        if links is not None and len(links):
            # the evidence still cites the line, and says which record of the place it names: the
            # input's value rides beside (the same array, not a copy) and only the lines cited are
            # written so (a column of millions of citations was a quarter GiB a million sellers)
            out["seller_links"] = links.assign(
                value=mapped(links["value"], links["kind"] == "address"), **{INPUT_VALUE: links["value"]}
            )
        org_links = tables.get("org_links")
        if org_links is not None and len(org_links):
            out["org_links"] = org_links.assign(
                org_id=mapped(org_links["org_id"], on=companies),
                value=mapped(org_links["value"], org_links["kind"] == "address"),
            )
        shipments = tables.get("shipments")
        if shipments is not None and len(shipments):
            out["shipments"] = shipments.assign(
                from_address_id=mapped(shipments["from_address_id"]),
                to_address_id=mapped(shipments["to_address_id"]),
                sender_id=mapped(shipments["sender_id"], shipments["sender_kind"] == "org", companies),
                recipient_id=mapped(
                    shipments["recipient_id"], shipments["recipient_kind"] == "org", companies
                ),
            )
        test_buys = tables.get("test_buys")
        if test_buys is not None and len(test_buys):
            out["test_buys"] = test_buys.assign(
                ship_from_address_id=mapped(test_buys["ship_from_address_id"])
            )
        orgs = tables.get("organizations")
        if orgs is not None and len(orgs):
            entity = mapped(orgs["org_id"], on=companies)
            # the entity's own record first: its name and kind are the ones shown
            first = (entity == orgs["org_id"]).astype(int)
            out["organizations"] = (
                orgs.assign(org_id=entity, address_id=mapped(orgs["address_id"]), _own=first)
                .sort_values("_own", ascending=False, kind="stable")
                .drop(columns="_own")
            )
        return out


_BY_HAND = "joined by hand (same-entity decision)"


def _clusters(
    ids: pd.Series | np.ndarray,
    preferred: np.ndarray,
    pairs: pd.DataFrame,
    reasons: pd.Series,
    threshold: float,
    must: list[tuple[int, int]],
    cannot: list[tuple[int, int]],
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Greedy constrained union: investigators' joins, then the strongest matches first; two
    groups never join when an investigator said two of their records differ, nor on a match
    when a pair across them was judged different (probability under 0.5).

    Returns per record its entity's representative position, the probability and the reasons of
    the match that joined it."""
    ids = ids.reset_index(drop=True) if isinstance(ids, pd.Series) else pd.Series(ids)
    n = len(ids)
    parent = np.arange(n)
    members: dict[int, list[int]] = {}
    # cannot-links: an investigator's (never crossed), and the model's own judgement that two
    # records are different (crossed only by an investigator's must-link)
    decided: dict[int, set[int]] = {}
    judged: dict[int, set[int]] = {}
    for i, j in cannot:
        decided.setdefault(i, set()).add(j)
        decided.setdefault(j, set()).add(i)
    strong = pairs[pairs["probability"] >= threshold].sort_values(
        "probability", ascending=False, kind="stable"
    )
    # a judgement is looked up between two groups being joined, and every record of a group being
    # joined is a record of a join (strong or by hand): only pairs of two such records can keep
    # groups apart (the others, most of 70 million pairs at ten million sellers, were put in sets
    # for nothing: 16.7 -> 10.7 s)
    joining = np.zeros(n, dtype=bool)
    for side in ("i", "j"):
        joining[strong[side].to_numpy(dtype=np.int64)] = True
    joining[[x for pair in must for x in pair]] = True
    i_all, j_all = pairs["i"].to_numpy(dtype=np.int64), pairs["j"].to_numpy(dtype=np.int64)
    different = pairs[(pairs["probability"].to_numpy() < 0.5) & joining[i_all] & joining[j_all]]
    for i, j in zip(different["i"].tolist(), different["j"].tolist(), strict=True):
        judged.setdefault(i, set()).add(j)
        judged.setdefault(j, set()).add(i)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    best_p = np.zeros(n)
    best_reason = [""] * n
    joins = [(1.0, int(i), int(j), _BY_HAND) for i, j in must]
    joins += list(
        zip(
            strong["probability"].tolist(),
            strong["i"].astype(int).tolist(),
            strong["j"].astype(int).tolist(),
            reasons.reindex(strong.index).tolist(),
            strict=True,
        )
    )
    for p, i, j, reason in joins:
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        group_i, group_j = members.get(ri, [ri]), members.get(rj, [rj])
        small, large = (group_i, rj) if len(group_i) <= len(group_j) else (group_j, ri)
        constraints = (decided,) if reason is _BY_HAND else (decided, judged)
        if any(find(k) == large for apart in constraints for x in small for k in apart.get(x, ())):
            continue
        parent[ri if small is group_i else rj] = large
        members[large] = group_i + group_j
        members.pop(ri if small is group_i else rj, None)
        for x, other in ((i, j), (j, i)):
            if p > best_p[x]:
                best_p[x], best_reason[x] = p, f"matches {ids.iloc[other]}: {reason}"
    # every record's root, by pointer jumping over the whole array (not a call per record)
    roots = parent
    while not np.array_equal(up := roots[roots], roots):
        roots = up
    # the representative: the lowest id among the records with a place, else the lowest; a
    # record alone is its own (most are: ten million ids were sorted for a few thousand groups)
    representative = np.arange(n)
    grouped = np.flatnonzero(np.bincount(roots, minlength=n)[roots] > 1)
    if len(grouped):
        order = pd.DataFrame(
            {
                "root": roots[grouped],
                "id": ids.iloc[grouped].to_numpy(),
                "plain": ~np.asarray(preferred, dtype=bool)[grouped],
                "pos": grouped,
            }
        )
        first = order.sort_values(["root", "plain", "id"]).drop_duplicates("root").set_index("root")["pos"]
        representative[grouped] = first.reindex(roots[grouped]).to_numpy()
    return representative, best_p, best_reason


def _decided(decisions: pd.DataFrame | None, kind: str, ids: pd.Series) -> tuple[list, list]:
    must, cannot = [], []
    if decisions is None or decisions.empty:
        return must, cannot
    position = pd.Series(np.arange(len(ids)), index=pd.Index(ids))
    for d in decisions[decisions["kind"].isin(ENTITY_DECISIONS)].itertuples(index=False):
        if d.subject in position.index and d.target in position.index:
            pair = (int(position[d.subject]), int(position[d.target]))
            (must if d.kind == "same-entity" else cannot).append(pair)
    return must, cannot


def _resolved(
    kind: str,
    records: pd.DataFrame,
    scored: tuple[pd.DataFrame, pd.Series],
    threshold: float,
    decisions,
    preferred,
) -> pd.DataFrame:
    """Each record's entity from its ``scored`` pairs (``_scored``)."""
    pairs, reasons = scored
    # the ids as the loader holds them (as Python strings, ten million took 0.7 GiB)
    ids = records["record_id"].reset_index(drop=True)
    must, cannot = _decided(decisions, kind, ids)
    rep, p, reasons = _clusters(ids, preferred, pairs, reasons, threshold, must, cannot)
    entity = ids.take(rep).reset_index(drop=True)
    # an entity of one record (a record's id is its own: the representatives are counted)
    alone = np.bincount(rep, minlength=len(ids))[rep] == 1
    # the reasons stay Python strings (np.where made a fixed-width array of the longest one)
    text = np.array(reasons, dtype=object)
    text[alone] = ""
    return pd.DataFrame(
        {
            "record_kind": kind,
            "record_id": ids,
            "entity_id": entity,
            "match_probability": np.where(alone, np.nan, np.round(p, 4)),
            "reasons": text,
        }
    )


def _scored(
    pairs: pd.DataFrame, found: dict, levels, reasons, threshold: float
) -> tuple[pd.DataFrame, pd.Series]:
    """Pairs with their match probability, and the reasons of those that match (by the pair's
    row: a column of reasons for every pair was half a GiB at ten million sellers)."""
    probability = _probability(match_weight(levels, found["levels"]))
    rows = np.flatnonzero(probability >= threshold)
    text = reasons(_explained(found, rows)) if len(rows) else []
    return pairs.assign(probability=probability), pd.Series(text, index=pairs.index[rows], dtype=object)


def resolve_entities(
    tables: dict[str, pd.DataFrame], threshold: float = 0.9, decisions: pd.DataFrame | None = None
) -> Resolution:
    """Resolve the address and organisation records of ``tables`` into entities.

    Two records are one entity when their match probability reaches ``threshold`` (or an
    investigator joined them), unless that would put together records judged different.
    """
    frames, compared = [], {}
    addresses = tables.get("addresses")
    places = None
    if addresses is not None and len(addresses):
        records = _address_frame(addresses)
        pairs = _address_candidates(records)
        compared["address"] = len(pairs)
        found = address_comparisons(records, pairs)
        scored = _scored(pairs, found, ADDRESS_LEVELS, _address_reasons, threshold)
        del found, pairs  # the comparisons' figures: 1.4 GiB at ten million sellers
        located = (records["lat"].notna() & records["lon"].notna()).to_numpy()
        resolved = _resolved("address", records, scored, threshold, decisions, located)
        del scored
        frames.append(resolved)
        places = resolved
    organizations = tables.get("organizations")
    if organizations is not None and len(organizations):
        empty = pd.DataFrame(columns=["address_id", "city", "lat", "lon"])
        records = _org_frame(organizations, addresses if addresses is not None else empty, places)
        shared = _shared_identifiers(tables.get("org_links"))
        named = records["core"] != ""
        keys = [
            _blocks({"core": records["core"]}, named),
            _blocks({"start": records["core"].str[:3], "city": records["city"]}, named),
            _blocks({"address": records["address"]}, records["address"] != ""),
        ]
        pairs = _pairs(records, keys)
        if shared:
            position = pd.Series(np.arange(len(records)), index=records["record_id"].to_numpy())
            extra = pd.DataFrame(
                [
                    (position[a], position[b])
                    for a, b in shared
                    if a in position.index and b in position.index
                ],
                columns=["i", "j"],
            )
            extra = extra[extra["i"] < extra["j"]]
            pairs = pd.concat([pairs, extra], ignore_index=True).drop_duplicates(ignore_index=True)
        compared["org"] = len(pairs)
        found = org_comparisons(records, pairs, shared)
        scored = _scored(pairs, found, ORG_LEVELS, _org_reasons, threshold)
        frames.append(
            _resolved("org", records, scored, threshold, decisions, np.ones(len(records), dtype=bool))
        )
    forget_texts()
    if not frames:
        return Resolution()
    return Resolution(pd.concat(frames, ignore_index=True), compared)
