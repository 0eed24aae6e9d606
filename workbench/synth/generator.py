"""The synthetic marketplace: sellers, identifiers, supply chains and enforcement signals with
planted counterfeit rings and their production sources as ground truth.

Everything is drawn from one seeded numpy generator with vectorised operations, so the same
seed gives the same folder, byte for byte, and a million sellers generate in minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from graph_loaders.reader import write_input_csv

from .cities import CITIES, ROAD_KINDS, ROADS
from .defects import HOSTILE_STRINGS, append_bad_rows, format_noise
from .duplicates import plant_duplicates
from .registrations import write_registrations
from .scenarios import SCENARIOS, Scenario

__all__ = ["Scenario", "SCENARIOS", "generate_marketplace", "MarketplaceSummary"]


BRANDS = pd.DataFrame(
    [
        ("Nike", "shoes", 700.0, False),
        ("Adidas", "shoes", 600.0, False),
        ("Louis Vuitton", "bags", 12000.0, True),
        ("Gucci", "bags", 9000.0, True),
        ("Chanel", "cosmetics", 900.0, True),
        ("Apple", "electronics", 5000.0, False),
        ("Rolex", "watches", 60000.0, True),
        ("Dior", "cosmetics", 800.0, True),
        ("Prada", "bags", 8000.0, True),
        ("Hermes", "bags", 30000.0, True),
        ("Uniqlo", "clothing", 150.0, False),
        ("Estee Lauder", "cosmetics", 500.0, False),
        ("Lancome", "cosmetics", 600.0, False),
        ("Moutai", "liquor", 2500.0, True),
        ("Dyson", "appliances", 3000.0, False),
    ],
    columns=["brand", "category", "median_price", "luxury"],
)

_EPOCH = np.datetime64("2018-01-01")


@dataclass
class MarketplaceSummary:
    """What was written: rows per file and the planted truth."""

    out_dir: Path
    rows: dict[str, int] = field(default_factory=dict)
    rings: int = 0
    ring_sellers: int = 0


class _Ids:
    """Fresh identifier numbers per kind, so every value is unique unless shared on purpose; one
    instance numbers every part of a marketplace generated in parts."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def take(self, kind: str, n: int) -> np.ndarray:
        start = self.next.get(kind, 0)
        self.next[kind] = start + n
        return np.arange(start, start + n, dtype=np.int64)


def _text(prefix: str, numbers: np.ndarray, width: int) -> pd.Series:
    return prefix + pd.Series(numbers, dtype=np.int64).astype(str).str.zfill(width)


def _dates(days: np.ndarray) -> pd.Series:
    return pd.Series((_EPOCH + days.astype("timedelta64[D]")).astype(str))


@dataclass(frozen=True)
class _People:
    """Who the sellers are: positions 0..r-1 are ring members (ring by ring), the rest legitimate
    shops, some run by one owner; drawn first, so every later step can rely on it."""

    ring_sizes: np.ndarray  # storefronts of each ring
    ring_of: np.ndarray  # each seller's ring, -1 for a legitimate shop
    owner: np.ndarray  # each legitimate shop's owner (a multi-store owner has several shops)
    n_owners: int
    multistore: np.ndarray
    is_ring: np.ndarray
    weak: np.ndarray  # ring members tied to their ring by one weak link only
    seller_number: np.ndarray
    seller_ids: pd.Series
    registered_day: np.ndarray
    members: np.ndarray  # the ring members' positions
    first_ring: int  # the number of this part's first ring (0 for a marketplace in one part)

    @classmethod
    def draw(cls, rng: np.random.Generator, n: int, k: int, scenario: Scenario, ids: _Ids) -> _People:
        """``n`` sellers of whom the first ones form ``k`` rings (drawn first, before any identifier)."""
        sizes = np.clip(3 + rng.negative_binomial(2, 0.3, k), 3, 30)
        if scenario.ring_size:
            sizes = np.full(k, int(np.clip(scenario.ring_size, 3, 30)))
        if sizes.sum() > n // 2:
            raise ValueError(f"{k} rings need about {sizes.sum()} sellers; ask for more sellers")
        r = int(sizes.sum())
        ring_sizes = sizes
        # positions 0..r-1 are ring members, the rest legitimate; numbers are shuffled later
        ring_of = np.full(n, -1, dtype=np.int64)
        ring_of[:r] = np.repeat(np.arange(k), sizes)
        legit = n - r
        multi = int(legit * scenario.multistore_share)
        group_sizes = rng.integers(2, 6, max(1, multi // 2 + 1))
        group_sizes = group_sizes[: np.searchsorted(np.cumsum(group_sizes), multi) + 1]
        owner_multi = np.repeat(np.arange(len(group_sizes)), group_sizes)[:multi]
        owner = np.full(n, -1, dtype=np.int64)
        owner[r : r + multi] = owner_multi
        owner[r + multi :] = len(group_sizes) + np.arange(legit - multi)
        n_owners = len(group_sizes) + legit - multi
        multistore = np.zeros(n, dtype=bool)
        multistore[r : r + multi] = True
        is_ring = ring_of >= 0
        # ring members lean on a weak link only with this flag
        weak = is_ring & (rng.random(n) < scenario.weak_share)
        # every ring keeps a strong first member that weak members can hang on to
        weak[np.concatenate([[0], np.cumsum(sizes)[:-1]])] = False
        seller_number = ids.take("seller", n)[rng.permutation(n)] + 1
        seller_ids = _text("S", seller_number, 7)
        # ring registrations come in bursts; legitimate ones spread over the years
        ring_start = rng.integers(0, 2500, k)
        registered_day = rng.integers(0, 2700, n)
        registered_day[is_ring] = ring_start[ring_of[is_ring]] + rng.integers(0, 60, int(is_ring.sum()))
        return cls(
            ring_sizes=ring_sizes,
            ring_of=ring_of,
            owner=owner,
            n_owners=n_owners,
            multistore=multistore,
            is_ring=is_ring,
            weak=weak,
            seller_number=seller_number,
            seller_ids=seller_ids,
            registered_day=registered_day,
            members=np.flatnonzero(is_ring),
            first_ring=int(ids.take("ring", k)[0]) if k else 0,
        )


class _Marketplace:
    """Builds the frames of one marketplace; one instance per generation."""

    def __init__(self, sellers: int, rings: int, seed, scenario: Scenario, ids: _Ids | None = None):
        self.seller_count = sellers
        self.ring_count = rings
        self.scenario = scenario
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.ids = ids or _Ids()
        self.links: list[pd.DataFrame] = []  # seller_links parts: seller, kind, value(raw), role
        self.addresses: list[pd.DataFrame] = []
        # what each address text was written from, so duplicates can write it differently
        self.address_parts: list[pd.DataFrame] = []
        self.org_rows: list[pd.DataFrame] = []
        self.org_links: list[pd.DataFrame] = []
        self.shipments: list[pd.DataFrame] = []
        self.payments: list[pd.DataFrame] = []
        self.org_info = pd.DataFrame()
        cities = CITIES
        self.city_p = (cities["weight"] / cities["weight"].sum()).to_numpy()
        production = cities["production"].to_numpy()
        self.production_cities = np.flatnonzero(production)
        # the first draws of the seed: every step below builds on who the sellers are
        self.people = _People.draw(self.rng, sellers, rings, scenario, self.ids)
        # what the build steps make, in build()'s order; each step reads only what earlier ones made
        # _identifiers: each ring's shared values, its members' warehouse, where each seller ships from
        self.pools: dict[str, tuple[pd.Series, np.ndarray, np.ndarray]] = {}
        self.in_park = np.zeros(sellers, dtype=bool)
        self.member_wh = pd.Series(dtype=object)
        self.ship_from = np.empty(sellers, dtype=object)
        # _hubs: the logistics firms and the popular wholesalers
        self.logistics = pd.Series(dtype=object)
        self.popular = pd.Series(dtype=object)
        # _supply_chains: each ring's factory, and the truth of who supplies which ring
        self.ring_factory = pd.Series(dtype=object)
        self.truth_sources = pd.DataFrame()
        # _sellers_table and _listings: the files of shops, listings and enforcement signals
        self.sellers = pd.DataFrame()
        self.listings = pd.DataFrame()
        self.complaints = pd.DataFrame()
        self.test_buys = pd.DataFrame()

    # ---- small helpers ---------------------------------------------------------------
    def stream(self, number: int) -> np.random.Generator:
        """A generator of its own for one step (``number`` names it), drawn from the marketplace's
        seed (a part's seed in a marketplace of several parts), so other steps' draws stay put."""
        return np.random.default_rng([*np.ravel(self.seed), number])

    def _cities(self, n: int, production: bool = False) -> np.ndarray:
        if production:
            return self.rng.choice(self.production_cities, n)
        return self.rng.choice(len(CITIES), n, p=self.city_p)

    def new_addresses(self, n: int, kind: str, production: bool = False, cities=None) -> pd.Series:
        """Create ``n`` addresses of ``kind``; return their ids."""
        numbers = self.ids.take("address", n)
        ids = _text("A", numbers, 8)
        city = self._cities(n, production) if cities is None else np.asarray(cities)
        c = CITIES.iloc[city].reset_index(drop=True)
        jitter = self.rng.normal(0, 0.04, (2, n))
        street = self.rng.integers(1, 999, n)
        # the road follows from the record's number (no draw, so every other output is unchanged)
        road = (numbers * 7919) % len(ROADS)
        road_kind = (numbers // 7) % len(ROAD_KINDS)
        self.address_parts.append(
            pd.DataFrame(
                {"address_id": ids, "street": street, "road": road, "road_kind": road_kind, "city": city}
            )
        )
        self.addresses.append(
            pd.DataFrame(
                {
                    "address_id": ids,
                    "text": "No. "
                    + pd.Series(street).astype(str)
                    + " "
                    + pd.Series([ROADS[r][1] for r in road])
                    + " "
                    + pd.Series([ROAD_KINDS[r][1] for r in road_kind])
                    + ", "
                    + c["city"],
                    "lat": (c["lat"].to_numpy() + jitter[0]).round(5),
                    "lon": (c["lon"].to_numpy() + jitter[1]).round(5),
                    "city": c["city"],
                    "province": c["province"],
                    "country": "CN",
                    "kind": kind,
                }
            )
        )
        return ids

    def link(self, sellers: np.ndarray, kind: str, values, role: str = "") -> None:
        values = pd.Series(values).reset_index(drop=True)
        self.links.append(
            pd.DataFrame(
                {"seller": np.asarray(sellers, dtype=np.int64), "kind": kind, "value": values, "role": role}
            )
        )

    def person_ids(self, n: int) -> pd.Series:
        numbers = self.ids.take("person", n) * 7919 + 110101198001010000
        return pd.Series(numbers).astype(str) + pd.Series(self.rng.choice(list("0123456789X"), n))

    def phones(self, n: int) -> pd.Series:
        return pd.Series(13000000000 + self.ids.take("phone", n) * 97 % 6999999999).astype(str)

    def devices(self, n: int) -> pd.Series:
        return "D" + pd.Series(86000000000000 + self.ids.take("device", n) * 7919).astype(str)

    def accounts(self, n: int) -> pd.Series:
        return pd.Series(6222020000000000 + self.ids.take("account", n) * 7901).astype(str)

    def ips(self, n: int, block: int = 10) -> pd.Series:
        x = self.ids.take("ip", n) + block * (1 << 24)
        parts = [(x >> s) & 255 for s in (24, 16, 8, 0)]
        parts[0] = np.where(parts[0] == 0, 1, parts[0])
        s = [pd.Series(p).astype(str) for p in parts]
        return s[0] + "." + s[1] + "." + s[2] + "." + s[3]

    def emails(self, n: int) -> pd.Series:
        domains = np.array(["qq.com", "163.com", "126.com", "sina.com", "gmail.com", "outlook.com"])
        return (
            "shop"
            + pd.Series(self.ids.take("email", n)).astype(str)
            + "@"
            + pd.Series(self.rng.choice(domains, n))
        )

    # ---- the marketplace -------------------------------------------------------------
    def build(self) -> dict[str, pd.DataFrame]:
        self._identifiers()
        self._hubs()
        self._bridges()
        self._strays()
        self._supply_chains()
        self._sellers_table()
        self._listings()
        return self._frames()

    def _pooled(self, kind: str, sizes: np.ndarray, make, p: float, role: str) -> pd.Series:
        """Give each non-weak ring member its ring's shared ``kind`` with probability ``p``,
        else one of its own; return which members use the pool."""
        rng = self.rng
        members = np.flatnonzero(self.people.is_ring)
        start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        values = make(int(sizes.sum()))
        self.pools[kind] = (values, start, sizes)
        ring = self.people.ring_of[members]
        pick = start[ring] + (rng.random(len(members)) * sizes[ring]).astype(np.int64)
        uses = (rng.random(len(members)) < p) & ~self.people.weak[members]
        self.link(members[uses], kind, values.iloc[pick[uses]].to_numpy(), role)
        self.link(members[~uses], kind, make(int((~uses).sum())).to_numpy(), role)
        return pd.Series(uses, index=members)

    def pool_value(self, kind: str, sellers: np.ndarray, which: int = 0) -> np.ndarray:
        values, start, sizes = self.pools[kind]
        ring = self.people.ring_of[sellers]
        return values.iloc[start[ring] + np.minimum(which, sizes[ring] - 1)].to_numpy()

    def _identifiers(self) -> None:
        rng, n, k = self.rng, self.seller_count, self.ring_count
        legit = np.flatnonzero(~self.people.is_ring)
        owner = self.people.owner[legit]

        def per_owner(make, share_p: float, kind: str, role: str) -> None:
            # a multi-store owner reuses the owner's value on each shop with probability share_p
            values = make(self.people.n_owners).iloc[owner].to_numpy().astype(object)
            own = self.people.multistore[legit] & (rng.random(len(legit)) >= share_p)
            values[own] = make(int(own.sum())).to_numpy()
            self.link(legit, kind, values, role)

        per_owner(self.person_ids, 1.0, "person_id", "registered")
        per_owner(self.accounts, 1.0, "bank_account", "payout")
        per_owner(self.devices, 0.7, "device", "login")
        per_owner(self.phones, 0.5, "phone", "contact")
        self.link(legit, "email", self.emails(len(legit)).to_numpy(), "contact")
        self.link(legit, "ip", self.ips(len(legit)).to_numpy(), "login")

        members = np.flatnonzero(self.people.is_ring)
        # borrowed or bought identities: a different real person behind every storefront
        self.link(members, "person_id", self.person_ids(len(members)).to_numpy(), "registered")
        self.link(members, "email", self.emails(len(members)).to_numpy(), "contact")
        sc = self.scenario
        uses = [
            self._pooled("bank_account", rng.integers(1, 3, k), self.accounts, sc.p_account, "payout"),
            self._pooled("device", rng.integers(1, 3, k), self.devices, sc.p_device, "login"),
            self._pooled("phone", rng.integers(1, 3, k), self.phones, sc.p_phone, "contact"),
        ]
        self._pooled("ip", rng.integers(1, 3, k), self.ips, sc.p_ip, "login")
        # every member that is not weak shares a strong identifier with another member: one
        # that drew no shared value, or a value nobody else drew, gets the ring's first payout
        # account, which one strong member of the ring also uses
        strong = np.sum([u.to_numpy() for u in uses], axis=0) > 0
        drawn = self._link_frame()
        drawn = drawn[
            drawn["kind"].isin(["bank_account", "device", "phone"])
            & (self.people.ring_of[drawn["seller"].to_numpy()] >= 0)
        ]
        drawn = drawn.assign(ring=self.people.ring_of[drawn["seller"].to_numpy()])
        sharing = drawn.groupby(["ring", "kind", "value"])["seller"].transform("nunique") >= 2
        shares = np.isin(members, drawn.loc[sharing, "seller"].to_numpy())
        lonely = members[~(strong & shares) & ~self.people.weak[members]]
        self.link(lonely, "bank_account", self.pool_value("bank_account", lonely), "payout")
        anchors = self._one_member_per_ring(np.unique(self.people.ring_of[lonely]))
        self.link(anchors, "bank_account", self.pool_value("bank_account", anchors), "payout")

        # registered addresses: the owner's residence (shared by a multi-store owner's shops)
        home = np.empty(n, dtype=object)
        home[legit] = self.new_addresses(self.people.n_owners, "residential").iloc[owner].to_numpy()
        home[members] = self.new_addresses(len(members), "residential").to_numpy()
        in_park = rng.random(n) < sc.park_share
        self.link(np.flatnonzero(~in_park), "address", home[~in_park], "registered")
        self.in_park = in_park

        # ring warehouses, mostly in the production provinces
        sizes = rng.integers(1, 3, k)
        production = rng.random(int(sizes.sum())) < 0.7
        cities = np.where(production, self._cities(len(production), True), self._cities(len(production)))
        warehouses = self.new_addresses(len(cities), "warehouse", cities=cities)
        start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        self.pools["warehouse"] = (warehouses, start, sizes)
        ring = self.people.ring_of[members]
        pick = start[ring] + (rng.random(len(members)) * sizes[ring]).astype(np.int64)
        self.member_wh = pd.Series(warehouses.iloc[pick].to_numpy(), index=members)
        use_wh = (rng.random(len(members)) < sc.p_warehouse) & ~self.people.weak[members]
        self.link(members[use_wh], "address", self.member_wh.to_numpy()[use_wh], "ship_from")
        ship_from = home.copy()
        ship_from[members] = self.member_wh.to_numpy()
        self.ship_from = ship_from

        # weak members hang on by one link: a warehouse of the ring or the IP it logs in from
        weak = np.flatnonzero(self.people.weak)
        by_wh = rng.random(len(weak)) < 0.5
        weak_wh = weak[by_wh]
        self.link(weak_wh, "address", self.member_wh[weak_wh].to_numpy(), "ship_from")
        weak_ip = weak[~by_wh]
        self.link(weak_ip, "ip", self.pool_value("ip", weak_ip), "login")
        # ...which a strong member of the ring also uses, so the one weak link does reach the ring
        anchors = self._one_member_per_ring(np.unique(self.people.ring_of[weak_ip]))
        self.link(anchors, "ip", self.pool_value("ip", anchors), "login")
        anchors = self._one_member_per_ring(self.people.ring_of[weak_wh])
        self.link(anchors, "address", self.member_wh[weak_wh].to_numpy(), "ship_from")
        # legitimate shops ship from home
        legit_ship = np.flatnonzero(~self.people.is_ring & (rng.random(n) < 0.5))
        self.link(legit_ship, "address", home[legit_ship], "ship_from")

    def _one_member_per_ring(self, rings: np.ndarray) -> np.ndarray:
        """A random strong (not weak) member of each ring listed in ``rings`` (in that order)."""
        strong = np.flatnonzero(self.people.is_ring & ~self.people.weak)
        strong = strong[self.rng.permutation(len(strong))]
        by_ring = pd.Series(strong).groupby(self.people.ring_of[strong]).agg(list)
        draw = self.rng.random(len(rings))
        return np.array(
            [by_ring[r][int(u * len(by_ring[r]))] for r, u in zip(rings, draw, strict=True)],
            dtype=np.int64,
        )

    def _hubs(self) -> None:
        """Decoys: identifiers that tie many unrelated sellers and prove nothing."""
        rng, n, sc = self.rng, self.seller_count, self.scenario
        nat = self.ips(max(5, n // 4000), block=100)
        users = np.flatnonzero(rng.random(n) < sc.nat_share)
        self.link(users, "ip", nat.iloc[rng.integers(0, len(nat), len(users))].to_numpy(), "login")

        parks = self.new_addresses(max(3, n // 8000), "commercial")
        in_park = np.flatnonzero(self.in_park)
        self.link(
            in_park, "address", parks.iloc[rng.integers(0, len(parks), len(in_park))].to_numpy(), "registered"
        )

        stations = self.new_addresses(max(5, n // 1500), "pickup_point")
        users = np.flatnonzero(rng.random(n) < sc.pickup_share)
        self.link(
            users, "address", stations.iloc[rng.integers(0, len(stations), len(users))].to_numpy(), "return"
        )

        # big logistics firms run fulfilment warehouses that many shops ship from
        self.logistics = self._orgs(4, "logistics", "Express Logistics Co.")
        hubs = self.org_address(self.logistics)
        users = np.flatnonzero(rng.random(n) < sc.fulfilment_share)
        self.link(users, "address", hubs[rng.integers(0, len(hubs), len(users))], "ship_from")
        # popular wholesalers drop-ship for many shops, which list their warehouse as ship-from
        self.popular = self._orgs(3, "wholesaler", "Yiwu Commodity Trading Co.")
        depots = self.org_address(self.popular)
        users = np.flatnonzero(rng.random(n) < 0.03)
        self.link(users, "address", depots[rng.integers(0, len(depots), len(users))], "ship_from")

    def _bridges(self) -> None:
        """Moderate links between otherwise separate groups."""
        rng, k = self.rng, self.ring_count
        b = int(round(self.scenario.bridges_per_ring * k)) if k >= 2 else 0
        if b == 0:
            return

        def ring_pairs() -> np.ndarray:
            # each kind of bridge joins its own pairs of rings
            return np.array([rng.choice(k, 2, replace=False) for _ in range(b)])

        def member_of(rings: np.ndarray) -> np.ndarray:
            return self._one_member_per_ring_each(rings)

        # a consolidation warehouse two rings share
        pairs = ring_pairs()
        wh = self.new_addresses(b, "warehouse", production=True)
        for side in (0, 1):
            self.link(member_of(pairs[:, side]), "address", wh.to_numpy(), "ship_from")
        # a second-hand device: ring a's device turns up on a shop of ring b
        pairs = ring_pairs()
        self.link(
            member_of(pairs[:, 1]), "device", self.pool_value("device", member_of(pairs[:, 0])), "login"
        )
        # an agent's phone used for shops of two rings
        pairs = ring_pairs()
        phones = self.phones(b)
        for side in (0, 1):
            self.link(member_of(pairs[:, side]), "phone", phones.to_numpy(), "contact")
        # internet-cafe IPs: members of two or three rings plus passing legitimate sellers
        cafes = self.ips(b, block=120)
        for i in range(b):
            rings = rng.choice(k, min(k, int(rng.integers(2, 4))), replace=False)
            visitors = np.concatenate(
                [member_of(rings), rng.choice(np.flatnonzero(~self.people.is_ring), rng.integers(8, 28))]
            )
            self.link(visitors, "ip", np.repeat(cafes.iloc[i], len(visitors)), "login")

    def _strays(self) -> None:
        """Ordinary sellers each touching one ring by one weak identifier only: not members."""
        if self.scenario.stray_share <= 0:
            return
        rng = self.stream(16)
        rings = np.flatnonzero(rng.random(self.ring_count) < self.scenario.stray_share)
        strays = rng.choice(np.flatnonzero(~self.people.is_ring), len(rings), replace=False)
        starts = np.concatenate([[0], np.cumsum(self.people.ring_sizes)[:-1]])
        members = starts[rings] + (rng.random(len(rings)) * self.people.ring_sizes[rings]).astype(np.int64)
        links = self._link_frame()
        # a device, an IP, a warehouse, or (one in four) the device and the IP: two weak ties of
        # different kinds, which pass for corroboration and only an investigator can undo
        how = rng.integers(0, 4, len(rings))
        for stray, member, kind in zip(strays, members, how, strict=True):
            if kind == 2:
                self.link(np.array([stray]), "address", [self.member_wh[member]], "ship_from")
                continue
            for name in ("device", "ip") if kind == 3 else (("device", "ip")[kind],):
                value = links.loc[(links["seller"] == member) & (links["kind"] == name), "value"].iloc[0]
                self.link(np.array([stray]), name, [value], "login")

    def _one_member_per_ring_each(self, rings: np.ndarray) -> np.ndarray:
        """A random member of each ring listed (repeats allowed), weak members included."""
        sizes = self.people.ring_sizes[rings]
        starts = np.concatenate([[0], np.cumsum(self.people.ring_sizes)[:-1]])[rings]
        return starts + (self.rng.random(len(rings)) * sizes).astype(np.int64)

    # ---- organisations and supply chains -----------------------------------------------
    def _orgs(self, n: int, kind: str, name: str, production: bool = False, cities=None):
        numbers = self.ids.take("org", n)
        ids = _text("O", numbers, 6)
        address = self.new_addresses(
            n,
            "factory" if kind == "factory" else "warehouse" if kind != "other" else "commercial",
            production=production,
            cities=cities,
        )
        self.org_rows.append(
            pd.DataFrame(
                {
                    "org_id": ids,
                    "name": name + " #" + pd.Series(numbers).astype(str),
                    "kind": kind,
                    "address_id": address,
                }
            )
        )
        accounts, phones = self.accounts(n), self.phones(n)
        self.org_links.append(
            pd.DataFrame({"org": ids, "kind": "bank_account", "value": accounts, "role": "payout"})
        )
        self.org_links.append(pd.DataFrame({"org": ids, "kind": "phone", "value": phones, "role": "contact"}))
        frame = pd.DataFrame(
            {"address": address.to_numpy(), "bank_account": accounts.to_numpy(), "phone": phones.to_numpy()},
            index=ids.to_numpy(),
        )
        self.org_info = pd.concat([self.org_info, frame]) if len(self.org_info) else frame
        return ids

    def org_address(self, orgs) -> np.ndarray:
        return self.org_info.loc[np.asarray(orgs), "address"].to_numpy()

    def org_values(self, orgs, kind: str) -> np.ndarray:
        return self.org_info.loc[np.asarray(orgs), kind].to_numpy()

    def _ship(self, frm, to, sender_kind, sender, recipient_kind, recipient, parcels_mean: float):
        n = len(frm)
        if n == 0:
            return
        self.shipments.append(
            pd.DataFrame(
                {
                    "from_address_id": np.asarray(frm),
                    "to_address_id": np.asarray(to),
                    "courier": self.rng.choice(np.asarray(self.logistics), n),
                    "shipped_day": self.rng.integers(1800, 2900, n),
                    "sender_kind": sender_kind,
                    "sender_id": np.asarray(sender),
                    "recipient_kind": recipient_kind,
                    "recipient_id": np.asarray(recipient),
                    "parcels": 1 + self.rng.poisson(parcels_mean, n),
                }
            )
        )

    def _pay(self, frm, to, amount_mean: float):
        n = len(frm)
        if n == 0:
            return
        self.payments.append(
            pd.DataFrame(
                {
                    "from_account": np.asarray(frm),
                    "to_account": np.asarray(to),
                    "amount": np.round(self.rng.gamma(2.0, amount_mean / 2.0, n), 2),
                    "paid_day": self.rng.integers(1800, 2900, n),
                }
            )
        )

    def _supply_chains(self) -> None:
        rng, k, n = self.rng, self.ring_count, self.seller_count
        factories = self._orgs(k, "factory", "Manufacturing Co.", production=True)
        self.ring_factory = factories
        via = rng.random(k) < self.scenario.wholesaler_share
        wholesalers = self._orgs(int(via.sum()), "wholesaler", "Trading Co.", production=True)
        ring_wholesaler = np.full(k, None, dtype=object)
        ring_wholesaler[via] = wholesalers.to_numpy()
        consumers = self.new_addresses(max(200, n // 50), "residential")
        wh, wh_start, wh_sizes = self.pools["warehouse"]
        acct, acct_start, acct_sizes = self.pools["bank_account"]
        for ring in range(k):
            members = self._ring_members(ring)
            warehouses = wh.iloc[wh_start[ring] : wh_start[ring] + wh_sizes[ring]].to_numpy()
            accounts = acct.iloc[acct_start[ring] : acct_start[ring] + acct_sizes[ring]].to_numpy()
            factory = factories.iloc[ring]
            f_addr, f_acct = self.org_address([factory])[0], self.org_values([factory], "bank_account")[0]
            m = int(rng.integers(4, 12))
            to = rng.choice(warehouses, m)
            receiver = rng.choice(members, m)
            payers = rng.choice(accounts, int(rng.integers(3, 9)))
            if ring_wholesaler[ring] is None:
                self._ship(np.repeat(f_addr, m), to, "org", np.repeat(factory, m), "seller", receiver, 30)
                self._pay(payers, np.repeat(f_acct, len(payers)), 30000)
            else:
                ws = ring_wholesaler[ring]
                w_addr = self.org_address([ws])[0]
                w_acct = self.org_values([ws], "bank_account")[0]
                j = int(rng.integers(3, 8))
                self._ship(
                    np.repeat(f_addr, j),
                    np.repeat(w_addr, j),
                    "org",
                    np.repeat(factory, j),
                    "org",
                    np.repeat(ws, j),
                    60,
                )
                self._ship(np.repeat(w_addr, m), to, "org", np.repeat(ws, m), "seller", receiver, 30)
                self._pay(payers, np.repeat(w_acct, len(payers)), 35000)
                self._pay(np.repeat(w_acct, j), np.repeat(f_acct, j), 50000)
            # noise: a little stock from a popular wholesaler, goods out to consumers
            extra = int(rng.integers(0, 3))
            popular = rng.choice(self.popular, extra)
            self._ship(
                self.org_address(popular),
                rng.choice(warehouses, extra),
                "org",
                popular,
                "seller",
                rng.choice(members, extra),
                3,
            )
            self._pay(rng.choice(accounts, extra), self.org_values(popular, "bank_account"), 3000)
            out = int(rng.integers(5, 25))
            senders = rng.choice(members, out)
            self._ship(
                self.member_wh[senders].to_numpy(),
                rng.choice(consumers, out),
                "seller",
                senders,
                "consumer",
                np.repeat("", out),
                0.3,
            )

        # legitimate trade: brand factories -> popular wholesalers -> shops -> consumers
        legit_factories = self._orgs(max(5, n // 5000), "factory", "Authorised Brand Factory")
        buyers = np.flatnonzero(~self.people.is_ring & (rng.random(n) < 0.3))
        popular = rng.choice(self.popular, len(buyers))
        self._ship(self.org_address(popular), self.ship_from[buyers], "org", popular, "seller", buyers, 4)
        legit_accounts = self._seller_accounts(buyers)
        self._pay(legit_accounts, self.org_values(popular, "bank_account"), 4000)
        m = max(10, len(buyers) // 20)
        lf = rng.choice(legit_factories, m)
        pw = rng.choice(self.popular, m)
        self._ship(self.org_address(lf), self.org_address(pw), "org", lf, "org", pw, 80)
        self._pay(self.org_values(pw, "bank_account"), self.org_values(lf, "bank_account"), 80000)
        senders = np.flatnonzero(~self.people.is_ring & (rng.random(n) < 0.2))
        self._ship(
            self.ship_from[senders],
            rng.choice(consumers, len(senders)),
            "seller",
            senders,
            "consumer",
            np.repeat("", len(senders)),
            0.3,
        )
        self.truth_sources = pd.DataFrame({"ring": np.arange(k), "org_id": factories.to_numpy()})

    def _ring_members(self, ring: int) -> np.ndarray:
        start = int(np.sum(self.people.ring_sizes[:ring]))
        return np.arange(start, start + self.people.ring_sizes[ring])

    def _seller_accounts(self, sellers: np.ndarray) -> np.ndarray:
        links = self._link_frame()
        accounts = links[links["kind"] == "bank_account"].drop_duplicates("seller")
        return accounts.set_index("seller").loc[sellers, "value"].to_numpy()

    def _link_frame(self) -> pd.DataFrame:
        if len(self.links) > 1:
            self.links = [pd.concat(self.links, ignore_index=True)]
        return self.links[0]

    # ---- shops, listings and enforcement signals -----------------------------------------
    def _sellers_table(self) -> None:
        rng, n = self.rng, self.seller_count
        status = np.full(n, "active", dtype=object)
        u = rng.random(n)
        # repeat offenders: ring storefronts get banned or closed far more often
        status[self.people.is_ring & (u < 0.12)] = "banned"
        status[self.people.is_ring & (u >= 0.12) & (u < 0.22)] = "closed"
        status[~self.people.is_ring & (u < 0.005)] = "banned"
        status[~self.people.is_ring & (u >= 0.005) & (u < 0.035)] = "closed"
        words = np.array(
            [
                "Star",
                "Golden",
                "Lucky",
                "Happy",
                "Prime",
                "Luxe",
                "Outlet",
                "Trend",
                "Global",
                "Elite",
                "Fashion",
                "Digital",
                "Beauty",
                "Home",
                "Sport",
            ]
        )
        name = (
            pd.Series(rng.choice(words, n))
            + " "
            + pd.Series(rng.choice(words, n))
            + " Shop "
            + pd.Series(self.people.seller_number).astype(str)
        )
        hostile = rng.choice(n, min(n, len(HOSTILE_STRINGS)), replace=False)
        name.iloc[hostile] = HOSTILE_STRINGS[: len(hostile)]
        self.sellers = pd.DataFrame(
            {
                "seller_id": self.people.seller_ids,
                "shop_name": name,
                "platform": rng.choice(np.array(["taobao", "pinduoduo", "jd", "douyin"]), n),
                "registered_at": _dates(self.people.registered_day),
                "status": status,
            }
        )

    def _listings(self) -> None:
        rng, n = self.rng, self.seller_count
        per_seller = 1 + rng.poisson(1.5, n)
        seller = np.repeat(np.arange(n), per_seller)
        m = len(seller)
        ring = self.people.is_ring[seller]
        luxury = BRANDS["luxury"].to_numpy()
        weights_ring = np.where(luxury, 3.0, 1.0)
        brand = np.where(
            ring,
            rng.choice(len(BRANDS), m, p=weights_ring / weights_ring.sum()),
            rng.choice(len(BRANDS), m),
        )
        median = BRANDS["median_price"].to_numpy()[brand]
        # counterfeit listings mostly sell far under the brand's median; noisy both ways
        cheap = ring & (rng.random(m) < 0.8)
        factor = np.where(cheap, rng.uniform(0.12, 0.5, m), rng.lognormal(0, 0.2, m))
        factor[~ring & (rng.random(m) < 0.03)] = rng.uniform(0.3, 0.6)  # legitimate clearance
        price = np.round(median * factor, 2)
        listed = self.people.registered_day[seller] + rng.integers(0, 400, m)
        removed = rng.random(m) < np.where(ring, 0.3, 0.05)
        self.listings = pd.DataFrame(
            {
                "listing_id": _text("L", self.ids.take("listing", m) + 1, 8),
                "seller_id": self.people.seller_ids.iloc[seller].to_numpy(),
                "title": BRANDS["brand"].to_numpy()[brand]
                + " "
                + BRANDS["category"].to_numpy()[brand]
                + " item",
                "brand": BRANDS["brand"].to_numpy()[brand],
                "category": BRANDS["category"].to_numpy()[brand],
                "price": price,
                "currency": "CNY",
                "listed_at": _dates(listed).to_numpy(),
                "status": np.where(removed, "removed", "live"),
            }
        )
        titles = rng.choice(m, min(m, 3), replace=False)
        self.listings.loc[titles, "title"] = HOSTILE_STRINGS[: len(titles)]

        # complaints: rights holders hit counterfeit listings far more, and win more often
        complained = rng.random(m) < np.where(ring, 0.15, 0.01)
        idx = np.flatnonzero(complained)
        u = rng.random(len(idx))
        upheld_p = np.where(ring[idx], 0.75, 0.15)
        rejected_p = np.where(ring[idx], 0.15, 0.7)
        outcome = np.where(u < upheld_p, "upheld", np.where(u < upheld_p + rejected_p, "rejected", "pending"))
        self.complaints = pd.DataFrame(
            {
                "complaint_id": _text("C", self.ids.take("complaint", len(idx)) + 1, 7),
                "listing_id": self.listings["listing_id"].to_numpy()[idx],
                "rights_holder": self.listings["brand"].to_numpy()[idx] + " Brand Protection",
                "filed_at": _dates(listed[idx] + rng.integers(10, 300, len(idx))).to_numpy(),
                "outcome": outcome,
            }
        )
        # test buys: informative but noisy verdicts
        bought = rng.random(m) < np.where(ring, 0.05, 0.003)
        idx = np.flatnonzero(bought)
        u = rng.random(len(idx))
        fake_p = np.where(ring[idx], 0.8, 0.05)
        unsure_p = np.where(ring[idx], 0.15, 0.1)
        verdict = np.where(
            u < fake_p, "counterfeit", np.where(u < fake_p + unsure_p, "inconclusive", "genuine")
        )
        self.test_buys = pd.DataFrame(
            {
                "test_buy_id": _text("T", self.ids.take("test_buy", len(idx)) + 1, 7),
                "listing_id": self.listings["listing_id"].to_numpy()[idx],
                "bought_at": _dates(listed[idx] + rng.integers(5, 200, len(idx))).to_numpy(),
                "verdict": verdict,
                "ship_from_address_id": self.ship_from[seller[idx]],
            }
        )

    # ---- assembling the files ----------------------------------------------------------
    def _frames(self) -> dict[str, pd.DataFrame]:
        rng = self.rng
        links = self._link_frame()
        links = links.sort_values("seller", kind="stable")
        seller_links = pd.DataFrame(
            {
                "seller_id": self.people.seller_ids.iloc[links["seller"].to_numpy()].to_numpy(),
                "kind": links["kind"].to_numpy(),
                "value": format_noise(links["kind"], links["value"], rng).to_numpy(),
                "role": links["role"].to_numpy(),
                "observed_at": _dates(rng.integers(1500, 2900, len(links))).to_numpy(),
            }
        )
        seller_links["source_record_id"] = _text("SL", self.ids.take("seller_link", len(seller_links)) + 1, 9)
        org_links = pd.concat(self.org_links, ignore_index=True).rename(columns={"org": "org_id"})
        org_links["value"] = format_noise(org_links["kind"], org_links["value"], rng).to_numpy()
        shipments = pd.concat(self.shipments, ignore_index=True)
        is_seller = shipments["sender_kind"] == "seller"
        shipments.loc[is_seller, "sender_id"] = self.people.seller_ids.iloc[
            shipments.loc[is_seller, "sender_id"].astype(np.int64).to_numpy()
        ].to_numpy()
        to_seller = shipments["recipient_kind"] == "seller"
        shipments.loc[to_seller, "recipient_id"] = self.people.seller_ids.iloc[
            shipments.loc[to_seller, "recipient_id"].astype(np.int64).to_numpy()
        ].to_numpy()
        shipments.insert(0, "waybill", _text("WB", self.ids.take("waybill", len(shipments)) + 1, 10))
        shipments["shipped_at"] = _dates(shipments.pop("shipped_day").to_numpy())
        payments = pd.concat(self.payments, ignore_index=True)
        payments.insert(0, "payment_id", _text("P", self.ids.take("payment", len(payments)) + 1, 9))
        payments["currency"] = "CNY"
        payments["paid_at"] = _dates(payments.pop("paid_day").to_numpy())
        for column in ("from_account", "to_account"):
            payments[column] = format_noise(
                pd.Series("bank_account", index=payments.index), payments[column], rng
            ).to_numpy()
        organizations = pd.concat(self.org_rows, ignore_index=True)
        organizations.loc[0, "name"] = HOSTILE_STRINGS[0]
        addresses = pd.concat(self.addresses, ignore_index=True)
        addresses.loc[0, "text"] = HOSTILE_STRINGS[1]

        truth_rings = pd.DataFrame(
            {
                "seller_id": self.people.seller_ids.iloc[self.people.members].to_numpy(),
                "ring_id": _text(
                    "TR", self.people.ring_of[self.people.members] + 1 + self.people.first_ring, 4
                ).to_numpy(),
                # weak: planted with one weak tie to the ring only (no evidence can establish it)
                "standing": np.where(self.people.weak[self.people.members], "weak", "core"),
            }
        ).sort_values("seller_id")
        truth_sources = pd.DataFrame(
            {
                "ring_id": _text(
                    "TR", self.truth_sources["ring"].to_numpy() + 1 + self.people.first_ring, 4
                ).to_numpy(),
                "org_id": self.truth_sources["org_id"].to_numpy(),
            }
        )
        return {
            "sellers": self.sellers.sort_values("seller_id", ignore_index=True),
            "seller_links": seller_links,
            "org_links": org_links,
            "addresses": addresses,
            "organizations": organizations,
            "listings": self.listings,
            "complaints": self.complaints,
            "test_buys": self.test_buys,
            "shipments": shipments,
            "payments": payments,
            "truth/rings": truth_rings,
            "truth/sources": truth_sources,
        }


# a marketplace larger than this is generated in parts of at most this many sellers, each drawn
# from its own seed and numbered on from the last, and appended to the same files: memory stays
# that of one part whatever the size (a marketplace this size or smaller is one part, as it was)
PART_SELLERS = 1_000_000


def generate_marketplace(
    out_dir: Path | str,
    sellers: int = 10000,
    rings: int = 40,
    seed: int = 7,
    scenario: str | Scenario = "realistic",
    bad_rows: bool = True,
    new: int = 0,
    part_sellers: int = PART_SELLERS,
) -> MarketplaceSummary:
    """Write a synthetic marketplace in the input format (docs/architecture.md), with ``truth/`` beside it;
    with ``new``, also that many new registrations (reopened ring storefronts among ordinary new
    sellers) in ``registrations/``, their truth in ``registrations/truth/screening.csv``."""
    if sellers < 50:
        raise ValueError("at least 50 sellers are needed for a marketplace")
    spec = SCENARIOS[scenario] if isinstance(scenario, str) else scenario
    parts = -(-sellers // part_sellers)
    if new and parts > 1:
        raise ValueError(f"new registrations are drawn for a marketplace of at most {part_sellers:,} sellers")
    out_dir = Path(out_dir)
    (out_dir / "truth").mkdir(parents=True, exist_ok=True)
    summary = MarketplaceSummary(out_dir, rings=rings)
    ids = _Ids()
    written: dict[str, list[str]] = {}
    for part, (part_n, part_k) in enumerate(_split(sellers, rings, parts)):
        # one part keeps the seed as given, so a marketplace in one part is the one it always was
        part_seed = seed if parts == 1 else [seed, part]
        market = _Marketplace(part_n, part_k, part_seed, spec, ids)
        frames = market.build()
        if spec.duplicate_share > 0:
            plant_duplicates(frames, market, spec.duplicate_share, spec.side_supplier)
        if new:
            write_registrations(frames, market, new, out_dir / "registrations")
        if bad_rows:
            append_bad_rows(frames, market.rng, part_n)
        summary.ring_sellers += int(market.people.is_ring.sum())
        for name, frame in frames.items():
            _write_part(frame, out_dir / f"{name}.csv", written.setdefault(name, []))
            summary.rows[name] = summary.rows.get(name, 0) + len(frame)
        del market, frames
    return summary


def _split(sellers: int, rings: int, parts: int) -> list[tuple[int, int]]:
    """Sellers and rings shared out over ``parts`` as evenly as whole numbers allow."""
    return [
        (sellers // parts + (i < sellers % parts), rings // parts + (i < rings % parts)) for i in range(parts)
    ]


def _write_part(frame: pd.DataFrame, path: Path, header: list[str]) -> None:
    """The first part writes the file with its header; later parts append rows with the same columns."""
    if not header:
        write_input_csv(frame, path)
        header.extend(frame.columns)
        return
    if list(frame.columns) != header:
        raise ValueError(
            f"{path.name}: a part's columns {list(frame.columns)} differ from the first's {header}"
        )
    write_input_csv(frame, path, append=True)
