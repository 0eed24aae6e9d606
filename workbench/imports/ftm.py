"""`workbench import --ftm`: FollowTheMoney entities (JSON lines, as Aleph and `ftm` export them) into
the input format; what the model has no place for is counted in the report, never dropped unsaid.

Storefronts are ``UserAccount``; their phones, e-mails and IPs are its properties, the registrant's
ID is the ``idNumber`` of its ``owner``, a payout account is an ``UnknownLink`` to a ``BankAccount``
(or an ``Ownership`` of one by the registrant). ``Company``/``Organization`` become organisations,
``Address`` addresses, ``Payment`` payments, ``Directorship`` a person_id link of the organisation.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
from followthemoney import model
from followthemoney.exc import InvalidData

from workbench.errors import InputError

from .convert import ImportReport, prepare_out, write_input_folder, write_report

__all__ = ["import_ftm"]

ORGANISATIONS = ("Company", "Organization", "LegalEntity", "PublicBody")
PEOPLE = ("Person",)
# schemata read only for what other entities refer to (an account number, a holder's id)
REFERENCED = ("BankAccount", "Person")


def _read_entities(path: Path, report: ImportReport) -> dict[str, tuple[object, int]]:
    """Every entity of the file by id, with its line; unreadable lines are quarantined."""
    entities: dict[str, tuple[object, int]] = {}
    bad_lines, bad_text, bad_reason = [], [], []
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                if not isinstance(data, dict) or not data.get("id") or not data.get("schema"):
                    raise InvalidData("an entity has an id and a schema")
                if model.get(data["schema"]) is None:
                    raise InvalidData(f"{str(data['schema'])[:60]!r} is not a FollowTheMoney schema")
                proxy = model.get_proxy(data, cleaned=False)
            except (json.JSONDecodeError, InvalidData, TypeError, ValueError) as exc:
                bad_lines.append(number)
                bad_text.append(line[:200])
                bad_reason.append(f"not a FollowTheMoney entity: {str(exc).splitlines()[0][:200]}")
                continue
            entities[proxy.id] = (proxy, number)
    report.reads[path.name] = {"read": len(entities) + len(bad_lines), "unreadable": len(bad_lines)}
    if bad_lines:
        report.set_aside(path.name, bad_lines, "(row)", bad_text, bad_reason)
    return entities


def _keyword(proxy, kind: str) -> list[str]:
    prefix = f"{kind}:"
    return [k[len(prefix) :] for k in proxy.get("keywords") if k.startswith(prefix)]


def _first(proxy, *props: str) -> str:
    for prop in props:
        values = proxy.get(prop, quiet=True)
        if values:
            return str(values[0])
    return ""


def import_ftm(path: Path, out: Path) -> ImportReport:
    """Convert the FtM entities in ``path`` into an input folder at ``out``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file (expected FollowTheMoney entities, one JSON object a line)")
    report = ImportReport()
    entities = _read_entities(path, report)
    rows: dict[str, list[dict]] = defaultdict(list)
    unplaced: Counter = Counter()
    used: set[str] = set()

    def record(line: int) -> str:
        return f"{path.name}:{line}"

    def schema_of(entity_id: str) -> str:
        return entities[entity_id][0].schema.name if entity_id in entities else ""

    def address_id(entity_id: str) -> str:
        if entity_id not in entities:
            return entity_id
        return (_keyword(entities[entity_id][0], "address_id") or [entity_id])[0]

    def account_number(entity_id: str) -> str:
        if entity_id in entities and entities[entity_id][0].schema.is_a("BankAccount"):
            used.add(entity_id)
            return _first(entities[entity_id][0], "accountNumber", "iban", "number") or entity_id
        return entity_id

    def person_number(entity_id: str) -> str:
        if entity_id in entities:
            used.add(entity_id)
            return _first(entities[entity_id][0], "idNumber", "passportNumber", "taxNumber") or entity_id
        return entity_id

    def org_id(entity_id: str) -> str:
        proxy = entities[entity_id][0]
        return (_keyword(proxy, "org_id") or [_first(proxy, "registrationNumber") or entity_id])[0]

    sellers_of_owner: dict[str, list[str]] = defaultdict(list)
    payout_of_seller: dict[str, set[str]] = defaultdict(set)
    seller_of_account: dict[str, str] = {}
    for entity_id, (proxy, line) in entities.items():
        if proxy.schema.name != "UserAccount":
            continue
        seller = _first(proxy, "username") or entity_id
        seller_of_account[entity_id] = seller
        used.add(entity_id)
        rows["sellers"].append(
            {
                "seller_id": seller,
                "shop_name": _first(proxy, "name"),
                "platform": _first(proxy, "service"),
                "source_record_id": record(line),
            }
        )

        def link(kind: str, value: str, role: str = "", seller: str = seller, line: int = line) -> None:
            rows["seller_links"].append(
                {
                    "seller_id": seller,
                    "kind": kind,
                    "value": value,
                    "role": role,
                    "source_record_id": record(line),
                }
            )

        for prop, kind in (("phone", "phone"), ("email", "email"), ("ipAddress", "ip")):
            for value in proxy.get(prop):
                link(kind, value)
        for device in _keyword(proxy, "device"):
            link("device", device)
        for owner in proxy.get("owner"):
            sellers_of_owner[owner].append(seller)
            link("person_id", person_number(owner))
        for place in proxy.get("addressEntity"):
            used.add(place)
            link("address", address_id(place), "registered")
    for entity_id, (proxy, line) in entities.items():
        name = proxy.schema.name
        if name == "UnknownLink":
            subjects = [s for s in proxy.get("subject") if s in seller_of_account]
            objects = [o for o in proxy.get("object") if schema_of(o) == "BankAccount"]
            if not subjects or not objects:
                unplaced["UnknownLink (not a storefront to a bank account)"] += 1
                continue
            used.add(entity_id)
            for s in subjects:
                for o in objects:
                    number = account_number(o)
                    payout_of_seller[seller_of_account[s]].add(number)
                    rows["seller_links"].append(
                        {
                            "seller_id": seller_of_account[s],
                            "kind": "bank_account",
                            "value": number,
                            "role": _first(proxy, "role"),
                            "source_record_id": record(line),
                        }
                    )
        elif name == "Address":
            used.add(entity_id)
            rows["addresses"].append(
                {
                    "address_id": address_id(entity_id),
                    "text": _first(proxy, "full", "street"),
                    "lat": _first(proxy, "latitude"),
                    "lon": _first(proxy, "longitude"),
                    "city": _first(proxy, "city"),
                    "province": _first(proxy, "region", "state"),
                    "country": _first(proxy, "country"),
                    "source_record_id": record(line),
                }
            )
        elif name in ORGANISATIONS:
            used.add(entity_id)
            place = _first(proxy, "addressEntity")
            rows["organizations"].append(
                {
                    "org_id": org_id(entity_id),
                    "name": _first(proxy, "name"),
                    "kind": "other",
                    "address_id": address_id(place) if place else "",
                    "source_record_id": record(line),
                }
            )
        elif name == "Payment":
            payer = _first(proxy, "payerAccount", "payer")
            payee = _first(proxy, "beneficiaryAccount", "beneficiary")
            if not payer or not payee:
                used.add(entity_id)  # accounted for in the quarantine
                report.set_aside(
                    path.name,
                    [line],
                    "Payment.payer/beneficiary",
                    [entity_id],
                    "a payment without both sides",
                )
                continue
            used.add(entity_id)
            rows["payments"].append(
                {
                    "payment_id": _first(proxy, "transactionNumber") or entity_id,
                    "from_account": account_number(payer),
                    "to_account": account_number(payee),
                    "amount": _first(proxy, "amount"),
                    "currency": _first(proxy, "currency").upper(),
                    "paid_at": _first(proxy, "date", "startDate"),
                    "source_record_id": record(line),
                }
            )
        elif name == "Directorship":
            used.add(entity_id)
            for organisation in proxy.get("organization"):
                if schema_of(organisation) not in ORGANISATIONS:
                    continue
                for director in proxy.get("director"):
                    rows["org_links"].append(
                        {
                            "org_id": org_id(organisation),
                            "kind": "person_id",
                            "value": person_number(director),
                            "role": _first(proxy, "role") or "director",
                            "source_record_id": record(line),
                        }
                    )
    # an account owned by a registrant is a payout account of the registrant's storefronts that do
    # not already name one; owned by a company, it is that company's account
    for entity_id, (proxy, line) in entities.items():
        if proxy.schema.name != "Ownership":
            continue
        assets = [a for a in proxy.get("asset") if schema_of(a) == "BankAccount"]
        if not assets:
            unplaced["Ownership (of something other than a bank account)"] += 1
            continue
        used.add(entity_id)
        for owner in proxy.get("owner"):
            for asset in assets:
                number = account_number(asset)
                if schema_of(owner) in ORGANISATIONS:
                    rows["org_links"].append(
                        {
                            "org_id": org_id(owner),
                            "kind": "bank_account",
                            "value": number,
                            "role": "owner",
                            "source_record_id": record(line),
                        }
                    )
                    continue
                for seller in sellers_of_owner.get(owner, []):
                    if not payout_of_seller[seller]:
                        rows["seller_links"].append(
                            {
                                "seller_id": seller,
                                "kind": "bank_account",
                                "value": number,
                                "role": _first(proxy, "role"),
                                "source_record_id": record(line),
                            }
                        )
    for entity_id, (proxy, _) in entities.items():
        if entity_id not in used:
            unplaced[proxy.schema.name] += 1
    report.unplaced = dict(sorted(unplaced.items()))
    made = {}
    for file, found in rows.items():
        frame = pd.DataFrame(found).astype(str)
        line = frame["source_record_id"].str.rsplit(":", n=1).str[1].astype(int)
        made[file] = [frame.assign(_line=line, _file=path.name)]
    prepare_out(Path(out))
    write_input_folder(made, Path(out), report)
    write_report(Path(out), report, None)
    return report
