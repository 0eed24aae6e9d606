"""FollowTheMoney entities (JSON lines) so the packet loads into Aleph and other FtM tools."""

from __future__ import annotations

import json
from pathlib import Path

from followthemoney import model

from ..case import RingCase

__all__ = ["ftm_entities", "ftm_entity", "payment_entities", "write_entities", "write_ftm"]


def ftm_entity(schema: str, *key: str, **properties):
    """An FtM entity of ``schema`` with an id made from ``key`` and the non-empty ``properties``."""
    proxy = model.make_entity(schema)
    proxy.make_id(schema, *key)
    for name, values in properties.items():
        for value in values if isinstance(values, list) else [values]:
            if value not in (None, "") and str(value) != "nan":
                proxy.add(name, str(value))
    return proxy


# FtM has no schema for a device or for the input's own ids: they ride in ``keywords`` as
# "device:VALUE" / "address_id:VALUE", which `workbench import --ftm` reads back
KEYWORD_KINDS = ("device", "address_id", "org_id")


def _member_identifiers(case: RingCase) -> dict[str, dict[str, list[str]]]:
    """Every identifier of every member: the member's own columns and those tying it to others."""
    held: dict[str, dict[str, list[str]]] = {}
    columns = ("person_id", "phone", "email", "bank_account", "address_id")
    for m in case.members.itertuples(index=False):
        kinds = held.setdefault(m.seller_id, {})
        for column in columns:
            value = getattr(m, column, None)
            if value not in (None, "") and str(value) != "nan":
                kinds.setdefault(column.replace("address_id", "address"), []).append(str(value))
    for i in case.identifiers.itertuples(index=False):
        values = held.setdefault(i.seller_id, {}).setdefault(i.kind, [])
        if str(i.value) not in values:
            values.append(str(i.value))
    return held


def ftm_entities(case: RingCase) -> list:
    """Storefronts as UserAccount owned by a Person, their addresses, payout accounts (an UnknownLink
    from the storefront, an Ownership by the person), payments, the upstream organisations; each
    with its input record in ``notes`` or ``recordId``."""
    graph = _FtmGraph()
    located = case.locations.dropna(subset=["address_id"]).drop_duplicates("address_id")
    for a in located.itertuples(index=False):
        graph.address(a.address_id, a)
    identifiers = _member_identifiers(case)
    for m in case.members.itertuples(index=False):
        graph.storefront(m, identifiers.get(m.seller_id, {}))
    for u in case.upstream.itertuples(index=False):
        graph.keep(
            ftm_entity(
                "Organization",
                u.entity_id,
                name=str(getattr(u, "entity_name", "") or u.entity_id),
                description=f"upstream source rank {u.rank} (score {u.score}) of ring {case.ring_id}",
                notes=str(u.evidence)[:2000],
                keywords=f"org_id:{u.entity_id}",
            )
        )
    for proxy in payment_entities(case.payments):
        graph.keep(proxy)
    return list(graph.entities.values())


class _FtmGraph:
    """The entities made so far, by id: an address or a person met twice is one entity."""

    def __init__(self):
        self.entities: dict[str, object] = {}
        self._addresses: dict[str, str] = {}
        self._people: dict[str, object] = {}

    def keep(self, proxy):
        self.entities[proxy.id] = proxy
        return proxy

    def address(self, address_id: str, row=None) -> str:
        """The id of the ``Address`` entity of ``address_id`` (placed when ``row`` locates it)."""
        if address_id not in self._addresses:
            places = (
                {}
                if row is None
                else {
                    "full": f"{address_id}, {row.city}, {row.province}",
                    "city": row.city,
                    "region": row.province,
                    "country": "cn",
                    "latitude": row.lat,
                    "longitude": row.lon,
                }
            )
            proxy = self.keep(
                ftm_entity("Address", address_id, keywords=f"address_id:{address_id}", **places)
            )
            if row is None:
                proxy.add("full", address_id)
            self._addresses[address_id] = proxy.id
        return self._addresses[address_id]

    def person(self, person_id: str, provenance: str):
        if person_id not in self._people:
            self._people[person_id] = self.keep(
                ftm_entity(
                    "Person", person_id, name=f"Registrant {person_id}", idNumber=person_id, notes=provenance
                )
            )
        return self._people[person_id]

    def storefront(self, m, held: dict[str, list[str]]) -> None:
        """A member as a ``UserAccount`` with its contacts, addresses, registrants and payout accounts."""
        account = self.keep(
            ftm_entity(
                "UserAccount",
                m.seller_id,
                username=m.seller_id,
                name=str(m.shop_name),
                service=m.platform,
                phone=held.get("phone", []),
                email=held.get("email", []),
                ipAddress=held.get("ip", []),
                keywords=[f"device:{d}" for d in held.get("device", [])],
                notes=m.provenance,
            )
        )
        for address_id in held.get("address", []):
            account.add("addressEntity", self.address(address_id))
        owners = [self.person(p, m.provenance) for p in held.get("person_id", [])]
        for owner in owners:
            account.add("owner", owner.id)
        for number in held.get("bank_account", []):
            self.payout_account(account, owners, number, m.provenance)

    def payout_account(self, account, owners: list, number: str, provenance: str) -> None:
        """The account (an ``UnknownLink`` from the storefront) and its owners' ``Ownership``."""
        bank = self.keep(
            ftm_entity("BankAccount", number, accountNumber=number, name=f"Payout account {number}")
        )
        self.keep(
            ftm_entity(
                "UnknownLink",
                account.id,
                bank.id,
                subject=account.id,
                object=bank.id,
                role="payout account",
                recordId=provenance,
            )
        )
        for owner in owners:
            self.keep(
                ftm_entity(
                    "Ownership",
                    owner.id,
                    bank.id,
                    owner=owner.id,
                    asset=bank.id,
                    role="payout account",
                    recordId=provenance,
                )
            )


def payment_entities(payments) -> list:
    """Each payment as an FtM ``Payment`` between its two ``BankAccount`` entities."""
    out = []
    for p in payments.itertuples(index=False):
        payer = ftm_entity("BankAccount", p.from_account, accountNumber=p.from_account, name=p.from_account)
        payee = ftm_entity("BankAccount", p.to_account, accountNumber=p.to_account, name=p.to_account)
        paid = ftm_entity(
            "Payment",
            p.payment_id,
            transactionNumber=p.payment_id,
            amount=p.amount,
            currency=getattr(p, "currency", ""),
            date=str(getattr(p, "paid_at", "") or "")[:10],
            payerAccount=payer.id,
            beneficiaryAccount=payee.id,
            recordId=p.provenance,
        )
        out += [payer, payee, paid]
    return out


def write_entities(proxies, path: Path) -> Path:
    """FtM entities as JSON lines, one entity a line (an id given twice is written once)."""
    unique = {proxy.id: proxy for proxy in proxies}
    with path.open("w", encoding="utf-8") as f:
        for proxy in unique.values():
            f.write(json.dumps(proxy.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
    return path


def write_ftm(case: RingCase, path: Path) -> Path:
    return write_entities(ftm_entities(case), path)
    return path
