"""Planted duplicates for entity resolution: ring warehouses and supplier companies recorded
several times under their own ids, written differently (English and Chinese, reordered, a
typo, upper case), with coordinates tens of metres off or missing; a near-miss neighbour on the
same road that is another place; optionally a small exclusive side supplier that outranks the
factory once its flow is split over its records. Truth goes to ``truth/entities.csv``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .cities import CITIES, ROAD_KINDS, ROADS

__all__ = ["plant_duplicates", "address_text", "company_name", "CORES", "TRADES"]

# company names: Chinese, and their pinyin as English exports write them
CORES = [
    ("恒华", "Henghua"), ("鑫达", "Xinda"), ("永盛", "Yongsheng"), ("金利", "Jinli"),
    ("宏发", "Hongfa"), ("华美", "Huamei"), ("隆兴", "Longxing"), ("新亚", "Xinya"),
    ("富源", "Fuyuan"), ("天成", "Tiancheng"), ("盛达", "Shengda"), ("伟业", "Weiye"),
    ("嘉信", "Jiaxin"), ("润丰", "Runfeng"), ("荣昌", "Rongchang"), ("瑞祥", "Ruixiang"),
    ("德胜", "Desheng"), ("万通", "Wantong"), ("联发", "Lianfa"), ("海鑫", "Haixin"),
    ("源丰", "Yuanfeng"), ("金鹰", "Jinying"), ("志成", "Zhicheng"), ("鸿运", "Hongyun"),
    ("正泰", "Zhengtai"), ("宝利", "Baoli"), ("泰和", "Taihe"), ("美达", "Meida"),
    ("汇丰", "Huifeng"), ("福星", "Fuxing"),
    ("安达", "Anda"), ("百川", "Baichuan"), ("宝丰", "Baofeng"), ("昌盛", "Changsheng"),
    ("晨光", "Chenguang"), ("大华", "Dahua"), ("东升", "Dongsheng"), ("丰泽", "Fengze"),
    ("冠宇", "Guanyu"), ("广源", "Guangyuan"), ("国泰", "Guotai"), ("海天", "Haitian"),
    ("豪门", "Haomen"), ("恒通", "Hengtong"), ("华联", "Hualian"), ("辉煌", "Huihuang"),
    ("佳美", "Jiamei"), ("建华", "Jianhua"), ("金鼎", "Jinding"), ("锦程", "Jincheng"),
    ("俊达", "Junda"), ("凯旋", "Kaixuan"), ("康泰", "Kangtai"), ("蓝天", "Lantian"),
    ("力诚", "Licheng"), ("利华", "Lihua"), ("龙腾", "Longteng"), ("明珠", "Mingzhu"),
    ("南方", "Nanfang"), ("鹏程", "Pengcheng"), ("奇峰", "Qifeng"), ("千禧", "Qianxi"),
    ("启明", "Qiming"), ("日升", "Risheng"), ("三友", "Sanyou"), ("尚品", "Shangpin"),
    ("顺达", "Shunda"), ("腾飞", "Tengfei"), ("同心", "Tongxin"), ("威龙", "Weilong"),
    ("旭日", "Xuri"), ("雅诗", "Yashi"), ("亿达", "Yida"), ("银丰", "Yinfeng"),
    ("远航", "Yuanhang"), ("卓越", "Zhuoyue"),
]  # fmt: skip
TRADES = [
    ("皮具", "Leather Goods"), ("鞋业", "Footwear"), ("服饰", "Garments"), ("电子", "Electronics"),
    ("箱包", "Bags"), ("化妆品", "Cosmetics"), ("钟表", "Watches"),
]  # fmt: skip
ADDRESS_STYLES = 6
NAME_STYLES = 4


def _typo(word: str, rng: np.random.Generator) -> str:
    """Two neighbouring letters swapped past the first two (Industrial -> Indsutrial)."""
    if len(word) < 5:
        return word
    i = int(rng.integers(2, len(word) - 1))
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def address_text(style: int, street: int, road: int, kind: int, city: int, rng: np.random.Generator) -> str:
    """One way of writing the address ``street`` on ``ROADS[road]`` in ``CITIES[city]``."""
    zh_road, road_name = ROADS[road]
    zh_kind, abbreviation, word = ROAD_KINDS[kind]
    place = CITIES.iloc[city]
    if style == 0:
        return f"{street} {road_name} {abbreviation}, {place['city']}"
    if style == 1:
        return f"No. {street}, {road_name} {word}, {place['city']} City, {place['province']}"
    if style == 2:
        return f"{place['city']}, {road_name} {abbreviation} {street}"
    if style == 3:
        return f"{street} {_typo(road_name, rng)} {abbreviation}, {place['city']}"
    if style == 4:
        return f"{place['chinese']}市{zh_road}{zh_kind}{street}号"
    return f"NO. {street} {road_name.upper()} {word.upper()}, {place['city'].upper()}"


def company_name(style: int, core: tuple[str, str], trade: tuple[str, str], kind: str, city: int) -> str:
    """One way of writing a company's name; style -1 is the name as registered."""
    place = CITIES.iloc[city]
    suffix, zh_suffix = ("Factory", "厂") if kind == "factory" else ("Trading Co.", "贸易有限公司")
    registered = f"{core[1]} {trade[1]} {suffix}"
    if style == 0:
        return registered.upper()
    if style == 1:
        return f"{place['city']} {core[1]} {trade[1]} Co., Ltd."
    if style == 2:
        return f"{place['chinese']}市{core[0]}{trade[0]}{zh_suffix}"
    if style == 3:
        return f"{core[1]} {trade[1]} {'Mfg. Co.' if kind == 'factory' else 'Trading Company'}"
    return registered


def _core(i: int) -> tuple[str, str]:
    """A distinct company name for each ``i`` (two words once the single ones are used)."""
    if i < len(CORES):
        return CORES[i]
    a, b = CORES[i % len(CORES)], CORES[(i // len(CORES) + i) % len(CORES)]
    return a[0] + b[0], f"{a[1]} {b[1]}"


def _norm(values: pd.Series) -> pd.Series:
    return values.astype(str).str.replace(r"[\s-]", "", regex=True).str.upper()


class _Planter:
    def __init__(self, frames: dict[str, pd.DataFrame], market, rng: np.random.Generator):
        self.f, self.m, self.rng = frames, market, rng
        self.parts = pd.concat(market.address_parts, ignore_index=True).set_index("address_id")
        self.truth: list[tuple[str, str, str]] = []
        self.new_addresses: list[dict] = []
        self.new_orgs: list[dict] = []
        self.new_org_links: list[dict] = []
        self.neighbours: list[str] = []
        self.by_id = frames["addresses"].set_index("address_id")

    def _address_ids(self, n: int) -> list[str]:
        return [f"A{x:08d}" for x in self.m.ids.take("address", n)]

    def duplicate_address(self, address_id: str) -> list[str]:
        """Alias records of ``address_id`` (returned with it first) and its near-miss neighbour."""
        rng, part = self.rng, self.parts.loc[address_id]
        row = self.by_id.loc[address_id]
        count = int(rng.integers(1, 5))
        styles = rng.choice(ADDRESS_STYLES, count, replace=False)
        ids = self._address_ids(count + 1)
        lat, lon = float(row["lat"]), float(row["lon"])
        for new_id, style in zip(ids[:-1], styles, strict=True):
            located = rng.random() >= 0.35
            self.new_addresses.append(
                {
                    "address_id": new_id,
                    "text": address_text(
                        int(style),
                        int(part["street"]),
                        int(part["road"]),
                        int(part["road_kind"]),
                        int(part["city"]),
                        rng,
                    ),
                    "lat": round(lat + rng.normal(0, 0.0002), 6) if located else "",
                    "lon": round(lon + rng.normal(0, 0.0002), 6) if located else "",
                    "city": row["city"] if rng.random() < 0.5 else "",
                    "province": row["province"] if rng.random() < 0.5 else "",
                    "country": "CN",
                    "kind": row["kind"],
                }
            )
        records = [address_id, *ids[:-1]]
        self.truth += [("address", r, address_id, "record") for r in records]
        # a different business a few doors along the same road, about 400 m away
        neighbour = ids[-1]
        street = int(part["street"]) + 2 * int(rng.integers(1, 7))
        self.new_addresses.append(
            {
                "address_id": neighbour,
                "text": address_text(
                    int(rng.integers(0, 2)),
                    street,
                    int(part["road"]),
                    int(part["road_kind"]),
                    int(part["city"]),
                    rng,
                ),
                "lat": round(lat + 0.0036, 6),
                "lon": round(lon + rng.normal(0, 0.0003), 6),
                "city": row["city"],
                "province": row["province"],
                "country": "CN",
                "kind": "commercial",
            }
        )
        self.truth.append(("address", neighbour, neighbour, "neighbour"))
        self.neighbours.append(neighbour)
        return records

    def repoint(
        self, table: str, column: str, records: dict[str, list[str]], where: pd.Series | None = None
    ) -> None:
        """Each reference to a duplicated record now names one of its records at random."""
        frame = self.f[table]
        values = frame[column].astype(str)
        hit = values.isin(records.keys())
        if where is not None:
            hit &= where
        if not hit.any():
            return
        chosen = [records[v][int(self.rng.integers(0, len(records[v])))] for v in values[hit]]
        frame.loc[hit, column] = chosen


def plant_duplicates(
    frames: dict[str, pd.DataFrame], market, share: float, side_supplier: bool = False
) -> None:
    """Record ``share`` of the ring warehouses, ring factories and ring wholesalers several times
    (in place), with their truth in ``frames["truth/entities"]``."""
    rng = market.stream(14)
    planter = _Planter(frames, market, rng)
    orgs = frames["organizations"]
    ring_factories = list(market.ring_factory)
    wholesalers = orgs.loc[
        (orgs["kind"] == "wholesaler") & orgs["org_id"].isin(_ring_wholesalers(frames, ring_factories)),
        "org_id",
    ]
    chosen_orgs = [o for o in [*ring_factories, *wholesalers] if rng.random() < share]
    org_address = orgs.set_index("org_id")["address_id"]
    warehouses = [w for w in market.pools["warehouse"][0] if rng.random() < share]
    places = list(dict.fromkeys([*warehouses, *(org_address[o] for o in chosen_orgs)]))
    address_records = {a: planter.duplicate_address(a) for a in places}

    # organisations: realistic names, aliases with their own ids, accounts and address records
    org_records: dict[str, list[str]] = {}
    accounts: dict[str, str] = {}
    kinds = orgs.set_index("org_id")["kind"]
    for i, org in enumerate(chosen_orgs):
        core, trade = _core(i), TRADES[i % len(TRADES)]
        city = int(planter.parts.loc[org_address[org], "city"])
        orgs.loc[orgs["org_id"] == org, "name"] = company_name(-1, core, trade, kinds[org], city)
        count = int(rng.integers(1, 4))
        styles = rng.choice(NAME_STYLES, count, replace=False)
        ids = [f"O{x:06d}" for x in market.ids.take("org", count)]
        new_accounts = market.accounts(count).tolist()
        at = address_records[org_address[org]]
        phone = frames["org_links"].loc[
            (frames["org_links"]["org_id"] == org) & (frames["org_links"]["kind"] == "phone"), "value"
        ]
        for j, (new_id, style) in enumerate(zip(ids, styles, strict=True)):
            planter.new_orgs.append(
                {
                    "org_id": new_id,
                    "name": company_name(int(style), core, trade, kinds[org], city),
                    "kind": kinds[org],
                    "address_id": at[(j + 1) % len(at)],
                }
            )
            planter.new_org_links.append(
                {"org_id": new_id, "kind": "bank_account", "value": new_accounts[j], "role": "payout"}
            )
            same_phone = len(phone) and rng.random() < 0.3
            planter.new_org_links.append(
                {
                    "org_id": new_id,
                    "kind": "phone",
                    "value": phone.iloc[0] if same_phone else market.phones(1).iloc[0],
                    "role": "contact",
                }
            )
            accounts[new_id] = new_accounts[j]
        org_records[org] = [org, *ids]
        own = frames["org_links"].loc[
            (frames["org_links"]["org_id"] == org) & (frames["org_links"]["kind"] == "bank_account"), "value"
        ]
        accounts[org] = own.iloc[0]
        planter.truth += [("org", r, org, "record") for r in org_records[org]]

    frames["addresses"] = pd.concat(
        [frames["addresses"], pd.DataFrame(planter.new_addresses)], ignore_index=True
    )
    frames["organizations"] = pd.concat([orgs, pd.DataFrame(planter.new_orgs)], ignore_index=True)
    frames["org_links"] = pd.concat(
        [frames["org_links"], pd.DataFrame(planter.new_org_links)], ignore_index=True
    )
    record_address = frames["organizations"].set_index("org_id")["address_id"]
    _split_flows(frames, planter, org_records, accounts, record_address)
    for table, column in (
        ("seller_links", "value"),
        ("shipments", "to_address_id"),
        ("test_buys", "ship_from_address_id"),
    ):
        where = frames["seller_links"]["kind"] == "address" if table == "seller_links" else None
        planter.repoint(table, column, address_records, where)
    sent_by_seller = frames["shipments"]["sender_kind"] == "seller"
    planter.repoint("shipments", "from_address_id", address_records, sent_by_seller)
    _neighbours_used(frames, market, planter.neighbours, rng)
    if side_supplier:
        _side_suppliers(frames, market, org_records, rng, len(chosen_orgs))
    # role: record (one of an entity's records) or neighbour (a different place next door)
    frames["truth/entities"] = pd.DataFrame(
        planter.truth, columns=["record_kind", "record_id", "entity_id", "role"]
    )


def _ring_wholesalers(frames: dict[str, pd.DataFrame], factories: list[str]) -> set[str]:
    shipments = frames["shipments"]
    via = shipments[
        (shipments["sender_kind"] == "org")
        & shipments["sender_id"].isin(factories)
        & (shipments["recipient_kind"] == "org")
    ]
    return set(via["recipient_id"])


def _split_flows(frames, planter: _Planter, org_records, accounts, record_address) -> None:
    """Goods and money of a duplicated company spread over its records, each record shipping
    from its own address and paid into its own account."""
    if not org_records:
        return
    shipments, payments = frames["shipments"], frames["payments"]
    for side, address in (("sender", "from_address_id"), ("recipient", "to_address_id")):
        hit = (shipments[f"{side}_kind"] == "org") & shipments[f"{side}_id"].isin(org_records.keys())
        chosen = [
            org_records[o][int(planter.rng.integers(0, len(org_records[o])))]
            for o in shipments.loc[hit, f"{side}_id"]
        ]
        shipments.loc[hit, f"{side}_id"] = chosen
        shipments.loc[hit, address] = record_address.reindex(chosen).to_numpy()
    by_account = {
        _norm(pd.Series([accounts[o]])).iloc[0]: [accounts[r] for r in records]
        for o, records in org_records.items()
    }
    for column in ("to_account", "from_account"):
        normal = _norm(payments[column])
        hit = normal.isin(by_account.keys())
        payments.loc[hit, column] = [
            by_account[v][int(planter.rng.integers(0, len(by_account[v])))] for v in normal[hit]
        ]


def _append_links(frames, market, rows: list[dict]) -> None:
    links = frames["seller_links"]
    extra = pd.DataFrame(rows)
    # numbered on from the marketplace's last link (of every part so far)
    extra["source_record_id"] = [f"SL{i + 1:09d}" for i in market.ids.take("seller_link", len(extra))]
    frames["seller_links"] = pd.concat([links, extra], ignore_index=True)


def _neighbours_used(frames, market, neighbours: list[str], rng) -> None:
    """Ordinary sellers registered at each near-miss neighbour: merging it with the ring's
    warehouse next door would pull them into the ring."""
    if not neighbours:
        return
    legit = market.people.seller_ids.iloc[np.flatnonzero(~market.people.is_ring)].to_numpy()
    rows = []
    for address in neighbours:
        for seller in rng.choice(legit, int(rng.integers(1, 4)), replace=False):
            rows.append(
                {
                    "seller_id": seller,
                    "kind": "address",
                    "value": address,
                    "role": "registered",
                    "observed_at": "2024-06-01",
                }
            )
    _append_links(frames, market, rows)


def _side_suppliers(frames, market, org_records, rng, taken: int) -> None:
    """For each ring whose factory is recorded several times: a small supplier of its own, with
    0.45 of the factory's goods and money to the ring, which outranks each factory record alone."""
    shipments, payments = frames["shipments"], frames["payments"]
    factories = [f for f in market.ring_factory if f in org_records]
    rows_org, rows_links, rows_ship, rows_pay, rows_addr = [], [], [], [], []
    acct_values, acct_start, acct_sizes = market.pools["bank_account"]
    for n, factory in enumerate(factories):
        ring = int(np.flatnonzero(market.ring_factory.to_numpy() == factory)[0])
        members = market._ring_members(ring)
        member_ids = set(market.people.seller_ids.iloc[members])
        ring_accounts = set(_norm(acct_values.iloc[acct_start[ring] : acct_start[ring] + acct_sizes[ring]]))
        goods = shipments[
            (shipments["recipient_kind"] == "seller")
            & shipments["recipient_id"].isin(member_ids)
            & (shipments["sender_kind"] == "org")
        ]
        money = payments[_norm(payments["from_account"]).isin(ring_accounts)]
        if goods.empty:
            continue
        org_id = f"O{market.ids.take('org', 1)[0]:06d}"
        address_id = f"A{market.ids.take('address', 1)[0]:08d}"
        account = market.accounts(1).iloc[0]
        city = int(rng.choice(market.production_cities))
        place = CITIES.iloc[city]
        street, road = int(rng.integers(1, 999)), int(rng.integers(0, len(ROADS)))
        rows_addr.append(
            {
                "address_id": address_id,
                "text": address_text(0, street, road, 0, city, rng),
                "lat": round(place["lat"] + rng.normal(0, 0.04), 5),
                "lon": round(place["lon"] + rng.normal(0, 0.04), 5),
                "city": place["city"],
                "province": place["province"],
                "country": "CN",
                "kind": "factory",
            }
        )
        core, trade = _core(taken + 100 + n), TRADES[(taken + n) % len(TRADES)]
        rows_org.append(
            {
                "org_id": org_id,
                "name": company_name(-1, core, trade, "factory", city),
                "kind": "factory",
                "address_id": address_id,
            }
        )
        rows_links.append({"org_id": org_id, "kind": "bank_account", "value": account, "role": "payout"})
        waybills = int(rng.integers(2, 5))
        parcels = max(1, round(0.45 * goods["parcels"].astype(float).sum() / waybills))
        picked = goods.sample(waybills, replace=True, random_state=int(rng.integers(0, 2**31)))
        for _, row in picked.iterrows():
            rows_ship.append(
                {**row.to_dict(), "sender_id": org_id, "from_address_id": address_id, "parcels": parcels}
            )
        if len(money):
            amount = round(0.45 * money["amount"].astype(float).sum() / 3, 2)
            for _, row in money.sample(3, replace=True, random_state=int(rng.integers(0, 2**31))).iterrows():
                rows_pay.append({**row.to_dict(), "to_account": account, "amount": amount})
    if not rows_org:
        return
    frames["addresses"] = pd.concat([frames["addresses"], pd.DataFrame(rows_addr)], ignore_index=True)
    frames["organizations"] = pd.concat([frames["organizations"], pd.DataFrame(rows_org)], ignore_index=True)
    frames["org_links"] = pd.concat([frames["org_links"], pd.DataFrame(rows_links)], ignore_index=True)
    extra = pd.DataFrame(rows_ship)
    extra["waybill"] = [f"WB{i + 1:010d}" for i in market.ids.take("waybill", len(extra))]
    frames["shipments"] = pd.concat([shipments, extra], ignore_index=True)
    if rows_pay:
        extra = pd.DataFrame(rows_pay)
        extra["payment_id"] = [f"P{i + 1:09d}" for i in market.ids.take("payment", len(extra))]
        frames["payments"] = pd.concat([payments, extra], ignore_index=True)
