"""FollowTheMoney entities (JSON lines) so the packet loads into Aleph and other FtM tools."""

from __future__ import annotations

import json
from pathlib import Path

from followthemoney import model

from ..case import RingCase

__all__ = ["ftm_entities", "write_ftm"]


def _entity(schema: str, *key: str, **properties):
    proxy = model.make_entity(schema)
    proxy.make_id(schema, *key)
    for name, values in properties.items():
        for value in values if isinstance(values, list) else [values]:
            if value not in (None, "") and str(value) != "nan":
                proxy.add(name, str(value))
    return proxy


def ftm_entities(case: RingCase) -> list:
    """Storefronts as UserAccount owned by a Person, their addresses, payout accounts, payments,
    the upstream organisations; each with its input record in ``notes`` or ``recordId``."""
    entities = {}

    def keep(proxy):
        entities[proxy.id] = proxy
        return proxy

    addresses = case.locations.dropna(subset=["address_id"]).drop_duplicates("address_id")
    address_ids = {}
    for a in addresses.itertuples(index=False):
        proxy = keep(
            _entity(
                "Address",
                a.address_id,
                full=f"{a.address_id}, {a.city}, {a.province}",
                city=a.city,
                region=a.province,
                country="cn",
                latitude=a.lat,
                longitude=a.lon,
            )
        )
        address_ids[a.address_id] = proxy.id
    people = {}
    for m in case.members.itertuples(index=False):
        owner = None
        if m.person_id:
            if m.person_id not in people:
                people[m.person_id] = keep(
                    _entity(
                        "Person",
                        m.person_id,
                        name=f"Registrant {m.person_id}",
                        idNumber=m.person_id,
                        notes=m.provenance,
                    )
                )
            owner = people[m.person_id]
        account = keep(
            _entity(
                "UserAccount",
                m.seller_id,
                username=m.seller_id,
                name=str(m.shop_name),
                service=m.platform,
                phone=m.phone,
                email=m.email,
                notes=m.provenance,
                addressEntity=address_ids.get(m.address_id),
            )
        )
        if owner is not None:
            account.add("owner", owner.id)
        if m.bank_account and owner is not None:
            bank = keep(
                _entity(
                    "BankAccount",
                    m.bank_account,
                    accountNumber=m.bank_account,
                    name=f"Payout account {m.bank_account}",
                )
            )
            keep(
                _entity(
                    "Ownership",
                    owner.id,
                    bank.id,
                    owner=owner.id,
                    asset=bank.id,
                    role="payout account",
                    recordId=m.provenance,
                )
            )
    for u in case.upstream.itertuples(index=False):
        keep(
            _entity(
                "Organization",
                u.entity_id,
                name=str(getattr(u, "entity_name", "") or u.entity_id),
                description=f"upstream source rank {u.rank} (score {u.score}) of ring {case.ring_id}",
                notes=str(u.evidence)[:2000],
            )
        )
    for p in case.payments.itertuples(index=False):
        payer = keep(
            _entity("BankAccount", p.from_account, accountNumber=p.from_account, name=p.from_account)
        )
        payee = keep(_entity("BankAccount", p.to_account, accountNumber=p.to_account, name=p.to_account))
        keep(
            _entity(
                "Payment",
                p.payment_id,
                transactionNumber=p.payment_id,
                amount=p.amount,
                currency=getattr(p, "currency", ""),
                date=str(getattr(p, "paid_at", ""))[:10],
                payerAccount=payer.id,
                beneficiaryAccount=payee.id,
                recordId=p.provenance,
            )
        )
    return list(entities.values())


def write_ftm(case: RingCase, path: Path) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for proxy in ftm_entities(case):
            f.write(json.dumps(proxy.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
    return path
